"""The on-screen keyboard for free text (a guest's name, a school): large keys, QWERTY.

Any state whose input mode is ``TEXT`` can show it (``OnScreenKeyboard:`` in its kv rule);
it only calls the view-model, as a physical keyboard does: a character key
``vm.type_char``, Delete ``vm.backspace``, Next ``vm.submit``. So the field, its limit,
the burst rule and the voice's echo are the same however a letter was typed, and a
physical keyboard keeps typing straight into the field while the keyboard is shown.

Layout (the rows of a laptop's keyboard, which patrons in Indonesia use: QWERTY, digits
on top; the punctuation names and schools need, ``- ' . , / &``, where a laptop has it or
next to it)::

    1 2 3 4 5 6 7 8 9 0 -  [Delete]
     q w e r t y u i o p ' &
      a s d f g h j k l  [ Next ]
    [Shift] z x c v b n m , . /
           [     Space     ]

Shift is one-shot, as on a phone: it capitalises the next letter and goes off again. While
it is on, its key is filled in the "pressed" colour, its word changes ("Shift on") and the
letters show as capitals: the state is never told by colour alone. The keys are ordinary
buttons, so the focus ring (``key_focus``) reaches them in reading order and voice mode
names them; their styles are the kv rules ``KeyboardCharKey`` and ``KeyboardWordKey``
(``screens/keyboard.kv``), sized by ``capped_scale`` and by their own height, so the same
rows fit 1280x800 and 1920x1080 at 100, 150 and 200 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.ui.voice import CHAR_WORDS

SHIFT, BACKSPACE, SPACE, NEXT = "shift", "backspace", "space", "next"
"""The word keys' actions (their words are ``keyboard.<action>`` catalogue texts)."""

Cell = tuple[str, float]
"""One place in a row: a character (one key), a word key's action, or "" for a gap; and
its width in key units."""

ROWS: tuple[tuple[Cell, ...], ...] = (
    (*((c, 1.0) for c in "1234567890-"), (BACKSPACE, 2.0)),
    (("", 0.5), *((c, 1.0) for c in "qwertyuiop'&"), ("", 0.5)),
    (("", 1.0), *((c, 1.0) for c in "asdfghjkl"), (NEXT, 3.0)),
    ((SHIFT, 2.0), *((c, 1.0) for c in "zxcvbnm,./"), ("", 1.0)),
    (("", 3.0), (SPACE, 7.0), ("", 3.0)),
)
"""Every row is 13 key units wide, so the columns line up as on a real keyboard."""

WORD_KEYS = frozenset({SHIFT, BACKSPACE, SPACE, NEXT})


class OnScreenKeyboard(BoxLayout):
    """The keyboard's rows of keys; it fills the space its parent gives it.

    Attributes:
        shift: the next letter is a capital (one-shot; the Shift key toggles it).
        submit_word: catalogue key of the Next key's word (``keyboard.next``; a form's
            last field may say ``common.ok``).
    """

    shift = BooleanProperty(False)
    submit_word = StringProperty("keyboard.next")
    voice_group = True
    """Voice mode numbers the keys once over the whole keyboard, in the ring's order
    ("q, key, 13 of 45"), not per row (``kiosk.ui.voice_input.describe``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keys: dict[str, Widget] = {}
        """Every key by its character or word action (the tests press them by name)."""
        for row in ROWS:
            self.add_widget(self._row(row))
        self.bind(shift=self._shift_changed, submit_word=self._submit_word_changed)

    def _row(self, cells: Sequence[Cell]) -> BoxLayout:
        row = BoxLayout(orientation="horizontal", spacing=self.spacing)
        self.bind(spacing=row.setter("spacing"))
        for name, width in cells:
            if not name:
                row.add_widget(Widget(size_hint_x=width))
                continue
            key = self._key(name)
            key.size_hint_x = width
            self.keys[name] = key
            row.add_widget(key)
        return row

    def _key(self, name: str) -> Widget:
        if name in WORD_KEYS:
            key = Factory.KeyboardWordKey()
            key.action = name
            key.word = f"keyboard.{name}" if name != NEXT else self.submit_word
            if name == NEXT:
                key.submit = True
            key.bind(on_release=self._word_pressed)
        else:
            key = Factory.KeyboardCharKey()
            key.char = name
            key.say = CHAR_WORDS.get(name, "")  # voice mode names "'" as "apostrof"
            key.bind(on_release=self._char_pressed)
        return key

    # ----- keys --------------------------------------------------------------------------

    def _char_pressed(self, key: Any) -> None:
        vm = _vm()
        vm.type_char(key.text)  # the capital it shows while Shift is on
        if self.shift and key.char.isalpha():
            self.shift = False  # one-shot: the next letter is small again

    def _word_pressed(self, key: Any) -> None:
        vm = _vm()
        action = key.action
        if action == SHIFT:
            self.shift = not self.shift
            vm.touched()  # the patron is there, though nothing is typed
        elif action == BACKSPACE:
            vm.backspace()
        elif action == SPACE:
            vm.type_char(" ")
        else:
            self.shift = False
            vm.submit()

    def _shift_changed(self, _keyboard: object, on: bool) -> None:
        for name, key in self.keys.items():
            if name == SHIFT:
                key.word = "keyboard.shift_on" if on else "keyboard.shift"
                key.active = on
            elif name not in WORD_KEYS:
                key.shifted = on

    def _submit_word_changed(self, _keyboard: object, word: str) -> None:
        self.keys[NEXT].word = word

    def reset(self, *_args: object) -> None:
        """Shift off (a new field, a new screen): a capital never carries over."""
        self.shift = False


def word_font(text: str, width: float, height: float, most: float) -> float:
    """The font size of a word key's ``text`` (Shift, Space, Delete, Next): as large as
    ``most`` allows while it fits the key, on one line when the whole text fits across,
    else one word a line. At 200 % the keys stop growing; a fixed share of their height
    (two lines' worth for every word) left one-word keys in small print.

    Args:
        text: the key's words.
        width, height: the key's size in pixels.
        most: the largest size wanted (the text size's).
    """
    words = text.split() or [""]
    pad_x, pad_y = dp(16), dp(10)
    across = (width - pad_x) / (GLYPH_WIDTH * max(len(text), 1))
    if across * LINE_HEIGHT <= height - pad_y and across >= most:
        return most
    one_line = min(across, (height - pad_y) / LINE_HEIGHT)
    longest = max(len(word) for word in words) or 1
    stacked = min(
        (width - pad_x) / (GLYPH_WIDTH * longest), (height - pad_y) / (LINE_HEIGHT * len(words))
    )
    return max(1.0, min(most, max(one_line, stacked)))


GLYPH_WIDTH = 0.62
"""A bold glyph's width, as a share of the font size (wide letters included)."""
LINE_HEIGHT = 1.3
"""A line's height, as a share of the font size."""


def _vm() -> Any:
    return App.get_running_app().vm

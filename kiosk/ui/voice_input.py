"""Keys and touches for voice guidance: EZ Access-style keys, explore by touch, the guard.

The key map (printed for the library in README.md; a tactile dot on keypad 5 as on every
phone and cash machine, so the digits are found by touch):

=====================  ==========================  ======================
action                 keyboard                    numeric keypad
=====================  ==========================  ======================
next / previous        Down, Right, Tab / Up, Left  ``+`` / ``-``
activate               Enter                       Enter
back (cancel, close)   Escape                      ``.`` (Del)
help                   F1                          ``/``
repeat                 F5                          ``*``
volume down / up       F6 / F7
slower / faster        F8 / F9
voice on / off         F10
digits                 0-9                         0-9
=====================  ==========================  ======================

On a free-text field (a TEXT state) repeat reads the field back, then its notice.

Voice mode starts at the attract screen with any key (a digit also types: it may be a
card number) or a touch held :data:`HOLD_TO_START` seconds anywhere. While it is on, a
touch says the control under the finger and rings it without pressing it; a double tap
(or Enter) presses the control last spoken.

The guard: a key still held down repeats in the operating system; those repeats are
ignored (a key counts once per press). A second press of the same key or a second tap
at the same place within ``repeat_guard`` seconds is ignored too (a tremor, an
accidental double tap), except the double tap that activates in voice mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.core.navigation import InputMode, Navigation
from kiosk.ui.key_focus import KeyFocus, buttons, reachable
from kiosk.ui.voice import Control, VoiceGuide

KEY_ENTER, KEY_NUMPAD_ENTER, KEY_ESCAPE, KEY_TAB = 13, 271, 27, 9
KEY_F5, KEY_F6, KEY_F7, KEY_F8, KEY_F9, KEY_F10 = 286, 287, 288, 289, 290, 291
KEY_KP_DECIMAL, KEY_KP_DIVIDE, KEY_KP_MULTIPLY, KEY_KP_MINUS, KEY_KP_PLUS = 266, 267, 268, 269, 270
KEYPAD_TEXT = {KEY_KP_DECIMAL: ".", KEY_KP_DIVIDE: "/", KEY_KP_MULTIPLY: "*",
               KEY_KP_MINUS: "-", KEY_KP_PLUS: "+"}  # fmt: skip
"""Keypad keys that are voice commands; their typed character must not reach the entry."""
SIGHTED_KEYS = frozenset({283, 284, 285})
"""F2 language, F3 text size, F4 colours: at the attract screen they do their own job
(a low-vision patron sets the screen up) without starting voice guidance."""
MODIFIER_KEYS = frozenset({300, 301, 303, 304, 305, 306, 307, 308, 309, 310, 311})
"""Num Lock, Caps Lock, Shift, Ctrl, Alt, Alt Gr, Super, Compose: alone they start nothing
at the attract screen (a technician's Ctrl+Alt+T must not turn the voice on first)."""
HOLD_TO_START = 2.0  # seconds a finger rests anywhere to start voice guidance
SAME_PLACE = 30  # px: a second tap this close to the first is the same tap
_MARKUP = re.compile(r"\[/?[a-z_]+(=[^\]]*)?\]")


class VoiceInput:
    """Routes keys and touches for voice mode; the app asks it first.

    Args:
        vm: the view-model.
        guide: the voice guide.
        focus: the key focus ring (the voice follows it).
        repeat_guard: seconds within which a second press of the same key is ignored.
        monotonic: the clock.
    """

    def __init__(
        self,
        vm: Any,
        guide: VoiceGuide,
        focus: KeyFocus,
        root: Widget,
        *,
        repeat_guard: float,
        monotonic: Callable[[], float],
    ) -> None:
        self._vm = vm
        self._guide = guide
        self._focus = focus
        self._root = root
        self._guard = repeat_guard
        self._monotonic = monotonic
        self._held: set[int] = set()
        self._last_key: tuple[int, float] | None = None
        self._last_tap: tuple[float, float, float] | None = None
        self._swallow = ""
        self._hold: Any = None
        self._said_name = ""

    # ----- keys --------------------------------------------------------------------------

    def key_down(self, key: int, modifiers: Any = ()) -> bool:
        """A key went down. True when it was used up here (the app does nothing more)."""
        if key in self._held:
            return True  # the operating system repeating a held key
        self._held.add(key)
        now = self._monotonic()
        last = self._last_key
        self._last_key = (key, now)
        if self._guard and last is not None and last[0] == key and now - last[1] < self._guard:
            self._swallow = KEYPAD_TEXT.get(key, "")
            return True
        vm = self._vm
        if key == KEY_F10:
            vm.toggle_voice()
            return True
        if not vm.voice_mode:
            ignored = key in SIGHTED_KEYS or key in MODIFIER_KEYS
            if vm.screen == Navigation.IDLE and not vm.warning_text and not ignored:
                return self._start_from_attract(key)
            return False
        return self._voice_key(key)

    def key_up(self, key: int) -> None:
        self._held.discard(key)

    def text(self, char: str) -> bool:
        """A typed character. True when it was a voice command's, not the patron's text."""
        if self._swallow and char == self._swallow:
            self._swallow = ""
            return True
        self._swallow = ""
        self._last_key = None  # Enter after typing is not a second press of the last Enter
        return False

    def _start_from_attract(self, key: int) -> bool:
        """Any key at the attract screen starts voice guidance; a printable one (a digit:
        maybe a card number) still types, and a keyboard-wedge scan is not a person."""
        if self._vm.entry_text:
            return False  # Enter (or Backspace) on a card number being typed or scanned
        if key in KEYPAD_TEXT:
            self._swallow = KEYPAD_TEXT[key]
        elif 32 <= key < 127 or 256 <= key <= 265:
            # Typed characters arrive as text too: wait a moment, so the burst of a
            # keyboard-wedge scanner (a card scanned) is not taken for a person.
            Clock.schedule_once(lambda _dt: self._start_unless_scan(), 0.15)
            return False
        self._vm.start_voice()
        return True

    def _start_unless_scan(self) -> None:
        vm = self._vm
        if not vm.voice_mode and vm.screen == Navigation.IDLE and not vm.typing_burst():
            vm.start_voice()

    def _voice_key(self, key: int) -> bool:
        guide, vm = self._guide, self._vm
        if key in KEYPAD_TEXT:
            self._swallow = KEYPAD_TEXT[key]
        if key in (KEY_KP_PLUS, KEY_KP_MINUS):
            vm.touched()
            self.move(1 if key == KEY_KP_PLUS else -1)
        elif key in (KEY_F5, KEY_KP_MULTIPLY):
            if vm.input_mode == InputMode.TEXT.value:
                guide.read_back()  # a form's field: what it holds, not the last letter
            else:
                guide.repeat()
        elif key in (KEY_F6, KEY_F7):
            guide.change_volume(1 if key == KEY_F7 else -1)
        elif key in (KEY_F8, KEY_F9):
            guide.change_rate(1 if key == KEY_F9 else -1)
        elif key == KEY_KP_DIVIDE:
            vm.show_help()
        elif key == KEY_KP_DECIMAL:
            vm.cancel_or_close_help()
        else:
            guide.interrupt()  # any other key is the patron acting: stop talking
            return False
        return True

    def move(self, step: int) -> None:
        """Ring the next or previous control and say it."""
        self._focus.move(step)
        self.say_target()

    def say_if_renamed(self, widget: Widget) -> None:
        """After ``widget`` was pressed: if it is still ringed and its words changed (a
        toggle: text size, colours), say it again with its new words."""
        if self._focus.target is widget and spoken_name(widget) != self._said_name:
            self.say_target()

    def say_target(self) -> None:
        """Say the ringed control (after a key moved the ring)."""
        target = self._focus.target
        if target is not None:
            control = describe(target, self._root)
            self._said_name = control.name
            self._guide.describe_control(control)

    # ----- touches -----------------------------------------------------------------------

    def touch_down(self, touch: Any) -> bool:
        """A finger came down. True when it was used up here (nothing underneath acts)."""
        vm = self._vm
        x, y = touch.pos
        now = self._monotonic()
        last, self._last_tap = self._last_tap, (x, y, now)
        if not vm.voice_mode:
            self._hold = Clock.schedule_once(lambda _dt: self._held_long(touch), HOLD_TO_START)
            same = last is not None and abs(last[0] - x) + abs(last[1] - y) < SAME_PLACE
            return bool(self._guard and same and now - last[2] < self._guard)  # type: ignore[index]
        if getattr(touch, "is_double_tap", False):
            if not self._focus.press():
                self._guide.interrupt()
            return True
        target = _button_at(self._root, x, y)
        if target is not None:
            self._focus.ring(target)
            self.say_target()
        else:
            self._guide.describe_text(_text_at(self._root, x, y))
        return True

    def touch_up(self, _touch: Any) -> None:
        if self._hold is not None:
            self._hold.cancel()
            self._hold = None

    def _held_long(self, touch: Any) -> None:
        """A finger rested long enough: voice guidance, and the button under it is not
        pressed when the finger lifts."""
        self._hold = None
        for ref in list(touch.grab_list):
            widget = ref()
            if widget is None:
                continue
            touch.ungrab(widget)
            if isinstance(widget, ButtonBehavior):
                widget.state = "normal"
        self._vm.start_voice()


def describe(widget: Widget, root: Widget) -> Control:
    """How the voice names ``widget``: its name, position in its group and state."""
    group = _group(widget, root)
    position = group.index(widget) + 1 if widget in group else 1
    state = "voice.state.selected" if getattr(widget, "default", False) is True else ""
    return Control(
        spoken_name(widget),
        position,
        max(1, len(group)),
        state,
        row_title=str(getattr(widget, "row_title", "") or ""),
        row_detail=str(getattr(widget, "row_detail", "") or ""),
    )


def spoken_name(widget: Widget) -> str:
    """A control's name: its ``spoken_name`` if it has one, else its text, else the texts
    of the labels inside it in reading order (a menu choice, a rating face)."""
    name = str(getattr(widget, "spoken_name", "") or "")
    if not name:
        name = str(getattr(widget, "text", "") or "")
    if not name:
        labels = [w for w in widget.walk(restrict=True) if isinstance(w, Label) and w.text]
        labels.sort(key=lambda w: (-round(w.to_window(w.x, w.top)[1]), w.to_window(w.x, w.y)[0]))
        name = ", ".join(label.text for label in labels)
    return " ".join(_MARKUP.sub("", name).split())


def _group(widget: Widget, root: Widget) -> list[Widget]:
    """The controls ``widget`` is counted among: every key of a container that declares
    ``voice_group`` (the on-screen keyboard: "q, 13 of 45" on every row, Space and Delete
    included, in the order the ring moves), else those of the nearest container that holds
    more than one (the keypad's keys, the menu's choices, the list's Renew buttons), never
    counting a voice group's keys among the controls around it (Cancel beside the
    keyboard is not "47 of 47")."""
    every = buttons(root)
    for holder in _ancestors(widget):
        if getattr(holder, "voice_group", False):
            return [w for w in every if _is_inside(w, holder)]
    every = [w for w in every if not any(getattr(n, "voice_group", False) for n in _ancestors(w))]
    node: Any = widget.parent
    while node is not None and node is not root:
        inside = [w for w in every if _is_inside(w, node)]
        if len(inside) > 1:
            return inside
        node = node.parent
    return every


def _ancestors(widget: Widget) -> list[Any]:
    found: list[Any] = []
    node: Any = widget.parent
    while node is not None and node not in found:
        found.append(node)
        node = node.parent if node.parent is not node else None
    return found


def _is_inside(widget: Widget, ancestor: Widget) -> bool:
    node: Any = widget.parent
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent if node.parent is not node else None
    return False


def _button_at(root: Widget, x: float, y: float) -> Widget | None:
    for widget in reversed(buttons(root)):
        wx, wy = widget.to_window(widget.x, widget.y)
        if wx <= x <= wx + widget.width and wy <= y <= wy + widget.height:
            return widget
    return None


def _text_at(root: Widget, x: float, y: float) -> str:
    """The text under the finger (the innermost visible label holding the point)."""
    found = ""
    for widget in reachable(root, lambda w: isinstance(w, Label) and bool(w.text)):
        wx, wy = widget.to_window(widget.x, widget.y)
        if wx <= x <= wx + widget.width and wy <= y <= wy + widget.height:
            found = widget.text
    return " ".join(_MARKUP.sub("", found).split())

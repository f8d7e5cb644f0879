"""The on-screen keyboard in a real window, offscreen: layout, colours, touches, keys.

Run by ``test_keyboard_offscreen.py`` in a child process (one Kivy window per process),
like ``screen_probe.py``, whose ``Probe`` and ``main`` it reuses; the kiosk is built with
the throw-away ``form`` service (``tests/flows/text_form.py``) whose one TEXT state shows
the keyboard under its field.

    python tests/ui/keyboard_probe.py SCENARIO --data DIR [--size 1280x800] [--language en]
                                               [--text-size 200] [--themes a,b] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS / "ui"))

from screen_probe import Probe, look, main  # noqa: E402

KEY_ENTER, KEY_BACKSPACE, KEY_TAB = 13, 8, 9


def _make(args: argparse.Namespace) -> Probe:
    from flows.text_form import FORM_SERVICES

    themes = [name for name in args.themes.split(",") if name]
    return Probe(
        args.data, args.out, (args.width, args.height), args.language, args.text_size,
        None, themes, services=FORM_SERVICES,
    )  # fmt: skip


def _start(p: Probe) -> Any:
    from flows.text_form import SCREEN_RULES
    from kivy.lang import Builder

    Builder.load_string(SCREEN_RULES)  # before the app builds its screens
    return p


def _keyboard(p: Probe) -> Any:
    from kiosk.ui.keyboard import OnScreenKeyboard

    found = [w for w in p.root.walk(restrict=True) if isinstance(w, OnScreenKeyboard)]
    shown = [w for w in found if w.get_root_window() is not None and w.width > 2]
    assert shown, "no keyboard on the screen"
    return shown[0]


def _key_down(key: int, modifiers: tuple[str, ...] = ()) -> None:
    from kivy.core.window import Window

    Window.dispatch("on_key_down", key, 0, None, list(modifiers))
    Window.dispatch("on_key_up", key, 0)


def layout(p: Probe) -> Iterator[None]:
    """The keyboard at this probe's language and text size (``--text-size``): what the
    layout check finds, the keys' sizes and words, and the contrast in ``--themes``."""
    from contrast_check import ring_contrast_defects, text_contrast_defects
    from kivy.app import App
    from kivy.metrics import dp

    from kiosk.ui.key_focus import KeyFocus

    p.vm.choose("form")
    yield
    defects: list[str] = []
    yield from look(p, "keyboard", p.tag, None, defects)
    board = _keyboard(p)
    keys = board.keys
    p.found["defects"] = defects
    p.found["screen"] = p.vm.screen
    p.found["words"] = {name: keys[name].text for name in ("shift", "space", "backspace", "next")}
    chars = [key for name, key in keys.items() if len(name) == 1]
    p.found["smallest_key"] = [min(k.width for k in chars), min(k.height for k in chars)]
    p.found["smallest_glyph"] = min(k.texture_size[1] for k in chars)
    words = [keys[name] for name in ("shift", "space", "backspace", "next")]
    p.found["smallest_word_font"] = min(k.font_size for k in words)
    p.found["char_font"] = min(k.font_size for k in chars)
    boxes = [p.box(key) for key in keys.values()]
    p.found["inside_window"] = all(
        x >= 0 and y >= 0 and x + w <= p.size[0] + 0.5 and y + h <= p.size[1] + 0.5
        for x, y, w, h in boxes
    )
    contrast: list[str] = []
    app = App.get_running_app()
    for theme in p.themes:
        p.vm.theme_name = theme
        board.shift = True  # the Shift key in its "on" colours too
        yield
        found = text_contrast_defects(p.root)
        for step in (1, -1):
            app.key_focus.clear()
            app.key_focus.move(step)
            yield
            box = app.key_focus.ring_box()
            found += ring_contrast_defects(box, dp(KeyFocus.BAND)) if box else ["no ring"]
        app.key_focus.ring(keys["shift"])
        yield
        found += ring_contrast_defects(app.key_focus.ring_box(), dp(KeyFocus.BAND))
        app.key_focus.clear()
        board.shift = False
        p.shot("keyboard-shift", theme)
        contrast += [f"{theme}: {defect}" for defect in dict.fromkeys(found)]
    p.found["contrast"] = contrast


def typing(p: Probe) -> Iterator[None]:
    """Touches on the keys, Shift, Delete, a physical keyboard, the ring's order, Enter on a
    ringed key, and Next."""
    from flows.text_form import STORED
    from kivy.app import App
    from kivy.core.window import Window

    from kiosk.ui.voice_input import spoken_name

    p.vm.choose("form")
    yield
    board = _keyboard(p)
    keys = board.keys
    taps = []
    for name in ("shift", "b", "u", "d", "i", "space", "shift", "shift", "x"):
        p.kiosk.clock.advance(0.3)  # a person, not a wedge scanner's burst
        p.tap(keys[name])
        taps.append(p.vm.entry_text)
        yield
    p.found["after_taps"] = taps
    p.found["shift_words"] = []
    p.tap(keys["shift"])
    yield
    p.found["shift_words"].append(keys["shift"].text)
    p.found["letter_shown_while_shift"] = keys["q"].text
    p.tap(keys["shift"])
    yield
    p.found["shift_words"].append(keys["shift"].text)
    p.tap(keys["backspace"])
    yield
    p.found["after_delete"] = p.vm.entry_text
    # A physical keyboard types straight into the field while the keyboard is shown.
    p.kiosk.clock.advance(0.3)
    Window.dispatch("on_textinput", "é")
    p.kiosk.clock.advance(0.3)
    _key_down(KEY_BACKSPACE)
    p.kiosk.clock.advance(0.3)
    Window.dispatch("on_textinput", "s")
    yield
    p.found["after_physical"] = p.vm.entry_text
    # The ring by keys: every button in reading order, from the first.
    app = App.get_running_app()
    app.key_focus.clear()
    order = []
    for _ in range(60):
        _key_down(KEY_TAB)
        target = app.key_focus.target
        name = spoken_name(target) if target is not None else ""
        if order and name == order[0]:
            break
        order.append(name)
    p.found["ring_order"] = order
    p.found["spoken_marks"] = [spoken_name(keys[mark]) for mark in "-'.,/&"]
    yield
    # Enter presses the ringed key even with text in the field (keys-only typing).
    app.key_focus.ring(keys["a"])
    p.kiosk.clock.advance(0.3)
    _key_down(KEY_ENTER)
    yield
    p.found["after_enter_on_a"] = p.vm.entry_text
    # A typed character takes the ring away: Enter then sends the field.
    p.kiosk.clock.advance(0.3)
    Window.dispatch("on_textinput", "h")
    p.found["ring_after_typing"] = app.key_focus.target is not None
    p.kiosk.clock.advance(0.3)
    p.tap(keys["next"])
    p.kiosk.settle()
    yield
    p.found["screen_after_next"] = p.vm.screen
    p.found["stored"] = list(STORED)
    p.found["done_text"] = p.vm.state_texts["heading"]


def glyphs(p: Probe) -> Iterator[None]:
    """Which scripts the bundled font draws (a name typed on a physical keyboard): each
    sample's pixels against the tofu box of a code point no font has."""
    from kivy.core.text import Label as CoreLabel

    def pixels(text: str) -> bytes:
        label = CoreLabel(text=text, font_size=40)
        label.refresh()
        return bytes(label.texture.pixels)

    tofu = pixels("\U0010fffd")
    samples = {"latin": "é", "arabic": "م", "cjk": "王", "javanese": "ꦲ", "emoji": "😀",
               "devanagari": "क", "thai": "ก"}  # fmt: skip
    p.found["drawn"] = {name: pixels(text) != tofu for name, text in samples.items()}
    yield


SCENARIOS = {"layout": layout, "typing": typing, "glyphs": glyphs}


def _probe(args: argparse.Namespace) -> Probe:
    return _start(_make(args))


if __name__ == "__main__":
    main(SCENARIOS, _probe)

"""Voice guidance in a real window, offscreen: keys only, touches, every control's name.

Run by ``test_voice_offscreen.py`` through :func:`screen_probe.run_probe` (one Kivy
window per process). The kiosk is ``bootstrap.build``'s, with a ``RecordingSpeech`` as its
voice: findings include everything the kiosk asked the voice to say, in order, with each
interruption as ``"<interrupt>"``.

    python tests/ui/voice_probe.py SCENARIO --data DIR [--language en] [--size 1280x800]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ui.screen_probe import Probe, main

KEY_ENTER, KEY_ESCAPE, KEY_DOWN = 13, 27, 274
KP_PLUS, KP_MINUS, KP_MULTIPLY, KP_DIVIDE = 270, 269, 268, 267
F5, F7, F9 = 286, 288, 290
SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
YOHANA, YOHANA_PIN = "23171000010027", "2718"
LASKAR, LITTLE_PRINCE = "33171000000018", "33171000000067"
REFERENCE = "33171000000034"  # for use in the library only: refused


def press(key: int, text: str | None = None) -> None:
    """A key pressed and let go, as a keyboard sends it (with its text, if it types)."""
    from kivy.core.window import Window

    Window.dispatch("on_key_down", key, 0, text, [])
    if text:
        Window.dispatch("on_textinput", text)
    Window.dispatch("on_key_up", key, 0)


def type_keys(text: str) -> None:
    """Digits typed one key at a time, then Enter."""
    for char in text:
        press(ord(char), char)
    press(KEY_ENTER)


def ring_to(p: Probe, wanted: str, key: int = KP_PLUS) -> None:
    """Press ``key`` (keypad +: next) until the ringed control's spoken name is ``wanted``."""
    from kivy.app import App

    from kiosk.ui.voice_input import spoken_name

    focus = App.get_running_app().key_focus
    for _ in range(40):
        press(key)
        target = focus.target
        if target is not None and spoken_name(target) == wanted:
            return
    raise AssertionError(f"no control named {wanted!r} on {p.vm.screen}")


def said(p: Probe) -> list[list[str]]:
    """Everything asked of the voice: [priority, text], or ["<interrupt>", ""]."""
    from accessibility.speech.output import Utterance

    speech = p.kiosk.parts.speech
    return [
        [e.priority.name, e.text] if isinstance(e, Utterance) else [str(e), ""]
        for e in speech.events
    ]


def keys_borrow(p: Probe) -> Iterator[None]:
    """Borrow two books and meet a refusal with keys only (the books are scanned)."""
    t = p.vm.t
    yield
    press(KEY_DOWN)  # any key at the attract screen: voice guidance starts
    yield
    ring_to(p, f"{t('menu.borrow')}, {t('menu.key', number=1)}, {t('menu.borrow_hint')}")
    press(KEY_ENTER)
    yield
    type_keys(SUTRISNO)
    p.kiosk.settle()
    yield
    type_keys(SUTRISNO_PIN)
    p.kiosk.settle()
    yield
    for book in (LASKAR, REFERENCE):
        p.kiosk.scan(book)
        yield
    ring_to(p, t("scan.finish"))
    press(KEY_ENTER)
    p.kiosk.settle()
    yield
    ring_to(p, t("receipt.no_print"))
    press(KEY_ENTER)
    yield
    p.found["screen_after"] = p.vm.screen
    p.found["said"] = said(p)


def keys_return(p: Probe) -> Iterator[None]:
    """Return a book by keys only: its outcome and where it goes are spoken."""
    t = p.vm.t
    p.kiosk.ils.checkout(SUTRISNO, LITTLE_PRINCE, p.kiosk.clock.now())
    yield
    press(KP_DIVIDE)  # a keypad key starts voice guidance too (and types nothing)
    yield
    ring_to(p, f"{t('menu.return')}, {t('menu.key', number=2)}, {t('menu.return_hint')}")
    press(KEY_ENTER)
    yield
    p.kiosk.scan(LITTLE_PRINCE)
    yield
    press(KP_MULTIPLY)  # repeat
    yield
    ring_to(p, t("return.finish"))
    press(KEY_ENTER)
    yield
    p.found["entry"] = p.vm.entry_text
    p.found["said"] = said(p)


def keys_account(p: Probe) -> Iterator[None]:
    """Sign in, hear the account, renew a loan by keys, change the rate, ask for Help."""
    t = p.vm.t
    yield
    press(KEY_ENTER)
    yield
    ring_to(p, f"{t('menu.account')}, {t('menu.key', number=3)}, {t('menu.account_hint')}")
    press(KEY_ENTER)
    yield
    type_keys(YOHANA)
    p.kiosk.settle()
    yield
    type_keys(YOHANA_PIN)
    p.kiosk.settle()
    yield
    ring_to(p, t("account.renew_all"))
    press(KEY_ENTER)
    p.kiosk.settle()
    yield
    press(F9)  # faster
    press(F7)  # louder
    press(KP_DIVIDE)  # help
    yield
    ring_to(p, t("voice.quieter"))  # Help's own buttons, for a keypad without F-keys
    press(KEY_ENTER)
    yield
    press(KEY_ESCAPE)  # closes help
    yield
    p.found["said"] = said(p)
    p.found["rate_volume"] = [p.kiosk.parts.speech.rate_step, p.kiosk.parts.speech.volume_step]
    ring_to(p, t("common.cancel"))
    press(KEY_ENTER)
    yield
    p.found["after_cancel"] = [p.vm.screen, p.vm.voice_mode]
    p.found["rate_volume_after"] = [
        p.kiosk.parts.speech.rate_step,
        p.kiosk.parts.speech.volume_step,
    ]


def touches(p: Probe) -> Iterator[None]:
    """Explore by touch: a hold starts voice, a touch speaks without pressing, a double tap
    presses the control last spoken."""
    import time

    from kivy.clock import Clock
    from kivy.tests.common import UnitTestTouch

    yield
    borrow = next(w for w in p.widgets("MenuButton") if w.service == "borrow")
    hold = UnitTestTouch(*borrow.to_window(*borrow.center))
    hold.touch_down()
    Clock.tick()
    time.sleep(2.2)  # the hold is timed by Kivy's real clock: a finger resting 2 s
    Clock.tick()
    hold.touch_up()
    yield
    p.found["after_hold"] = [p.vm.screen, p.vm.voice_mode]
    p.tap(borrow)
    yield
    p.found["after_touch"] = p.vm.screen
    second = UnitTestTouch(*borrow.to_window(*borrow.center))
    second.is_double_tap = True
    second.touch_down()
    second.touch_up()
    yield
    p.found["after_double_tap"] = p.vm.screen
    p.found["said"] = said(p)


def controls(p: Probe) -> Iterator[None]:
    """Every state of the screenshot tour, in both languages: every control a key or a
    finger can reach has a spoken name, and the screen's own voice text exists."""
    from tour_states import STATES

    from kiosk.ui.key_focus import buttons
    from kiosk.ui.voice_input import describe

    unnamed: list[str] = []
    visited: list[str] = []
    for state in STATES:
        p.home()
        state.reach(p)
        p.vm.refresh()
        yield
        visited.append(state.name)
        for language in ("id", "en"):
            p.vm.language = language
            yield
            for show_help in (False, True) if state.help else (False,):
                if show_help:
                    p.vm.show_help()
                    yield
                for button in buttons(p.root):
                    control = describe(button, p.root)
                    if not control.name:
                        unnamed.append(f"{state.name} {language}: {type(button).__name__}")
                if show_help:
                    p.vm.close_help()
    p.found["unnamed"] = unnamed
    p.found["visited"] = visited


def guard(p: Probe) -> Iterator[None]:
    """The repeat guard (0.25 s, the default): a key held down, the same key twice at
    once, a second tap at the same place at once, each counts once; another key does not
    wait."""
    import time

    from kivy.app import App
    from kivy.core.window import Window

    app = App.get_running_app()
    assert app.voice_input is not None
    app.voice_input._guard = 0.25
    F3, F4 = 284, 285
    yield
    Window.dispatch("on_key_down", F3, 0, None, [])
    Window.dispatch("on_key_down", F3, 0, None, [])  # held: the system repeats it
    Window.dispatch("on_key_up", F3, 0)
    yield
    p.found["held"] = p.vm.text_percent
    time.sleep(0.3)  # the guard runs on real time: the next press is a new one
    press(F3)
    press(F3)  # a bounce: the same key again at once
    yield
    p.found["twice"] = p.vm.text_percent
    press(F4)  # another key is not held back
    yield
    p.found["theme"] = p.vm.theme_name
    time.sleep(0.3)
    p.vm.choose("return")
    yield
    digit = p.button("7")
    p.tap(digit)
    p.tap(digit)  # a double tap by accident
    yield
    p.found["typed"] = p.vm.entry_text


def technician_keys(p: Probe) -> Iterator[None]:
    """Ctrl+Alt+T on the attract screen, as a keyboard sends it (each modifier goes down
    first, with the modifiers held so far): the technician's staff PIN, and the voice
    stays off (a modifier alone is no patron asking for it). Then F2 and a plain key still
    do their own jobs."""
    from kivy.core.window import Window

    yield
    Window.dispatch("on_key_down", 305, 0, None, [])  # Ctrl
    Window.dispatch("on_key_down", 308, 0, None, ["ctrl"])  # Alt
    Window.dispatch("on_key_down", 116, 0, "t", ["ctrl", "alt"])  # T
    for key in (116, 308, 305):
        Window.dispatch("on_key_up", key, 0)
    yield
    p.found["after_combo"] = [p.vm.screen, p.vm.voice_mode]
    press(27)  # Escape: back to the attract screen
    yield
    press(283)  # F2: the language, without the voice
    yield
    p.found["after_f2"] = [p.vm.screen, p.vm.language, p.vm.voice_mode]
    press(282 + 9)  # F10: the voice on, its own key
    yield
    p.found["after_f10"] = p.vm.voice_mode


def technician_tests_by_keys(p: Probe) -> Iterator[None]:
    """The technician screen by keys only: each test button pressed with Enter keeps the
    ring (Test print and Test voice are disabled while they run), so the next Down goes
    on from it. Records the ringed control's name after each step."""
    from kivy.app import App
    from tour_states import STAFF_PIN

    from kiosk.ui.voice_input import spoken_name

    t = p.vm.t
    focus = App.get_running_app().key_focus
    rang: list[str] = []
    yield
    p.vm.open_technician()
    p.kiosk.settle()
    yield
    type_keys(STAFF_PIN)
    p.kiosk.settle()
    yield
    p.found["screen"] = p.vm.screen
    ring_to(p, t("technician.test_print"), KEY_DOWN)
    for _ in range(3):  # Test print, Test voice, Test scan: Enter, then Down
        press(KEY_ENTER)
        p.kiosk.settle()
        yield
        yield
        rang.append(spoken_name(focus.target) if focus.target is not None else "")
        press(KEY_DOWN)
        yield
        rang.append(spoken_name(focus.target) if focus.target is not None else "")
    p.found["rang"] = rang
    p.found["names"] = [
        t(key) for key in ("technician.test_print", "technician.test_voice",
                           "technician.test_scan", "technician.close")
    ]  # fmt: skip


def theme_switch(p: Probe) -> Iterator[None]:
    """Every theme in turn, switched live on the attract screen (F4): the menu's names
    must be in the colour for the primary fill, not the theme's plain text colour."""
    wrong: list[str] = []
    yield
    for _ in range(5):
        p.vm.cycle_theme()
        yield
        theme = p.vm.theme
        for button in p.widgets("MenuButton"):
            labels = [w for w in button.walk(restrict=True) if w is not button]
            for label in labels:
                if getattr(label, "text", "") and list(label.color) != list(theme.on_primary):
                    wrong.append(f"{theme.name}: {label.text!r} is {list(label.color)}")
    p.found["wrong"] = wrong


SCENARIOS: dict[str, Callable[[Probe], Iterator[None]]] = {
    "technician_keys": technician_keys,
    "technician_tests_by_keys": technician_tests_by_keys,
    "theme_switch": theme_switch,
    "guard": guard,
    "keys_borrow": keys_borrow,
    "keys_return": keys_return,
    "keys_account": keys_account,
    "touches": touches,
    "controls": controls,
}


def make_probe(args: argparse.Namespace) -> Probe:
    from accessibility.speech.output import RecordingSpeech

    wrap_ils: Any = None
    if args.scenario == "controls":
        from tour_states import TourIls

        wrap_ils = TourIls
    private = (
        {"accessibility": {"private_audio": True}}
        if os.environ.get("VOICE_PROBE_PRIVATE") == "1"
        else {}
    )
    text_size = "150" if args.large else args.text_size
    return Probe(args.data, args.out, (args.width, args.height), args.language, text_size,
                 wrap_ils, config=private, speech=RecordingSpeech())  # fmt: skip


if __name__ == "__main__":
    main(SCENARIOS, make_probe)

"""The Kivy application: loads the screens, routes keys and touches to the view-model.

Everything it shows comes from :class:`~kiosk.ui.viewmodel.KioskViewModel`; everything it
needs arrives wired from ``kiosk.bootstrap``. Screens are kv rules in
``kiosk/ui/screens/*.kv`` (``common.kv`` first): the screen of state ``borrow.pin`` is the
rule ``<BorrowPinScreen@Screen>``, so a service's screens are one new kv file.

Keys: digits and letters type (that is also how a keyboard-wedge scanner arrives), Enter
submits, Backspace deletes, Escape cancels (or closes Help), F1 opens Help, F2 switches
language, F3 cycles the text size (100, 150, 200 %), F4 the colours; Ctrl+Alt+T on the
attract screen asks for the technician screen (its staff PIN). Voice guidance's
keys and touches (``kiosk/ui/voice_input.py``: F5-F10, the keypad) are asked first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.uix.widget import Widget

from kiosk.core.driver import SessionDriver
from kiosk.core.navigation import InputMode, Navigation
from kiosk.ui import choice_grid, keyboard, row_list, widgets  # noqa: F401  (register their widgets' classes)
from kiosk.ui.collector import Collector
from kiosk.ui.key_focus import KeyFocus
from kiosk.ui.viewmodel import KioskViewModel
from kiosk.ui.voice import VoiceGuide
from kiosk.ui.voice_input import VoiceInput

log = logging.getLogger(__name__)

# Not named after the App class, so Kivy does not load them a second time by itself.
SCREENS_DIR = Path(__file__).with_name("screens")
COMMON_KV = "common.kv"
TICK_INTERVAL = 0.5

KEY_ENTER, KEY_NUMPAD_ENTER, KEY_BACKSPACE, KEY_ESCAPE = 13, 271, 8, 27
KEY_F1, KEY_F2, KEY_F3, KEY_F4 = 282, 283, 284, 285
KEY_TAB, KEY_UP, KEY_DOWN, KEY_RIGHT, KEY_LEFT = 9, 273, 274, 275, 276
KEY_T = 116
TECHNICIAN_MODIFIERS = frozenset({"ctrl", "alt"})  # with T: the technician screen
_RING_STEPS = {KEY_TAB: 1, KEY_DOWN: 1, KEY_RIGHT: 1, KEY_UP: -1, KEY_LEFT: -1}


class KioskApp(App):
    """The kiosk window. ``on_first_frame`` runs once, after the first frame is drawn."""

    title = "Library kiosk"

    def __init__(
        self,
        vm: KioskViewModel,
        screens: Sequence[str],
        *,
        on_first_frame: Callable[[KioskApp], None] | None = None,
        voice_guide: VoiceGuide | None = None,
        repeat_guard: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.vm = vm
        self.voice_guide = voice_guide
        self.voice_input: VoiceInput | None = None
        self._repeat_guard = repeat_guard
        self.screen_names = list(screens)
        self._on_first_frame = on_first_frame
        self._first_frame_seen = False
        self.collector = Collector()

    def build(self) -> Widget:
        load_screen_rules()
        root = Factory.KioskRoot()
        manager = root.ids.screens
        for name in self.screen_names:
            manager.add_widget(screen_class(name)(name=name))
        manager.current = self.vm.screen
        self.vm.bind(screen=lambda _vm, screen: setattr(manager, "current", screen))
        self.vm.set_window_size(*Window.size)
        # The background is the window's clear colour, not a rectangle over the whole
        # window: with a software renderer each full-window layer costs ~20 ms a frame.
        self._paint_background(self.vm, self.vm.theme)
        self.vm.bind(theme=self._paint_background)
        Window.bind(size=lambda _window, size: self.vm.set_window_size(*size))
        self.key_focus = KeyFocus(root, lambda: self.vm.theme)
        self.vm.bind(theme=self.key_focus.redraw)
        self.vm.bind(screen=self.key_focus.clear, help_text=self.key_focus.clear)
        if self.voice_guide is not None:
            self.voice_input = VoiceInput(
                self.vm, self.voice_guide, self.key_focus, root,
                repeat_guard=self._repeat_guard, monotonic=time.monotonic,
            )  # fmt: skip
        self.vm.bind(screen=self._between_sessions)
        return root

    def adjust_voice(self, what: str, step: int) -> None:
        """Help's voice buttons: ``what`` is "volume" or "rate", ``step`` +1 or -1."""
        guide = self.voice_guide
        if guide is None:
            return
        if what == "volume":
            guide.change_volume(step)
        else:
            guide.change_rate(step)

    def _between_sessions(self, _vm: object, screen: str) -> None:
        if screen == Navigation.IDLE:  # after the attract screen's first frame
            post_to_ui(self.collector.between_sessions)

    @staticmethod
    def _paint_background(_vm: object, theme: Any) -> None:
        Window.clearcolor = tuple(theme.background)

    def on_start(self) -> None:
        Window.bind(on_textinput=self._on_textinput, on_key_down=self._on_key_down)
        Window.bind(on_key_up=self._on_key_up, on_touch_up=self._on_touch_up)
        Window.bind(on_touch_down=self._on_touch_down, on_flip=self._on_flip)
        Clock.schedule_interval(self.vm.tick, TICK_INTERVAL)

    def on_stop(self) -> None:
        Window.unbind(on_textinput=self._on_textinput, on_key_down=self._on_key_down)
        self.collector.stop()

    # ----- input -------------------------------------------------------------------------

    def _on_textinput(self, _window: object, text: str) -> bool:
        voice = self.voice_input
        typed = False
        for char in text:
            if voice is None or not voice.text(char):
                self.vm.type_char(char)
                typed = True
        if typed and self.vm.input_mode == InputMode.TEXT.value:
            # Typing on a physical keyboard: Enter then sends the field, rather than
            # pressing an on-screen key the ring was left on. A voice key's character
            # (keypad minus: back) typed nothing: the ring it just moved stays.
            self.key_focus.clear()
        return True

    def _on_key_up(self, _window: object, key: int, *_args: object) -> bool:
        if self.voice_input is not None:
            self.voice_input.key_up(key)
        return False

    def _on_touch_up(self, _window: object, touch: object) -> bool:
        if self.voice_input is not None:
            self.voice_input.touch_up(touch)
        return False

    def _on_key_down(
        self, _window: object, key: int, _scancode: object = None, _text: object = None,
        modifiers: Sequence[str] = (), *_args: object,
    ) -> bool:  # fmt: skip
        if key == KEY_T and set(modifiers) >= TECHNICIAN_MODIFIERS:
            self.vm.open_technician()  # before the voice's keys: not a patron's key
            return True
        voice = self.voice_input
        if voice is not None and voice.key_down(key, modifiers):
            return True
        if self.vm.warning_text and key in (KEY_ENTER, KEY_NUMPAD_ENTER):
            self.vm.touched()  # Enter on "I need more time", not a submit of old input
            return True
        step = _RING_STEPS.get(key)
        if step is not None:
            self.vm.touched()
            self.key_focus.move(-step if key == KEY_TAB and "shift" in modifiers else step)
            if voice is not None:
                voice.say_target()  # in voice mode: name, role, state and position
            return True
        # Enter presses the ringed button; with none ringed (or digits typed) it is OK. In
        # free text a ring means keys-only typing on the on-screen keyboard: Enter presses
        # the ringed key (a physical key typed takes the ring away, see _on_textinput).
        enter = key in (KEY_ENTER, KEY_NUMPAD_ENTER)
        if enter and (not self.vm.entry_text or self.vm.input_mode == InputMode.TEXT.value):
            target = self.key_focus.target
            if self.key_focus.press():
                if voice is not None and target is not None:
                    # A button that changes its own words (Text 150 %, Colours) says them.
                    post_to_ui(lambda: voice.say_if_renamed(target))
                return True
        action = {
            KEY_ENTER: self.vm.submit,
            KEY_NUMPAD_ENTER: self.vm.submit,
            KEY_BACKSPACE: self.vm.backspace,
            KEY_ESCAPE: self.vm.cancel_or_close_help,
            KEY_F1: self.vm.show_help,
            KEY_F2: self.vm.toggle_language,
            KEY_F3: self.vm.cycle_text_size,
            KEY_F4: self.vm.cycle_theme,
        }.get(key)
        if action is None:
            return False
        action()
        return True

    def _on_touch_down(self, _window: object, touch: object) -> bool:
        if self.voice_input is not None and self.voice_input.touch_down(touch):
            self.vm.touched()
            return True  # explored, not pressed (voice mode), or a bounce ignored
        self.key_focus.clear()  # a finger: the ring is for keys
        warned = bool(self.vm.warning_text)
        self.vm.touched()
        # While "I need more time" covers the screen, a touch only keeps the session: a
        # finger aimed at that button must not press Finish or a key underneath it.
        return warned

    def _on_flip(self, _window: object) -> None:
        if self._first_frame_seen:
            return
        self._first_frame_seen = True
        Window.unbind(on_flip=self._on_flip)
        self.collector.start()
        if self._on_first_frame is not None:
            self._on_first_frame(self)


class MissingScreen(LookupError):
    """A state of the navigation has no kv rule to show it (a programming error)."""


def screen_class_name(screen: str) -> str:
    """The kv rule name for a screen: ``borrow.pin`` -> ``BorrowPinScreen``."""
    parts = screen.replace("_", ".").split(".")
    return "".join(part[:1].upper() + part[1:] for part in parts) + "Screen"


def load_screen_rules() -> None:
    """Load every kv file of ``kiosk/ui/screens`` once, shared widgets first."""
    files = sorted(SCREENS_DIR.glob("*.kv"), key=lambda path: (path.name != COMMON_KV, path.name))
    for path in files:
        if str(path) not in Builder.files:
            Builder.load_file(str(path))


def screen_class(screen: str) -> Any:
    """The Factory class that shows ``screen``.

    Raises:
        MissingScreen: no kv rule defines it.
    """
    name = screen_class_name(screen)
    try:
        return Factory.get(name)
    except Exception as err:  # Factory raises FactoryException, a bare Exception subclass
        raise MissingScreen(
            f"no screen for state {screen!r}: define <{name}@Screen> in {SCREENS_DIR}/*.kv"
        ) from err


def connect_driver(driver: SessionDriver) -> None:
    """Run ``driver`` on the UI thread: what other threads post is applied at the next
    frame, and commands reach the ILS worker at the next frame too, so the frame that
    shows the patron's action ("checking…") is drawn before the ILS call competes with it
    for the processor (with a software renderer that frame waits for it otherwise)."""
    driver.set_wake(lambda: post_to_ui(driver.drain))
    driver.set_dispatch(post_to_ui)


def post_to_ui(action: Callable[[], object]) -> None:
    """Run ``action`` on the UI thread at the next frame. Safe from any thread.

    Whatever ``action`` returns is ignored (e.g. the count from ``SessionDriver.drain``).
    """
    Clock.schedule_once(lambda _dt: action(), 0)

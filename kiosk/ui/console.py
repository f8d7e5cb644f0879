"""Drive a headless kiosk from the terminal: each line typed is typed into the kiosk.

Lines are delivered as real window key events (text, then Enter), exactly as a
keyboard-wedge scanner or a keyboard would deliver them. A few lines are touches on named
buttons instead, for what a finger would do on the screen:

    :lang    switch language          :large   switch large print
    :finish  press Finish / Done      :cancel  press Cancel
    :ok      dismiss an error message :touch   touch the screen (e.g. "I need more time")
    :keys 12 press keypad keys 1 and 2 without OK (what is typed so far stays on screen)
    :ping    touch the screen, then print "pong" once the kiosk has handled it (benches
             measure how long a touch waits while the kiosk is busy)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from typing import TextIO

from kivy.core.window import Window

from kiosk.ui.app import KEY_ENTER, post_to_ui
from kiosk.ui.viewmodel import KioskViewModel

log = logging.getLogger(__name__)

HELP = (
    "Type a card or book barcode, or a PIN, then Enter. "
    "Touches: :lang :large :finish :cancel :ok :touch :keys <digits>. Ctrl-D stops reading."
)


def type_line(text: str) -> None:
    """Type ``text`` and press Enter in the kiosk window (UI thread only)."""
    if text:
        Window.dispatch("on_textinput", text)
    Window.dispatch("on_key_down", KEY_ENTER, 40, None, [])


def handle_line(vm: KioskViewModel, line: str, scan: Callable[[str], bool] | None) -> None:
    """Act on one console line (UI thread only)."""
    touches = {
        ":lang": vm.toggle_language,
        ":large": vm.toggle_large_print,
        ":finish": vm.finish,
        ":cancel": vm.cancel,
        ":ok": vm.dismiss,
        ":touch": vm.touched,
    }
    if line in touches:
        touches[line]()
    elif line.startswith(":keys "):
        Window.dispatch("on_textinput", line.removeprefix(":keys ").strip())
    elif line == ":ping":
        vm.touched()
        print("pong", flush=True)
    elif line.startswith(":"):
        print(HELP, flush=True)
    elif scan is not None and scan(line):
        pass  # went through the simulated serial scanner
    else:
        type_line(line)


def start_console(
    vm: KioskViewModel, stdin: TextIO, scan: Callable[[str], bool] | None = None
) -> threading.Thread:
    """Read ``stdin`` on a daemon thread and hand each line to the UI thread.

    Args:
        vm: the kiosk's view-model.
        stdin: where lines come from.
        scan: optional; offered each line first, returns True when it sent the line as a
            scan (bootstrap passes the in-process simulated scanner here).
    """

    def read() -> None:
        for raw in stdin:
            line = raw.strip()
            if line:
                post_to_ui(partial(handle_line, vm, line, scan))
        log.info("console input closed")

    thread = threading.Thread(target=read, name="headless-console", daemon=True)
    thread.start()
    return thread

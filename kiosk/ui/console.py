"""Drive a headless kiosk from the terminal: each line typed is typed into the kiosk.

Lines are delivered as real window key events (text, then Enter), exactly as a
keyboard-wedge scanner or a keyboard would deliver them. A few lines are touches on named
buttons instead, for what a finger would do on the screen:

    :lang    switch language          :large   next text size (100, 150, 200 %)
    :theme   next colours (default, yellow on black, white on black, black on cream)
    :finish  press Finish / Done      :cancel  press Cancel
    :ok      dismiss an error message :touch   touch the screen (e.g. "I need more time")
    :receipt press "Print receipt"    :noreceipt  press "No receipt" (on a summary)
    :keys 12 press keypad keys 1 and 2 without OK (what is typed so far stays on screen)
    :key down  press one key by name (up, down, left, right, tab, enter, escape,
             backspace, f1-f10, kp+ kp- kp* kp/ kp. kpenter, kp0-kp9): voice guidance's
             keys, as a keyboard or a USB keypad sends them (down, its text, up)
    :ping    touch the screen, then print "pong" once the kiosk has handled it (benches
             measure how long a touch waits while the kiosk is busy)

On a free-text field (a guest's name) a line is typed text, then Enter: never taken for a
wedge scanner's burst. ``:keys`` types exactly what follows ":keys " (a leading space
included) without Enter.

A line longer than :data:`MAX_LINE` characters, with a character no field takes (a control
character, a line separator, a bidi control: ``kiosk.core.text_input.refused_char``), or
with bytes that are not UTF-8 is refused with one printed line and never reaches the
kiosk: typing a 2 MB line into the window would hold the screen for many seconds. Format
characters a name may hold (ZWJ U+200D, ZWNJ U+200C) are accepted, as the form accepts
them. Only :data:`MAX_LINE` characters of a line are ever held in memory.

On a terminal, the line the terminal echoed as it was typed is replaced once Enter is
pressed (cursor up one line, erase it) by a masked copy (:func:`masked`): a PIN or a
typed name as dots, a card or book number by its last 4 digits, so none stays in the
scrollback, as nothing outside the kiosk's own screen may show them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import BinaryIO, TextIO

from kivy.core.window import Window

from kiosk.core.navigation import InputMode
from kiosk.core.text_input import BIDI_CONTROLS, refused_char
from kiosk.ui.app import KEY_ENTER, post_to_ui
from kiosk.ui.viewmodel import KioskViewModel

log = logging.getLogger(__name__)

HELP = (
    "Type a card or book barcode, or a PIN, then Enter. "
    "Touches: :lang :large :theme :finish :cancel :ok :touch :receipt :noreceipt :keys <digits>, "
    ":choose <service> (a menu button: borrow, return, account), :act <action> [<key>] "
    "(a screen's button: :act renew_all, :act renew <book>, :act page next), "
    ":key <name> (one key: up down left right tab enter escape backspace f1-f10 "
    "kp+ kp- kp* kp/ kp. kpenter kp0-kp9). "
    "Ctrl-D stops reading."
)


MAX_LINE = 256
"""Characters one console line may have: far more than any barcode, PIN or command."""
TOO_LONG = f"refused: a line may have at most {MAX_LINE} characters"
NOT_TEXT = (
    "refused: the line has control characters, line separators, bidi controls or bytes "
    "that are not UTF-8 text"
)
_DISCARD = 64 * 1024  # bytes read at a time while skipping the rest of a refused line
PIN_LENGTH_MAX = 8
"""Typed lines of at most this many characters may be a PIN: shown as dots only."""
MASK_DOT = "\u2022"
REPLACE_ECHOED_LINE = "\x1b[1A\x1b[2K"  # VT100: cursor up one line, erase that line


def masked(line: str, text_field: bool = False) -> str:
    """How a typed line may stay on a terminal: touches as typed, ``:keys`` text as dots,
    anything up to :data:`PIN_LENGTH_MAX` characters (a PIN) or typed on a free-text field
    (``text_field``: a name) as dots, longer (a card or a book) by its last 4 characters."""
    if line.startswith(":keys "):
        return ":keys " + MASK_DOT * len(line.removeprefix(":keys "))
    if line.startswith(":"):
        return line
    if len(line) <= PIN_LENGTH_MAX or text_field:
        return MASK_DOT * len(line)
    return "\u2026" + line[-4:]


def type_line(text: str) -> None:
    """Type ``text`` and press Enter in the kiosk window (UI thread only)."""
    if text:
        Window.dispatch("on_textinput", text)
    Window.dispatch("on_key_down", KEY_ENTER, 40, None, [])
    Window.dispatch("on_key_up", KEY_ENTER, 40)  # a key is let go: the next Enter is new


NAMED_KEYS: dict[str, tuple[int, str]] = {
    "up": (273, ""), "down": (274, ""), "right": (275, ""), "left": (276, ""),
    "tab": (9, ""), "enter": (KEY_ENTER, ""), "escape": (27, ""), "backspace": (8, ""),
    **{f"f{n}": (281 + n, "") for n in range(1, 11)},
    "kp.": (266, "."), "kp/": (267, "/"), "kp*": (268, "*"), "kp-": (269, "-"),
    "kp+": (270, "+"), "kpenter": (271, ""),
    **{f"kp{n}": (256 + n, str(n)) for n in range(10)},
}  # fmt: skip
"""Kivy's key codes (``kivy.core.window.Keyboard.keycodes``) and the text a key types."""


def press_key(name: str) -> bool:
    """Press and let go of the key ``name`` (see :data:`NAMED_KEYS`); False if unknown."""
    known = NAMED_KEYS.get(name.lower())
    if known is None:
        return False
    code, text = known
    Window.dispatch("on_key_down", code, 0, text or None, [])
    if text:
        Window.dispatch("on_textinput", text)
    Window.dispatch("on_key_up", code, 0)
    return True


def handle_line(vm: KioskViewModel, line: str, scan: Callable[[str], bool] | None) -> None:
    """Act on one console line (UI thread only)."""
    touches = {
        ":lang": vm.toggle_language,
        ":large": vm.cycle_text_size,  # its name from when it was on/off; kept for scripts
        ":theme": vm.cycle_theme,
        ":finish": vm.finish,
        ":cancel": vm.cancel,
        ":ok": vm.dismiss,
        ":touch": vm.touched,
        ":receipt": vm.print_receipt,
        ":noreceipt": vm.no_receipt,
    }
    if line in touches:
        touches[line]()
    elif line.startswith(":keys "):
        Window.dispatch("on_textinput", line.removeprefix(":keys "))
    elif line.startswith(":key "):
        if not press_key(line.removeprefix(":key ").strip()):
            print(f"refused: no key named {line.removeprefix(':key ').strip()!r}", flush=True)
    elif line.startswith(":choose "):
        try:
            vm.choose(line.removeprefix(":choose ").strip())
        except ValueError as err:
            print(f"refused: {err}", flush=True)
    elif line.startswith(":act "):
        action, _space, key = line.removeprefix(":act ").strip().partition(" ")
        vm.act(action, key.strip())
    elif line == ":ping":
        vm.touched()
        print("pong", flush=True)
    elif line.startswith(":"):
        print(HELP, flush=True)
    elif vm.input_mode == InputMode.TEXT.value:
        # A whole line arrives at once, as fast as a wedge scanner's burst; it was typed
        # by a person on a free-text field: the name, then Enter.
        if line:
            Window.dispatch("on_textinput", line)
        vm.typed_by_hand()
        type_line("")
    elif scan is not None and scan(line):
        pass  # went through the simulated serial scanner
    else:
        type_line(line)


def start_console(
    vm: KioskViewModel,
    stdin: TextIO,
    scan: Callable[[str], bool] | None = None,
    out: TextIO | None = None,
) -> threading.Thread:
    """Read ``stdin`` on a daemon thread and hand each line to the UI thread.

    Args:
        vm: the kiosk's view-model.
        stdin: where lines come from.
        scan: optional; offered each line first, returns True when it sent the line as a
            scan (bootstrap passes the in-process simulated scanner here).
        out: the terminal the kiosk prints to; when it and ``stdin`` are both a terminal,
            each typed line's echo is replaced by its :func:`masked` copy.
    """
    mask_echo = out is not None and _is_terminal(stdin) and _is_terminal(out)

    def read() -> None:
        for line, refusal in console_lines(stdin):
            if line and mask_echo and out is not None:
                # Read from this thread: at worst a line typed during a screen change is
                # shown as dots when it was a card (never the other way: a name is text).
                text_field = vm.input_mode == InputMode.TEXT.value
                shown = masked(line, text_field)
                print(f"{REPLACE_ECHOED_LINE}> {shown}", file=out, flush=True)
            if refusal:
                print(refusal, flush=True)
            elif line:
                post_to_ui(partial(handle_line, vm, line, scan))
        log.info("console input closed")

    thread = threading.Thread(target=read, name="headless-console", daemon=True)
    thread.start()
    return thread


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):  # closed, or no file underneath
        return False


def console_lines(stdin: TextIO) -> Iterator[tuple[str, str]]:
    """Each line of ``stdin`` as ``(line, refusal)``: the stripped line and "", or "" and why.

    A terminal's bytes are read directly (its text layer would raise on bytes that are not
    UTF-8 and lose the rest of its buffer); a too-long line is read on and dropped in
    pieces, never held whole.
    """
    binary: BinaryIO | None = getattr(stdin, "buffer", None)
    pieces = _byte_lines(binary) if binary is not None else _text_lines(stdin)
    for text, whole in pieces:
        raw = text.rstrip("\r\n")
        # ":keys" types exactly what follows it (a leading space too); other lines are
        # trimmed, like a scanner's code or a command typed with a stray space.
        line = raw if raw.startswith(":keys ") else raw.strip()
        if not whole or len(line) > MAX_LINE:
            yield "", TOO_LONG
        elif "\ufffd" in line or any(_refused(char) for char in line):
            yield "", NOT_TEXT
        else:
            yield line, ""


def _refused(char: str) -> bool:
    """A character no field takes; format characters a name may hold (ZWJ, ZWNJ) pass."""
    return refused_char(char) or char in BIDI_CONTROLS


def _byte_lines(binary: BinaryIO) -> Iterator[tuple[str, bool]]:
    """``(text, whole)`` per line; a line past the limit is skipped to its end, not kept."""
    limit = MAX_LINE * 4 + 2  # UTF-8 takes up to 4 bytes a character, then the newline
    while raw := binary.readline(limit):
        whole = len(raw) < limit or raw.endswith(b"\n")
        rest = b"" if whole else raw
        while rest and not rest.endswith(b"\n"):
            rest = binary.readline(_DISCARD)
        yield (raw.decode("utf-8", errors="replace") if whole else ""), whole


def _text_lines(stdin: TextIO) -> Iterator[tuple[str, bool]]:
    """The same for a stream without bytes underneath (tests, a StringIO)."""
    limit = MAX_LINE + 2
    while text := stdin.readline(limit):
        whole = len(text) < limit or text.endswith("\n")
        rest = "" if whole else text
        while rest and not rest.endswith("\n"):
            rest = stdin.readline(_DISCARD)
        yield (text if whole else ""), whole

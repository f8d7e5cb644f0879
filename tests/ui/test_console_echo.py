"""A card number or PIN typed on the headless kiosk's terminal does not stay on it.

GIVEN ``kiosk run --headless`` on a real terminal (a pseudo-terminal: the line discipline
echoes what is typed, as in tmux or on a console) WHEN a technician types a card number
and then a PIN THEN, once each line is sent, the terminal shows it masked (the card by its
last 4 digits, the PIN as dots), and the kiosk did get them (the PIN screen, then the
borrowing screen). The terminal's contents are rebuilt from its output the way a VT100
draws it (cursor up, erase line).
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import threading
import time
from pathlib import Path

from ui.kiosk_process import WAIT_SECONDS

from kiosk.ui.console import MASK_DOT, NOT_TEXT, console_lines, masked

CARD, PIN = "23171000000010", "1234"


def test_masked_keeps_touches_and_hides_numbers() -> None:
    assert masked(":lang") == ":lang"
    assert masked(":keys 12") == f":keys {MASK_DOT * 2}"
    assert masked(PIN) == MASK_DOT * 4
    assert masked(CARD) == "\u20260010"


def test_a_name_typed_on_a_text_field_is_dots_even_when_long() -> None:
    assert masked("Zubaidah Sari", text_field=True) == MASK_DOT * 13
    assert masked(":keys  Sari") == f":keys {MASK_DOT * 5}"  # its leading space counted


def test_console_lines_take_what_a_name_may_hold_and_keep_a_keys_leading_space() -> None:
    typed = io.StringIO(
        "Karang\u200dTaruna\n"  # ZWJ: a name's joiner, as the form takes it
        "Mi\u200cnu\n"  # ZWNJ
        "Siti\u202eilam\n"  # a bidi override: still refused
        "Bu\u2028di\n"  # a line separator: a control
        ":keys  Sari\n"  # the space after ":keys " is typed
        "  23171000000010 \n"  # other lines are trimmed
    )
    assert list(console_lines(typed)) == [
        ("Karang\u200dTaruna", ""),
        ("Mi\u200cnu", ""),
        ("", NOT_TEXT),
        ("", NOT_TEXT),
        (":keys  Sari", ""),
        ("23171000000010", ""),
    ]


def drawn(output: str) -> list[str]:
    """The terminal's lines after ``output``: text, newlines, cursor up, erase line."""
    lines, row, at = [""], 0, 0
    while at < len(output):
        if output.startswith("\x1b[1A", at):
            row, at = max(0, row - 1), at + 4
        elif output.startswith("\x1b[2K", at):
            lines[row], at = "", at + 4
        elif output[at] == "\n":
            row += 1
            if row == len(lines):
                lines.append("")
            at += 1
        elif output[at] == "\r":
            at += 1
        else:
            lines[row] += output[at]
            at += 1
    return lines


class TerminalKiosk:
    """``kiosk run --headless`` with stdin, stdout and stderr on one pseudo-terminal."""

    def __init__(self, folder: Path) -> None:
        master, slave = pty.openpty()
        env = {**os.environ, "KIVY_HOME": str(folder / "kivy-home")}
        env.pop("KIOSK_CONFIG", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "run", "--headless", "--data-dir",
             str(folder / "data"), "--screenshot-dir", str(folder / "screens"),
             "--scanner", ""],
            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self.master = master
        self.received = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the kiosk closed its end
                return
            if not chunk:
                return
            self.received += chunk

    def output(self) -> str:
        return bytes(self.received).decode("utf-8", errors="replace")

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")  # Enter on a terminal

    def wait_for(self, text: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            if text in self.output():
                return
            time.sleep(0.05)
        raise AssertionError(f"waited for {text!r}; output:\n{self.output()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
        os.close(self.master)


def test_a_typed_card_and_pin_stay_on_the_terminal_masked_only(tmp_path: Path) -> None:
    kiosk = TerminalKiosk(tmp_path)
    try:
        kiosk.wait_for("Ctrl-D stops reading")  # the console reads
        kiosk.type(CARD)
        kiosk.wait_for("-- screen: borrow.pin")
        kiosk.type(PIN)
        kiosk.wait_for("-- screen: borrow.scanning")  # the kiosk got the right PIN
    finally:
        kiosk.stop()
    lines = [line.strip() for line in drawn(kiosk.output())]
    typed = lines[next(i for i, line in enumerate(lines) if "Ctrl-D" in line) :]
    assert CARD not in "\n".join(typed) and PIN not in typed, "\n".join(typed)
    assert "> \u20260010" in typed and f"> {MASK_DOT * 4}" in typed, "\n".join(typed)

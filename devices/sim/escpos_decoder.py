"""Decode the ESC/POS subset the kiosk sends back into readable lines; answer status requests.

Used by the printer simulators (:mod:`devices.sim.printer`). Decoded, per byte:

* ``ESC @`` reset (modes off, code page 0, the unprinted line dropped), ``ESC ! n`` print
  mode (0x08 bold, 0x10 double height, 0x20 double width), ``ESC E n`` bold,
  ``ESC t n`` code page (0 PC437, 2 PC850, 16 WPC1252, 19 PC858), ``ESC a n`` alignment,
  ``ESC d n`` print and feed, ``ESC M/-/{/J/3 n`` accepted and ignored;
* ``GS V m [n]`` cut: ends one receipt; ``GS ! / B / b / | n`` accepted and ignored;
* ``DLE EOT n`` real-time status (1 printer, 2 offline cause, 3 error, 4 paper roll
  sensor): answered with one byte at once, wherever it appears in the stream;
* LF ends a line, CR is ignored, other control bytes are dropped; bytes from 0x20 are
  text in the current code page.

An unknown ``ESC x`` / ``GS x`` is taken as a two-byte command and noted in
:attr:`EscPosDecoder.unknown`, so a stray command never shows up as text.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

ESC, GS, DLE, EOT, LF, CR = 0x1B, 0x1D, 0x10, 0x04, 0x0A, 0x0D

_CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}
# Commands with exactly one parameter byte that do not change the decoded text.
_ESC_IGNORED_ONE = frozenset(b"M-{J3GrV")
_GS_IGNORED_ONE = frozenset(b"!Bb|L")


class Paper(enum.Enum):
    """What the simulated paper roll sensor reports."""

    OK = "ok"
    NEAR_END = "near end"
    OUT = "out"


# DLE EOT 4 answers (Epson): bits 1 and 4 always set; bits 2-3 near end; bits 5-6 roll end.
PAPER_STATUS = {Paper.OK: 0x12, Paper.NEAR_END: 0x1E, Paper.OUT: 0x7E}


@dataclass(frozen=True)
class PrintedLine:
    """One decoded line: its text and the emphasis it was printed with."""

    text: str
    bold: bool = False
    double_height: bool = False

    def render(self) -> str:
        """The line for a console: bold as ``*text*``, double height prefixed ``[2H]``."""
        text = f"*{self.text}*" if self.bold and self.text else self.text
        return f"[2H] {text}" if self.double_height else text


@dataclass(frozen=True)
class PrintedReceipt:
    """The lines between two cuts; ``complete`` is False when the connection dropped first."""

    lines: tuple[PrintedLine, ...]
    complete: bool = True

    @property
    def texts(self) -> list[str]:
        """The lines' text only."""
        return [line.text for line in self.lines]


class EscPosDecoder:
    """Incremental decoder: :meth:`feed` bytes in any chunking; receipts go to ``on_receipt``."""

    def __init__(
        self, on_receipt: Callable[[PrintedReceipt], None], paper: Callable[[], Paper]
    ) -> None:
        """Create a decoder with no pending bytes.

        Args:
            on_receipt: called with each receipt, at a cut or at :meth:`connection_lost`.
            paper: reads the paper sensor; while it says OUT, text is not printed.
        """
        self._on_receipt = on_receipt
        self._paper = paper
        self._pending = bytearray()
        self._lines: list[PrintedLine] = []
        self._text: list[str] = []
        self.unknown: list[str] = []
        self._reset_modes()

    def _reset_modes(self) -> None:
        self._bold = False
        self._mode_bold = False
        self._double_height = False
        self._codec = "cp437"
        self._line_bold = False
        self._line_double = False

    def feed(self, data: bytes) -> bytes:
        """Decode bytes; return the answers to status requests among them.

        Args:
            data: bytes as received, any chunking.

        Returns:
            One byte per ``DLE EOT n`` request, in order (empty when there was none).
        """
        self._pending += data
        buffer, answers, index = self._pending, bytearray(), 0
        while index < len(buffer):
            used = self._step(buffer, index, answers)
            if used == 0:  # an incomplete command: wait for more bytes
                break
            index += used
        del buffer[:index]
        return bytes(answers)

    def connection_lost(self) -> None:
        """The host went away: what was printed without a cut is an incomplete receipt."""
        self._pending.clear()
        self._end_line(keep_empty=False)
        self._emit(complete=False)
        self._reset_modes()

    def _step(self, buffer: bytearray, index: int, answers: bytearray) -> int:
        """Handle the byte at ``index``; return how many bytes it used, 0 if incomplete."""
        byte = buffer[index]
        left = len(buffer) - index
        if byte == DLE:
            if left < 3:
                return 0
            if buffer[index + 1] != EOT:
                return 1
            answers.append(self._status(buffer[index + 2]))
            return 3
        if byte == ESC:
            return self._escape(buffer, index, left)
        if byte == GS:
            return self._group(buffer, index, left)
        if byte == LF:
            self._end_line(keep_empty=True)
        elif byte >= 0x20 and self._paper() is not Paper.OUT:
            if not self._text:
                self._line_bold = self._bold or self._mode_bold
                self._line_double = self._double_height
            self._text.append(bytes([byte]).decode(self._codec, errors="replace"))
        return 1

    def _escape(self, buffer: bytearray, index: int, left: int) -> int:
        if left < 2:
            return 0
        command = buffer[index + 1]
        if command == ord("@"):
            self._text.clear()
            self._reset_modes()
            return 2
        if left < 3:
            return 0
        value = buffer[index + 2]
        if command == ord("!"):
            self._mode_bold = bool(value & 0x08)
            self._double_height = bool(value & 0x10)
        elif command == ord("E"):
            self._bold = bool(value & 1)
        elif command == ord("t"):
            self._codec = _CODE_PAGES.get(value, "cp437")
        elif command == ord("d"):
            self._end_line(keep_empty=False)
        elif command == ord("a") or command in _ESC_IGNORED_ONE:
            pass
        else:
            self.unknown.append(f"ESC 0x{command:02x}")
            return 2
        return 3

    def _group(self, buffer: bytearray, index: int, left: int) -> int:
        if left < 3:
            return 0
        command, value = buffer[index + 1], buffer[index + 2]
        if command == ord("V"):
            size = 4 if value in (65, 66) else 3
            if left < size:
                return 0
            self._end_line(keep_empty=False)
            self._emit(complete=True)
            return size
        if command in _GS_IGNORED_ONE:
            return 3
        self.unknown.append(f"GS 0x{command:02x}")
        return 2

    def _status(self, kind: int) -> int:
        if kind == 4:
            return PAPER_STATUS[self._paper()]
        if kind == 2 and self._paper() is Paper.OUT:
            return 0x12 | 0x20  # stopped by paper end
        if kind == 1 and self._paper() is Paper.OUT:
            return 0x12 | 0x08  # offline
        return 0x12

    def _end_line(self, *, keep_empty: bool) -> None:
        if self._text or (keep_empty and self._paper() is not Paper.OUT):
            text = "".join(self._text).rstrip()
            self._lines.append(PrintedLine(text, self._line_bold, self._line_double))
        self._text.clear()
        self._line_bold = self._line_double = False

    def _emit(self, *, complete: bool) -> None:
        lines = self._lines
        while lines and not lines[0].text:
            lines.pop(0)
        while lines and not lines[-1].text:
            lines.pop()
        self._lines = []
        if lines:
            self._on_receipt(PrintedReceipt(tuple(lines), complete))

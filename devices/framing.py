"""Line framing for serial devices that send one ASCII line per reading (barcode scanners).

Wire format::

    <payload bytes ...> <terminator>
    e.g.  33 30 32 33 34 30 30 30 35 31 37 38 36 31 0D   "30234000517861" CR

The payload is printable ASCII (latin-1 is decoded without error; any byte decodes to
one character). The terminator is configured as CR, LF or CRLF, or any other byte
string (some scanners end with TAB or ETX).

Decisions and known quirks:

* **CR, LF and CRLF are one family.** When the terminator is ``b"\\r"``, ``b"\\n"`` or
  ``b"\\r\\n"``, any CR or LF ends a line and empty lines are skipped. A scanner set to
  CR that sends CRLF (or the other way round) therefore still works, whatever the
  config says, and a frame split between the CR and the LF does no harm. Other
  terminators are matched exactly.
* **Empty lines are skipped** silently (CRLF produces one between CR and LF).
* **Non-printable bytes** (control characters, DEL, C1 controls) inside a line are
  reported: the whole line becomes a :class:`FramingError`. Line noise on a loose
  cable looks like this; reporting it lets a technician see it.
* **Bounded memory.** A line longer than ``max_length`` characters becomes one
  :class:`FramingError` as soon as it overflows; the rest of it is discarded until the
  next terminator, where the framer resynchronises. Between feeds the buffer never
  holds more than ``max_length + len(terminator) - 1`` bytes.
* Framing is pure: :meth:`LineFramer.feed` takes bytes and returns results, so any
  chunking of the same byte stream gives the same results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXCERPT_LENGTH = 16
_LINE_FAMILY = (b"\r", b"\n", b"\r\n")
_EOL = re.compile(rb"[\r\n]")
NOISE_REASON = "unreadable characters (line noise)"


@dataclass(frozen=True)
class FramingError:
    """A line that could not be framed.

    Attributes:
        reason: short English phrase for a technician, e.g. "line longer than 64 characters".
        excerpt: the start of the offending line, printable (other bytes as ``\\xNN``).
    """

    reason: str
    excerpt: str


def printable_excerpt(data: bytes, limit: int = EXCERPT_LENGTH) -> str:
    """Render the first ``limit`` bytes of ``data`` as printable text.

    Printable latin-1 characters are kept, others are written as ``\\xNN``; an ellipsis
    marks a cut.

    Args:
        data: raw bytes from the device.
        limit: how many bytes to show at most.

    Returns:
        A short, single-line string safe to log or display.
    """
    parts = []
    for byte in data[:limit]:
        char = chr(byte)
        parts.append(char if char.isprintable() else f"\\x{byte:02x}")
    if len(data) > limit:
        parts.append("…")
    return "".join(parts)


class LineFramer:
    """Cuts a byte stream into text lines. Pure: no I/O, no threads.

    Example:
        >>> framer = LineFramer()
        >>> framer.feed(b"3023400051")
        []
        >>> framer.feed(b"7861\\r\\n")
        ['30234000517861']
    """

    def __init__(self, terminator: bytes = b"\r", max_length: int = 64) -> None:
        """Create a framer.

        Args:
            terminator: bytes that end a line; CR, LF and CRLF are treated alike.
            max_length: longest accepted line, in characters (bytes), terminator excluded.

        Raises:
            ValueError: empty terminator or max_length below 1.
        """
        if not terminator:
            raise ValueError("terminator must not be empty")
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, got {max_length}")
        self.terminator = terminator
        self.max_length = max_length
        self._line_family = terminator in _LINE_FAMILY
        self._keep = 0 if self._line_family else len(terminator) - 1
        self._buffer = bytearray()
        self._discarding = False

    def reset(self) -> None:
        """Forget any partial line, e.g. after the device was reconnected."""
        self._buffer.clear()
        self._discarding = False

    def feed(self, data: bytes) -> list[str | FramingError]:
        """Add bytes from the device and return every line they complete.

        Args:
            data: any number of bytes, possibly part of a line or several lines.

        Returns:
            Complete lines (without terminator) and framing errors, in stream order.
        """
        results: list[str | FramingError] = []
        buffer = self._buffer
        buffer += data
        while (found := self._find_terminator(buffer)) is not None:
            start, end = found
            line = bytes(buffer[:start])
            del buffer[:end]
            if self._discarding:
                self._discarding = False  # resynchronised on this terminator
            elif len(line) > self.max_length:
                results.append(self._too_long(line))
            elif line:
                text = line.decode("latin-1")
                if text.isprintable():
                    results.append(text)
                else:
                    results.append(FramingError(NOISE_REASON, printable_excerpt(line)))
        # No terminator in the buffer: keep only what can still belong to a valid line,
        # plus the bytes that may be the start of a multi-byte terminator.
        if len(buffer) > self.max_length + self._keep and not self._discarding:
            results.append(self._too_long(bytes(buffer)))
            self._discarding = True
        if self._discarding:
            del buffer[: len(buffer) - self._keep]
        return results

    def _find_terminator(self, buffer: bytearray) -> tuple[int, int] | None:
        if self._line_family:
            match = _EOL.search(buffer)
            return None if match is None else (match.start(), match.end())
        index = buffer.find(self.terminator)
        return None if index < 0 else (index, index + len(self.terminator))

    def _too_long(self, line: bytes) -> FramingError:
        excerpt = printable_excerpt(line[: min(EXCERPT_LENGTH, self.max_length)])
        return FramingError(f"line longer than {self.max_length} characters", excerpt + "…")

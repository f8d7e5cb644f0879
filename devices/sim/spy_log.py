"""Read the bytes a device sent out of a pyserial ``spy://`` log, to replay them.

pyserial's ``spy://`` URL (``serial/urlhandler/protocol_spy.py``) wraps a port and logs
its traffic, by default to stderr, with ``?file=PATH`` to a file. A technician captures a
misbehaving scanner or counter in the field with it (``[scanner] url =
"spy:///dev/ttyACM0?file=/tmp/scanner.log"``) and the simulators replay what the device
sent (RX) with its timing. Two formats:

**Hexdump** (the default), one line per 16 bytes of each ``read()`` that returned data::

    000012.345 RX   0000  33 30 32 33 34 30 30 30  35 31 37 38 36 31 0D     30234000517861.
    000012.345 RX   0010  ...                                                (offsets go on)
    000013.002 TX   0000  1B 40                                              .@
    000013.500 DSR  active
    000014.000 RX   <empty>

``{seconds since open:010.3f} {label:4} {offset:04X}  {hex}{ascii}``: the hex field is 49
characters wide (16 ``XX `` groups and one extra space after the eighth), then one space,
then the bytes as ASCII (``.`` for anything unprintable). A read longer than 16 bytes
continues on lines whose offsets count on (``0010``, ``0020``...); a new read starts again
at ``0000``. Control lines (``DSR active``, ``Q-RX reset_input_buffer``) and TX are not the
device's output; ``RX <empty>`` (a read that timed out, with ``?all``) carries nothing.
``?color`` adds ANSI colour codes before each line; they are removed.

**Raw** (``?raw``): the bytes themselves, RX and TX run together, with no timing. (Under
Python 3 pyserial writes these bytes to a text file, which fails, so raw logs come from
tools that capture the same way; with ``?color`` RX follows ``ESC[32m`` and TX ``ESC[31m``,
which is the only way to tell them apart.) Without colour codes a raw log is taken as all
RX, one chunk at time 0: a scanner never gets anything written to it by the kiosk.

The format is told apart by content: a text in which every non-empty line is a spy
hexdump line is a hexdump; anything else is raw. Parsing is pure and never raises;
lines of a hexdump that do not parse are reported (line number, why) and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_ANSI_SPLIT = re.compile(r"(\x1b\[[0-9;]*m)")
_LINE = re.compile(r"(\d+\.\d{3}) (\S+)\s*(.*)")
_HEX_FIELD = 49  # 16 "XX " groups + the space after the 8th
_RX_COLOUR, _TX_COLOUR = "\x1b[32m", "\x1b[31m"
_DATA = re.compile(r"([0-9A-Fa-f]{4})  (.*)")


@dataclass
class SpyLog:
    """What a spy log held.

    Attributes:
        chunks: ``(seconds since the port was opened, bytes)`` of each read, in order.
        problems: ``(line number, why)`` of hexdump lines that were skipped.
        raw: the log was in the raw format (no timing: every chunk at 0).
    """

    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    raw: bool = False


def rx_chunks(text: str) -> list[tuple[float, bytes]]:
    """The bytes the device sent, as ``(seconds, chunk)`` in order (see :func:`parse`).

    Args:
        text: the whole log, decoded (a raw log: decode it as latin-1).

    Returns:
        One entry per read that returned data (hexdump), or one for the whole raw log.
    """
    return parse(text).chunks


def parse(text: str) -> SpyLog:
    """Parse a spy log of either format. Never raises.

    Args:
        text: the whole log, decoded (a raw log: decode it as latin-1, byte for byte).

    Returns:
        The chunks the device sent and the lines that could not be read.
    """
    lines = text.splitlines()
    plain = [_ANSI.sub("", line) for line in lines]
    if any(plain) and all(_LINE.fullmatch(line) for line in plain if line.strip()):
        return _hexdump(plain)
    return _raw(text)


def _hexdump(lines: list[str]) -> SpyLog:
    log = SpyLog()
    current: bytearray | None = None
    expected = 0
    for number, line in enumerate(lines, start=1):
        match = _LINE.fullmatch(line)
        if match is None:
            continue  # blank
        stamp, label, value = match.groups()
        if label != "RX" or value.startswith("<empty>"):
            current = None  # TX or a control call: the read it followed is over
            continue
        data = _DATA.fullmatch(value)
        if data is None:
            log.problems.append((number, "an RX line without an offset and hex bytes"))
            current = None
            continue
        offset = int(data.group(1), 16)
        row = _row_bytes(data.group(2))
        if isinstance(row, str):
            log.problems.append((number, row))
            current = None
            continue
        if offset == 0:
            current = bytearray(row)
            log.chunks.append((float(stamp), b""))
        elif current is not None and offset == expected:
            current += row
        else:
            log.problems.append((number, f"offset {offset:04X} does not follow the line before"))
            current = None
            continue
        expected = offset + 16
        log.chunks[-1] = (log.chunks[-1][0], bytes(current))
    return log


def _row_bytes(row: str) -> bytes | str:
    """The bytes of one hexdump row, or why it is not one."""
    hex_field, shown = row[:_HEX_FIELD], row[_HEX_FIELD + 1 :]
    tokens = hex_field.split()
    if not tokens or len(tokens) > 16:
        return "no hex bytes on an RX line"
    try:
        data = bytes(int(token, 16) for token in tokens if len(token) == 2)
    except ValueError:
        return "a hex byte that is not two hex digits"
    if len(data) != len(tokens):
        return "a hex byte that is not two hex digits"
    for byte, char in zip(data, shown, strict=False):
        if 0x20 <= byte < 0x7F and chr(byte) != char:
            return "the hex bytes and the text beside them differ"
    return data


def _raw(text: str) -> SpyLog:
    log = SpyLog(raw=True)
    if _RX_COLOUR in text or _TX_COLOUR in text:
        received = bytearray()
        receiving = False  # before the first colour code: unknown, so not the device's
        for part in _ANSI_SPLIT.split(text):
            if _ANSI.fullmatch(part):
                receiving = part == _RX_COLOUR
            elif receiving:
                received += part.encode("latin-1", errors="replace")
        data = bytes(received)
    else:
        data = text.encode("latin-1", errors="replace")
    if data:
        log.chunks.append((0.0, data))
    return log

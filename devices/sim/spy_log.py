"""Read the bytes a device sent out of a pyserial ``spy://`` log, to replay them.

pyserial's ``spy://`` URL wraps a port and logs its traffic (serial/urlhandler/
protocol_spy.py). Its default format is a hex dump, one line per 16 bytes of each read
or write, stamped with seconds since the port was opened::

    000003.102 RX   0000  24 49 4E 3D 31 2C 4F 55  54 3D 30 2A 36 38 0D 0A  $IN=1,OUT=0*68..
    000003.102 RX   0010  0D                                                .
    000004.000 TX   0000  3F 0D 0A                                          ?..
    000005.250 CTS  active

Each read is one chunk (offsets restart at 0000); the hex columns are 49 characters
wide (16 bytes, plus a space after the eighth), followed by a printable rendering that
is ignored here. ``RX   <empty>`` (a read that timed out) has no bytes. TX lines and
control lines are skipped. The ``?raw`` format writes the bytes themselves, RX and TX
mixed, without times: a log with no hex-dump line is taken as one chunk of RX bytes at
time 0.
"""

from __future__ import annotations

import re

_ROW = re.compile(r"(\d+\.\d+) RX\s+([0-9A-Fa-f]{4})  (.*)")
_HEX_WIDTH = 49


def rx_chunks(text: str) -> list[tuple[float, bytes]]:
    """The device's reads in a spy log: ``(seconds since the port opened, bytes)``.

    Args:
        text: the log (hex dump or raw).

    Returns:
        One entry per read, in order; never raises on a malformed line (it is skipped).
    """
    chunks: list[tuple[float, bytes]] = []
    saw_dump = False
    for line in text.splitlines():
        match = _ROW.match(line)
        if match is None:
            saw_dump = saw_dump or bool(re.match(r"\d+\.\d+ ", line))
            continue
        saw_dump = True
        seconds, offset, row = float(match.group(1)), int(match.group(2), 16), match.group(3)
        try:
            data = bytes.fromhex(row[:_HEX_WIDTH])
        except ValueError:
            continue
        if offset == 0 or not chunks:
            chunks.append((seconds, data))
        else:
            start, previous = chunks[-1]
            chunks[-1] = (start, previous + data)
    if not saw_dump and text:
        return [(0.0, text.encode("latin-1", errors="replace"))]
    return chunks

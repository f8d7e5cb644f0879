"""SIP2 wire primitives shared by the codec and the frame reader: errors, checksum, masking."""

from __future__ import annotations

import re
from zlib import adler32

from kiosk.ils.sip2.layouts import LAYOUTS, Layout

_PIECE = 256

#: Fields whose values never leave the process unmasked: patron PIN, login password,
#: terminal password.
SECRET_FIELDS = frozenset({"AD", "CO", "AC"})
# Log lines (not technician traces) show only the values of these fields: items, dates,
# amounts, flags, locations. Anything else may name a patron (AE, addresses, a greeting in
# AF, extensions such as Evergreen's XI) and is masked; the card number (AA) keeps its last
# four characters.
_LOG_SAFE_CODES = (
    "AB AH AJ AM AN AO AP AQ AS AT AU AV AY AZ BG BH BI BK BL BM BN BO BP BQ"
    " BR BS BT BU BV BW BX BY BZ CA CB CC CD CF CG CH CI CJ CK CL CM CN CP CQ CT"
)
_LOG_SAFE_FIELDS = frozenset(_LOG_SAFE_CODES.split())


# What a fixed field may hold: dates (YYYYMMDD, a time zone, HHMMSS, or blank), letters
# only in a currency or an algorithm code, else digits, spaces and flags (Y, N, U, hold
# mode + - *, the protocol version's dot).
_DATE = re.compile(r"\d{8}[ A-Z]{4}\d{6}| {18}")
_FLAGS = "0123456789 YNU.+-*"
_LETTERS = _FLAGS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTER_FIELDS = frozenset({"currency_type", "pwd_algorithm", "uid_algorithm"})


class Sip2ProtocolError(ValueError):
    """Bytes that are not a SIP2 message: the only exception decode() and FrameReader raise.

    The message is one line for technicians: what was wrong and the first bytes of the
    frame, with PIN and passwords masked.
    """


class ChecksumMismatch(Sip2ProtocolError):
    """The frame carries an AZ checksum and it does not match its bytes."""


def byte_sum(data: bytes | bytearray | memoryview) -> int:
    """Return the sum of the bytes of ``data``.

    Computed with zlib's Adler-32 (C speed) on pieces of at most 256 bytes: its low half is
    1 + the byte sum modulo 65521, and 256 bytes sum to at most 65280, so each piece's sum
    is exact. ``sum(data)`` is four times slower on a typical reply.
    """
    if len(data) <= _PIECE:
        return (adler32(data) & 0xFFFF) - 1
    view = memoryview(data)
    return sum(
        (adler32(view[start : start + _PIECE]) & 0xFFFF) - 1
        for start in range(0, len(view), _PIECE)
    )


def checksum(data: bytes) -> str:
    """Return the SIP2 checksum of ``data``: ``-(sum of bytes) & 0xFFFF`` as 4 uppercase hex.

    The checksum covers the message's bytes up to and including ``AZ``.
    """
    return "%04X" % (-byte_sum(data) & 0xFFFF)


def checksum_bytes(data: bytes | bytearray | memoryview) -> bytes:
    """:func:`checksum` as ASCII bytes (the encoder's form)."""
    if len(data) <= _PIECE:  # the usual frame: one Adler-32, no further call
        return b"%04X" % ((1 - adler32(data)) & 0xFFFF)
    return b"%04X" % (-byte_sum(data) & 0xFFFF)


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def masked(frame: bytes | str, *, log_safe: bool = False) -> str:
    """Show a frame as printable text with PIN and passwords replaced by ``****``.

    The values of AD (patron PIN), CO (login password) and AC (terminal password) are
    masked; control characters are escaped (``\\r``), undecodable bytes shown as ``\\xNN``.
    A frame that cannot be read (unknown code, shorter than its fixed part, a ``|`` inside
    the fixed part) shows no text at all: only its code and the length of each piece.

    Args:
        frame: The frame, as sent or received (terminator allowed).
        log_safe: For log lines: also mask every value that may name a patron (all but
            items, dates, amounts, flags and locations), and show the card number (AA) by
            its last 4 characters.

    Returns:
        One line of text for traces and logs.
    """
    text = frame.decode("utf-8", "backslashreplace") if isinstance(frame, bytes) else frame
    layout = LAYOUTS.get(text[:2])
    start = 2 + layout.fixed_length if layout is not None else 0
    body = text.rstrip("\r\n")
    if layout is None or len(body) < start or not _plain_fixed_part(layout, body):
        # Not a message we can read: where its fields start is unknown (a card number or a
        # PIN may sit where the fixed part should be), so no value is shown, only lengths.
        return _shape(body, len(text) - len(body))
    segments = text[start:].split("|")
    for index, segment in enumerate(segments):
        code = segment[:2]
        if len(code) < 2:
            continue
        if code in SECRET_FIELDS or (log_safe and code != "AA" and code not in _LOG_SAFE_FIELDS):
            segments[index] = code + "****" + _trailer(segment)
        elif log_safe and code == "AA":
            tail = _trailer(segment)
            value = segment[2 : len(segment) - len(tail)]
            segments[index] = "AA…" + value[-4:] + tail if len(value) > 4 else segment
    return _printable(text[:start] + "|".join(segments))


def _plain_fixed_part(layout: Layout, body: str) -> bool:
    """Whether ``body``'s fixed part holds only what fixed fields hold: flags, counts, codes
    and dates. Anything else (a card number or a field code where a date should be) means
    the frame is not what its code says, and its fixed part is not shown either."""
    for name, value in zip(layout.fixed_names, layout.slicer(body), strict=True):
        if len(value) == 18 and name.endswith(("date", "date_time_sync")):
            if not _DATE.fullmatch(value):
                return False
        elif value.strip(_LETTERS if name in _LETTER_FIELDS else _FLAGS):
            return False
    return True


def _shape(body: str, line_end: int) -> str:
    """An unreadable frame by its shape only: the message code when it is one, then the
    length of each ``|``-separated piece, e.g. ``63?[16|6|0]+CR`` for ``63AA…|AD…|\\r``."""
    code = body[:2] if body[:2] in LAYOUTS else "??"
    lengths = "|".join(str(len(piece)) for piece in body[2:].split("|"))
    return f"{code}?[{lengths}]" + ("+CR" if line_end else "")


def _trailer(segment: str) -> str:
    """The ``AY<n>AZ<xxxx>`` (and terminator) glued to a last segment that had no ``|``."""
    stripped = segment.rstrip("\r\n")
    line_end = segment[len(stripped) :]
    for size in (9, 6, 3):
        tail = stripped[-size:]
        if len(stripped) > size + 1 and (
            (size == 9 and tail[:2] == "AY" and tail[3:5] == "AZ")
            or (size == 6 and tail[:2] == "AZ")
            or (size == 3 and tail[:2] == "AY" and tail[2:].isdigit())
        ):
            return tail + line_end
    return line_end

"""SIP2 wire primitives shared by the codec and the frame reader: errors, checksum, masking."""

from __future__ import annotations

from zlib import adler32

from kiosk.ils.sip2.layouts import LAYOUTS

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
    # Variable fields start after the fixed part; in a frame that is not SIP2 the first
    # segment is not a field and is shown as it is.
    start = min(2 + layout.fixed_length, len(text)) if layout is not None else 0
    segments = text[start:].split("|")
    for index, segment in enumerate(segments):
        code = segment[:2]
        if len(code) < 2 or (index == 0 and layout is None):
            continue
        if code in SECRET_FIELDS or (log_safe and code != "AA" and code not in _LOG_SAFE_FIELDS):
            segments[index] = code + "****" + _trailer(segment)
        elif log_safe and code == "AA":
            tail = _trailer(segment)
            value = segment[2 : len(segment) - len(tail)]
            segments[index] = "AA…" + value[-4:] + tail if len(value) > 4 else segment
    return _printable(text[:start] + "|".join(segments))


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

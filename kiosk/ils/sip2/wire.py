"""SIP2 wire primitives shared by the codec and the frame reader: errors, checksum, masking."""

from __future__ import annotations

from kiosk.ils.sip2.layouts import LAYOUTS

#: Fields whose values never leave the process unmasked: patron PIN, login password,
#: terminal password.
SECRET_FIELDS = frozenset({"AD", "CO", "AC"})
# Personal data that log lines (not technician traces) also hide: name, address, e-mail,
# phone. The card number (AA) keeps its last four characters in logs.
_PERSONAL_FIELDS = frozenset({"AE", "BD", "BE", "BF"})


class Sip2ProtocolError(ValueError):
    """Bytes that are not a SIP2 message: the only exception decode() and FrameReader raise.

    The message is one line for technicians: what was wrong and the first bytes of the
    frame, with PIN and passwords masked.
    """


class ChecksumMismatch(Sip2ProtocolError):
    """The frame carries an AZ checksum and it does not match its bytes."""


def checksum(data: bytes) -> str:
    """Return the SIP2 checksum of ``data``: ``-(sum of bytes) & 0xFFFF`` as 4 uppercase hex.

    The checksum covers the message's bytes up to and including ``AZ``.
    """
    return f"{-sum(data) & 0xFFFF:04X}"


def checksum_bytes(data: bytes) -> bytes:
    """:func:`checksum` as ASCII bytes (the encoder's form)."""
    return b"%04X" % (-sum(data) & 0xFFFF)


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
        log_safe: Also hide what log lines must not carry: the patron's name, address,
            e-mail and phone (``****``), and the card number (AA) but its last 4 characters.

    Returns:
        One line of text for traces and logs.
    """
    text = frame.decode("utf-8", "backslashreplace") if isinstance(frame, bytes) else frame
    layout = LAYOUTS.get(text[:2])
    start = 2 + layout.fixed_length if layout is not None and len(text) >= 2 else 0
    if start > len(text):
        start = len(text)
    hidden = SECRET_FIELDS | _PERSONAL_FIELDS if log_safe else SECRET_FIELDS
    segments = text[start:].split("|")
    for index, segment in enumerate(segments):
        code = segment[:2]
        if code in hidden:
            segments[index] = code + "****" + _trailer(segment)
        elif log_safe and code == "AA" and len(segment) > 6:
            value = segment[2:]
            tail = _trailer(segment)
            if tail:
                value = value[: -len(tail)]
            segments[index] = "AA…" + value[-4:] + tail
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

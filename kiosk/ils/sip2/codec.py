"""SIP2 2.00 codec: messages to bytes and back. Pure: no sockets, no clocks, no threads.

(The drawings of every message the kiosk uses are in the package docstring,
:mod:`kiosk.ils.sip2`.)

Writing is strict and canonical: fixed fields in layout order with their exact widths, then
the variable fields, each ending with ``|``, then ``AY<n>AZ<xxxx>`` and the terminator.
Reading is tolerant, because real servers are not: unknown field codes are kept, AY/AZ may
follow a field without its ``|``, bytes the encoding cannot read become U+FFFD (logged once
per frame), and only :class:`Sip2ProtocolError` is ever raised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kiosk.ils.sip2.dates import BLANK_DATE, format_datetime, parse_datetime
from kiosk.ils.sip2.framing import FrameReader
from kiosk.ils.sip2.layouts import LAYOUTS, Layout
from kiosk.ils.sip2.wire import (
    SECRET_FIELDS,
    ChecksumMismatch,
    Sip2ProtocolError,
    checksum,
    checksum_bytes,
    masked,
)

__all__ = [
    "BLANK_DATE",
    "SECRET_FIELDS",
    "ChecksumMismatch",
    "FrameReader",
    "Message",
    "Sip2ProtocolError",
    "checksum",
    "decode",
    "encode",
    "format_datetime",
    "masked",
    "parse_datetime",
    "request",
]

_log = logging.getLogger("kiosk.ils.sip2")

_HEX = frozenset(b"0123456789ABCDEFabcdef")
_DIGITS = frozenset(b"0123456789")
_AZ = b"AZ"
_AY = b"AY"
_PIPE_ENTITY = "&#124;"
_NEWLINES = str.maketrans({"\r": " ", "\n": " "})
_TRUE = frozenset({"Y", "1"})
_FALSE = frozenset({"N", "0"})
# 96 and 97 are never sequenced (SIP2 2.00): with error detection they carry AZ alone.
_UNSEQUENCED = frozenset({"96", "97"})


@dataclass(frozen=True, slots=True)
class Message:
    """One SIP2 message, decoded or to be encoded.

    Attributes:
        code: The two-digit message code ("11", "12", "97", ...).
        fixed: The fixed fields by layout name, as raw text
            (``{"ok": "1", "transaction_date": "20261121    072611"}``).
        fields: The variable fields in wire order as (code, value); unknown codes are kept;
            AY and AZ are not included.
        sequence: The AY sequence number, when the message carries one.
    """

    code: str
    fixed: Mapping[str, str]
    fields: tuple[tuple[str, str], ...] = ()
    sequence: int | None = None

    def get(self, code: str, default: str = "") -> str:
        """Return the first value of a variable field, or ``default`` when it is absent."""
        for field_code, value in self.fields:
            if field_code == code:
                return value
        return default

    def all(self, code: str) -> list[str]:
        """Return every value of a variable field, in wire order (AU, AS, BM, AF, ...)."""
        return [value for field_code, value in self.fields if field_code == code]

    def has(self, code: str) -> bool:
        """Tell whether the variable field is present at all (even empty)."""
        return any(field_code == code for field_code, _ in self.fields)

    def text(self, code: str) -> str:
        """Join a repeated text field (AF, AG) into one line.

        Some servers (invenio-sip2) send one AG per character: runs of parts of at most one
        character are joined as they are; longer parts are joined with a space.
        """
        words: list[str] = []
        run: list[str] = []
        for value in self.all(code):
            if len(value) <= 1:
                run.append(value)
                continue
            if run:
                words.append("".join(run).strip())
                run = []
            words.append(value.strip())
        if run:
            words.append("".join(run).strip())
        return " ".join(word for word in words if word)

    def flag(self, name: str) -> bool | None:
        """Read a Y/N or 1/0 field: a fixed field by name, or a variable one by code (BL).

        Returns:
            True for Y/1, False for N/0, None when blank, U (unknown) or absent.
        """
        value = self.fixed.get(name)
        if value is None:
            value = self.get(name)
        value = value.strip().upper()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        return None

    def number(self, name: str) -> int | None:
        """Read a numeric field: a fixed field by name, or a variable one by code (CF, BR).

        Servers pad numbers with spaces (invenio sends ``" 10"``), so blanks around the
        digits are ignored.

        Returns:
            The number, or None when blank, absent or not a number.
        """
        value = self.fixed.get(name)
        if value is None:
            value = self.get(name)
        value = value.strip()
        if value.isdigit() and value.isascii():
            return int(value)
        return None


def _layout_of(code: str) -> Layout:
    layout = LAYOUTS.get(code)
    if layout is None:
        raise ValueError(f"SIP2 message code {code!r} is not one of SIP2 2.00")
    return layout


def request(code: str, fields: Iterable[tuple[str, str]] = (), **fixed: str) -> Message:
    """Build a message and check it against its layout.

    Args:
        code: The message code ("11").
        fields: The variable fields in the order to write them, as (code, value).
        **fixed: Every fixed field of the layout by name, each exactly its width.

    Returns:
        The message.

    Raises:
        ValueError: A fixed field missing, unknown or of the wrong width, a required
            variable field missing, a non-repeatable one repeated, or a malformed code:
            a programming error.
    """
    layout = _layout_of(code)
    names = {name for name, _ in layout.fixed}
    unknown = sorted(set(fixed) - names)
    if unknown:
        raise ValueError(f"SIP2 {code} has no fixed field {', '.join(unknown)}")
    for name, width in layout.fixed:
        if name not in fixed:
            raise ValueError(f"SIP2 {code} needs fixed field {name} ({width} characters)")
        if len(fixed[name]) != width:
            raise ValueError(
                f"SIP2 {code} fixed field {name} must be {width} characters, "
                f"got {len(fixed[name])}: {fixed[name]!r}"
            )
    pairs = tuple((field_code, value) for field_code, value in fields)
    seen: set[str] = set()
    for field_code, _ in pairs:
        if len(field_code) != 2 or not field_code.isalnum() or not field_code.isupper():
            raise ValueError(f"SIP2 field code {field_code!r} is not two capitals/digits")
        if field_code in ("AY", "AZ"):
            raise ValueError("SIP2 AY and AZ are written by encode(), not given as fields")
        spec = layout.field_specs.get(field_code)
        if field_code in seen and spec is not None and not spec.repeatable:
            raise ValueError(f"SIP2 {code} field {field_code} may occur only once")
        seen.add(field_code)
    missing = [required for required in layout.required_codes if required not in seen]
    if missing:
        raise ValueError(f"SIP2 {code} needs field {', '.join(missing)}")
    ordered = {name: fixed[name] for name, _ in layout.fixed}
    return Message(code=code, fixed=ordered, fields=pairs)


def encode(
    msg: Message,
    *,
    sequence: int | None = None,
    checksum: bool = True,
    terminator: bytes = b"\r",
    encoding: str = "utf-8",
) -> bytes:
    """Write a message canonically.

    Fixed fields in layout order, then the variable fields in the given order, each ending
    with ``|``; a ``|`` inside a value is written ``&#124;`` and CR/LF become spaces. When
    ``sequence`` is given: ``AY<n>AZ<xxxx>`` (``AY<n>`` alone when ``checksum`` is False;
    96 and 97, never sequenced, get ``AZ<xxxx>`` alone). Characters the encoding cannot
    represent are written as ``?``.

    Args:
        msg: The message.
        sequence: The AY sequence number (taken modulo 10), or None for no error detection.
        checksum: Add the AZ checksum (with a sequence number).
        terminator: ``b"\\r"`` (standard) or ``b"\\r\\n"``.
        encoding: "utf-8", "cp850" or "latin-1".

    Returns:
        The bytes to send, terminator included.
    """
    layout = LAYOUTS.get(msg.code)
    parts = [msg.code]
    if layout is not None:
        fixed = msg.fixed
        parts.extend(fixed[name] for name, _ in layout.fixed)
    else:
        parts.extend(msg.fixed.values())
    for field_code, value in msg.fields:
        if "|" in value:
            value = value.replace("|", _PIPE_ENTITY)
        parts.append(field_code)
        parts.append(value)
        parts.append("|")
    text = "".join(parts)
    if "\r" in text or "\n" in text:
        text = text.translate(_NEWLINES)
    body = text.encode(encoding, "replace")
    if sequence is None:
        return body + terminator
    if msg.code in _UNSEQUENCED:
        if not checksum:
            return body + terminator
        body += _AZ
    else:
        body += b"AY%dAZ" % (sequence % 10) if checksum else b"AY%d" % (sequence % 10)
        if not checksum:
            return body + terminator
    return body + checksum_bytes(body) + terminator


def decode(frame: bytes, *, encoding: str = "utf-8", verify: bool = True) -> Message:
    """Read one frame (without its terminator) into a :class:`Message`.

    Tolerant: unknown field codes are kept, empty segments skipped, ``&#124;`` read as
    ``|``, a trailing CR/LF ignored, AY/AZ found with or without a ``|`` before them, and
    undecodable bytes replaced with U+FFFD (one WARNING per frame on ``kiosk.ils.sip2``).

    Args:
        frame: The frame's bytes.
        encoding: The session's character set.
        verify: Check the AZ checksum when the frame carries one.

    Returns:
        The message.

    Raises:
        ChecksumMismatch: ``verify`` and the AZ checksum is wrong.
        Sip2ProtocolError: An unknown message code or a frame shorter than its fixed part.
    """
    end = len(frame)
    while end and frame[end - 1] in (13, 10):
        end -= 1
    body_end = end
    sequence: int | None = None
    if end >= 8 and frame[end - 6 : end - 4] == _AZ and _HEX.issuperset(frame[end - 4 : end]):
        if verify and checksum_bytes(frame[: end - 4]) != frame[end - 4 : end].upper():
            raise ChecksumMismatch(
                f"SIP2 checksum wrong (AZ{frame[end - 4 : end].decode('ascii')}, expected "
                f"AZ{checksum(frame[: end - 4])}): {masked(frame, log_safe=True)}"
            )
        body_end = end - 6
        if (
            body_end >= 5
            and frame[body_end - 3 : body_end - 1] == _AY
            and frame[body_end - 1] in _DIGITS
        ):
            sequence = frame[body_end - 1] - 48
            body_end -= 3
    raw = frame[:body_end]
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text = raw.decode(encoding, "replace")
        _log.warning(
            "SIP2 message had bytes that are not %s, read as U+FFFD; check the ILS encoding "
            "setting: %s",
            encoding,
            masked(frame, log_safe=True),
        )
    layout = LAYOUTS.get(text[:2])
    if layout is None:
        raise Sip2ProtocolError(
            f"SIP2 message with unknown code {text[:2]!r}: {masked(frame, log_safe=True)}"
        )
    start = 2 + layout.fixed_length
    if len(text) < start:
        raise Sip2ProtocolError(
            f"SIP2 {layout.code} shorter than its fixed part ({len(text)} of {start} "
            f"characters): {masked(frame, log_safe=True)}"
        )
    fixed = {name: text[a:b] for name, a, b in layout.slices}
    fields: list[tuple[str, str]] = []
    if len(text) > start:
        for segment in text[start:].split("|"):
            if len(segment) < 2:
                continue
            field_code = segment[:2]
            value = segment[2:]
            if field_code == "AY" or field_code == "AZ":
                if field_code == "AY" and len(value) == 1 and value in "0123456789":
                    sequence = int(value)
                continue
            if "&" in value:
                value = value.replace(_PIPE_ENTITY, "|")
            fields.append((field_code, value))
    return Message(layout.code, fixed, tuple(fields), sequence)

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
import re
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

_HEX_CHARS = b"0123456789ABCDEFabcdef"
_LINE_ENDS = frozenset(b"\r\n")
_FIELD = re.compile(r"([^|]{2})([^|]*)")
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


# The generated __init__ of a frozen dataclass sets each attribute through
# object.__setattr__: a third of decode()'s time. The codec builds its own messages
# through the slots' descriptors instead (same object, same invariants).
_new_message = object.__new__
_slots = vars(Message)
_set_code = _slots["code"].__set__
_set_fixed = _slots["fixed"].__set__
_set_fields = _slots["fields"].__set__
_set_sequence = _slots["sequence"].__set__


def _message(
    code: str, fixed: Mapping[str, str], fields: tuple[tuple[str, str], ...], sequence: int | None
) -> Message:
    msg = _new_message(Message)
    _set_code(msg, code)
    _set_fixed(msg, fixed)
    _set_fields(msg, fields)
    _set_sequence(msg, sequence)
    return msg


def _layout_of(code: str) -> Layout:
    layout = LAYOUTS.get(code)
    if layout is None:
        raise ValueError(f"SIP2 message code {code!r} is not one of SIP2 2.00")
    return layout


def request(code: str, fields: Iterable[tuple[str, str]] = (), **fixed: str) -> Message:
    """Build a message and check it against its layout.

    Args:
        code: The message code ("11").
        fields: The variable fields in the order to write them, as (code, value). Codes
            outside the layout (extensions such as Evergreen's PA) are allowed.
        **fixed: Every fixed field of the layout by name, each exactly its width.

    Returns:
        The message.

    Raises:
        ValueError: A fixed field missing, unknown or of the wrong width, a required
            variable field missing, a non-repeatable one repeated, or a malformed code:
            a programming error.
    """
    layout = _layout_of(code)
    names = layout.fixed_names
    if fixed.keys() != layout.fixed_name_set:
        _fixed_names_error(layout, fixed)
    in_order = tuple(fixed) == names
    values = tuple(fixed.values()) if in_order else tuple(map(fixed.__getitem__, names))
    if tuple(map(len, values)) != layout.widths:
        for name, width in layout.fixed:
            if len(fixed[name]) != width:
                raise ValueError(
                    f"SIP2 {code} fixed field {name} must be {width} characters, "
                    f"got {len(fixed[name])}: {fixed[name]!r}"
                )
    pairs = tuple(map(tuple, fields))
    codes = [field_code for field_code, _ in pairs]
    if not layout.field_codes.issuperset(codes) or len(set(codes)) != len(codes):
        _check_codes(layout, codes)
    if not layout.required.issubset(codes):
        missing = [required for required in layout.required_codes if required not in codes]
        raise ValueError(f"SIP2 {code} needs field {', '.join(missing)}")
    ordered = fixed if in_order else dict(zip(names, values, strict=True))
    return _message(code, ordered, pairs, None)  # type: ignore[arg-type]


def _fixed_names_error(layout: Layout, fixed: Mapping[str, str]) -> None:
    unknown = sorted(set(fixed) - layout.fixed_name_set)
    if unknown:
        raise ValueError(f"SIP2 {layout.code} has no fixed field {', '.join(unknown)}")
    missing = [name for name in layout.fixed_names if name not in fixed]
    raise ValueError(f"SIP2 {layout.code} needs fixed field {', '.join(missing)}")


def _check_codes(layout: Layout, codes: list[str]) -> None:
    """The slow path of request(): unknown or repeated codes, checked one by one."""
    seen: set[str] = set()
    for field_code in codes:
        if len(field_code) != 2 or not field_code.isalnum() or not field_code.isupper():
            raise ValueError(f"SIP2 field code {field_code!r} is not two capitals/digits")
        if field_code in ("AY", "AZ"):
            raise ValueError("SIP2 AY and AZ are written by encode(), not given as fields")
        if field_code in seen and field_code in layout.field_codes - layout.repeatable:
            raise ValueError(f"SIP2 {layout.code} field {field_code} may occur only once")
        seen.add(field_code)


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
    if layout is not None:
        text = msg.code + "".join(map(msg.fixed.__getitem__, layout.fixed_names))
    else:
        text = msg.code + "".join(msg.fixed.values())
    fields = msg.fields
    if fields:
        variable = "".join([f"{field_code}{value}|" for field_code, value in fields])
        # One "|" per field unless a value holds one: only then escape value by value.
        if variable.count("|") != len(fields):
            variable = "".join(
                [f"{field_code}{value.replace('|', _PIPE_ENTITY)}|" for field_code, value in fields]
            )
        text += variable
    if "\r" in text or "\n" in text:
        text = text.translate(_NEWLINES)
    body = text.encode(encoding, "replace")
    if sequence is None:
        return body + terminator
    if msg.code in _UNSEQUENCED:
        if not checksum:
            return body + terminator
        body += _AZ
    elif checksum:
        body += b"AY%dAZ" % (sequence % 10)
    else:
        return body + b"AY%d" % (sequence % 10) + terminator
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
    while end and frame[end - 1] in _LINE_ENDS:
        end -= 1
    body_end = end
    sequence: int | None = None
    if end >= 8 and frame[end - 6 : end - 4] == _AZ:
        digits = frame[end - 4 : end]
        if not digits.translate(None, _HEX_CHARS):  # four hex digits: an AZ trailer
            if verify and checksum_bytes(frame[: end - 4]) != digits.upper():
                raise ChecksumMismatch(
                    f"SIP2 checksum wrong (AZ{digits.decode('ascii')}, expected "
                    f"AZ{checksum(frame[: end - 4])}): {masked(frame, log_safe=True)}"
                )
            body_end = end - 6
            if frame[body_end - 3 : body_end - 1] == _AY and frame[body_end - 1] in _DIGITS:
                sequence = frame[body_end - 1] - 48
                body_end -= 3
    try:
        text = frame[:body_end].decode(encoding)
    except UnicodeDecodeError:
        text = frame[:body_end].decode(encoding, "replace")
        _log.warning(
            "SIP2 message had bytes that are not %s, read as U+FFFD; check the ILS encoding "
            "setting: %s",
            encoding,
            masked(frame, log_safe=True),
        )
    layout = LAYOUTS.get(text[:2])
    if layout is None:
        raise Sip2ProtocolError(
            f"SIP2 message with unknown code {text[:2]!r}, is this a SIP2 port? "
            f"{masked(frame, log_safe=True)}"
        )
    start = 2 + layout.fixed_length
    if len(text) < start:
        raise Sip2ProtocolError(
            f"SIP2 {layout.code} shorter than its fixed part ({len(text)} of {start} "
            f"characters): {masked(frame, log_safe=True)}"
        )
    fixed = dict(zip(layout.fixed_names, layout.slicer(text)))  # noqa: B905 (equal lengths)
    rest = text[start:]
    if not rest:
        return _message(layout.code, fixed, (), sequence)
    # One C-level regex pass cuts every field into (code, value): segments shorter than a
    # code (empty, or one stray character) do not match, and the last field needs no "|".
    fields = _FIELD.findall(rest)
    if _PIPE_ENTITY in rest:
        fields = [(field_code, value.replace(_PIPE_ENTITY, "|")) for field_code, value in fields]
    if "|AY" in rest or "|AZ" in rest or rest[:2] in ("AY", "AZ"):
        # AY/AZ as fields of their own: a trailer after a "|" that closed nothing, or AY
        # alone (sequence without checksum). Neither is a field of the message.
        kept = []
        for field_code, value in fields:
            if field_code == "AY":
                if len(value) == 1 and value in "0123456789":
                    sequence = int(value)
            elif field_code != "AZ":
                kept.append((field_code, value))
        fields = kept
    return _message(layout.code, fixed, tuple(fields), sequence)

"""SIP2 2.00 codec: messages to bytes and back. Pure: no sockets, no clocks, no threads.

Wire format
-----------
A message is one line of text: a two-digit code, its fixed fields (exact widths, no
separators), then its variable fields, each a two-letter code, a value and ``|``; with error
detection on, ``AY`` + one sequence digit + ``AZ`` + four hex digits of checksum; then CR::

    11YN20261121    072611                  AOPERPUS|AA12345|ABB0001|AC|AD1234|AY4AZED4B<CR>
    code, fixed fields (p, b, transaction_date, nb_due_date), fields ... AY seq AZ checksum

The checksum is ``-(sum of the bytes from the code through "AZ") & 0xFFFF``. Flags are Y/N
(U: unknown) or 1/0; counts four digits; dates ``YYYYMMDDZZZZHHMMSS`` (:mod:`.dates`).
Writing is strict and canonical: fixed fields in layout order with their exact widths, every
variable field ends with ``|`` (``|`` inside a value is written ``&#124;``), 96 and 97 carry
``AZ`` without ``AY``. Reading is tolerant (see the quirks below) and raises only
:class:`Sip2ProtocolError`.

Messages the kiosk and the server use
-------------------------------------
Fixed part drawn to scale with byte offsets; then the variable fields (``*`` required,
``+`` repeatable; :data:`~kiosk.ils.sip2.layouts.FIELD_NAMES` names every code).

    93 LoginRequest (SC->ACS)
        +--+-+-+
        |93|u|w|
        +--+-+-+
        0  2 3 4
        u=uid_algorithm, w=pwd_algorithm
        then CN* CO* CP

    94 LoginResponse (ACS->SC)
        +--+-+
        |94|o|
        +--+-+
        0  2 3
        o=ok

    99 SCStatusRequest (SC->ACS)
        +--+-+---+----+
        |99|c|mpw|vers|
        +--+-+---+----+
        0  2 3   6    10
        c=status_code, mpw=max_print_width, vers=protocol_version

    98 ACSStatusResponse (ACS->SC)
        +--+-+-+-+-+-+-+---+---+------------------+----+
        |98|o|i|c|r|u|f|tmo|rty|date_time_sync    |vers|
        +--+-+-+-+-+-+-+---+---+------------------+----+
        0  2 3 4 5 6 7 8   11  14                 32   36
        o=online_status, i=checkin_ok, c=checkout_ok, r=acs_renewal_policy,
          u=status_update_ok, f=offline_ok, tmo=timeout_period, rty=retries_allowed,
          vers=protocol_version
        then AO* AM BX* AN AF+ AG+

    63 PatronInformationRequest (SC->ACS)
        +--+---+------------------+----------+
        |63|lng|transaction_date  |summary   |
        +--+---+------------------+----------+
        0  2   5                  23         33
        lng=language
        then AO* AA* AC AD BP BQ

    64 PatronInformationResponse (ACS->SC)
        +--+--------------+---+------------------+----+----+----+----+----+----+
        |64|patron_status |lng|transaction_date  |hold|ovrd|chrg|fine|rcll|unav|
        +--+--------------+---+------------------+----+----+----+----+----+----+
        0  2              16  19                 37   41   45   49   53   57   61
        lng=language, hold=hold_items_count, ovrd=overdue_items_count,
          chrg=charged_items_count, fine=fine_items_count, rcll=recall_items_count,
          unav=unavailable_holds_count
        then AO* AA* AE* BZ CA CB BL CQ BH BV CC AS+ AT+ AU+ AV+ BU+ CD+ BD BE BF AF+ AG+

    23 PatronStatusRequest (SC->ACS)
        +--+---+------------------+
        |23|lng|transaction_date  |
        +--+---+------------------+
        0  2   5                  23
        lng=language
        then AO* AA* AC* AD*

    24 PatronStatusResponse (ACS->SC)
        +--+--------------+---+------------------+
        |24|patron_status |lng|transaction_date  |
        +--+--------------+---+------------------+
        0  2              16  19                 37
        lng=language
        then AO* AA* AE* BL CQ BH BV AF+ AG+

    17 ItemInformationRequest (SC->ACS)
        +--+------------------+
        |17|transaction_date  |
        +--+------------------+
        0  2                  20
        then AO* AB* AC

    18 ItemInformationResponse (ACS->SC)
        +--+--+--+--+------------------+
        |18|cs|sm|ft|transaction_date  |
        +--+--+--+--+------------------+
        0  2  4  6  8                  26
        cs=circulation_status, sm=security_marker, ft=fee_type
        then CF AH CJ CM AB* AJ* BG BH BV CK AQ AP CH AF+ AG+

    11 CheckoutRequest (SC->ACS)
        +--+-+-+------------------+------------------+
        |11|p|b|transaction_date  |nb_due_date       |
        +--+-+-+------------------+------------------+
        0  2 3 4                  22                 40
        p=sc_renewal_policy, b=no_block
        then AO* AA* AB* AC* CH AD BO BI

    12 CheckoutResponse (ACS->SC)
        +--+-+-+-+-+------------------+
        |12|o|r|m|d|transaction_date  |
        +--+-+-+-+-+------------------+
        0  2 3 4 5 6                  24
        o=ok, r=renewal_ok, m=magnetic_media, d=desensitize
        then AO* AA* AB* AJ* AH* BT CI BH BV CK CH BK AF+ AG+

    09 CheckinRequest (SC->ACS)
        +--+-+------------------+------------------+
        |09|b|transaction_date  |return_date       |
        +--+-+------------------+------------------+
        0  2 3                  21                 39
        b=no_block
        then AP* AO* AB* AC* CH BI

    10 CheckinResponse (ACS->SC)
        +--+-+-+-+-+------------------+
        |10|o|s|m|a|transaction_date  |
        +--+-+-+-+-+------------------+
        0  2 3 4 5 6                  24
        o=ok, s=resensitize, m=magnetic_media, a=alert
        then AO* AB* AQ* AJ CL AA CK CH AF+ AG+

    29 RenewRequest (SC->ACS)
        +--+-+-+------------------+------------------+
        |29|t|b|transaction_date  |nb_due_date       |
        +--+-+-+------------------+------------------+
        0  2 3 4                  22                 40
        t=third_party_allowed, b=no_block
        then AO* AA* AD AB AJ AC CH BO

    30 RenewResponse (ACS->SC)
        +--+-+-+-+-+------------------+
        |30|o|r|m|d|transaction_date  |
        +--+-+-+-+-+------------------+
        0  2 3 4 5 6                  24
        o=ok, r=renewal_ok, m=magnetic_media, d=desensitize
        then AO* AA* AB* AJ* AH* BT CI BH BV CK CH BK AF+ AG+

    65 RenewAllRequest (SC->ACS)
        +--+------------------+
        |65|transaction_date  |
        +--+------------------+
        0  2                  20
        then AO* AA* AD AC BO

    66 RenewAllResponse (ACS->SC)
        +--+-+----+----+------------------+
        |66|o|rnwd|unrn|transaction_date  |
        +--+-+----+----+------------------+
        0  2 3    7    11                 29
        o=ok, rnwd=renewed_count, unrn=unrenewed_count
        then AO* BM+ BN+ AF+ AG+

    35 EndPatronSessionRequest (SC->ACS)
        +--+------------------+
        |35|transaction_date  |
        +--+------------------+
        0  2                  20
        then AO* AA* AC AD

    36 EndSessionResponse (ACS->SC)
        +--+-+------------------+
        |36|e|transaction_date  |
        +--+-+------------------+
        0  2 3                  21
        e=end_session
        then AO* AA* AF+ AG+

    15 HoldRequest (SC->ACS)
        +--+-+------------------+
        |15|h|transaction_date  |
        +--+-+------------------+
        0  2 3                  21
        h=hold_mode
        then AO* AA* BW BS BY AD AB AJ AC BO

    16 HoldResponse (ACS->SC)
        +--+-+-+------------------+
        |16|o|v|transaction_date  |
        +--+-+-+------------------+
        0  2 3 4                  22
        o=ok, v=available
        then BW BR BS AO* AA* AB AJ AF+ AG+

    97 RequestACSResend (SC->ACS: send your last reply again)
        +--+
        |97|
        +--+
        0  2

    96 RequestSCResend (ACS->SC: send your last request again)
        +--+
        |96|
        +--+
        0  2

Codes: AA patron id, AB item id, AC terminal password, AD patron PIN, AE patron name, AF
screen message, AG print line, AH due date, AJ title, AM library name, AO institution, AP
current location, AQ permanent location, AS/AT/AU/AV hold/overdue/charged/fine items, BH
currency, BL valid patron, BM/BN renewed/unrenewed items, BO fee acknowledged, BT fee type,
BV fee amount, BX supported messages, BZ/CA/CB hold/overdue/charged limits, CC fee limit,
CD unavailable holds, CF hold queue length, CH item properties, CK media type, CL sort bin,
CM hold pickup date, CN/CO/CP login user/password/location, CQ valid PIN, CT destination.

Quirks of real servers (recorded in tests/data/sip2/)
-----------------------------------------------------
- Evergreen SIPServer: CR endings and checksums; it answers a 97 with its last reply
  re-numbered (AY0 where it was AY4): a resent reply cannot be matched by its sequence; ASCII
  mode writes accents as ``?`` and once sent a replacement character; extensions PA (card
  expiry, YYYYMMDD), PB, PC, PI, XI and an AQ in 64, BL in 12; an unknown patron is a 24/64
  with BL N and an empty AE; an unknown item a 12 with ok 0, empty AJ/AH and AF; a corrupted
  checksum is answered ``96AZFEF6``; after a refused login it closes the connection.
- invenio-sip2: numbers padded with spaces (``98YYYYYY 10 10``: :meth:`Message.number`);
  one AG per character (:meth:`Message.text`); a 97 answered without the final CR, so the
  next reply arrives glued to it (:class:`FrameReader` splits after the verified checksum);
  bad checksums accepted; a CRLF-terminated request makes it close the connection.
- pysip2: strict; a CRLF ending stalls it, a checkout with a blank nb_due_date or a last
  field without its ``|`` makes it drop the connection.
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
    "seal",
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
_TRAILERS = tuple(b"AY%dAZ" % sequence for sequence in range(10))


@dataclass(frozen=True, slots=True, repr=False)
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

    def __repr__(self) -> str:
        """The message with PIN and passwords masked: a repr ends up in logs and test output."""
        fields = tuple(
            (code, "****" if code in SECRET_FIELDS else value) for code, value in self.fields
        )
        return (
            f"Message(code={self.code!r}, fixed={dict(self.fixed)!r}, fields={fields!r}, "
            f"sequence={self.sequence!r})"
        )

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
        values = self.all(code)
        if len(values) < 2:  # the usual case (one AF or none): that value, stripped
            return values[0].strip() if values else ""
        words: list[str] = []
        run: list[str] = []
        for value in values:
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
    pairs = tuple(map(tuple, fields))
    given = tuple(fixed)
    # Whether the names and codes fit the layout depends only on this shape: checked once
    # per shape (a client sends few), the widths of the values every time.
    shape = (code, given, tuple([field_code for field_code, _ in pairs]))
    widths = _SHAPES.get(shape)
    if widths is None:
        widths = _check_shape(*shape)
        if len(_SHAPES) < _MAX_SHAPES:
            _SHAPES[shape] = widths
    if tuple(map(len, fixed.values())) != widths:
        for (name, value), width in zip(fixed.items(), widths, strict=True):
            if len(value) != width:
                raise ValueError(
                    f"SIP2 {code} fixed field {name} must be {width} characters, "
                    f"got {len(value)}: {value!r}"
                )
    names = LAYOUTS[code].fixed_names
    ordered = fixed if given == names else {name: fixed[name] for name in names}
    return _message(code, ordered, pairs, None)  # type: ignore[arg-type]


_SHAPES: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[int, ...]] = {}
_MAX_SHAPES = 4096


def _check_shape(code: str, given: tuple[str, ...], codes: tuple[str, ...]) -> tuple[int, ...]:
    """Check fixed names and field codes against the layout; return the widths, in ``given``
    order. Raises ValueError (a programming error) when they do not fit."""
    layout = _layout_of(code)
    if set(given) != layout.fixed_name_set:
        unknown = sorted(set(given) - layout.fixed_name_set)
        if unknown:
            raise ValueError(f"SIP2 {code} has no fixed field {', '.join(unknown)}")
        missing = [name for name in layout.fixed_names if name not in given]
        raise ValueError(f"SIP2 {code} needs fixed field {', '.join(missing)}")
    seen: set[str] = set()
    for field_code in codes:
        if len(field_code) != 2 or not field_code.isalnum() or not field_code.isupper():
            raise ValueError(f"SIP2 field code {field_code!r} is not two capitals/digits")
        if field_code in ("AY", "AZ"):
            raise ValueError("SIP2 AY and AZ are written by encode(), not given as fields")
        if field_code in seen and field_code in layout.field_codes - layout.repeatable:
            raise ValueError(f"SIP2 {code} field {field_code} may occur only once")
        seen.add(field_code)
    if not layout.required <= seen:
        missing = [required for required in layout.required_codes if required not in seen]
        raise ValueError(f"SIP2 {code} needs field {', '.join(missing)}")
    width_of = dict(layout.fixed)
    return tuple(width_of[name] for name in given)


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

    Raises:
        ValueError: A message built by hand without one of its layout's fixed fields.
    """
    layout = LAYOUTS.get(msg.code)
    if layout is None:
        text = msg.code + "".join(msg.fixed.values())
    else:
        try:
            text = msg.code + "".join(map(msg.fixed.__getitem__, layout.fixed_names))
        except KeyError as missing:
            raise ValueError(f"SIP2 {msg.code} message lacks fixed field {missing}") from None
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
    return seal(
        msg.code,
        text.encode(encoding, "replace"),
        sequence=sequence,
        checksum=checksum,
        terminator=terminator,
    )


def seal(
    code: str,
    body: bytes,
    *,
    sequence: int | None = None,
    checksum: bool = True,
    terminator: bytes = b"\r",
) -> bytes:
    """Finish an encoded message: its error detection trailer and its terminator.

    Args:
        code: The message code (96 and 97 are never sequenced).
        body: The encoded message up to its last field's ``|`` (``encode(msg,
            terminator=b"")``, or a :class:`~kiosk.ils.sip2.writer.RequestWriter`'s).
        sequence, checksum, terminator: As for :func:`encode`.

    Returns:
        The bytes to send.
    """
    if sequence is None:
        return body + terminator
    if code in _UNSEQUENCED:
        if not checksum:
            return body + terminator
        body += _AZ
    elif checksum:
        body += _TRAILERS[sequence % 10]
    else:
        return body + _TRAILERS[sequence % 10][:3] + terminator
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

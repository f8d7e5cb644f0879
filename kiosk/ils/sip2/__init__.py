"""SIP2 2.00: the kiosk's production link to the library's circulation system.

Layered like pymodbus: the codec (:mod:`.codec`, pure: messages to bytes and back, framing,
dates), the connection (socket, TLS, retries) and the backend (the kiosk's IlsBackend);
the server (the ACS side) lives apart in ``server/``.
"""

from kiosk.ils.sip2.codec import (
    BLANK_DATE,
    SECRET_FIELDS,
    ChecksumMismatch,
    FrameReader,
    Message,
    Sip2ProtocolError,
    checksum,
    decode,
    encode,
    format_datetime,
    masked,
    parse_datetime,
    request,
)
from kiosk.ils.sip2.layouts import FIELD_NAMES, LAYOUTS, FieldSpec, Layout

__all__ = [
    "BLANK_DATE",
    "FIELD_NAMES",
    "LAYOUTS",
    "SECRET_FIELDS",
    "ChecksumMismatch",
    "FieldSpec",
    "FrameReader",
    "Layout",
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

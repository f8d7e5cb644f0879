"""Precompiled SIP2 request writers: one per kind of request the client sends all day.

:func:`~kiosk.ils.sip2.codec.request` checks a message against its layout and
:func:`~kiosk.ils.sip2.codec.encode` lays it out, field by field, every time: right for
messages built by hand, but a check-out (11) always has the same shape. A
:class:`RequestWriter` checks that shape once, when it is made, and keeps the message's text
as a format (code, fixed fields, then ``AO%s|AA%s|...``), so writing an 11 is one string
format and one encode. Whatever the format cannot write canonically as it stands (a value
holding ``|``, CR or LF, a fixed value of the wrong width) goes through ``request`` and
``encode``, which escape it or raise the same ``ValueError`` as before.

The bytes are the same as ``encode(request(...), terminator=b"")``; the connection adds the
sequence number, checksum and terminator (:func:`~kiosk.ils.sip2.codec.seal`).
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.ils.sip2.codec import encode, request
from kiosk.ils.sip2.layouts import LAYOUTS


class RequestWriter:
    """Writes one kind of request: a code, its fixed fields and variable field codes in order.

    Args:
        code: The message code ("11").
        fixed_names: Every fixed field of the layout, in layout order.
        field_codes: The variable fields written, in wire order.
        encoding: The ACS's character set (the connection's).

    Raises:
        ValueError: The shape does not fit the layout (a programming error), as
            :func:`~kiosk.ils.sip2.codec.request` says it, or fixed names out of layout
            order.
    """

    def __init__(
        self,
        code: str,
        fixed_names: Sequence[str],
        field_codes: Sequence[str],
        *,
        encoding: str = "utf-8",
    ) -> None:
        layout = LAYOUTS.get(code)
        width = dict(layout.fixed) if layout is not None else {}
        # The shape is checked once, by the codec itself, on blank values of the right widths.
        request(
            code,
            [(field_code, "") for field_code in field_codes],
            **{name: " " * width.get(name, 0) for name in fixed_names},
        )
        assert layout is not None  # request() raised for an unknown code
        if tuple(fixed_names) != layout.fixed_names:
            raise ValueError(f"SIP2 {code} fixed fields must be given in layout order")
        self.code = code
        self._encoding = encoding
        self._fixed_names = tuple(fixed_names)
        self._field_codes = tuple(field_codes)
        self._widths = layout.widths
        self._pipes = len(self._field_codes)
        self._format = code + "%s" + "".join(f"{field_code}%s|" for field_code in field_codes)

    def body(self, fixed: Sequence[str], values: Sequence[str]) -> bytes:
        """The request's bytes up to its last ``|`` (no trailer, no terminator).

        Args:
            fixed: The fixed fields' values, in ``fixed_names`` order.
            values: The variable fields' values, in ``field_codes`` order.

        Raises:
            ValueError: A fixed value of the wrong width.
        """
        text = self._format % ("".join(fixed), *values)
        if (
            tuple(map(len, fixed)) != self._widths
            or text.count("|") != self._pipes
            or "\r" in text
            or "\n" in text
        ):
            # Not canonical as it stands: the codec escapes it (or says what is wrong).
            message = request(
                self.code,
                zip(self._field_codes, values, strict=True),
                **dict(zip(self._fixed_names, fixed, strict=True)),
            )
            return encode(message, terminator=b"", encoding=self._encoding)
        return text.encode(self._encoding, "replace")

"""RequestWriter: the same bytes as request() + encode(), whatever the values; the shape is
checked once, when the writer is made."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.ils.sip2 import decode, encode, request
from kiosk.ils.sip2.codec import seal
from kiosk.ils.sip2.writer import RequestWriter

FIXED = ("sc_renewal_policy", "no_block", "transaction_date", "nb_due_date")
CODES = ("AO", "AA", "AB", "AC", "BO")
DATE = "20261121    120000"
VALUES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


def expected(fixed: tuple[str, ...], values: tuple[str, ...], encoding: str) -> bytes:
    message = request("11", zip(CODES, values, strict=True), **dict(zip(FIXED, fixed, strict=True)))
    return encode(message, terminator=b"", encoding=encoding)


@settings(deadline=None, max_examples=200)
@given(
    st.tuples(*[VALUES] * len(CODES)),
    st.sampled_from(["Y", "N"]),
    st.sampled_from(["utf-8", "cp850", "latin-1"]),
)
def test_the_writer_writes_what_request_and_encode_write(
    values: tuple[str, ...], flag: str, encoding: str
) -> None:
    # Values holding "|", CR or LF included: they are escaped as encode() escapes them.
    writer = RequestWriter("11", FIXED, CODES, encoding=encoding)
    fixed = ("N", flag, DATE, " " * 18)
    assert writer.body(fixed, values) == expected(fixed, values, encoding)


def test_a_written_check_out_is_read_back_whole() -> None:
    writer = RequestWriter("11", FIXED, CODES)
    values = ("3171", "2317|0010", "3317", "", "N")
    frame = seal("11", writer.body(("N", "N", DATE, DATE), values), sequence=4)
    message = decode(frame.rstrip(b"\r"))
    assert message.sequence == 4
    assert tuple(value for _, value in message.fields) == values


def test_a_fixed_value_of_the_wrong_width_is_refused() -> None:
    writer = RequestWriter("11", FIXED, CODES)
    with pytest.raises(ValueError, match="transaction_date must be 18 characters"):
        writer.body(("N", "N", DATE[:-1], DATE + " "), ("3171", "1", "2", "", "N"))


@pytest.mark.parametrize(
    ("code", "fixed", "codes", "error"),
    [
        ("11", FIXED[:-1], CODES, "needs fixed field nb_due_date"),
        ("11", FIXED, ("AO", "AA"), "needs field AB"),
        ("11", tuple(reversed(FIXED)), CODES, "layout order"),
        ("XX", FIXED, CODES, "not one of SIP2 2.00"),
    ],
)
def test_a_shape_that_does_not_fit_the_layout_is_refused_when_made(
    code: str, fixed: tuple[str, ...], codes: tuple[str, ...], error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        RequestWriter(code, fixed, codes)

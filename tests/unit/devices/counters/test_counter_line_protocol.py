"""The ASCII line protocol's pure parser: frames, CRCs, noise, any chunking."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from devices.counters.line_protocol import (
    CounterFrame,
    FrameError,
    LineParser,
    crc16,
    format_frame,
    format_query,
    parse_frame,
)


def _crc16_bitwise(data: bytes) -> int:
    """CRC-16/CCITT-FALSE bit by bit, as the Arduino code in the module docstring does."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def test_the_crc_is_ccitt_false_with_the_catalogue_check_value() -> None:
    # reveng.sourceforge.io/crc-catalogue/16.htm: CRC-16/IBM-3740 (CCITT-FALSE), check=0x29b1
    assert crc16(b"123456789") == 0x29B1 == _crc16_bitwise(b"123456789")
    for data in (b"", b"IN=0,OUT=0", bytes(range(256))):
        assert crc16(data) == _crc16_bitwise(data)


def test_documented_examples_have_the_documented_crcs() -> None:
    assert format_frame(123, 45, "gate1") == b"$IN=123,OUT=45,ID=gate1*B27A\r\n"
    assert format_frame(123, 45) == b"$IN=123,OUT=45*6994\r\n"
    assert format_frame(65535, 7) == b"$IN=65535,OUT=7*F8A5\r\n"
    assert crc16(b"IN=123,OUT=45") == 0x6994


def _flipped(frame: bytes, *bits: int) -> bytes:
    data = bytearray(frame)
    for bit in bits:
        data[bit // 8] ^= 1 << (bit % 8)
    return bytes(data)


def test_every_one_and_two_bit_error_in_a_frame_is_rejected() -> None:
    # Exhaustive over one frame, line end included: a flip in "$...*XXXX" must cost the
    # reading; a flip in the CR LF alone may leave the (intact) frame readable.
    frame = format_frame(105, 50, "gate1")
    bits, protected = len(frame) * 8, (len(frame) - 2) * 8
    accepted, wrong = [], []
    for flips in itertools.chain(
        ((bit,) for bit in range(bits)), itertools.combinations(range(bits), 2)
    ):
        read = [
            r for r in LineParser().feed(_flipped(frame, *flips)) if isinstance(r, CounterFrame)
        ]
        wrong += [(flips, r) for r in read if r != CounterFrame(105, 50, "gate1")]
        if read and min(flips) < protected:
            accepted.append(flips)
    assert wrong == [] and accepted == []


def test_the_attack_that_fooled_the_xor_checksum_is_rejected() -> None:
    # IN=105 -> IN=765 flips two bits in each of two digits; a XOR byte cancelled them out.
    forged = format_frame(105, 50).replace(b"IN=105", b"IN=765")
    assert LineParser().feed(forged) == [
        FrameError("bad CRC *4CAC, expected *659B", "$IN=765,OUT=50*4CAC")
    ]


def test_queries() -> None:
    assert format_query() == b"?\r\n"
    assert format_query("gate1") == b"?gate1\r\n"


def test_a_frame_split_anywhere_is_read_once() -> None:
    data = format_frame(123, 45, "gate1")
    for cut in range(1, len(data)):
        parser = LineParser()
        results = parser.feed(data[:cut]) + parser.feed(data[cut:])
        assert results == [CounterFrame(123, 45, "gate1")]


def test_any_field_order_and_unknown_fields_are_accepted() -> None:
    body = b"FW=1.2,OUT=4,IN=9"
    frame = b"$" + body + f"*{crc16(body):04X}\r".encode()
    assert LineParser().feed(frame) == [CounterFrame(9, 4)]


def test_a_lower_case_crc_is_rejected() -> None:
    # Accepting "b27a" for "B27A" would let a flipped case bit through unnoticed.
    result = parse_frame(b"IN=123,OUT=45,ID=gate1*b27a")
    assert isinstance(result, FrameError) and "no *XXXX CRC" in result.reason


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"IN=123,OUT=45*6995", "bad CRC *6995, expected *6994"),
        (b"IN=123,OUT=45", "no *XXXX CRC"),
        (b"IN=123*", "no *XXXX CRC"),
        (b"IN=123,OUT=45*54", "no *XXXX CRC"),  # the old XOR checksum
        (b"OUT=45*%04X" % crc16(b"OUT=45"), "no IN= field"),
        (b"IN=1,IN=2,OUT=3*%04X" % crc16(b"IN=1,IN=2,OUT=3"), "field IN appears twice"),
        (b"IN=x,OUT=3*%04X" % crc16(b"IN=x,OUT=3"), "IN=x is not a total"),
        (b"IN=99999999999,OUT=3*%04X" % crc16(b"IN=99999999999,OUT=3"), "is not a total"),
        (b"IN=1,OUT=3,junk*%04X" % crc16(b"IN=1,OUT=3,junk"), "is not a KEY=value field"),
    ],
)
def test_bad_frames_say_why(frame: bytes, reason: str) -> None:
    result = parse_frame(frame)
    assert isinstance(result, FrameError)
    assert reason in result.reason


def test_noise_before_a_frame_on_the_same_line_is_reported_and_the_frame_still_read() -> None:
    results = LineParser().feed(b"\x00\xff\x13" + format_frame(1, 2))
    assert isinstance(results[0], FrameError)
    assert "3 bytes outside a frame" in results[0].reason
    assert results[1:] == [CounterFrame(1, 2)]


def test_a_new_dollar_cuts_the_frame_short() -> None:
    results = LineParser().feed(b"$IN=12,OU" + format_frame(5, 6))
    assert [type(r) for r in results] == [FrameError, CounterFrame]
    assert "cut short" in results[0].reason  # type: ignore[union-attr]


def test_too_long_and_control_bytes_abort_the_frame_until_the_line_ends() -> None:
    parser = LineParser()
    long = parser.feed(b"$" + b"1" * 100 + b"\r\n")
    assert len(long) == 1 and "longer than 64" in long[0].reason  # type: ignore[union-attr]
    control = parser.feed(b"$IN=1\x07,OUT=2*0000\r\n" + format_frame(3, 4))
    assert [type(r) for r in control] == [FrameError, CounterFrame]


def test_query_echo_on_the_bus_is_ignored_silently() -> None:
    assert LineParser().feed(b"?gate1\r\n" + format_frame(3, 4)) == [CounterFrame(3, 4)]


def test_reset_forgets_half_a_frame() -> None:
    parser = LineParser()
    parser.feed(b"$IN=1,OUT")
    parser.reset()
    results = parser.feed(b"=2*00\r\n")
    assert results == [
        FrameError("5 bytes outside a frame (line noise or wrong baud rate)", "=2*00")
    ]


# -- properties ---------------------------------------------------------------------

_frames = st.builds(
    format_frame,
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["", "gate1", "A-2.b_3"]),
)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@given(st.binary(max_size=400), st.lists(st.integers(0, 10_000), max_size=20))
def test_arbitrary_bytes_never_raise_and_memory_stays_bounded(data: bytes, cuts: list[int]) -> None:
    parser = LineParser()
    for chunk in _chunks(data, cuts):
        for result in parser.feed(chunk):
            assert isinstance(result, CounterFrame | FrameError)
        assert parser._frame is None or len(parser._frame) < parser.max_length
        assert len(parser._noise) <= 16


@given(
    st.lists(st.tuples(st.binary(max_size=40), _frames), min_size=1, max_size=8),
    st.binary(max_size=40),
    st.lists(st.integers(0, 10_000), max_size=20),
)
def test_every_frame_embedded_in_noise_is_found_exactly_once(
    pieces: list[tuple[bytes, bytes]], tail: bytes, cuts: list[int]
) -> None:
    def frames_in(data: bytes) -> list[CounterFrame | FrameError]:
        return [r for r in LineParser().feed(data + b"\r") if isinstance(r, CounterFrame)]

    # Noise that happens to hold a valid frame of its own would rightly add that frame.
    assume(not any(frames_in(n) for n, _ in pieces) and not frames_in(tail))
    stream = b"".join(n + f for n, f in pieces) + tail
    parser = LineParser()
    found = [
        r for c in _chunks(stream, cuts) for r in parser.feed(c) if isinstance(r, CounterFrame)
    ]
    assert found == [LineParser().feed(f)[0] for _, f in pieces]

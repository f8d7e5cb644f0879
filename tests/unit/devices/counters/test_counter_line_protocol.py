"""The ASCII line protocol's pure parser: frames, checksums, noise, any chunking."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from devices.counters.line_protocol import (
    CounterFrame,
    FrameError,
    LineParser,
    checksum,
    format_frame,
    format_query,
    parse_frame,
)


def test_documented_examples_have_the_documented_checksums() -> None:
    assert format_frame(123, 45, "gate1") == b"$IN=123,OUT=45,ID=gate1*6E\r\n"
    assert format_frame(123, 45) == b"$IN=123,OUT=45*54\r\n"
    assert format_frame(65535, 7) == b"$IN=65535,OUT=7*62\r\n"
    assert checksum(b"IN=123,OUT=45") == 0x54


def test_queries() -> None:
    assert format_query() == b"?\r\n"
    assert format_query("gate1") == b"?gate1\r\n"


def test_a_frame_split_anywhere_is_read_once() -> None:
    data = format_frame(123, 45, "gate1")
    for cut in range(1, len(data)):
        parser = LineParser()
        results = parser.feed(data[:cut]) + parser.feed(data[cut:])
        assert results == [CounterFrame(123, 45, "gate1")]


def test_lower_case_checksum_any_field_order_and_unknown_fields_are_accepted() -> None:
    body = b"FW=1.2,OUT=4,IN=9"
    frame = b"$" + body + f"*{checksum(body):02x}\r".encode()
    assert LineParser().feed(frame) == [CounterFrame(9, 4)]


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"IN=123,OUT=45*55", "bad checksum *55, expected *54"),
        (b"IN=123,OUT=45", "no *XX checksum"),
        (b"IN=123*", "no *XX checksum"),
        (b"OUT=45*%02X" % checksum(b"OUT=45"), "no IN= field"),
        (b"IN=1,IN=2,OUT=3*%02X" % checksum(b"IN=1,IN=2,OUT=3"), "field IN appears twice"),
        (b"IN=x,OUT=3*%02X" % checksum(b"IN=x,OUT=3"), "IN=x is not a total"),
        (b"IN=99999999999,OUT=3*%02X" % checksum(b"IN=99999999999,OUT=3"), "is not a total"),
        (b"IN=1,OUT=3,junk*%02X" % checksum(b"IN=1,OUT=3,junk"), "is not a KEY=value field"),
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
    control = parser.feed(b"$IN=1\x07,OUT=2*00\r\n" + format_frame(3, 4))
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

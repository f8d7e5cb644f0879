"""LineFramer: bytes in, lines and framing errors out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.framing import FramingError, LineFramer, printable_excerpt

NOISE = "unreadable characters (line noise)"


@pytest.mark.parametrize(
    ("terminator", "stream", "expected"),
    [
        (b"\r", b"30234000517861\r", ["30234000517861"]),
        (b"\r", b"111\r222\r333\r", ["111", "222", "333"]),
        (b"\r", b"111\r222", ["111"]),  # incomplete last line is kept for later
        (b"\r", b"111\r\n222\r\n", ["111", "222"]),  # scanner sends CRLF, config says CR
        (b"\n", b"111\r222\r", ["111", "222"]),  # scanner sends CR, config says LF
        (b"\r\n", b"111\n222\r", ["111", "222"]),
        (b"\r", b"\r\r\n\n111\r\r", ["111"]),  # empty lines skipped
        (b"\r", b"  \r", ["  "]),  # whitespace is a line; normalising is the scanner's job
        (b"\r", b"caf\xe9\r", ["café"]),  # latin-1 decodes, never raises
        (b"\r", b"1\x002\r333\r", [FramingError(NOISE, "1\\x002"), "333"]),
        (b"\r", b"\x1b[A\r", [FramingError(NOISE, "\\x1b[A")]),
        (b"\t", b"111\t222\r\t", ["111", FramingError(NOISE, "222\\x0d")]),
        (b"\x03", b"\x02111\x03", [FramingError(NOISE, "\\x02111")]),
        (b"<>", b"1<2<>3>4<><>", ["1<2", "3>4"]),
    ],
)
def test_frames(terminator: bytes, stream: bytes, expected: list[str | FramingError]) -> None:
    assert LineFramer(terminator).feed(stream) == expected


def test_a_frame_split_across_feeds_is_joined() -> None:
    framer = LineFramer()
    assert framer.feed(b"30234") == []
    assert framer.feed(b"00051") == []
    assert framer.feed(b"7861\r") == ["30234000517861"]


def test_crlf_split_between_cr_and_lf_gives_one_line() -> None:
    framer = LineFramer(b"\r\n")
    assert framer.feed(b"111\r") == ["111"]
    assert framer.feed(b"\n222\r\n") == ["222"]


def test_multibyte_terminator_split_across_feeds() -> None:
    framer = LineFramer(b"<>", max_length=3)
    assert framer.feed(b"abc<") == []
    assert framer.feed(b">") == ["abc"]


def test_a_line_at_max_length_passes() -> None:
    assert LineFramer(max_length=5).feed(b"12345\r") == ["12345"]


def test_an_overlong_line_is_reported_once_and_the_framer_resynchronises() -> None:
    framer = LineFramer(max_length=64)
    results = framer.feed(b"9" * 100)
    assert results == [FramingError("line longer than 64 characters", "9" * 16 + "…")]
    assert framer.feed(b"9" * 1000) == []
    assert framer.feed(b"999\r30234000517861\r") == ["30234000517861"]


def test_an_overlong_line_does_not_grow_memory() -> None:
    framer = LineFramer(max_length=64)
    for _ in range(1000):
        framer.feed(b"x" * 1000)
    assert len(framer._buffer) <= 64


def test_overlong_excerpt_shows_non_printables_escaped() -> None:
    [error] = LineFramer(max_length=4).feed(b"\x01abcdef\r")
    assert error == FramingError("line longer than 4 characters", "\\x01abc…")


def test_reset_forgets_a_partial_line() -> None:
    framer = LineFramer()
    framer.feed(b"garbage")
    framer.reset()
    assert framer.feed(b"111\r") == ["111"]


@pytest.mark.parametrize(("terminator", "max_length"), [(b"", 64), (b"\r", 0)])
def test_bad_configuration_is_refused(terminator: bytes, max_length: int) -> None:
    with pytest.raises(ValueError, match="must"):
        LineFramer(terminator, max_length)


def test_printable_excerpt_is_short_and_escaped() -> None:
    assert printable_excerpt(b"ab\x00\x85" + b"z" * 30, limit=5) == "ab\\x00\\x85z…"


# -- property: chunking never changes the outcome --------------------------------

line_bytes = st.one_of(
    st.binary(max_size=80),
    st.text(alphabet="0123456789AB ", max_size=20).map(str.encode),
)
terminators = st.sampled_from([b"\r", b"\n", b"\r\n", b"\t", b"<>"])


@st.composite
def stream_and_cuts(draw: st.DrawFn) -> tuple[bytes, bytes, list[int]]:
    terminator = draw(terminators)
    separators = st.sampled_from([terminator, b"\r\n", b"\n", b"\r"])
    parts = draw(st.lists(st.tuples(line_bytes, separators), max_size=10))
    stream = b"".join(line + sep for line, sep in parts) + draw(line_bytes)
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    return terminator, stream, cuts


@given(stream_and_cuts(), st.integers(1, 70))
def test_any_chunking_yields_the_same_results(
    case: tuple[bytes, bytes, list[int]], max_length: int
) -> None:
    terminator, stream, cuts = case
    whole = LineFramer(terminator, max_length).feed(stream)
    framer = LineFramer(terminator, max_length)
    chunked: list[str | FramingError] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        chunked += framer.feed(stream[start:end])
    assert chunked == whole


@given(stream_and_cuts(), st.integers(1, 70))
def test_lines_are_printable_and_bounded(
    case: tuple[bytes, bytes, list[int]], max_length: int
) -> None:
    terminator, stream, _ = case
    for item in LineFramer(terminator, max_length).feed(stream):
        if isinstance(item, str):
            assert item
            assert item.isprintable()
            assert len(item) <= max_length
        else:
            assert item.excerpt.isprintable()
            assert len(item.excerpt) <= 4 * 16 + 1


@given(st.lists(st.text(alphabet="0123456789", min_size=1, max_size=14), max_size=10))
def test_every_clean_line_comes_out(lines: list[str]) -> None:
    stream = b"".join(line.encode() + b"\r\n" for line in lines)
    assert LineFramer(b"\r").feed(stream) == lines

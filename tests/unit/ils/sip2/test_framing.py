"""FrameReader: a byte stream cut into frames however the server ends and the network splits."""

from __future__ import annotations

import pytest

from kiosk.ils.sip2 import FrameReader, Sip2ProtocolError, checksum, decode

DATE = "20261121    072611"


def sequenced(body: str, sequence: int) -> bytes:
    raw = f"{body}AY{sequence}AZ".encode()
    return raw + checksum(raw).encode()


END = sequenced(f"36Y{DATE}AOX|AA1|", 8)
PATRON = sequenced(f"24{' ' * 14}001{DATE}AOX|AA1|AEName|", 9)


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_each_ending_ends_a_frame(ending: bytes) -> None:
    reader = FrameReader()
    assert reader.feed(END + ending + PATRON + ending) == [END, PATRON]
    assert reader.pending() == 0


def test_frames_split_at_every_byte() -> None:
    stream = END + b"\r\n" + b"941\r\n" + PATRON + b"\r\n"
    for cut in range(1, len(stream)):
        reader = FrameReader()
        frames = reader.feed(stream[:cut]) + reader.feed(stream[cut:])
        assert frames == [END, b"941", PATRON], cut
        assert reader.pending() == 0


def test_one_byte_at_a_time() -> None:
    reader = FrameReader()
    frames = []
    for byte in END + b"\r" + b"941\r" + PATRON + b"\r":
        frames += reader.feed(bytes([byte]))
    assert frames == [END, b"941", PATRON]


def test_reply_missing_its_cr_glued_to_the_next() -> None:
    """invenio-sip2 answers 97 without the final CR: the next reply follows at once."""
    reader = FrameReader()
    assert reader.feed(END + PATRON + b"\r") == [END, PATRON]
    assert decode(END).sequence == 8 and decode(PATRON).sequence == 9


def test_a_complete_trailer_delivers_the_frame_before_its_cr() -> None:
    reader = FrameReader()
    assert reader.feed(END) == [END]  # no need to wait for a CR that may never come
    assert reader.feed(b"\r") == []
    assert reader.feed(b"96AZFEF6") == [b"96AZFEF6"]
    assert reader.feed(b"\r\n") == []


def test_frames_without_checksums_wait_for_their_ending() -> None:
    reader = FrameReader()
    assert reader.feed(b"941") == []
    assert reader.pending() == 3
    assert reader.feed(b"\r") == [b"941"]


def test_a_checksum_inside_a_value_does_not_split_a_frame() -> None:
    # "AZ1234" followed by digits inside a value: no verified checksum, no split.
    frame = sequenced(f"18030001{DATE}ABAZ123456|AJT|", 1)
    assert FrameReader().feed(frame + b"\r") == [frame]
    # Nor does a wrong checksum glued to the next reply: it stays one (bad) frame.
    broken = END[:-4] + b"0000"
    assert FrameReader().feed(broken + PATRON + b"\r") == [broken + PATRON]


def test_a_frame_longer_than_the_limit_is_dropped_once() -> None:
    reader = FrameReader(max_frame=100)
    assert reader.feed(b"941\r" + b"x" * 60) == [b"941"]
    with pytest.raises(Sip2ProtocolError, match="longer than 100 bytes"):
        reader.feed(b"y" * 60)
    assert reader.pending() == 0
    assert reader.feed(b"z" * 500) == []  # the rest of the same frame: dropped, no error
    assert reader.pending() == 0
    assert reader.feed(b"zzz\r941\r") == [b"941"]  # its end, then a good frame


def test_frames_completed_before_an_overflow_are_not_lost() -> None:
    reader = FrameReader(max_frame=100)
    with pytest.raises(Sip2ProtocolError):
        reader.feed(b"941\r" + PATRON + b"\r" + b"x" * 200)
    assert reader.feed(b"") == [b"941", PATRON]
    assert reader.feed(b"\r941\r") == [b"941"]


def test_clear_forgets_everything() -> None:
    reader = FrameReader()
    reader.feed(b"64 half a frame")
    reader.clear()
    assert reader.pending() == 0 and reader.feed(b"941\r") == [b"941"]


def test_glued_replies_with_no_terminator_yet_are_both_delivered() -> None:
    """Found by Hypothesis: the 97 reply without its CR, then the next reply, not yet ended."""
    reader = FrameReader()
    assert reader.feed(END + PATRON) == [END, PATRON]
    assert reader.feed(END + b"941") == [END]
    assert reader.pending() == 3

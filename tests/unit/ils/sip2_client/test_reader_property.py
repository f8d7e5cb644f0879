"""The connection's reader over a real socket pair, fed arbitrary interleavings of valid and
broken replies in arbitrary pieces: only the codec's Sip2ProtocolError is ever raised (one
per broken reply), and every valid reply is decoded, in order (issue 9, acceptance 2)."""

from __future__ import annotations

import socket
import threading
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from unit.ils.sip2_client.fake_acs import checkout_reply, item_reply, patron_reply, status_reply

from kiosk.ils.sip2.codec import Message, Sip2ProtocolError, decode, encode
from kiosk.ils.sip2.reader import ReplyReader

REPLIES: list[Message] = [item_reply(), checkout_reply(), checkout_reply("0"), patron_reply(),
                          patron_reply(pin_ok=False), status_reply()]  # fmt: skip

valid = st.builds(
    lambda message, sequence, crlf: encode(
        message, sequence=sequence, checksum=True, terminator=b"\r\n" if crlf else b"\r"
    ),
    st.sampled_from(REPLIES),
    st.integers(0, 9),
    st.booleans(),
)
# Not SIP2 at all: an unknown code and bytes that are neither line ends nor "A" (so no
# accidental AY/AZ trailer).
garbage = st.binary(max_size=40).map(lambda raw: b"!!" + raw.translate(None, b"\r\nA") + b"\r")


@st.composite
def corrupted(draw: st.DrawFn) -> bytes:
    """A valid reply with one byte changed before its trailer: its checksum is wrong."""
    frame = draw(valid).rstrip(b"\r\n")
    index = draw(st.integers(0, len(frame) - 10))
    return frame[:index] + bytes([frame[index] ^ 0x01]) + frame[index + 1 :] + b"\r"


item = st.one_of(valid.map(lambda f: (True, f)), garbage.map(lambda f: (False, f)),
                 corrupted().map(lambda f: (False, f)))  # fmt: skip


@settings(deadline=None, max_examples=60)
@given(items=st.lists(item, max_size=12), cuts=st.lists(st.integers(1, 2000), max_size=8))
def test_reader_decodes_every_valid_reply_and_raises_only_protocol_errors(
    items: list[tuple[bool, bytes]], cuts: list[int]
) -> None:
    stream = b"".join(frame for _, frame in items)
    points = sorted({cut for cut in cuts if cut < len(stream)})
    pieces = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    ours, theirs = socket.socketpair()

    def write() -> None:
        for piece in pieces:
            theirs.sendall(piece)
            time.sleep(0.0005)  # give the reader a chance to see each piece on its own
        theirs.shutdown(socket.SHUT_WR)

    writer = threading.Thread(target=write)
    writer.start()
    reader = ReplyReader(ours, encoding="utf-8", verify=True)
    decoded: list[Message] = []
    errors = 0
    try:
        while True:
            try:
                decoded.append(reader.read(timeout=10))
            except Sip2ProtocolError:
                errors += 1
            except ConnectionError:
                break
    finally:
        writer.join()
        ours.close()
        theirs.close()
    expected = [decode(frame.rstrip(b"\r\n")) for good, frame in items if good]
    assert decoded == expected
    assert errors == sum(1 for good, _ in items if not good)

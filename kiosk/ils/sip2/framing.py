"""Splitting a SIP2 byte stream into frames, whatever real servers do with their endings.

A frame ends at CR, CRLF or LF; empty frames (the LF of a CRLF split across reads) are
skipped. Two quirks are handled without a terminator, both recognised by a checksum that
verifies (``AZ`` + 4 hex digits over the bytes before it):

- glued frames: invenio-sip2 answers a 97 resend without its final CR, so the next reply
  arrives glued to it (``...AY8AZF01F24   ...AY9AZD013\\r``); the frame is split after the
  checksum when two digits (the next message code) follow it;
- a frame that ends in ``AY<n>AZ<xxxx>`` (or is ``96``/``97`` + ``AZ<xxxx>``) is complete
  even before its CR arrives, so such a reply is delivered at once instead of after the
  request timeout. Its CR, when it comes, ends an empty frame, which is skipped.
"""

from __future__ import annotations

from kiosk.ils.sip2.wire import Sip2ProtocolError, checksum_bytes, masked

_HEX = frozenset(b"0123456789ABCDEFabcdef")
_DIGITS = frozenset(b"0123456789")


def _checksum_at(data: bytes | bytearray, az: int) -> bool:
    """True when ``data[az:az+6]`` is ``AZ`` + 4 hex digits that verify ``data[:az+2]``."""
    digits = bytes(data[az + 2 : az + 6])
    return (
        len(digits) == 4
        and _HEX.issuperset(digits)
        and checksum_bytes(bytes(data[: az + 2])) == digits.upper()
    )


def _split_glued(segment: bytes) -> list[bytes]:
    """Split a terminated segment where a verified checksum is followed by a message code."""
    frames: list[bytes] = []
    search = 0
    while True:
        az = segment.find(b"AZ", search)
        if az < 0 or az + 8 > len(segment):
            break
        search = az + 2
        if segment[az + 6] in _DIGITS and segment[az + 7] in _DIGITS and _checksum_at(segment, az):
            frames.append(segment[: az + 6])
            segment = segment[az + 6 :]
            search = 0
    frames.append(segment)
    return frames


def _complete_without_terminator(tail: bytes) -> bool:
    """An unterminated tail that already ends in a verified AY/AZ trailer is a whole frame."""
    size = len(tail)
    if size < 8 or tail[size - 6 : size - 4] != b"AZ":
        return False
    sequenced = size >= 11 and tail[size - 9 : size - 7] == b"AY" and tail[size - 7] in _DIGITS
    unsequenced = size == 8 and tail[:2] in (b"96", b"97")
    return (sequenced or unsequenced) and _checksum_at(tail, size - 6)


class FrameReader:
    """Splits a byte stream into SIP2 frames (without their terminators).

    Handles CR, CRLF or LF endings, frames split across reads or glued together, and a
    frame missing its final CR that is followed at once by the next one (detected after
    ``AZ`` + 4 hex digits). The bytes held are bounded by ``max_frame``.
    """

    def __init__(self, max_frame: int = 64 * 1024) -> None:
        """Create an empty reader.

        Args:
            max_frame: Most bytes held without a terminator; beyond it they are dropped.
        """
        self._buffer = bytearray()
        self._max_frame = max_frame
        self._discarding = False
        self._ready: list[bytes] = []

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes read from the peer and return the frames they complete, in order.

        Args:
            data: The bytes of one read (any size; may be empty).

        Returns:
            The completed frames, without their terminators; empty frames are skipped.

        Raises:
            Sip2ProtocolError: Once, when more than ``max_frame`` bytes arrived without a
                terminator; they are dropped, and so is the rest of that frame up to its
                terminator. Frames completed before it are returned by the next call
                (``feed(b"")`` collects them).
        """
        buffer = self._buffer
        if (
            not buffer
            and not self._ready
            and not self._discarding
            and data.find(b"\r") == len(data) - 1 > 0
            and b"\n" not in data
            and b"AZ" not in data[:-7]
        ):
            # The usual read: one whole reply ending in its CR, nothing held before it: the
            # general path below would cut the same single frame, in three times the time.
            return [data[:-1]]
        frames = self._ready
        self._ready = []
        buffer += data
        start = 0
        cr = buffer.find(b"\r")
        lf = buffer.find(b"\n")
        while cr >= 0 or lf >= 0:
            end = lf if cr < 0 or 0 <= lf < cr else cr
            segment = bytes(buffer[start:end])
            start = end + 1
            # Search again only for the ending just used: the other one is still ahead.
            if cr == end:
                cr = buffer.find(b"\r", start)
            else:
                lf = buffer.find(b"\n", start)
            if self._discarding:
                self._discarding = False
                continue
            if segment:
                if b"AZ" in segment[:-6]:
                    frames.extend(_split_glued(segment))
                else:
                    frames.append(segment)
        del buffer[:start]
        if buffer and not self._discarding and b"AZ" in buffer:
            # Replies glued without a terminator are whole up to the verified checksum; the
            # last may be whole already too (its CR may never come).
            pieces = _split_glued(bytes(buffer))
            last = pieces.pop()
            if _complete_without_terminator(last):
                pieces.append(last)
                last = b""
            if pieces:
                frames.extend(pieces)
                buffer[:] = last
        if len(buffer) > self._max_frame or (self._discarding and buffer):
            first = masked(bytes(buffer[:40]), log_safe=True)
            buffer.clear()
            if not self._discarding:
                self._discarding = True
                if frames:
                    self._ready = frames
                raise Sip2ProtocolError(
                    f"SIP2 reply longer than {self._max_frame} bytes without an end of "
                    f"message, dropped; check the ILS terminator setting: {first}…"
                )
        return frames

    def pending(self) -> int:
        """Return how many bytes are held waiting for the end of their frame."""
        return len(self._buffer)

    def clear(self) -> None:
        """Forget everything held (after a reconnect: old bytes belong to no request)."""
        self._buffer.clear()
        self._discarding = False
        self._ready = []

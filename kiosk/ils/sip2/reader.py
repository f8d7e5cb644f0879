"""Reading SIP2 replies from a socket: the codec's FrameReader over blocking reads.

Split from :mod:`kiosk.ils.sip2.connection` (which owns the socket's life) so that the
reader can be driven by any connected socket: the property test feeds it through a socket
pair. Sockets are blocking, bounded by the OS's own timeouts (:func:`os_timeouts`): a
socket with a Python timeout would poll() before every send and receive.
"""

from __future__ import annotations

import collections
import socket
import ssl
import struct
import time
from collections.abc import Callable

from kiosk.ils.sip2.codec import FrameReader, Message, Sip2ProtocolError, decode, masked

Trace = Callable[[str, str], None]
"""Receives every message exchanged: the direction (``">>>"`` sent, ``"<<<"`` received)
and the frame as one line of text with PIN and passwords masked."""

SENT, RECEIVED = ">>>", "<<<"
_READ_SIZE = 65536


class ReplyReader:
    """Reads SIP2 messages from a connected socket: frames by the codec's FrameReader,
    each decoded by the codec.

    Args:
        sock: the connected socket (plain or TLS).
        encoding: the ACS's character set.
        verify: check the AZ checksum of replies that carry one.
        trace: called with every frame received (masked).
    """

    def __init__(
        self, sock: socket.socket, *, encoding: str, verify: bool, trace: Trace | None = None
    ) -> None:
        self._sock = sock
        self._encoding = encoding
        self._verify = verify
        self._trace = trace
        self._framer = FrameReader()
        self._queue: collections.deque[bytes | Sip2ProtocolError] = collections.deque()

    def buffered(self) -> bool:
        """Whether bytes or frames are held that no request has read yet."""
        return bool(self._queue) or self._framer.pending() > 0

    def read(self, timeout: float) -> Message:
        """The next message from the peer.

        Raises:
            Sip2ProtocolError: the next frame is not a SIP2 message (or its checksum is
                wrong); that frame is consumed, the next call reads the one after it.
            TimeoutError: no complete frame within ``timeout`` seconds (checked each time
                the socket's receive timeout ends a wait).
            ConnectionError: the peer closed the connection or it failed.
        """
        deadline = time.monotonic() + timeout
        while not self._queue:
            try:
                # A blocking read bounded by the socket's own receive timeout (SO_RCVTIMEO,
                # set once per connection): a socket with a Python timeout would poll()
                # before every send and receive, a syscall more per round trip.
                data = self._sock.recv(_READ_SIZE)
            except (BlockingIOError, ssl.SSLWantReadError, TimeoutError) as err:
                if time.monotonic() >= deadline:
                    raise TimeoutError("no complete SIP2 message in time") from err
                continue
            except OSError as err:
                raise ConnectionError(err.strerror or str(err)) from err
            if not data:
                raise ConnectionError("the server closed the connection")
            try:
                self._queue.extend(self._framer.feed(data))
            except Sip2ProtocolError as err:
                # Frames completed before the overlong one come first, then its error.
                self._queue.extend(self._framer.feed(b""))
                self._queue.append(err)
            if not self._queue and time.monotonic() >= deadline:
                # A reply dripping a byte at a time never lets the receive timeout end a
                # wait: the whole reply has one deadline (attack trial: a drip held the
                # kiosk's one connection for minutes).
                raise TimeoutError("no complete SIP2 message in time (it came too slowly)")
        item = self._queue.popleft()
        if isinstance(item, Sip2ProtocolError):
            raise item
        if self._trace is not None:
            self._trace(RECEIVED, masked(item))
        return decode(item, encoding=self._encoding, verify=self._verify)


def os_timeouts(sock: socket.socket, seconds: float) -> None:
    """Bound every blocking send and receive on ``sock`` by ``seconds`` (SO_SNDTIMEO,
    SO_RCVTIMEO): they then fail with EAGAIN instead of waiting for ever."""
    whole = int(seconds)
    value = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)

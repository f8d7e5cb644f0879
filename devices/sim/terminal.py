"""What the simulators share with a terminal: raw pseudo-terminals, the console's input,
and closing (descriptors, sockets, a simulator at the end of its ``with`` block).

A simulator plays a serial device on a pseudo-terminal pair: the device's side is the
master, the kiosk opens the slave's path like a serial port. Both ends are raw (no echo,
no line editing, no CR/LF translation), or the bytes on the wire would not be the
device's. The technician's console reads its commands from stdin as bytes, so a byte
that is not UTF-8 cannot end it.
"""

from __future__ import annotations

import abc
import contextlib
import fcntl
import os
import socket
import struct
import termios
import time
import tty
from collections.abc import Callable, Iterable, Iterator
from typing import Self, TextIO


def open_raw_pty() -> tuple[int, int]:
    """A new pseudo-terminal pair ``(master, slave)``, both ends in raw mode."""
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    return master, slave


def unread_on_pty(slave: int) -> int:
    """Bytes written to the pty (its master) that the kiosk has not read yet.

    On Linux the master's own output queue (``TIOCOUTQ``) is always empty: written bytes
    move at once to the slave's input queue, which ``FIONREAD`` on the slave reports (the
    simulator keeps the slave open, and the kiosk's open shares that queue).

    Args:
        slave: the pty's slave descriptor.
    """
    return int(struct.unpack("i", fcntl.ioctl(slave, termios.FIONREAD, b"\0" * 4))[0])


def unsent_on_socket(sock: socket.socket) -> int:
    """Bytes sent on a TCP socket that the peer has not acknowledged yet (``SIOCOUTQ``)."""
    return int(struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0])


CONNECT_SETTLE = 0.5  # seconds between accepting a kiosk on TCP and a script's first bytes
"""pyserial's ``socket://`` open empties its input just after connecting
(``reset_input_buffer``): bytes sent the instant the kiosk is accepted are thrown away,
and a replay's first read (often a single byte, split from the rest of its scan) is lost."""
DRAIN_WAIT = 10.0  # seconds at most that a finished script or replay waits for the kiosk
DRAIN_LINGER = 0.5  # and then, seconds for the kiosk to handle what it has just read


def wait_until_read(
    unread: Callable[[], int],
    timeout: float = DRAIN_WAIT,
    linger: float = DRAIN_LINGER,
    poll: float = 0.05,
) -> int:
    """Wait until ``unread()`` is 0 (at most ``timeout`` s), then ``linger`` s more.

    A script or replay that closed its device as soon as the last line was written would
    take back the bytes the kiosk had not read yet (closing a pty discards its queue).

    Returns:
        The bytes still unread when the wait ended (0: the kiosk read everything).
    """
    deadline = time.monotonic() + timeout
    left = unread()
    while left and time.monotonic() < deadline:
        time.sleep(poll)
        left = unread()
    if not left:
        time.sleep(linger)
    return left


def drained_line(left: int) -> str:
    """The one line a finished script or replay prints before it unplugs its device."""
    if left:
        return f"the kiosk did not read the last {left} bytes within {DRAIN_WAIT:g} s; ending"
    return "the kiosk has read everything sent; ending"


def close_fds(fds: Iterable[int]) -> None:
    """Close each descriptor, ignoring those already closed."""
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def hang_up(*sockets: socket.socket | None) -> None:
    """Shut down and close each socket (None: skipped); the peer sees the line go dead.

    ``shutdown`` first, so a thread blocked on the socket (and the kiosk) see it at once.
    """
    for sock in sockets:
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class ClosedOnExit(abc.ABC):
    """A simulator usable in a ``with`` block: leaving the block calls :meth:`close`."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop the simulator and release what it holds; idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def console_commands(stdin: TextIO) -> Iterator[str]:
    """What the technician types on ``stdin``: each non-blank line, stripped, until its end.

    Bytes that are not UTF-8 become U+FFFD instead of an error: a real terminal's text
    layer raises UnicodeDecodeError on such bytes (under a strict UTF-8 locale) and loses
    the rest of its buffer; reading its bytes avoids both.
    """
    binary = getattr(stdin, "buffer", None)
    lines = stdin if binary is None else (raw.decode("utf-8", errors="replace") for raw in binary)
    for raw in lines:
        line = raw.strip()
        if line:
            yield line

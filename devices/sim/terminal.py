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
import os
import socket
import tty
from collections.abc import Iterable, Iterator
from typing import Self, TextIO


def open_raw_pty() -> tuple[int, int]:
    """A new pseudo-terminal pair ``(master, slave)``, both ends in raw mode."""
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    return master, slave


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

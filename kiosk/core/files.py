"""Opening the kiosk's own files only when they are regular files, and reading them bounded.

A data file replaced by a FIFO would hang the start on ``open`` or the first read; a
symlink to ``/dev/zero`` would be read until memory runs out. The start-up code therefore
looks at a file before using it: :func:`open_regular` opens it non-blocking and refuses
anything ``fstat`` does not call a regular file, so the check is on the very file that is
read. The same idea guards the config reader (:mod:`kiosk.config`).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """The path is a FIFO, device, directory or socket; ``strerror`` says which."""

    def __init__(self, path: Path, mode: int) -> None:
        super().__init__(errno.EINVAL, f"it is {file_kind(mode)}, not a regular file", str(path))


def file_kind(mode: int) -> str:
    """What a ``st_mode`` is, for a message: "a FIFO", "a device", "a directory"..."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def check_regular(path: Path) -> bool:
    """Whether ``path`` exists; raise if it exists (symlinks followed) but is not a regular file.

    Looks without opening, so a device is never opened and a FIFO never waited on.

    Raises:
        NotRegularFile: the path is something other than a regular file.
        OSError: the path cannot be looked at (permissions, a dangling symlink's loop...).
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, mode)
    return True


def open_regular(path: Path, flags: int = os.O_RDONLY, create_mode: int = 0o600) -> int:
    """Open ``path`` and return the descriptor, only if it is a regular file.

    The path is looked at first (:func:`check_regular`), so a device is not even opened,
    then opened with ``O_NONBLOCK`` (a FIFO swapped in meanwhile cannot block) and checked
    again with ``fstat`` on the descriptor, so what is read is what was checked.

    Args:
        path: the file; symlinks are followed.
        flags: ``os.open`` flags, e.g. ``os.O_RDWR | os.O_CREAT``.
        create_mode: permission bits of a file ``O_CREAT`` makes (before the umask).

    Raises:
        NotRegularFile: the path is a FIFO, device, directory or socket.
        OSError: it cannot be opened.
    """
    check_regular(path)
    fd = os.open(path, flags | os.O_NONBLOCK | os.O_CLOEXEC, create_mode)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_at_most(fd: int, limit: int) -> bytes:
    """Up to ``limit`` bytes from ``fd`` (fewer at the end of the file).

    Read ``limit + 1`` to learn that a file is longer than it may be without reading it all.
    """
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)

"""Guards for ``kiosk run`` before the kiosk is built: the data folder, and start-up logging.

Standard library only (and :mod:`kiosk.config` for escaping), so the CLI can run these
checks before it imports SQLAlchemy or Kivy.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from kiosk.config import safe

_VIRTUAL_FILE_SYSTEMS = frozenset(
    ("proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs",
     "securityfs", "configfs", "pstore", "bpf", "mqueue", "fusectl", "efivarfs")
)  # fmt: skip


def data_dir_problem(data_dir: Path) -> str | None:
    """Why ``data_dir`` cannot hold the kiosk's files, as one line, or None if it can.

    Creates the folder if it is missing. Refuses an existing folder this user cannot write
    in (a read-only mount, another user's folder), a path that is a file, and a folder on a
    kernel file system such as /proc or /sys (where mkdir fails with a confusing "No such
    file or directory" or, worse, succeeds on something that is not storage).
    """
    shown = safe(str(data_dir), 300)
    if data_dir.exists() and not data_dir.is_dir():
        return (
            f"data folder {shown} is a file, not a folder; choose another folder with "
            "--data-dir or move the file aside"
        )
    fs_type = _file_system_type(data_dir)
    if fs_type in _VIRTUAL_FILE_SYSTEMS:
        return (
            f"data folder {shown} is on the kernel's {fs_type} file system, not on a disk; "
            "choose a folder on a local disk with --data-dir"
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        return (
            f"cannot create the data folder {shown} ({err.strerror or err}); choose a "
            "writable folder on a local disk with --data-dir"
        )
    if not os.access(data_dir, os.W_OK | os.X_OK):
        # An existing folder: mkdir succeeded, but nothing can be stored in it.
        return (
            f"data folder {shown} is not writable ({_why_not_writable(data_dir)}); make it "
            "writable for the kiosk's user or choose another folder with --data-dir"
        )
    return None


def _why_not_writable(data_dir: Path) -> str:
    try:
        if os.statvfs(data_dir).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except OSError:
        pass
    return "permission denied"


def _file_system_type(path: Path) -> str | None:
    """The type of the file system ``path`` is (or would be) on, from /proc/self/mounts."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as mounts:
            table = [line.split()[1:3] for line in mounts if len(line.split()) >= 3]
    except OSError:
        return None
    target = Path(os.path.abspath(path))
    best: tuple[int, str] | None = None
    for mount_point, fs_type in table:
        point = Path(mount_point.replace("\\040", " "))
        if (target == point or point in target.parents) and (
            best is None or len(point.parts) > best[0]
        ):
            best = (len(point.parts), fs_type)
    return best[1] if best else None


class StartupLog:
    """Holds log records back until the kiosk has started.

    A kiosk that cannot start says why in exactly one line; Kivy's and the store's start-up
    chatter before it would bury that line. Records are kept in memory until the first frame
    and then written in order; after a failed start they are dropped (shown with -v).
    """

    def __init__(self) -> None:
        self.started = False
        root = logging.getLogger()
        self._targets = list(root.handlers)
        self._buffer = logging.handlers.MemoryHandler(
            capacity=1_000_000, flushLevel=logging.CRITICAL + 1, flushOnClose=False
        )
        for handler in self._targets:
            root.removeHandler(handler)
        root.addHandler(self._buffer)
        self._released = False

    def started_now(self) -> None:
        """The first frame is drawn: write what was held back and log directly from now."""
        self.started = True
        self.release(show=True)

    def release(self, *, show: bool) -> None:
        """Stop holding records back; write the held ones if ``show``, else drop them."""
        if self._released:
            return
        self._released = True
        root = logging.getLogger()
        root.removeHandler(self._buffer)
        for handler in self._targets:
            root.addHandler(handler)
        if show:
            for record in self._buffer.buffer:
                for handler in self._targets:
                    if record.levelno >= handler.level:
                        handler.handle(record)
        self._buffer.buffer.clear()
        self._buffer.close()

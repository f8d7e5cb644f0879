"""Files private to the kiosk's user: folders 0700, files 0600, whatever the umask.

The data folder holds every patron's card number and loans, so no other local user may
read it. The ``kiosk`` command also sets a 077 umask at start; these helpers make the
result the same when the kiosk is built from Python (tests, benches) under any umask, and
tighten what an older version created loosely. Only what the kiosk's own user owns is
changed: a folder or file owned by someone else (root-made, shared) is left as it is.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from kiosk.core.files import open_regular

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) and make the folder itself 0700 if it is ours.

    Raises:
        OSError: the folder cannot be created.
    """
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)


def private_file(path: Path, *, create: bool = False) -> None:
    """Make ``path`` 0600 if it is ours; with ``create``, create it empty (0600) if missing.

    SQLite gives a database's ``-wal``, ``-shm`` and ``-journal`` files the mode of the
    database file, so a database created through this stays private with its companions.

    Raises:
        kiosk.core.files.NotRegularFile: with ``create``, the path is a FIFO, device or
            folder (opening a FIFO would hang the start).
        OSError: ``create`` was asked and the file cannot be created.
    """
    if create:
        os.close(open_regular(path, os.O_RDONLY | os.O_CREAT, FILE_MODE))
    _tighten(path, FILE_MODE)


def private_fd(fd: int, path: Path) -> None:
    """Make the open file ``fd`` (opened from ``path``) 0600 if it is ours and not a symlink.

    The mode is changed through the descriptor, and only when ``path`` itself (not followed)
    is that same file: a symlink planted in the data folder cannot make the kiosk change
    the mode of the file it points to.
    """
    st = os.fstat(fd)
    try:
        link = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(link.st_mode) or (link.st_dev, link.st_ino) != (st.st_dev, st.st_ino):
        return
    if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) != FILE_MODE:
        os.fchmod(fd, FILE_MODE)


def private_tree(path: Path) -> None:
    """Make a folder the kiosk owns and everything in it private (0700 folders, 0600 files)."""
    if not path.is_dir() or path.is_symlink():
        return
    _tighten(path, DIR_MODE)
    for folder, dirs, files in os.walk(path):
        for name in dirs:
            _tighten(Path(folder, name), DIR_MODE)
        for name in files:
            _tighten(Path(folder, name), FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    """chmod ``path`` to ``mode`` if it exists, is ours and is not a symlink."""
    with contextlib.suppress(FileNotFoundError):
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or st.st_uid != os.geteuid():
            return
        if stat.S_IMODE(st.st_mode) != mode:
            os.chmod(path, mode)

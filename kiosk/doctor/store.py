"""The local store and its disk: schema version, privacy, free space. Read-only.

* ``data folder``: a folder this user may write in (or one the first start can make).
* ``local store``: the revision in ``alembic_version`` against the newest migration this
  kiosk ships; the file a regular file, private (0600) and owned by this user. Read
  without upgrading it (``kiosk run`` upgrades an older store at start).
* ``free disk``: free space on the data folder's file system, above :data:`MIN_FREE_MB`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kiosk.doctor.base import Check, Context, Finding, failed, one_line, passed, user_name

MIN_FREE_MB = 200
"""Below this the kiosk may not be able to store loans (SQLite's WAL, the speech cache of
200 MB by default, logs): the technician is told before a patron finds out."""


def checks(context: Context, min_free_mb: int = MIN_FREE_MB) -> list[Check]:
    """The ``data folder``, ``local store`` and ``free disk`` checks."""
    return [
        Check("data folder", lambda: data_folder(context.data_dir), context.timeout),
        Check(
            "local store",
            lambda: local_store(context),
            context.timeout,
            "another program holds the store locked: check for a second kiosk on this data folder",
        ),
        Check("free disk", lambda: free_disk(context.data_dir, min_free_mb), context.timeout),
    ]


def data_folder(data_dir: Path) -> Finding:
    """The data folder is a folder this user may write in, or can be made by the kiosk."""
    user = user_name()
    if data_dir.exists() and not data_dir.is_dir():
        return failed(
            f"{data_dir} is a file, not a folder",
            "choose another folder with --data-dir or [kiosk] data_dir, or move the file aside",
        )
    if data_dir.is_dir():
        if os.access(data_dir, os.W_OK | os.X_OK):
            return passed(f"{data_dir} is writable by user {user}")
        info = data_dir.stat()
        return failed(
            f"{data_dir} is not writable by user {user} (owner uid {info.st_uid}, mode "
            f"{stat.S_IMODE(info.st_mode):03o})",
            f"run `sudo chown -R {user} {data_dir}` if the kiosk runs as {user}",
        )
    parent = data_dir.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        return passed(f"{data_dir} not made yet: the first `kiosk run` makes it (in {parent})")
    return failed(
        f"{data_dir} does not exist and user {user} may not create it in {parent}",
        f"create it: `sudo install -d -o {user} -m 700 {data_dir}`",
    )


def local_store(context: Context) -> Finding:
    """The store's schema revision, file type, owner and mode."""
    from kiosk.bootstrap import STORE_FILE
    from kiosk.core.files import file_kind
    from kiosk.storage.db import StoreError, head_revision, stored_revision

    path = context.data_dir / STORE_FILE
    head = head_revision()
    try:
        info = path.stat()
    except FileNotFoundError:
        if context.data_dir.exists() and not context.data_dir.is_dir():
            return failed(
                f"the data folder {context.data_dir} is a file",
                "choose another folder with --data-dir or [kiosk] data_dir",
            )
        return passed(f"none yet at {path}: the first `kiosk run` creates it (schema {head})")
    except OSError as err:
        return failed(
            f"cannot look at {path} ({err.strerror or err})",
            "check the data folder's owner and rights",
        )
    if not stat.S_ISREG(info.st_mode):
        return failed(
            f"{path} is {file_kind(info.st_mode)}, not a regular file: the kiosk and the gate "
            "refuse to start with it",
            "remove it (it holds no data); the next start makes a new store",
        )
    try:
        revision = stored_revision(path)
    except StoreError as err:
        return failed(one_line(str(err), 300), "move the file aside (keep it) and restore a backup")
    if revision is None:
        if info.st_size == 0:
            return passed(f"{path} is empty: the next `kiosk run` creates the tables ({head})")
        return failed(
            f"{path} is not a kiosk store (no alembic_version table)",
            "point --data-dir at the kiosk's own data folder, or move the file aside",
        )
    if revision != head:
        known = _known_revisions()
        if revision in known:
            return failed(
                f"{path} is at schema {revision}, older than this kiosk's {head}",
                "start the kiosk once (`kiosk run` upgrades the store at start; copy the "
                "file first to keep a backup)",
            )
        return failed(
            f"{path} is at schema {one_line(revision, 40)}, which this kiosk ({head}) does "
            "not know: a newer kiosk version wrote it",
            "install that newer version, or move the file aside (keep it: it may hold "
            "reports not yet sent)",
        )
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.geteuid():
        return failed(
            f"{path} belongs to uid {info.st_uid}, not to user {user_name()}",
            "run the doctor as the kiosk's user; if the kiosk runs as this user, "
            f"`sudo chown {user_name()} {path}`",
        )
    if mode & 0o077:
        return failed(
            f"{path} (schema {revision}) has mode {mode:03o}: other users may read patrons' loans",
            f"run `chmod 600 {path}`",
        )
    return passed(f"{path} at schema {revision} (this kiosk's newest), mode {mode:03o}")


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from kiosk.storage.db import alembic_config

    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


def free_disk(data_dir: Path, min_free_mb: int = MIN_FREE_MB) -> Finding:
    """Free space on the file system of the data folder (or of its nearest existing parent)."""
    where = data_dir
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        fs = os.statvfs(where)
    except OSError as err:
        return failed(f"cannot measure {where} ({err.strerror or err})", "check the data folder")
    free_mb = fs.f_bavail * fs.f_frsize / (1024 * 1024)
    shown = f"{free_mb / 1024:.1f} GB" if free_mb >= 1024 else f"{free_mb:.0f} MB"
    if free_mb < min_free_mb:
        return failed(
            f"only {shown} free on the data folder's disk ({where}); at least {min_free_mb} MB "
            "is needed",
            "free some space (old logs: `sudo journalctl --vacuum-size=100M`; old files) or "
            "move the data folder to a larger disk",
        )
    return passed(
        f"{shown} free on the data folder's disk ({where}; at least {min_free_mb} MB needed)"
    )

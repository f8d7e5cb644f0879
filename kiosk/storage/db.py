"""Opening the kiosk's local store: one SQLite file in WAL mode, migrated to head.

Every connection gets ``synchronous=FULL`` (a committed loan survives a power cut),
``foreign_keys=ON``, a 5 s ``busy_timeout`` (the sync worker and the app share the file)
and ``secure_delete=ON`` (what is deleted or overwritten is zeroed in the file: erased
guest names leave no bytes behind).
The schema is brought to the newest Alembic revision shipped inside this package, so an
installed wheel needs no ``alembic.ini``.

A file the kiosk cannot trust is refused at start with one line, not found out at the first
patron's loan: something other than a regular file (a FIFO would hang the start), a
SQLite file of another program (tables but no ``alembic_version``), a file SQLite's
``quick_check`` finds damaged, and one that after the upgrade still lacks a table or column
of :mod:`kiosk.storage.models`. An empty (0-byte) or missing file is a first start.
"""

from __future__ import annotations

import logging
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from kiosk.core.files import NotRegularFile, check_regular
from kiosk.storage.models import Base
from kiosk.storage.private import private_dir, private_file

_log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """The local store cannot be opened. The message is one line for a technician."""


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def _set_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Deleted and overwritten content is zeroed in the file, not left in free space: an
        # erased guest name must be gone from the bytes (kiosk.storage.visits.purge_names).
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def create_store_engine(path: Path) -> Engine:
    """Engine for the store file with the per-connection pragmas; no file access yet."""
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _set_pragmas)
    return engine


def open_store(path: Path) -> Engine:
    """Open (creating if needed) the store at ``path`` and migrate it to the newest schema.

    Args:
        path: the SQLite file, e.g. ``<data dir>/kiosk.sqlite3``. Its directory is created
            (0700) and the file and its ``-wal``/``-shm`` are private to this user (0600).

    Returns:
        An engine whose connections are in WAL mode with ``synchronous=FULL``.

    Raises:
        StoreError: the path is a directory or FIFO, not writable, not a SQLite database,
            another program's database, damaged, lacks tables or columns of this version,
            or is a database from a newer kiosk version.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(
            f"Kiosk store {path} is a directory; set the store path to a file name inside it."
        )
    fix = "move the file aside (keep it: it may hold receipts not yet sent) to start afresh"
    try:
        private_dir(path.parent)
        # Created 0600 before SQLite opens it: SQLite gives -wal and -shm the same mode.
        # Refused here if it is a FIFO or device, which SQLite would wait on or read forever.
        private_file(path, create=True)
        for suffix in ("-wal", "-shm", "-journal"):
            check_regular(path.with_name(path.name + suffix))
    except NotRegularFile as exc:  # a FIFO or device holds no receipts nor counts
        raise StoreError(
            f"Kiosk store file {exc.filename} is unusable ({exc.strerror}); remove it: it "
            "holds no data, and the next start makes a new store."
        ) from exc
    except OSError as exc:
        raise StoreError(
            f"Cannot create the kiosk store {path} or its folder ({exc.strerror or exc}); "
            "choose a writable data directory."
        ) from exc
    engine = create_store_engine(path)
    try:
        with engine.begin() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
            if str(mode).lower() != "wal":
                raise StoreError(
                    f"Kiosk store {path} refused WAL journal mode (got {mode}); "
                    "put it on a local disk, not a network share."
                )
            _refuse_foreign(connection, path, fix)
            _check_integrity(connection, path, fix)
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            _check_schema(connection, path, fix)
    except StoreError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = " ".join(str(getattr(exc, "orig", exc) or exc).split())
        raise StoreError(
            f"Cannot open the kiosk store {path} ({reason}); check that the file is a kiosk "
            "database and the folder is writable, or move the file aside to start afresh."
        ) from exc
    except CommandError as exc:
        engine.dispose()
        reason = " ".join(str(exc).split())
        raise StoreError(
            f"Kiosk store {path} has a schema this kiosk does not know ({reason}); "
            "install the newer kiosk version that wrote it, or move the file aside."
        ) from exc
    for suffix in ("-wal", "-shm", "-journal"):  # left loose by an older version
        private_file(path.with_name(path.name + suffix))
    _log.info("kiosk store ready at %s", path)
    return engine


def head_revision() -> str:
    """The newest schema revision this kiosk ships (its Alembic head, e.g. ``"0008"``)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return head or ""


def stored_revision(path: Path) -> str | None:
    """The schema revision recorded in the store at ``path``, read without changing it.

    Opened read-only (no upgrade, no WAL file left behind by this read), for
    ``kiosk doctor``; :func:`open_store` is what brings a store to the head.

    Returns:
        The revision, or None for a SQLite file without ``alembic_version`` (another
        program's, or empty).

    Raises:
        StoreError: the file is not a SQLite database or cannot be read.
    """
    try:
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=2.0)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the kiosk store {path} ({exc})") from exc
    try:
        tables = {
            str(row[0])
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "alembic_version" not in tables:
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the kiosk store {path} ({exc})") from exc
    finally:
        connection.close()


def _tables(connection: Connection) -> set[str]:
    rows = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {str(name) for name in rows.scalars()}


def _refuse_foreign(connection: Connection, path: Path, fix: str) -> None:
    """Refuse another program's SQLite file rather than add the kiosk's tables to it.

    Every kiosk store has ``alembic_version`` from its first start; a file with tables but
    without it was not made by the kiosk. A file without tables is a first start.
    """
    tables = _tables(connection)
    if tables and "alembic_version" not in tables:
        shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise StoreError(
            f"Kiosk store {path} is not a kiosk database (it has tables {shown} but no "
            f"alembic_version); point the kiosk at its own data folder, or {fix}."
        )


def _check_integrity(connection: Connection, path: Path, fix: str) -> None:
    """Refuse a file SQLite finds damaged (``quick_check`` reads every page once)."""
    result = connection.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if result != ["ok"]:
        first = " ".join(str(result[0]).split())[:120] if result else "no answer"
        raise StoreError(
            f"Kiosk store {path} is damaged ({first}); restore it from a backup, or {fix}."
        )


def _check_schema(connection: Connection, path: Path, fix: str) -> None:
    """Refuse a store that, even at the newest revision, lacks a table or column in use.

    Alembic trusts ``alembic_version``; a table dropped or altered by hand would otherwise
    be found out only when a loan could not be stored after the library had lent the book.
    """
    tables = _tables(connection)
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            raise StoreError(f"Kiosk store {path} has no table {table.name}; {fix}.")
        rows = connection.exec_driver_sql(f'PRAGMA table_info("{table.name}")').all()
        have = {row[1] for row in rows}
        missing = [column.name for column in table.columns if column.name not in have]
        if missing:
            raise StoreError(
                f"Kiosk store {path} has no column {missing[0]} in table {table.name}; {fix}."
            )

"""The local store: migrations, pragmas, and refusing bad paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from kiosk.storage.db import StoreError, alembic_config, create_store_engine, open_store
from kiosk.storage.models import Base


def test_migration_creates_schema_from_empty(tmp_path: Path) -> None:
    path = tmp_path / "data" / "kiosk.sqlite3"
    engine = open_store(path)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert {"loans", "outbox_events", "alembic_version"} <= tables
    assert version == head
    assert path.is_file()


def test_models_match_migrations(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_reopening_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.sqlite3"
    open_store(path).dispose()
    engine = open_store(path)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one()
    assert rows == 1


def test_fresh_connection_has_wal_and_full_sync(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.sqlite3"
    open_store(path).dispose()
    engine = create_store_engine(path)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 5000


def test_every_pooled_connection_gets_pragmas(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    with engine.connect() as first, engine.connect() as second:
        for conn in (first, second):
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2


def test_directory_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(tmp_path)
    message = str(caught.value)
    assert str(tmp_path) in message
    assert "\n" not in message


def test_garbage_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.sqlite3"
    path.write_bytes(b"this is not a database, just a text file\n" * 200)
    with pytest.raises(StoreError) as caught:
        open_store(path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message


def test_path_under_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    path = blocker / "kiosk.sqlite3"
    with pytest.raises(StoreError) as caught:
        open_store(path)
    assert str(path) in str(caught.value)

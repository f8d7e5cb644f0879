"""Wrong-PIN counts on a real store file, and the card-hash key beside it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.storage.db import StoreError, open_store
from kiosk.storage.pin_failures import KEY_BYTES, SqlPinFailures, load_or_create_key

CARD, OTHER = "23171000000010", "23171000000028"
T0 = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)


def failures(tmp_path: Path, limit: int = 3, window: float = 600) -> SqlPinFailures:
    key = load_or_create_key(tmp_path / "card-hash.key")
    return SqlPinFailures(open_store(tmp_path / "kiosk.sqlite3"), key, limit=limit, window=window)


def test_key_is_created_once_private_and_reused(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        first = load_or_create_key(tmp_path / "card-hash.key")
    finally:
        os.umask(old)
    assert len(first) == KEY_BYTES
    assert (tmp_path / "card-hash.key").stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(tmp_path / "card-hash.key") == first
    assert [p.name for p in tmp_path.iterdir()] == ["card-hash.key"]  # no temporary left


def test_damaged_key_is_refused_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "card-hash.key").write_bytes(b"short")
    with pytest.raises(StoreError) as caught:
        load_or_create_key(tmp_path / "card-hash.key")
    message = str(caught.value)
    assert "card-hash.key" in message and "delete it" in message and "\n" not in message


def test_limit_counts_per_card_within_the_window(tmp_path: Path) -> None:
    store = failures(tmp_path)
    assert not store.record_failure(CARD, T0)
    assert not store.record_failure(CARD, T0 + dt.timedelta(seconds=100))
    assert not store.locked(CARD, T0 + dt.timedelta(seconds=200))
    assert store.record_failure(CARD, T0 + dt.timedelta(seconds=200))
    assert store.locked(CARD, T0 + dt.timedelta(seconds=599))
    assert not store.locked(OTHER, T0 + dt.timedelta(seconds=599))
    # The first failure expires at 600 s: two left, below the limit.
    assert not store.locked(CARD, T0 + dt.timedelta(seconds=600))


def test_expired_rows_are_deleted_and_no_card_number_is_stored(tmp_path: Path) -> None:
    store = failures(tmp_path)
    store.record_failure(CARD, T0)
    store.record_failure(OTHER, T0 + dt.timedelta(seconds=700))
    engine = open_store(tmp_path / "kiosk.sqlite3")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT card_hash FROM pin_failures")).scalars().all()
    assert rows == [store.card_hash(OTHER)]
    assert store.card_hash(OTHER) != store.card_hash(CARD)
    assert OTHER not in rows[0]


def test_a_clock_set_back_does_not_lock_a_card_for_the_gap(tmp_path: Path) -> None:
    store = failures(tmp_path, limit=1)
    assert store.record_failure(CARD, T0 + dt.timedelta(days=1))  # clock a day fast
    assert store.locked(CARD, T0 + dt.timedelta(days=1))
    assert not store.locked(CARD, T0)  # corrected: the "future" failure does not count

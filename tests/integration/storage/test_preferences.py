"""Patrons' saved settings on a real store file, under the card-hash key beside it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.core.model import Preferences
from kiosk.core.ports import StorageFailed
from kiosk.storage.db import open_store
from kiosk.storage.pin_failures import card_hash, load_or_create_key
from kiosk.storage.preferences import SqlPreferences

CARD, OTHER = "23171000000010", "23171000010019"
T0 = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
LARGE_ENGLISH = Preferences("en", "200", "yellow_black", voice=True, rate=5, volume=2)
PLAIN = Preferences("id", "100", "default", voice=False, rate=3, volume=4)


def preferences(tmp_path: Path) -> SqlPreferences:
    key = load_or_create_key(tmp_path / "card-hash.key")
    return SqlPreferences(open_store(tmp_path / "kiosk.sqlite3"), key)


def test_saved_settings_come_back_for_their_card_only(tmp_path: Path) -> None:
    store = preferences(tmp_path)
    assert store.load(CARD) is None
    store.save(CARD, LARGE_ENGLISH, T0)
    assert store.load(CARD) == LARGE_ENGLISH
    assert store.load(OTHER) is None
    # A restart (a new engine on the same file and key) finds them.
    assert preferences(tmp_path).load(CARD) == LARGE_ENGLISH


def test_saving_again_replaces_and_forgetting_deletes_one_card(tmp_path: Path) -> None:
    store = preferences(tmp_path)
    store.save(CARD, LARGE_ENGLISH, T0)
    store.save(OTHER, LARGE_ENGLISH, T0)
    store.save(CARD, PLAIN, T0 + dt.timedelta(minutes=5))
    assert store.load(CARD) == PLAIN
    assert store.forget(CARD) is True
    assert store.load(CARD) is None
    assert store.forget(CARD) is False  # nothing left to delete
    assert store.load(OTHER) == LARGE_ENGLISH


def test_names_a_newer_kiosk_saved_come_back_as_they_are(tmp_path: Path) -> None:
    # Applying ignores what it does not know; the store must not refuse or change it.
    newer = Preferences("jv", "300", "sepia", voice=True, rate=9, volume=0)
    store = preferences(tmp_path)
    store.save(CARD, newer, T0)
    assert store.load(CARD) == newer


def test_the_card_number_is_nowhere_in_the_store_files(tmp_path: Path) -> None:
    store = preferences(tmp_path)
    store.save(CARD, LARGE_ENGLISH, T0)
    store.save(OTHER, PLAIN, T0)
    key = load_or_create_key(tmp_path / "card-hash.key")
    engine = open_store(tmp_path / "kiosk.sqlite3")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT card_hash FROM patron_preferences")).scalars().all()
    assert sorted(rows) == sorted([card_hash(key, CARD), card_hash(key, OTHER)])
    engine.dispose()
    for path in tmp_path.glob("kiosk.sqlite3*"):  # the database, its -wal and -shm
        data = path.read_bytes()
        for card in (CARD, OTHER):
            assert card.encode() not in data, path.name
            assert card.encode("utf-16-le") not in data, path.name


def test_another_key_does_not_find_the_settings(tmp_path: Path) -> None:
    preferences(tmp_path).save(CARD, LARGE_ENGLISH, T0)
    other_key = SqlPreferences(open_store(tmp_path / "kiosk.sqlite3"), b"k" * 32)
    assert other_key.load(CARD) is None


def test_a_store_that_cannot_be_used_raises_storage_failed(tmp_path: Path) -> None:
    store = preferences(tmp_path)
    engine = open_store(tmp_path / "kiosk.sqlite3")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE patron_preferences"))
    with pytest.raises(StorageFailed, match="saved settings"):
        store.load(CARD)
    with pytest.raises(StorageFailed, match="save settings"):
        store.save(CARD, PLAIN, T0)
    with pytest.raises(StorageFailed, match="saved settings"):
        store.forget(CARD)

"""Acceptance 3: guest names older than the retention are gone from the database file's bytes.

Guests are written to a real store, the store is closed and reopened as the kiosk would
(a restart), the names are purged, and then the raw bytes of the database file and of its
``-wal`` and ``-shm`` (whatever exists) are read: the old names' UTF-8 bytes must not be
anywhere, the recent ones must still be stored and readable through the store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text

from kiosk.core.clock import ManualClock
from kiosk.core.retention import NamePurger
from kiosk.core.visits import GuestBookPolicy, Visit, VisitKind, VisitSource, default_policy
from kiosk.storage.db import open_store
from kiosk.storage.visits import SqlVisitLog

NOW = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
KEY = b"r" * 32
OLD_NAMES = (
    "Siti Nurhaliza-ÄÖ-ب",
    "Zebediah Quillfeather",
    "Ni Luh Putu Ayu Kusumawardhani",
    "王小明-Ωmega",
)
RECENT_NAMES = ("Marigold Fenwick-Ç", "Dewi Lestari-ج")
INSTITUTION = "Komunitas Baca Kampung"
# send_names: the outbox payloads hold the names too, and must lose them as well.
POLICY = dataclasses.replace(default_policy(), retention_days=90, send_names=True)


def store_files(tmp_path: Path) -> dict[str, bytes]:
    """The database file and its companions, as raw bytes (whatever exists right now)."""
    return {path.name: path.read_bytes() for path in sorted(tmp_path.glob("kiosk.sqlite3*"))}


def holding(files: dict[str, bytes], name: str) -> list[str]:
    return [file for file, data in files.items() if name.encode("utf-8") in data]


FILLERS = 80
"""Guests after the distinctive ones, half of them old: a few days of a busy library. They
fill the first pages, so SQLite splits them (balance), which leaves copies of the first
rows in pages' free space unless secure_delete zeroes it."""


def filler(i: int) -> tuple[int, str]:
    """The ``i``-th filler guest: age in days and name."""
    return (120 if i % 2 == 0 else 1), f"Tamu Pengisi {i:03d}-Ü"


def old_names() -> list[str]:
    return [*OLD_NAMES, *(name for age, name in map(filler, range(FILLERS)) if age > 90)]


def write_guests(engine: Engine, policy: GuestBookPolicy) -> None:
    log = SqlVisitLog(engine, "kiosk-7", policy, KEY)
    guests = [(120, name) for name in OLD_NAMES] + [(1, name) for name in RECENT_NAMES]
    for i, (age_days, name) in enumerate(guests + [filler(i) for i in range(FILLERS)]):
        kind = VisitKind.GROUP if i % 5 == 1 else VisitKind.GUEST
        visit = Visit(kind, VisitSource.KIOSK, name=name, institution=INSTITUTION, people=1)
        at = NOW - dt.timedelta(days=age_days, minutes=i)
        assert log.record_visit(visit, at).counted


@pytest.fixture(params=["system sqlite", "sqlite without secure delete by default"])
def sqlite_build(request: pytest.FixtureRequest) -> Iterator[str]:
    """The SQLite the store runs on: this system's, and one built without
    SQLITE_SECURE_DELETE (Debian builds it in; python.org, Homebrew and others do not),
    made by turning secure delete off on every new connection before the store's own
    pragmas run (class-level listeners run before the engine's)."""

    def default_off(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA secure_delete=OFF")

    if request.param == "system sqlite":
        yield request.param
        return
    event.listen(Engine, "connect", default_off)
    try:
        yield request.param
    finally:
        event.remove(Engine, "connect", default_off)


def test_old_guest_names_are_gone_from_the_file_bytes(tmp_path: Path, sqlite_build: str) -> None:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    write_guests(engine, POLICY)
    engine.dispose()  # the kiosk stops: the last connection checkpoints into the file
    before = store_files(tmp_path)
    for name in [*old_names(), *RECENT_NAMES]:
        assert holding(before, name), f"{name} was never in the file: the test proves nothing"

    engine = open_store(tmp_path / "kiosk.sqlite3")  # the kiosk starts again
    log = SqlVisitLog(engine, "kiosk-7", POLICY, KEY)
    assert NamePurger(log, ManualClock(NOW)).purge_once() == len(old_names())

    files = store_files(tmp_path)  # still open, as the running kiosk has it
    left = {name: holding(files, name) for name in old_names() if holding(files, name)}
    assert not left, f"{len(left)} old names still in the files, e.g. {next(iter(left.items()))}"
    for name in RECENT_NAMES:
        assert holding(files, name), f"{name} lost"
    with engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM visits ORDER BY id")).scalars().all()
        payloads = conn.execute(text("SELECT payload FROM outbox_events ORDER BY id")).scalars()
        sent = [json.loads(payload)["name"] for payload in payloads]
    assert names[: len(OLD_NAMES) + len(RECENT_NAMES)] == [None] * len(OLD_NAMES) + list(
        RECENT_NAMES
    )
    assert sent == names  # the reports were sent with names, and lost the same ones
    assert names.count(None) == len(old_names())
    assert log.purge_names(NOW) == 0  # nothing more to erase
    with engine.connect() as conn:  # whatever this SQLite's build defaults to
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1
    engine.dispose()
    files = store_files(tmp_path)
    for name in old_names():
        assert not holding(files, name), f"{name} back in {holding(files, name)} after closing"


def test_without_keep_names_a_name_never_reaches_the_file(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    write_guests(engine, dataclasses.replace(POLICY, keep_names=False, send_names=False))
    open_files = store_files(tmp_path)
    engine.dispose()
    for files in (open_files, store_files(tmp_path)):
        for name in [*old_names(), *RECENT_NAMES]:
            assert not holding(files, name), f"{name} in {holding(files, name)}"
        assert holding(files, INSTITUTION)  # the visits themselves are stored


def test_the_purger_thread_erases_at_start(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    write_guests(engine, POLICY)
    purger = NamePurger(SqlVisitLog(engine, "kiosk-7", POLICY, KEY), ManualClock(NOW))
    purger.start()
    try:
        assert purger.wait_for_pass(0)
    finally:
        purger.stop()
    assert purger.erased == len(old_names())
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT count(name) FROM visits")).scalar_one()
    assert kept == len(RECENT_NAMES) + FILLERS // 2
    engine.dispose()


def test_a_purge_that_cannot_write_is_one_log_line_and_tried_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    write_guests(engine, POLICY)
    engine.dispose()
    read_only = create_engine(f"sqlite:///file:{tmp_path / 'kiosk.sqlite3'}?mode=ro&uri=true")
    purger = NamePurger(SqlVisitLog(read_only, "kiosk-7", POLICY, KEY), ManualClock(NOW))
    purger.start()
    try:
        assert purger.wait_for_pass(0)
    finally:
        purger.stop()
        read_only.dispose()
    (line,) = [r.getMessage() for r in caplog.records if r.name == "kiosk.core.retention"]
    assert line.startswith("guest names not erased, tried again in an hour: local store could")
    assert "\n" not in line and "Siti" not in line
    assert purger.erased == 0

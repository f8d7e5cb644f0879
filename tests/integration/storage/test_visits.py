"""Visits on a real store file: the row, its outbox report, the repeat window, the visit key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.core import wire
from kiosk.core.ports import StorageFailed
from kiosk.core.visits import GuestBookPolicy, Visit, VisitKind, VisitSource, default_policy
from kiosk.storage.db import StoreError, open_store
from kiosk.storage.visits import VISIT_KEY_FILE, SqlVisitLog, visit_key, visitor_key

CARD = "23171000000010"
T0 = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
KEY = b"k" * 32
MEMBER = Visit(VisitKind.MEMBER, VisitSource.KIOSK, card=CARD, purpose="reading")
GUEST = Visit(
    VisitKind.GUEST,
    VisitSource.KIOSK,
    name="Siti Aminah",
    institution="SMA Negeri 1 Bantul",
    purpose="study",
    sex="female",
    age_band="13_18",
    education="senior_high",
    occupation="school_student",
)
GROUP = Visit(
    VisitKind.GROUP,
    VisitSource.KIOSK,
    name="Budi Santoso",
    institution="SD Muhammadiyah",
    purpose="event",
    people=24,
    people_male=11,
    people_female=13,
)


def visit_log(tmp_path: Path, policy: GuestBookPolicy | None = None) -> SqlVisitLog:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    return SqlVisitLog(engine, "kiosk-7", policy or default_policy(), KEY)


def rows(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def payloads(tmp_path: Path) -> list[dict[str, object]]:
    found = rows(tmp_path, "SELECT payload FROM outbox_events WHERE kind = 'visit' ORDER BY id")
    return [json.loads(str(payload)) for (payload,) in found]


def test_a_guest_is_stored_as_typed_and_reported_without_the_name(tmp_path: Path) -> None:
    recorded = visit_log(tmp_path).record_visit(GUEST, T0)
    assert recorded.counted and recorded.event_id
    stored = rows(
        tmp_path,
        "SELECT event_id, device_id, source, kind, occurred_at, name, institution, purpose, "
        "sex, age_band, education, occupation, people, visitor_key FROM visits",
    )
    assert stored == [
        (
            recorded.event_id,
            "kiosk-7",
            "kiosk",
            "guest",
            "2026-11-21T02:00:00.000000+00:00",
            "Siti Aminah",
            "SMA Negeri 1 Bantul",
            "study",
            "female",
            "13_18",
            "senior_high",
            "school_student",
            1,
            visitor_key(KEY, GUEST),
        )
    ]
    (payload,) = payloads(tmp_path)
    envelope = wire.decode(payload)
    assert envelope.event_id == recorded.event_id and envelope.kiosk_id == "kiosk-7"
    report = envelope.report
    assert isinstance(report, wire.VisitReport)
    assert (report.kind, report.source, report.device_id) == ("guest", "kiosk", "kiosk-7")
    assert (report.purpose, report.sex, report.occupation) == ("study", "female", "school_student")
    assert report.institution == "SMA Negeri 1 Bantul"
    assert report.name is None and report.visitor_key is None
    assert "Siti" not in json.dumps(payload)


def test_a_member_is_reported_by_the_keyed_hash_never_the_card(tmp_path: Path) -> None:
    recorded = visit_log(tmp_path).record_visit(MEMBER, T0)
    (payload,) = payloads(tmp_path)
    assert payload["visitor_key"] == visitor_key(KEY, MEMBER)
    assert payload["visit_kind"] == "member" and payload["event_id"] == recorded.event_id
    assert rows(tmp_path, "SELECT name, institution FROM visits") == [(None, None)]
    for path in tmp_path.glob("kiosk.sqlite3*"):  # the database, its -wal and -shm
        assert CARD.encode() not in path.read_bytes(), path.name


def test_a_group_keeps_its_size_and_split(tmp_path: Path) -> None:
    visit_log(tmp_path).record_visit(GROUP, T0)
    assert rows(tmp_path, "SELECT kind, people, people_male, people_female FROM visits") == [
        ("group", 24, 11, 13)
    ]
    (payload,) = payloads(tmp_path)
    assert (payload["people"], payload["people_male"], payload["people_female"]) == (24, 11, 13)


def test_names_are_sent_only_when_the_library_says_so(tmp_path: Path) -> None:
    policy = dataclasses.replace(default_policy(), send_names=True)
    visit_log(tmp_path, policy).record_visit(GUEST, T0)
    (payload,) = payloads(tmp_path)
    assert payload["name"] == "Siti Aminah"
    assert wire.decode(payload).report == dataclasses.replace(
        wire.decode(payload).report, name="Siti Aminah"
    )


def test_without_keep_names_the_name_is_not_stored(tmp_path: Path) -> None:
    policy = dataclasses.replace(default_policy(), keep_names=False)
    log = visit_log(tmp_path, policy)
    assert log.record_visit(GUEST, T0).counted
    assert rows(tmp_path, "SELECT name, institution FROM visits") == [(None, "SMA Negeri 1 Bantul")]
    # The hash still knows the guest: the same guest again within the window counts once.
    assert not log.record_visit(GUEST, T0 + dt.timedelta(minutes=5)).counted


def test_the_same_member_within_the_window_counts_once(tmp_path: Path) -> None:
    log = visit_log(tmp_path)  # 240 minutes
    assert log.record_visit(MEMBER, T0).counted
    again = log.record_visit(MEMBER, T0 + dt.timedelta(minutes=239))
    assert again == again.__class__(counted=False, event_id=None)
    assert rows(tmp_path, "SELECT count(*) FROM visits") == [(1,)]
    assert rows(tmp_path, "SELECT count(*) FROM outbox_events") == [(1,)]
    assert log.record_visit(MEMBER, T0 + dt.timedelta(minutes=240, seconds=1)).counted
    assert rows(tmp_path, "SELECT count(*) FROM visits") == [(2,)]
    other = dataclasses.replace(MEMBER, card="23171000010019")
    assert log.record_visit(other, T0 + dt.timedelta(minutes=241)).counted


def test_a_window_of_zero_counts_every_scan(tmp_path: Path) -> None:
    log = visit_log(tmp_path, dataclasses.replace(default_policy(), repeat_window_minutes=0))
    assert log.record_visit(MEMBER, T0).counted
    assert log.record_visit(MEMBER, T0).counted
    assert rows(tmp_path, "SELECT count(*) FROM visits") == [(2,)]


def test_a_guest_typed_with_other_case_and_spaces_is_the_same_guest(tmp_path: Path) -> None:
    log = visit_log(tmp_path)
    assert log.record_visit(GUEST, T0).counted
    retyped = dataclasses.replace(
        GUEST, name="  siti   AMINAH ", institution="sma negeri 1  bantul", purpose="reading"
    )
    assert not log.record_visit(retyped, T0 + dt.timedelta(minutes=30)).counted
    full_width = dataclasses.replace(GUEST, institution="ＳＭＡ Negeri 1 Bantul")
    assert not log.record_visit(full_width, T0 + dt.timedelta(minutes=31)).counted
    elsewhere = dataclasses.replace(GUEST, institution="SMA Negeri 2 Bantul")
    assert log.record_visit(elsewhere, T0 + dt.timedelta(minutes=32)).counted
    assert rows(tmp_path, "SELECT name FROM visits ORDER BY id") == [
        ("Siti Aminah",),
        ("Siti Aminah",),
    ]


def test_a_zero_width_character_pasted_in_does_not_make_a_new_guest(tmp_path: Path) -> None:
    log = visit_log(tmp_path)
    siti = dataclasses.replace(GUEST, name="Siti Nur")
    assert log.record_visit(siti, T0).counted
    for minutes, name in enumerate(["Siti\u200b Nur", "\ufeffSiti Nur\u2060", "Si\u200dti Nur"]):
        again = dataclasses.replace(GUEST, name=name)
        assert not log.record_visit(again, T0 + dt.timedelta(minutes=minutes + 1)).counted, name
    assert visitor_key(KEY, dataclasses.replace(GUEST, name="Siti\u200b Nur")) == visitor_key(
        KEY, siti
    )


def test_two_quick_scans_from_many_threads_count_once(tmp_path: Path) -> None:
    """Threads on their own connections race check-and-insert; the write lock taken first
    lets exactly one of them count."""
    log = visit_log(tmp_path)
    threads_n = 8
    for round_ in range(5):
        card = f"2317100000{round_:04d}"
        barrier = threading.Barrier(threads_n)
        results: list[bool] = []

        def scan(
            card: str = card, barrier: threading.Barrier = barrier, results: list[bool] = results
        ) -> None:
            barrier.wait()
            visit = dataclasses.replace(MEMBER, card=card)
            results.append(log.record_visit(visit, T0).counted)

        workers = [threading.Thread(target=scan) for _ in range(threads_n)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert sorted(results) == [False] * (threads_n - 1) + [True], f"round {round_}"
    assert rows(tmp_path, "SELECT count(*) FROM visits") == [(5,)]


def test_a_failed_write_stores_neither_the_visit_nor_its_report(tmp_path: Path) -> None:
    log = visit_log(tmp_path)
    engine = open_store(tmp_path / "kiosk.sqlite3")
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER full BEFORE INSERT ON outbox_events "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        )
    engine.dispose()
    with pytest.raises(StorageFailed, match=r"could not record a guest visit .*disk is full"):
        log.record_visit(GUEST, T0)
    assert rows(tmp_path, "SELECT count(*) FROM visits") == [(0,)]


def test_a_store_that_cannot_write_raises_storage_failed(tmp_path: Path) -> None:
    visit_log(tmp_path).record_visit(GUEST, T0)  # creates the file and its schema
    from sqlalchemy import create_engine

    read_only = create_engine(f"sqlite:///file:{tmp_path / 'kiosk.sqlite3'}?mode=ro&uri=true")
    log = SqlVisitLog(read_only, "kiosk-7", default_policy(), KEY)
    with pytest.raises(StorageFailed, match="could not record a member visit"):
        log.record_visit(MEMBER, T0)
    with pytest.raises(StorageFailed, match="could not erase old guest names"):
        log.purge_names(T0 + dt.timedelta(days=365))
    read_only.dispose()
    assert rows(tmp_path, "SELECT kind FROM visits") == [("guest",)]


def test_the_visit_key_is_the_configured_one_or_a_private_file(tmp_path: Path) -> None:
    configured = dataclasses.replace(default_policy(), visitor_key="x" * 40)
    assert visit_key(configured, tmp_path) == b"x" * 40
    assert not (tmp_path / VISIT_KEY_FILE).exists()
    made = visit_key(default_policy(), tmp_path)
    assert len(made) == 32 and made != b"x" * 40
    assert os.stat(tmp_path / VISIT_KEY_FILE).st_mode & 0o777 == 0o600
    assert visit_key(default_policy(), tmp_path) == made  # kept across starts


def test_a_damaged_visit_key_is_one_line(tmp_path: Path) -> None:
    (tmp_path / VISIT_KEY_FILE).write_bytes(b"short")
    with pytest.raises(StoreError) as caught:
        visit_key(default_policy(), tmp_path)
    message = str(caught.value)
    assert message.startswith("visit key ") and "is damaged (5 bytes, expected 32)" in message
    assert "\n" not in message
    os.remove(tmp_path / VISIT_KEY_FILE)
    os.mkfifo(tmp_path / VISIT_KEY_FILE)
    with pytest.raises(StoreError, match="cannot create or read the visit key"):
        visit_key(default_policy(), tmp_path)

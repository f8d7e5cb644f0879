"""Offline mode's store and policy on a real store file: the seen-online cache (never the
PIN), the limits, the due date, and recording offline transactions once."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from kiosk.core import wire
from kiosk.core.clock import ManualClock
from kiosk.core.model import (
    Loan,
    OfflineAction,
    OfflineDisagreed,
    OfflineReplayed,
    OfflineTaken,
    OfflineTransaction,
    Refusal,
)
from kiosk.core.offline import OfflineDesk, OfflinePolicy, Reachability
from kiosk.storage.circulation_log import SqlCirculationLog
from kiosk.storage.db import alembic_config, open_store
from kiosk.storage.offline import SqlOfflineStore, seen_hash
from kiosk.storage.pin_failures import card_hash, load_or_create_key

CARD, OTHER = "23171000000010", "23171000010019"
PIN = "7391862045"  # long and distinctive: cannot turn up in a hash or a date by chance
ITEMS = [f"3317100000{n:04d}" for n in range(1, 10)]
T0 = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    yield engine
    engine.dispose()


def offline_store(tmp_path: Path, engine: Engine) -> SqlOfflineStore:
    return SqlOfflineStore(engine, load_or_create_key(tmp_path / "card-hash.key"))


def desk(
    tmp_path: Path, engine: Engine, policy: OfflinePolicy | None = None
) -> tuple[OfflineDesk, SqlCirculationLog, ManualClock]:
    clock = ManualClock(T0)
    log = SqlCirculationLog(engine, "kiosk-1")
    made = OfflineDesk(
        policy or OfflinePolicy(), offline_store(tmp_path, engine), log, clock, Reachability()
    )
    return made, log, clock


# ----- the seen-online cache -------------------------------------------------------------


def test_a_card_and_pin_seen_online_are_remembered_for_seen_days_only(
    tmp_path: Path, engine: Engine
) -> None:
    made, _log, clock = desk(tmp_path, engine, OfflinePolicy(seen_days=30))
    assert made.sign_in(CARD, PIN) is None
    made.remember(CARD, PIN)
    check = made.sign_in(CARD, PIN)
    assert check is not None and check.ok and check.patron is not None
    assert (check.patron.barcode, check.patron.name, check.patron.offline) == (CARD, "", True)
    assert made.sign_in(CARD, "0000") is None  # another PIN
    assert made.sign_in(OTHER, PIN) is None  # another card
    clock.advance(30 * 86400)
    assert made.sign_in(CARD, PIN) is not None  # exactly 30 days: still in
    clock.advance(1)
    assert made.sign_in(CARD, PIN) is None  # a second later: too long ago


def test_the_pin_and_the_card_number_are_nowhere_in_the_store_files(
    tmp_path: Path, engine: Engine
) -> None:
    made, _log, _clock = desk(tmp_path, engine)
    made.remember(CARD, PIN)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key_hash, seen_at FROM seen_online")).all()
    key = load_or_create_key(tmp_path / "card-hash.key")
    assert [row[0] for row in rows] == [seen_hash(key, CARD, PIN)]
    assert seen_hash(key, CARD, PIN) != card_hash(key, CARD)  # not matchable across tables
    files = [p for p in tmp_path.iterdir() if p.name.startswith("kiosk.sqlite3")]
    assert files
    for path in files:
        data = path.read_bytes()
        assert PIN.encode() not in data, path.name
        assert CARD.encode() not in data, path.name


# ----- loans and returns taken offline ---------------------------------------------------


def test_offline_loans_stop_at_the_patron_limit_across_sessions(
    tmp_path: Path, engine: Engine
) -> None:
    made, _log, _clock = desk(tmp_path, engine, OfflinePolicy(patron_limit=2, session_limit=5))
    first = made.lend(1, CARD, ITEMS[0], T0)
    second = made.lend(2, CARD, ITEMS[1], T0)  # another session, the same card
    third = made.lend(3, CARD, ITEMS[2], T0)
    assert first is not None and first.ok and second is not None and second.ok
    assert third is not None and third.refusal is Refusal.OFFLINE_LIMIT
    other = made.lend(3, OTHER, ITEMS[3], T0)  # another card has its own limit
    assert other is not None and other.ok
    assert made.waiting == 3


def test_offline_loans_stop_at_the_session_limit(tmp_path: Path, engine: Engine) -> None:
    made, _log, _clock = desk(tmp_path, engine, OfflinePolicy(patron_limit=9, session_limit=2))
    answers = [made.lend(7, CARD if n % 2 else OTHER, ITEMS[n], T0) for n in range(3)]
    assert [a is not None and a.ok for a in answers] == [True, True, False]
    later = made.lend(8, CARD, ITEMS[4], T0)  # the next session starts afresh
    assert later is not None and later.ok


def test_an_offline_loan_is_due_loan_days_after_the_library_s_date(
    tmp_path: Path, engine: Engine
) -> None:
    made, _log, _clock = desk(tmp_path, engine, OfflinePolicy(loan_days=7))
    evening = dt.datetime(2026, 11, 21, 20, 0, tzinfo=dt.UTC)  # 03:00 on the 22nd in Jakarta
    answer = made.lend(1, CARD, ITEMS[0], evening)
    assert answer is not None and answer.loan is not None
    assert answer.loan.due == dt.date(2026, 11, 29)


def test_a_policy_that_refuses_takes_nothing(tmp_path: Path, engine: Engine) -> None:
    made, log, _clock = desk(tmp_path, engine, OfflinePolicy(accept_returns=False, lend=False))
    assert made.lend(1, CARD, ITEMS[0], T0) is None
    assert made.take_return(ITEMS[1], T0) is None
    assert made.store.open_transactions() == [] and log.pending_outbox() == []


def test_a_transaction_taken_offline_is_stored_with_its_report_and_ends_its_intent(
    tmp_path: Path, engine: Engine
) -> None:
    made, log, _clock = desk(tmp_path, engine)
    intent = log.begin_checkout(CARD, ITEMS[0], T0)
    answer = made.lend(1, CARD, ITEMS[0], T0, intent.intent_id)
    assert answer is not None and answer.ok
    assert log.open_checkouts() == []  # ended, not lent by the ILS, no refusal stored
    [txn] = made.store.open_transactions()
    assert (txn.action, txn.item_barcode, txn.patron_barcode) == (
        OfflineAction.LOAN,
        ITEMS[0],
        CARD,
    )
    [event] = log.pending_outbox()
    assert event.kind == "offline_taken"
    assert (event.payload["action"], event.payload["due"]) == ("loan", "2026-12-05")
    assert CARD not in json.dumps(event.payload)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM refusals")).scalar_one() == 0


def test_replayed_and_disagreed_are_recorded_once(tmp_path: Path, engine: Engine) -> None:
    made, log, _clock = desk(tmp_path, engine)
    made.lend(1, CARD, ITEMS[0], T0)
    made.take_return(ITEMS[1], T0)
    loan_txn, return_txn = made.store.open_transactions()
    loan = Loan(CARD, ITEMS[0], "Laskar Pelangi", "", dt.date(2026, 12, 5), T0)
    for _ in range(2):  # the second recording of each adds nothing
        log.record(OfflineReplayed(loan_txn.txn_id, loan))
        log.record(
            OfflineDisagreed(return_txn.txn_id, OfflineAction.RETURN, ITEMS[1], "not_on_loan", T0)
        )
    assert [s.loan for s in log.loans()] == [loan]
    kinds = [event.kind for event in log.pending_outbox()]
    assert kinds == ["offline_taken", "offline_taken", "checkout", "offline_disagreement"]
    assert made.store.open_transactions() == []
    states = [(row.state, row.reason) for row in made.store.staff_rows()]
    assert states == [("replayed", ""), ("disagreed", "not_on_loan")]


def test_waiting_transactions_are_counted_again_after_a_restart(
    tmp_path: Path, engine: Engine
) -> None:
    made, _log, _clock = desk(tmp_path, engine)
    made.take_return(ITEMS[0], T0)
    made.store.mark_sending(made.store.open_transactions()[0].txn_id)
    again, _log, _clock = desk(tmp_path, engine)
    assert again.waiting == 1
    [txn] = again.store.open_transactions()
    assert txn.state.value == "sending"


# ----- the wire reports ------------------------------------------------------------------


@pytest.mark.parametrize(
    "report",
    [
        wire.OfflineTakenReport("loan", ITEMS[0], dt.date(2026, 12, 5)),
        wire.OfflineTakenReport("return", ITEMS[0], None),
        wire.OfflineDisagreementReport("loan", ITEMS[0], "on_hold_for_another"),
    ],
)
def test_offline_reports_survive_the_wire(report: wire.Report) -> None:
    envelope = wire.Envelope("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f", "kiosk-1", T0, report)
    assert wire.decode(json.loads(json.dumps(wire.encode(envelope)))) == envelope


def test_an_offline_report_with_another_action_is_refused() -> None:
    report = wire.OfflineTakenReport("renewal", ITEMS[0], None)
    data = wire.encode(wire.Envelope("e", "kiosk-1", T0, report))
    with pytest.raises(wire.WireError, match="action"):
        wire.decode(data)


# ----- migration 0008 --------------------------------------------------------------------


def test_migration_0008_adds_its_tables_to_a_0007_store_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kiosk.sqlite3"
    config = alembic_config()
    config.set_main_option("sqlalchemy.url", f"sqlite:///{path}")
    command.upgrade(config, "0007")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO patron_preferences VALUES ('h', 'id', '100', 'default', 0, 3, 3, "
            "'2026-11-21T02:00:00.000000+00:00')"
        )
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "offline_transactions" not in tables
    engine = open_store(path)  # upgrades to the head, then checks every column
    try:
        txn = OfflineTransaction("t-1", OfflineAction.RETURN, ITEMS[0], T0)
        SqlCirculationLog(engine, "kiosk-1").record(OfflineTaken(txn))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM offline_transactions")).scalar_one() == 1
            assert conn.execute(text("SELECT count(*) FROM patron_preferences")).scalar_one() == 1
    finally:
        engine.dispose()
    command.downgrade(config, "0007")
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert not {"offline_transactions", "seen_online"} & tables

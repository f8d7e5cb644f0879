"""Check-out intents in the local store: committed before the ILS is asked, resolved once.

GIVEN a real store file, WHEN an intent is begun and then confirmed, refused or left
unanswered, THEN the intent's resolution commits with the loan and its outbox row (or
alone), a second confirmation stores nothing twice, and open intents are listed until
resolved.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.core.model import CheckoutConfirmed, CheckoutNotLent, CheckoutUnanswered, Loan
from kiosk.core.ports import StorageFailed
from kiosk.storage import SqlCirculationLog, open_store

AT = dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC)
CARD, ITEM = "23171000000010", "33171000000018"
LOAN = Loan(CARD, ITEM, "Laskar Pelangi", "Andrea Hirata", dt.date(2026, 12, 5), AT)


@pytest.fixture
def log(tmp_path: Path) -> SqlCirculationLog:
    return SqlCirculationLog(open_store(tmp_path / "kiosk.sqlite3"), "kiosk-01")


def intent_rows(log: SqlCirculationLog) -> list[tuple[object, ...]]:
    with log._sessions() as session:
        query = "SELECT kiosk_id, resolution, loan_event_id IS NOT NULL FROM checkout_intents"
        return [tuple(row) for row in session.execute(text(query))]


def test_begun_intent_is_committed_and_open(tmp_path: Path, log: SqlCirculationLog) -> None:
    intent = log.begin_checkout(CARD, ITEM, AT)
    # Another connection (another process after a kill) sees it: it is committed.
    other = SqlCirculationLog(open_store(tmp_path / "kiosk.sqlite3"), "kiosk-01")
    [found] = other.open_checkouts()
    assert found == intent and not found.answered
    assert (found.patron_barcode, found.item_barcode, found.created_at) == (CARD, ITEM, AT)


def test_confirmation_stores_loan_outbox_and_resolution_together(log: SqlCirculationLog) -> None:
    intent = log.begin_checkout(CARD, ITEM, AT)
    log.record(CheckoutConfirmed(intent.intent_id, LOAN))
    assert [stored.loan for stored in log.loans()] == [LOAN]
    [event] = log.pending_outbox()
    assert event.kind == "checkout" and event.event_id == log.loans()[0].event_id
    assert log.open_checkouts() == []
    assert intent_rows(log) == [("kiosk-01", "lent", 1)]


def test_confirming_twice_stores_the_loan_once(log: SqlCirculationLog) -> None:
    """The worker and reconciliation may both confirm one intent; one loan results."""
    intent = log.begin_checkout(CARD, ITEM, AT)
    log.record(CheckoutConfirmed(intent.intent_id, LOAN))
    log.record(CheckoutConfirmed(intent.intent_id, LOAN))
    assert len(log.loans()) == 1 and len(log.pending_outbox()) == 1


def test_confirmation_overrides_an_earlier_not_lent(log: SqlCirculationLog) -> None:
    """A loan the ILS confirmed is never dropped, whatever was concluded before."""
    intent = log.begin_checkout(CARD, ITEM, AT)
    log.record(CheckoutNotLent(intent.intent_id, "reconciled: the item is not on loan"))
    log.record(CheckoutConfirmed(intent.intent_id, LOAN))
    assert len(log.loans()) == 1
    assert intent_rows(log) == [("kiosk-01", "lent", 1)]


def test_refusal_resolves_without_loan_or_outbox(log: SqlCirculationLog) -> None:
    intent = log.begin_checkout(CARD, ITEM, AT)
    log.record(CheckoutNotLent(intent.intent_id, "not_loanable"))
    assert log.open_checkouts() == [] and log.loans() == [] and log.pending_outbox() == []
    assert intent_rows(log) == [("kiosk-01", "not_lent", 0)]


def test_unanswered_intent_stays_open_and_is_marked_answered(log: SqlCirculationLog) -> None:
    intent = log.begin_checkout(CARD, ITEM, AT)
    log.record(CheckoutUnanswered(intent.intent_id, "IlsUnavailable"))
    [found] = log.open_checkouts()
    assert found.intent_id == intent.intent_id and found.answered


def test_failed_confirmation_marks_the_intent_for_reconciliation(
    log: SqlCirculationLog,
) -> None:
    intent = log.begin_checkout(CARD, ITEM, AT)
    with log._sessions() as session:
        session.execute(text("CREATE TRIGGER full BEFORE INSERT ON loans BEGIN "
                             "SELECT RAISE(ABORT, 'database or disk is full'); END"))  # fmt: skip
        session.commit()
    with pytest.raises(StorageFailed, match="disk is full"):
        log.record(CheckoutConfirmed(intent.intent_id, LOAN))
    [found] = log.open_checkouts()
    assert found.answered  # its call has ended: reconciliation may settle it now
    assert log.loans() == [] and log.pending_outbox() == []


def test_naive_intent_time_is_refused(log: SqlCirculationLog) -> None:
    with pytest.raises(ValueError, match="aware"):
        log.begin_checkout(CARD, ITEM, AT.replace(tzinfo=None))

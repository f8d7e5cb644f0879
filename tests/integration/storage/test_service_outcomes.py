"""Returns, renewals, refusals and accepted fees: each a row and its outbox report, together.

GIVEN a real store, WHEN each outcome is recorded, THEN its own table and the outbox hold
it, the outbox payload decodes as its wire kind and names no patron; a borrow refusal
resolves its check-out intent and stores the refusal in the same transaction, once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from kiosk.core import wire
from kiosk.core.model import (
    CheckoutNotLent,
    FeeAccepted,
    ItemAction,
    ItemIntentNotDone,
    ItemIntentUnanswered,
    Outcome,
    Refusal,
    Refused,
    Renewal,
    Return,
    SortBin,
)
from kiosk.storage import SqlCirculationLog, open_store

AT = dt.datetime(2026, 11, 21, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))
AT_UTC = "2026-11-21T02:15:00.000000+00:00"
CARD = "20000000000005"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(tmp_path / "kiosk.sqlite3")


def _ids() -> Any:
    counter = iter(range(1, 1000))
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


CASES: list[tuple[Outcome, str, str, tuple[Any, ...], dict[str, Any]]] = [
    (
        Return("33171000000018", "Laskar Pelangi", AT, 3000, SortBin.TRANSIT, "Cabang Timur"),
        "returns",
        "SELECT item_barcode, title, fine, sort, destination, returned_at FROM returns",
        ("33171000000018", "Laskar Pelangi", 3000, "transit", "Cabang Timur", AT_UTC),
        {
            "kind": "return",
            "item_barcode": "33171000000018",
            "title": "Laskar Pelangi",
            "fine": 3000,
            "sort": "transit",
            "destination": "Cabang Timur",
        },
    ),
    (
        Return("33171000000026", "Bumi Manusia", AT),
        "returns",
        "SELECT item_barcode, title, fine, sort, destination, returned_at FROM returns",
        ("33171000000026", "Bumi Manusia", 0, "", "", AT_UTC),
        {
            "kind": "return",
            "item_barcode": "33171000000026",
            "title": "Bumi Manusia",
            "fine": 0,
            "sort": "",
            "destination": "",
        },
    ),
    (
        Renewal("33171000000018", "Laskar Pelangi", dt.date(2026, 12, 19), AT),
        "renewals",
        "SELECT item_barcode, title, due, renewed_at FROM renewals",
        ("33171000000018", "Laskar Pelangi", "2026-12-19", AT_UTC),
        {
            "kind": "renewal",
            "item_barcode": "33171000000018",
            "title": "Laskar Pelangi",
            "due": "2026-12-19",
        },
    ),
    (
        Refused("return", Refusal.NOT_ON_LOAN, AT, "33171000000034"),
        "refusals",
        "SELECT service, reason, item_barcode, refused_at FROM refusals",
        ("return", "not_on_loan", "33171000000034", AT_UTC),
        {
            "kind": "refusal",
            "service": "return",
            "reason": "not_on_loan",
            "item_barcode": "33171000000034",
        },
    ),
    (
        Refused("account", Refusal.WRONG_PIN, AT),
        "refusals",
        "SELECT service, reason, item_barcode, refused_at FROM refusals",
        ("account", "wrong_pin", "", AT_UTC),
        {"kind": "refusal", "service": "account", "reason": "wrong_pin", "item_barcode": ""},
    ),
    (
        FeeAccepted("33171000000059", "Film Dokumenter", 5000, AT),
        "fee_acceptances",
        "SELECT item_barcode, title, amount, accepted_at FROM fee_acceptances",
        ("33171000000059", "Film Dokumenter", 5000, AT_UTC),
        {
            "kind": "fee_accepted",
            "item_barcode": "33171000000059",
            "title": "Film Dokumenter",
            "amount": 5000,
        },
    ),
]


@pytest.mark.parametrize(("outcome", "table", "query", "row", "report"), CASES)
def test_each_outcome_is_stored_with_its_outbox_report(
    engine: Engine,
    outcome: Outcome,
    table: str,
    query: str,
    row: tuple[Any, ...],
    report: dict[str, Any],
) -> None:
    log = SqlCirculationLog(engine, "kiosk-01", new_event_id=_ids())
    log.record(outcome)
    assert _rows(engine, query) == [row]
    [event] = log.pending_outbox()
    assert event.kind == report["kind"]
    assert {k: v for k, v in event.payload.items() if k in report} == report
    assert event.payload["occurred_at"] == AT_UTC
    assert wire.decode(event.payload).kind == report["kind"]
    assert CARD not in str(event.payload)


def test_a_refused_loan_resolves_its_intent_and_stores_the_refusal_once(engine: Engine) -> None:
    later = AT + dt.timedelta(hours=3)  # the store's own clock: not the refusal's time
    log = SqlCirculationLog(engine, "kiosk-01", new_event_id=_ids(), now=lambda: later)
    intent = log.begin_checkout(CARD, "33171000000034", AT)
    refused = CheckoutNotLent(
        intent.intent_id,
        "on_hold_for_another",
        Refusal.ON_HOLD_FOR_ANOTHER,
        "33171000000034",
        refused_at=AT,
    )
    log.record(refused)
    log.record(refused)  # a second recording of the same answer adds nothing
    assert log.open_checkouts() == []
    assert _rows(engine, "SELECT service, reason, item_barcode, refused_at FROM refusals") == [
        ("borrow", "on_hold_for_another", "33171000000034", AT_UTC)
    ]
    [event] = log.pending_outbox()
    assert event.payload["kind"] == "refusal"
    assert CARD not in str(event.payload)


def test_reconciliation_finding_not_lent_is_not_a_refusal(engine: Engine) -> None:
    log = SqlCirculationLog(engine, "kiosk-01", new_event_id=_ids(), now=lambda: AT)
    intent = log.begin_checkout(CARD, "33171000000034", AT)
    log.record(CheckoutNotLent(intent.intent_id, "reconciled: the item is not on loan"))
    assert log.open_checkouts() == []
    assert _rows(engine, "SELECT * FROM refusals") == []
    assert log.pending_outbox() == []


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("return", "fine", -1),
        ("return", "fine", "3000"),
        ("return", "sort", "basement"),
        ("fee_accepted", "amount", 2.5),
        ("renewal", "due", "19/12/2026"),
        ("refusal", "item_barcode", None),
    ],
)
def test_a_malformed_report_is_refused_by_the_wire_schema(
    kind: str, field: str, value: object
) -> None:
    good = {
        "return": {"item_barcode": "1", "title": "t", "fine": 0, "sort": "", "destination": ""},
        "fee_accepted": {"item_barcode": "1", "title": "t", "amount": 5000},
        "renewal": {"item_barcode": "1", "title": "t", "due": "2026-12-19"},
        "refusal": {"service": "borrow", "reason": "wrong_pin", "item_barcode": ""},
    }[kind]
    data = {
        "schema": 1,
        "event_id": "e",
        "kind": kind,
        "kiosk_id": "k",
        "occurred_at": AT_UTC,
        **good,
    }
    wire.decode(data)  # the good one reads
    with pytest.raises(wire.WireError, match=field):
        wire.decode({**data, field: value})


# ----- return and renewal intents ------------------------------------------------------------


def test_item_intents_are_committed_open_and_listed_oldest_first(engine: Engine) -> None:
    log = SqlCirculationLog(engine, "kiosk-1", new_event_id=_ids())
    due = dt.date(2026, 11, 28)
    log.begin_items(ItemAction.RETURN, [("33171000000018", True, due)], AT)
    log.begin_items(ItemAction.RENEWAL, [("33171000000026", True, due)], AT, CARD)
    first, second = log.open_items()
    assert (first.action, first.item_barcode, first.due_before, first.patron_barcode) == (
        ItemAction.RETURN,
        "33171000000018",
        due,
        None,  # a return names no patron
    )
    assert (second.action, second.patron_barcode) == (ItemAction.RENEWAL, CARD)
    assert not first.answered and first.created_at == AT
    log.record(ItemIntentUnanswered(first.intent_id, "IlsUnavailable"))
    assert [intent.answered for intent in log.open_items()] == [True, False]


def test_a_refusal_after_the_return_was_recorded_adds_nothing(engine: Engine) -> None:
    log = SqlCirculationLog(engine, "kiosk-1", new_event_id=_ids())
    [intent] = log.begin_items(ItemAction.RETURN, [("33171000000018", True, None)], AT)
    log.record(Return("33171000000018", "Laskar Pelangi", AT, intent_id=intent.intent_id))
    refused = Refused("return", Refusal.NOT_ON_LOAN, AT, "33171000000018", intent.intent_id)
    log.record(refused)
    assert _rows(engine, "SELECT count(*) FROM refusals") == [(0,)]
    assert [event.kind for event in log.pending_outbox()] == ["return"]


def test_the_ils_answer_stored_late_corrects_reconciliations_not_done(engine: Engine) -> None:
    """Reconciliation asked too early and found nothing; the worker's answer then wins."""
    log = SqlCirculationLog(engine, "kiosk-1", new_event_id=_ids())
    [intent] = log.begin_items(ItemAction.RETURN, [("33171000000018", True, None)], AT)
    log.record(ItemIntentNotDone(intent.intent_id, "reconciled: still on loan"))
    log.record(Return("33171000000018", "Laskar Pelangi", AT, intent_id=intent.intent_id))
    assert _rows(engine, "SELECT resolution, reason FROM item_intents") == [("done", None)]
    assert _rows(engine, "SELECT count(*) FROM returns") == [(1,)]

"""decide(): what an open check-out intent becomes, given what the ILS says about its item."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.model import CheckoutConfirmed, CheckoutIntent, CheckoutNotLent, ItemStatus
from kiosk.core.reconcile import decide

AT = dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC)
CARD, OTHER, ITEM = "23171000000010", "23171000000028", "33171000000018"
INTENT = CheckoutIntent("intent-1", CARD, ITEM, AT)
DUE = dt.date(2026, 12, 5)


def status(**changes: object) -> ItemStatus:
    values: dict[str, object] = {
        "item_barcode": ITEM, "title": "Laskar Pelangi", "author": "Andrea Hirata",
        "on_loan": True, "due": DUE,
    }  # fmt: skip
    values.update(changes)
    return ItemStatus(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "found",
    [
        status(borrower_barcode=CARD, checked_out_at=AT),
        status(),  # SIP2 Item Information: no borrower, no check-out time
    ],
    ids=["on-loan-to-this-patron", "on-loan-borrower-unknown"],
)
def test_on_loan_to_the_patron_or_unknown_borrower_is_a_loan_at_the_intents_time(
    found: ItemStatus,
) -> None:
    outcome = decide(INTENT, found)
    assert isinstance(outcome, CheckoutConfirmed) and outcome.intent_id == "intent-1"
    assert outcome.loan.checked_out_at == AT and outcome.loan.due == DUE
    assert (outcome.loan.patron_barcode, outcome.loan.item_barcode) == (CARD, ITEM)
    assert outcome.loan.title == "Laskar Pelangi"


@pytest.mark.parametrize(
    "found",
    [
        None,
        status(on_loan=False, due=None),
        status(borrower_barcode=OTHER),
        status(borrower_barcode=CARD, checked_out_at=AT - dt.timedelta(days=1)),
    ],
    ids=["unknown-item", "not-on-loan", "lent-to-another", "patron-had-it-before"],
)
def test_anything_else_is_not_lent(found: ItemStatus | None) -> None:
    assert isinstance(decide(INTENT, found), CheckoutNotLent)


def test_on_loan_without_due_date_stays_open() -> None:
    assert decide(INTENT, status(due=None)) is None

"""decide() and decide_item(): what an open intent becomes, given what the ILS says now."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.model import (
    CheckoutConfirmed,
    CheckoutIntent,
    CheckoutNotLent,
    ItemAction,
    ItemIntent,
    ItemIntentNotDone,
    ItemStatus,
    Renewal,
    Return,
)
from kiosk.core.reconcile import decide, decide_item

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


# ----- returns and renewals ------------------------------------------------------------------

OLD_DUE = dt.date(2026, 11, 28)
RETURN = ItemIntent(
    "intent-2", ItemAction.RETURN, ITEM, AT, on_loan_before=True, due_before=OLD_DUE
)
RENEWAL = ItemIntent(
    "intent-3", ItemAction.RENEWAL, ITEM, AT, due_before=OLD_DUE, patron_barcode=CARD
)


@pytest.mark.parametrize(
    "found",
    [
        status(on_loan=False, due=None),
        status(borrower_barcode=OTHER, checked_out_at=AT + dt.timedelta(minutes=5)),
    ],
    ids=["not-on-loan-now", "lent-again-since"],
)
def test_a_return_is_recorded_at_the_intents_time_when_the_loan_ended(
    found: ItemStatus,
) -> None:
    outcome = decide_item(RETURN, found)
    assert isinstance(outcome, Return) and outcome.intent_id == "intent-2"
    assert (outcome.item_barcode, outcome.title, outcome.returned_at) == (
        ITEM,
        "Laskar Pelangi",
        AT,
    )
    assert outcome.fine == 0  # an item's status carries no fine


@pytest.mark.parametrize(
    ("intent", "found"),
    [
        (RETURN, None),
        (RETURN, status(borrower_barcode=CARD, checked_out_at=AT - dt.timedelta(days=9))),
        (RETURN, status()),  # SIP2: on loan, nothing says it was lent since
        # The same loan (its due date unchanged) with a check-out time after the intent:
        # the ILS's clock is ahead, or its demo data dated the loan later that day.
        (RETURN, status(due=OLD_DUE, checked_out_at=AT + dt.timedelta(hours=5))),
        (
            ItemIntent("intent-4", ItemAction.RETURN, ITEM, AT, on_loan_before=False),
            status(on_loan=False, due=None),  # it was on the shelf all along
        ),
    ],
    ids=["unknown-item", "still-on-loan", "on-loan-sip2", "same-loan-clock-ahead", "never-on-loan"],
)
def test_a_return_is_never_invented(intent: ItemIntent, found: ItemStatus | None) -> None:
    assert isinstance(decide_item(intent, found), ItemIntentNotDone)


@pytest.mark.parametrize("borrower", [CARD, None], ids=["this-patron", "sip2-no-borrower"])
def test_a_due_date_later_than_the_one_shown_is_a_renewal(borrower: str | None) -> None:
    outcome = decide_item(RENEWAL, status(borrower_barcode=borrower))
    assert isinstance(outcome, Renewal) and outcome.intent_id == "intent-3"
    assert (outcome.due, outcome.renewed_at) == (DUE, AT)


@pytest.mark.parametrize(
    "found",
    [
        None,
        status(on_loan=False, due=None),
        status(due=OLD_DUE),
        status(borrower_barcode=OTHER),
    ],
    ids=["unknown-item", "returned-since", "due-unchanged", "lent-to-another"],
)
def test_anything_else_is_not_renewed(found: ItemStatus | None) -> None:
    assert isinstance(decide_item(RENEWAL, found), ItemIntentNotDone)


def test_a_renewal_on_loan_without_due_date_stays_open() -> None:
    assert decide_item(RENEWAL, status(due=None)) is None

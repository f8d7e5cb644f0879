"""LocalIls.item_status: what reconciliation asks the demo library about an item."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kiosk.ils.local import LocalIls
from kiosk.ils.local import demo_data as dd

NOW = dt.datetime(2026, 3, 2, 3, 30, tzinfo=dt.UTC)


def test_item_status_follows_a_checkout(tmp_path: Path) -> None:
    ils = LocalIls.open(tmp_path / "demo-ils.sqlite3")
    before = ils.item_status(dd.AVAILABLE.barcode)
    assert before is not None and not before.on_loan and before.title == dd.AVAILABLE.title
    assert before.borrower_barcode is None and before.due is None

    answer = ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, NOW)
    assert answer.loan is not None
    after = ils.item_status(dd.AVAILABLE.barcode)
    assert after is not None and after.on_loan
    assert after.borrower_barcode == dd.SUTRISNO.barcode
    assert after.due == answer.loan.due
    assert after.checked_out_at == NOW  # the time the kiosk passed, to the microsecond


def test_item_status_of_unknown_item_is_none(tmp_path: Path) -> None:
    ils = LocalIls.open(tmp_path / "demo-ils.sqlite3")
    assert ils.item_status(dd.UNKNOWN_ITEM_BARCODE) is None


class _Evening:
    """20:00 UTC: in Jakarta (UTC+7) already 03:00 the next day."""

    def now(self) -> dt.datetime:
        return dt.datetime(2026, 11, 21, 20, 0, tzinfo=dt.UTC)

    def monotonic(self) -> float:
        return 0.0


def test_no_seeded_loan_was_made_in_the_future(tmp_path: Path) -> None:
    """GIVEN the demo library first opened in the evening (UTC), when the library's "today"
    is already tomorrow THEN every seeded loan's check-out time is in the past: a loan from
    the future would look, to reconciliation, like one made after the kiosk's request."""
    clock = _Evening()
    ils = LocalIls.open(tmp_path / "demo-ils.sqlite3", clock=clock)
    today = dd.DemoItem(dd.item_barcode(990_100), "Pulang", "Tere Liye")  # lent "today"
    loan = dd.DemoLoan(today.barcode, dd.SUTRISNO.barcode, dd.SEED_DATE, dd.SEED_DATE)
    ils.add(dd.DemoLibrary(patrons=(), items=(today,), loans=(loan,), holds=()))
    lent = [today.barcode, dd.LENT_TO_SITI.barcode, dd.OVERDUE_5_DAYS.barcode]
    for barcode in lent:
        status = ils.item_status(barcode)
        assert status is not None and status.checked_out_at is not None
        assert status.checked_out_at <= clock.now(), barcode

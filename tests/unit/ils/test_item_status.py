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

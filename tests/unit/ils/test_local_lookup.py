"""The demo library's read-only records (for the SIP2 server): what they say, and that
reading them changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kiosk.core.clock import ManualClock
from kiosk.ils.local import LocalIls
from kiosk.ils.local import demo_data as demo
from kiosk.ils.local.pins import LOCK_AFTER

START = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 21)


def test_patron_record_reports_every_block(tmp_path: Path) -> None:
    ils = LocalIls.open(tmp_path / "lib.sqlite3", clock=ManualClock(START))
    made = ils.patron_record(demo.MADE.barcode)
    assert made is not None and made.over_fines_limit and not made.blocked
    assert made.fines_owed == demo.MADE.fines
    ruth = ils.patron_record(demo.RUTH.barcode)
    assert ruth is not None and ruth.expired and ruth.expires == demo.RUTH.expires
    rizki = ils.patron_record(demo.RIZKI.barcode)
    assert rizki is not None and rizki.at_loan_limit and not rizki.expired
    hendra = ils.patron_record(demo.HENDRA.barcode)
    assert hendra is not None and hendra.blocked
    assert hendra.screen_message == demo.BLOCKED_MESSAGE
    assert ils.patron_record(demo.UNKNOWN_PATRON_BARCODE) is None
    yohana = ils.patron_record(demo.YOHANA.barcode)
    assert yohana is not None
    assert [(h.item_barcode, h.ready_until is not None, h.position) for h in yohana.holds] == [
        (demo.READY_FOR_YOHANA.barcode, True, 1),
        (demo.HELD_FOR_YOHANA.barcode, False, 1),
    ]
    dewi = ils.patron_record(demo.DEWI.barcode)
    assert dewi is not None
    late = {loan.item_barcode: loan.accruing_fine for loan in dewi.loans if loan.overdue_days}
    assert late == {demo.OVERDUE_5_DAYS.barcode: 5_000, demo.OVERDUE_12_DAYS.barcode: 12_000}


def test_a_lock_is_read_not_counted(tmp_path: Path) -> None:
    ils = LocalIls.open(tmp_path / "lib.sqlite3", clock=ManualClock(START))
    for _ in range(LOCK_AFTER - 1):
        ils.check_patron(demo.SUTRISNO.barcode, "0000")
    for _ in range(3):
        record = ils.patron_record(demo.SUTRISNO.barcode)
        assert record is not None and not record.locked
    ils.check_patron(demo.SUTRISNO.barcode, "0000")
    record = ils.patron_record(demo.SUTRISNO.barcode)
    assert record is not None and record.locked


def test_item_record(tmp_path: Path) -> None:
    ils = LocalIls.open(tmp_path / "lib.sqlite3", clock=ManualClock(START))
    ready = ils.item_record(demo.READY_FOR_YOHANA.barcode)
    assert ready is not None and not ready.on_loan and ready.hold_queue == 1
    assert ready.ready_until == TODAY + dt.timedelta(days=demo.HOLD_PICKUP_DAYS)
    queued = ils.item_record(demo.HELD_FOR_YOHANA.barcode)
    assert queued is not None and queued.on_loan and queued.hold_queue == 2
    assert queued.ready_until is None
    dvd = ils.item_record(demo.FEE_DVD.barcode)
    assert dvd is not None and dvd.loan_fee == demo.FEE_DVD.loan_fee
    branch = ils.item_record(demo.OTHER_BRANCH_ITEM.barcode)
    assert branch is not None and branch.home_branch == demo.OTHER_BRANCH
    reference = ils.item_record(demo.REFERENCE.barcode)
    assert reference is not None and reference.reference
    assert ils.item_record(demo.UNKNOWN_ITEM_BARCODE) is None

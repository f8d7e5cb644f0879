"""The demo library's returns, renewals, accounts, fines, holds and loan fees, by its rules.

Real SQLite files and a ManualClock: the library is seeded on the clock's day, so Dewi's
two late books are 5 and 12 days late on that day whatever the calendar says.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kiosk.core.clock import ManualClock
from kiosk.core.model import AccountHold, Fine, FineReason, Refusal, SortBin
from kiosk.ils.local import LocalIls
from kiosk.ils.local import demo_data as dd

# 03:00 UTC is 10:00 in Jakarta: the same date in the library.
START = dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 21)
DAY = 86_400


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def ils(tmp_path: Path, clock: ManualClock) -> LocalIls:
    return LocalIls.open(tmp_path / "ils.sqlite3", clock=clock)


def _days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def _sql(ils: LocalIls, statement: str, **params: object) -> None:
    with ils._engine.begin() as conn:
        conn.execute(text(statement), params)


# --- check-in -------------------------------------------------------------------------


def test_return_of_an_unknown_barcode_is_refused(ils: LocalIls, clock: ManualClock) -> None:
    answer = ils.checkin(dd.UNKNOWN_ITEM_BARCODE, clock.now())
    assert (answer.ok, answer.refusal, answer.title, answer.sort) == (
        False, Refusal.UNKNOWN_ITEM, "", None
    )  # fmt: skip


def test_return_of_a_book_not_on_loan_is_refused_and_changes_nothing(
    ils: LocalIls, clock: ManualClock
) -> None:
    answer = ils.checkin(dd.AVAILABLE.barcode, clock.now())
    assert answer.refusal is Refusal.NOT_ON_LOAN and answer.title == "Laskar Pelangi"
    assert answer.sort is None and answer.fine == 0
    assert ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, clock.now()).ok


def test_a_late_return_is_charged_a_fine_per_day_and_goes_to_the_shelf(
    ils: LocalIls, clock: ManualClock
) -> None:
    answer = ils.checkin(dd.OVERDUE_5_DAYS.barcode, clock.now())
    assert answer.ok and answer.title == "Sang Pemimpi"
    assert answer.fine == 5 * dd.FINE_PER_DAY == 5_000
    assert (answer.sort, answer.destination, answer.screen_message) == (SortBin.SHELF, "", "")
    status = ils.item_status(dd.OVERDUE_5_DAYS.barcode)
    assert status is not None and not status.on_loan
    account = ils.account(dd.DEWI.barcode, clock.now())
    assert Fine(FineReason.OVERDUE, 5_000, "Sang Pemimpi") in account.fines
    assert "Sang Pemimpi" not in [loan.title for loan in account.loans]
    again = ils.checkin(dd.OVERDUE_5_DAYS.barcode, clock.now())
    assert again.refusal is Refusal.NOT_ON_LOAN and again.fine == 0


def test_the_fine_follows_the_injected_clock(ils: LocalIls, clock: ManualClock) -> None:
    clock.advance(3 * DAY)
    assert ils.checkin(dd.OVERDUE_5_DAYS.barcode, clock.now()).fine == 8_000


def test_a_return_on_the_due_date_is_free_and_the_day_after_costs_one_day(
    tmp_path: Path, clock: ManualClock
) -> None:
    ils = LocalIls.open(tmp_path / "ils.sqlite3", clock=clock)
    assert ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, clock.now()).ok
    assert ils.checkout(dd.SUTRISNO.barcode, dd.ENGLISH_ITEM.barcode, clock.now()).ok
    clock.advance(dd.LOAN_DAYS * DAY)
    assert ils.checkin(dd.AVAILABLE.barcode, clock.now()).fine == 0
    clock.advance(DAY)
    assert ils.checkin(dd.ENGLISH_ITEM.barcode, clock.now()).fine == dd.FINE_PER_DAY


def test_a_held_book_goes_to_the_hold_shelf_for_the_first_in_the_queue(
    ils: LocalIls, clock: ManualClock
) -> None:
    answer = ils.checkin(dd.HELD_FOR_YOHANA.barcode, clock.now())
    assert answer.ok and answer.sort is SortBin.HOLD_SHELF and answer.fine == 0
    yohana = ils.account(dd.YOHANA.barcode, clock.now())
    assert AccountHold("Bumi", ready=True, pickup_by=_days(dd.HOLD_PICKUP_DAYS)) in (
        yohana.holds_ready
    )
    assert yohana.holds_waiting == ()
    # It waits for Yohana: Sutrisno and Siti (2nd in the queue) cannot take it.
    now = clock.now()
    assert ils.checkout(dd.SUTRISNO.barcode, dd.HELD_FOR_YOHANA.barcode, now).refusal is (
        Refusal.ON_HOLD_FOR_ANOTHER
    )
    assert ils.checkout(dd.SITI.barcode, dd.HELD_FOR_YOHANA.barcode, now).refusal is (
        Refusal.ON_HOLD_FOR_ANOTHER
    )
    assert ils.checkout(dd.YOHANA.barcode, dd.HELD_FOR_YOHANA.barcode, now).ok
    siti = ils.account(dd.SITI.barcode, now)
    assert siti.holds_waiting == (AccountHold("Bumi", ready=False, position=1),)


def test_another_branchs_book_goes_in_transit_to_that_branch(
    ils: LocalIls, clock: ManualClock
) -> None:
    answer = ils.checkin(dd.OTHER_BRANCH_ITEM.barcode, clock.now())
    assert answer.ok and answer.title == "Negeri Para Bedebah"
    assert (answer.sort, answer.destination) == (SortBin.TRANSIT, dd.OTHER_BRANCH)


def test_a_hold_beats_the_transit_box(ils: LocalIls, clock: ManualClock) -> None:
    """A book of another branch that someone here waits for stays here, on the hold shelf."""
    _sql(ils, "UPDATE items SET home_branch = :b WHERE barcode = :i",
         b=dd.OTHER_BRANCH, i=dd.HELD_FOR_YOHANA.barcode)  # fmt: skip
    answer = ils.checkin(dd.HELD_FOR_YOHANA.barcode, clock.now())
    assert (answer.sort, answer.destination) == (SortBin.HOLD_SHELF, "")


def test_the_librarys_own_message_comes_with_the_return(ils: LocalIls, clock: ManualClock) -> None:
    assert ils.checkout(dd.SUTRISNO.barcode, dd.FEE_DVD.barcode, clock.now(), True).ok
    answer = ils.checkin(dd.FEE_DVD.barcode, clock.now())
    assert answer.ok and answer.screen_message == dd.FEE_DVD.note != ""


def test_two_kiosks_returning_one_book_at_once_return_it_once(
    ils: LocalIls, clock: ManualClock
) -> None:
    now = clock.now()
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: ils.checkin(dd.OVERDUE_12_DAYS.barcode, now), range(6)))
    assert sum(answer.ok for answer in answers) == 1
    assert {a.refusal for a in answers if not a.ok} == {Refusal.NOT_ON_LOAN}
    fines = ils.account(dd.DEWI.barcode, now).fines
    assert [f for f in fines if f.title == "Hujan Bulan Juni"] == [
        Fine(FineReason.OVERDUE, 12_000, "Hujan Bulan Juni")
    ]


# --- renewals -------------------------------------------------------------------------


def test_renewal_extends_by_the_loan_period_up_to_the_limit(
    ils: LocalIls, clock: ManualClock
) -> None:
    due = ils.item_status(dd.OTHER_BRANCH_ITEM.barcode).due  # type: ignore[union-attr]
    assert due == _days(8)
    first = ils.renew(dd.YOHANA.barcode, dd.OTHER_BRANCH_ITEM.barcode, clock.now())
    assert first.ok and first.title == "Negeri Para Bedebah"
    assert (first.due, first.renewals_left) == (_days(8 + dd.LOAN_DAYS), 1)
    status = ils.item_status(dd.OTHER_BRANCH_ITEM.barcode)
    assert status is not None and status.due == _days(8 + dd.LOAN_DAYS)
    second = ils.renew(dd.YOHANA.barcode, dd.OTHER_BRANCH_ITEM.barcode, clock.now())
    assert (second.ok, second.due, second.renewals_left) == (True, _days(8 + 28), 0)
    third = ils.renew(dd.YOHANA.barcode, dd.OTHER_BRANCH_ITEM.barcode, clock.now())
    assert third.refusal is Refusal.RENEWAL_LIMIT
    assert (third.due, third.renewals_left) == (_days(8 + 28), 0)


def test_a_new_item_renews_for_its_own_shorter_period(ils: LocalIls, clock: ManualClock) -> None:
    loan = ils.checkout(dd.SUTRISNO.barcode, dd.NEW_ITEM.barcode, clock.now()).loan
    assert loan is not None and loan.due == _days(dd.NEW_ITEM_LOAN_DAYS)
    clock.advance(DAY)
    answer = ils.renew(dd.SUTRISNO.barcode, dd.NEW_ITEM.barcode, clock.now())
    assert answer.due == _days(2 * dd.NEW_ITEM_LOAN_DAYS)


@pytest.mark.parametrize(
    ("patron", "item", "reason"),
    [
        (dd.DEWI.barcode, dd.AT_RENEWAL_LIMIT.barcode, Refusal.RENEWAL_LIMIT),
        (dd.DEWI.barcode, dd.HELD_FOR_YOHANA.barcode, Refusal.ON_HOLD_FOR_ANOTHER),
        (dd.DEWI.barcode, dd.OVERDUE_5_DAYS.barcode, Refusal.ITEM_OVERDUE),
        (dd.SUTRISNO.barcode, dd.AT_RENEWAL_LIMIT.barcode, Refusal.ON_LOAN_TO_ANOTHER),
        (dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, Refusal.NOT_ON_LOAN),
        (dd.SUTRISNO.barcode, dd.UNKNOWN_ITEM_BARCODE, Refusal.UNKNOWN_ITEM),
        (dd.UNKNOWN_PATRON_BARCODE, dd.AVAILABLE.barcode, Refusal.UNKNOWN_PATRON),
    ],
)
def test_renewal_refusals_change_nothing(
    ils: LocalIls, clock: ManualClock, patron: str, item: str, reason: Refusal
) -> None:
    before = ils.item_status(item)
    answer = ils.renew(patron, item, clock.now())
    assert not answer.ok and answer.refusal is reason and answer.item_barcode == item
    assert ils.item_status(item) == before


def test_a_blocked_patron_may_not_renew(ils: LocalIls, clock: ManualClock) -> None:
    _sql(ils, "UPDATE patrons SET blocked = 1 WHERE barcode = :b", b=dd.YOHANA.barcode)
    answer = ils.renew(dd.YOHANA.barcode, dd.OTHER_BRANCH_ITEM.barcode, clock.now())
    assert answer.refusal is Refusal.PATRON_BLOCKED and answer.due == _days(8)


def test_the_patron_the_hold_is_for_may_renew_past_it(ils: LocalIls, clock: ManualClock) -> None:
    """Only another patron's hold stops a renewal (Yohana holding her own loan does not)."""
    _sql(ils, "DELETE FROM holds WHERE item_id = (SELECT id FROM items WHERE barcode = :i)",
         i=dd.HELD_FOR_YOHANA.barcode)  # fmt: skip
    assert ils.renew(dd.DEWI.barcode, dd.HELD_FOR_YOHANA.barcode, clock.now()).ok


def test_renew_all_answers_once_per_loan(ils: LocalIls, clock: ManualClock) -> None:
    dewi = ils.renew_all(dd.DEWI.barcode, clock.now())
    assert [(a.title, a.refusal) for a in dewi] == [
        ("Hujan Bulan Juni", Refusal.ITEM_OVERDUE),
        ("Sang Pemimpi", Refusal.ITEM_OVERDUE),
        ("Bumi", Refusal.ON_HOLD_FOR_ANOTHER),
        ("Matahari", Refusal.RENEWAL_LIMIT),
    ]
    [yohana] = ils.renew_all(dd.YOHANA.barcode, clock.now())
    assert yohana.ok and yohana.due == _days(8 + dd.LOAN_DAYS)
    assert ils.renew_all(dd.SUTRISNO.barcode, clock.now()) == []
    assert ils.renew_all(dd.UNKNOWN_PATRON_BARCODE, clock.now()) == []


# --- account and fines ----------------------------------------------------------------


def test_account_lists_loans_with_overdue_days_and_renewals(
    ils: LocalIls, clock: ManualClock
) -> None:
    account = ils.account(dd.DEWI.barcode, clock.now())
    assert account.refusal is None and account.patron_barcode == dd.DEWI.barcode
    shown = [(x.title, x.due, x.overdue_days, x.renewals_used, x.renewals_left)
             for x in account.loans]  # fmt: skip
    assert shown == [
        ("Hujan Bulan Juni", _days(-12), 12, 0, 2),
        ("Sang Pemimpi", _days(-5), 5, 0, 2),
        ("Bumi", _days(6), 0, 0, 2),
        ("Matahari", _days(9), 0, 2, 0),
    ]
    assert account.overdue_count == 2


def test_account_itemises_fines_with_late_books_accruing_daily(
    ils: LocalIls, clock: ManualClock
) -> None:
    account = ils.account(dd.DEWI.barcode, clock.now())
    assert account.fines == (
        Fine(FineReason.OVERDUE, 3_000, "Bulan"),
        Fine(FineReason.OVERDUE, 12_000, "Hujan Bulan Juni", accruing=True),
        Fine(FineReason.OVERDUE, 5_000, "Sang Pemimpi", accruing=True),
    )
    assert account.fines_total == 20_000
    clock.advance(DAY)
    assert ils.account(dd.DEWI.barcode, clock.now()).fines_total == 22_000
    made = ils.account(dd.MADE.barcode, clock.now())
    assert made.fines_total == dd.MADE.fines == 75_500
    assert Fine(FineReason.LOST_ITEM, 65_000, "Kubah") in made.fines


def test_charged_fines_block_over_the_limit_and_accruing_ones_do_not_yet(
    ils: LocalIls, clock: ManualClock
) -> None:
    clock.advance(40 * DAY)  # 52 and 45 days late: 97.000 accruing, 3.000 charged
    account = ils.account(dd.DEWI.barcode, clock.now())
    assert (account.fines_total, account.accruing_total) == (3_000 + 97_000 + 34_000 + 31_000,
                                                             162_000)  # fmt: skip
    assert ils.check_patron(dd.DEWI.barcode, dd.DEWI.pin).ok
    assert ils.checkin(dd.OVERDUE_5_DAYS.barcode, clock.now()).fine == 45_000
    assert ils.check_patron(dd.DEWI.barcode, dd.DEWI.pin).ok  # 48.000 charged: not over
    assert ils.checkin(dd.OVERDUE_12_DAYS.barcode, clock.now()).fine == 52_000
    check = ils.check_patron(dd.DEWI.barcode, dd.DEWI.pin)
    assert check.refusal is Refusal.FINES_OVER_LIMIT
    answer = ils.renew(dd.DEWI.barcode, dd.HELD_FOR_YOHANA.barcode, clock.now())
    assert answer.refusal is Refusal.FINES_OVER_LIMIT


def test_account_lists_holds_ready_with_pickup_date_and_queued_with_position(
    ils: LocalIls, clock: ManualClock
) -> None:
    pickup_by = _days(dd.HOLD_PICKUP_DAYS)
    yohana = ils.account(dd.YOHANA.barcode, clock.now())
    assert yohana.holds_ready == (AccountHold("Aroma Karsa", True, pickup_by),)
    assert yohana.holds_waiting == (AccountHold("Bumi", False, position=1),)
    assert [loan.title for loan in yohana.loans] == ["Negeri Para Bedebah"]
    assert yohana.fines == () and yohana.fines_total == 0
    siti = ils.account(dd.SITI.barcode, clock.now())
    assert siti.holds_ready == (AccountHold("Cantik Itu Luka", True, pickup_by),)
    assert siti.holds_waiting == (AccountHold("Bumi", False, position=2),)
    assert siti.fines == (Fine(FineReason.OVERDUE, 5_000, "Pulang"),)


def test_account_of_an_unknown_card(ils: LocalIls, clock: ManualClock) -> None:
    account = ils.account(dd.UNKNOWN_PATRON_BARCODE, clock.now())
    assert account.refusal is Refusal.UNKNOWN_PATRON and account.loans == ()


def test_picking_up_a_ready_hold_ends_it(ils: LocalIls, clock: ManualClock) -> None:
    assert ils.checkout(dd.YOHANA.barcode, dd.READY_FOR_YOHANA.barcode, clock.now()).ok
    account = ils.account(dd.YOHANA.barcode, clock.now())
    assert account.holds_ready == ()
    assert [loan.title for loan in account.loans] == ["Negeri Para Bedebah", "Aroma Karsa"]


def test_seeded_dates_count_from_the_day_the_demo_is_first_opened(tmp_path: Path) -> None:
    clock = ManualClock(dt.datetime(2031, 2, 10, 3, 0, tzinfo=dt.UTC))
    ils = LocalIls.open(tmp_path / "ils.sqlite3", clock=clock)
    dewi = ils.account(dd.DEWI.barcode, clock.now())
    assert [loan.overdue_days for loan in dewi.loans] == [12, 5, 0, 0]
    yohana = ils.account(dd.YOHANA.barcode, clock.now())
    assert yohana.holds_ready[0].pickup_by == dt.date(2031, 2, 10) + dt.timedelta(days=7)


# --- a fee before a loan --------------------------------------------------------------


def test_an_item_with_a_loan_fee_asks_for_it_first_and_lends_nothing(
    ils: LocalIls, clock: ManualClock
) -> None:
    answer = ils.checkout(dd.SUTRISNO.barcode, dd.FEE_DVD.barcode, clock.now())
    assert (answer.ok, answer.refusal, answer.fee) == (False, Refusal.FEE_REQUIRED, 5_000)
    assert answer.title == "Laskar Pelangi (film, DVD)"
    status = ils.item_status(dd.FEE_DVD.barcode)
    assert status is not None and not status.on_loan
    assert ils.account(dd.SUTRISNO.barcode, clock.now()).fines == ()


def test_an_acknowledged_fee_lends_and_charges_it(ils: LocalIls, clock: ManualClock) -> None:
    answer = ils.checkout(dd.SUTRISNO.barcode, dd.FEE_DVD.barcode, clock.now(),
                          fee_acknowledged=True)  # fmt: skip
    assert answer.ok and answer.fee == 5_000
    assert answer.loan is not None and answer.loan.due == _days(dd.NEW_ITEM_LOAN_DAYS)
    account = ils.account(dd.SUTRISNO.barcode, clock.now())
    assert account.fines == (Fine(FineReason.LOAN_FEE, 5_000, "Laskar Pelangi (film, DVD)"),)


def test_no_fee_is_asked_for_an_item_that_would_be_refused_anyway(
    ils: LocalIls, clock: ManualClock
) -> None:
    answer = ils.checkout(dd.MADE.barcode, dd.FEE_DVD.barcode, clock.now())
    assert answer.refusal is Refusal.FINES_OVER_LIMIT and answer.fee == 0
    assert ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, clock.now()).fee == 0


def test_naive_times_are_rejected(ils: LocalIls) -> None:
    naive = dt.datetime(2026, 11, 21, 10, 0)
    for call in (
        lambda: ils.checkin(dd.OVERDUE_5_DAYS.barcode, naive),
        lambda: ils.renew(dd.DEWI.barcode, dd.OVERDUE_5_DAYS.barcode, naive),
        lambda: ils.renew_all(dd.DEWI.barcode, naive),
        lambda: ils.account(dd.DEWI.barcode, naive),
    ):
        with pytest.raises(ValueError):
            call()


def test_the_fines_are_stored_itemised_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ils.sqlite3"
    LocalIls.open(path, clock=ManualClock(START)).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sum(amount), count(*) FROM fines")).one()
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(patrons)"))]
    library = dd.generate()
    assert rows[0] == sum(p.fines for p in library.patrons)
    assert rows[1] == len(library.fines)
    assert "fines" not in columns


# --- replaying what the kiosk did offline (no block) ------------------------------------


def test_an_offline_loan_replayed_keeps_its_due_date_and_charges_its_fee_unasked(
    ils: LocalIls, clock: ManualClock
) -> None:
    lent_at = START - dt.timedelta(hours=5)
    answer = ils.checkout(dd.SUTRISNO.barcode, dd.FEE_DVD.barcode, lent_at,
                          no_block_due=_days(3))  # fmt: skip
    assert answer.ok and answer.loan is not None
    assert (answer.loan.due, answer.loan.checked_out_at) == (_days(3), lent_at)
    status = ils.item_status(dd.FEE_DVD.barcode)
    assert status is not None and status.on_loan and status.due == _days(3)
    account = ils.account(dd.SUTRISNO.barcode, clock.now())
    assert account.fines == (Fine(FineReason.LOAN_FEE, 5_000, "Laskar Pelangi (film, DVD)"),)


def test_an_offline_loan_replayed_is_still_refused_when_the_item_is_lent_to_another(
    ils: LocalIls, clock: ManualClock
) -> None:
    ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, clock.now())
    answer = ils.checkout(dd.DEWI.barcode, dd.AVAILABLE.barcode, clock.now(),
                          no_block_due=_days(14))  # fmt: skip
    assert answer.refusal is Refusal.ON_LOAN_TO_ANOTHER

"""The demo library's circulation rules for returns, renewals, accounts, fines and blocks.

Each function works inside the caller's database session (one transaction per ILS call,
see :class:`kiosk.ils.local.LocalIls`) and takes "today" in the library's timezone. The
rules, as a small public library keeps them:

- An item is overdue the day after its due date; each late day costs
  :data:`~kiosk.ils.local.demo_data.FINE_PER_DAY`. While it is still out the fine accrues
  (shown on the account as accruing); returning it charges it. Only charged fines count
  towards :data:`~kiosk.ils.local.demo_data.FINES_LIMIT`, so a demo left running for
  weeks does not block its cards one by one as their seeded loans grow late.
- A return goes to the hold shelf when someone holds the item (the first hold in its queue
  becomes ready until today + :data:`~kiosk.ils.local.demo_data.HOLD_PICKUP_DAYS`), else
  in the transit box when it belongs to another branch, else back on the shelf.
- A renewal extends the loan by its loan period from the later of today and the due date,
  at most :data:`~kiosk.ils.local.demo_data.RENEWAL_LIMIT` times, never when another patron
  holds the item, never for an overdue item (it must come back and its fine be charged),
  never for a patron who is blocked, whose card expired or who owes over the limit.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.core.model import (
    Account,
    AccountHold,
    AccountLoan,
    CheckinAnswer,
    Fine,
    FineReason,
    Refusal,
    RenewAnswer,
    SortBin,
)
from kiosk.ils.local import demo_data
from kiosk.ils.local.schema import FineRow, HoldRow, ItemRow, LoanRow, PatronRow


def overdue_days(due: dt.date, today: dt.date) -> int:
    """Days an item due on ``due`` is late on ``today`` (0 on the due date and before)."""
    return max(0, (today - due).days)


def loan_days(item: ItemRow) -> int:
    """The loan period of an item, for a loan or a renewal."""
    return demo_data.NEW_ITEM_LOAN_DAYS if item.new else demo_data.LOAN_DAYS


def loans_count(session: Session, patron_id: int) -> int:
    query = select(func.count()).select_from(LoanRow).where(LoanRow.patron_id == patron_id)
    return int(session.scalar(query) or 0)


def charged(session: Session, patron_id: int) -> int:
    """Rupiah the patron owes now: fines charged, not those still accruing on late items."""
    total = session.scalar(
        select(func.coalesce(func.sum(FineRow.amount), 0)).where(FineRow.patron_id == patron_id)
    )
    return int(total or 0)


def block_reason(
    session: Session, row: PatronRow, today: dt.date, *, borrowing: bool = True
) -> Refusal | None:
    """Why this patron may not borrow (or, ``borrowing=False``, renew) now, or None.

    General blocks come first; the loan limit matters only for a new loan.
    """
    if row.blocked:
        return Refusal.PATRON_BLOCKED
    if row.expires < today:
        return Refusal.CARD_EXPIRED
    if charged(session, row.id) > demo_data.FINES_LIMIT:
        return Refusal.FINES_OVER_LIMIT
    if borrowing and loans_count(session, row.id) >= row.loan_limit:
        return Refusal.TOO_MANY_ITEMS
    return None


def charge(session: Session, patron_id: int, reason: FineReason, amount: int, title: str,
           now: dt.datetime) -> None:  # fmt: skip
    """Add one fine to the patron's account."""
    session.add(
        FineRow(
            patron_id=patron_id,
            reason=reason.value,
            title=title or None,
            amount=amount,
            charged_at=now.astimezone(dt.UTC).isoformat(),
        )
    )


def first_hold(session: Session, item_id: int) -> HoldRow | None:
    """The hold first in the item's queue (the ready one, if the item waits on the shelf)."""
    query = select(HoldRow).where(HoldRow.item_id == item_id).order_by(HoldRow.id).limit(1)
    return session.scalar(query)


def checkin(session: Session, item_barcode: str, now: dt.datetime, today: dt.date) -> CheckinAnswer:
    """Return an item: end its loan, charge a late return, say where it goes."""
    item = session.scalar(select(ItemRow).where(ItemRow.barcode == item_barcode))
    if item is None:
        return CheckinAnswer(item_barcode, refusal=Refusal.UNKNOWN_ITEM)
    loan = session.scalar(select(LoanRow).where(LoanRow.item_id == item.id))
    if loan is None:
        return CheckinAnswer(item_barcode, refusal=Refusal.NOT_ON_LOAN, title=item.title)
    fine = overdue_days(loan.due, today) * demo_data.FINE_PER_DAY
    if fine:
        charge(session, loan.patron_id, FineReason.OVERDUE, fine, item.title, now)
    session.delete(loan)
    message = item.note or ""
    hold = first_hold(session, item.id)
    if hold is not None:
        if hold.ready_until is None:
            hold.ready_until = today + dt.timedelta(days=demo_data.HOLD_PICKUP_DAYS)
        return CheckinAnswer(item_barcode, None, item.title, fine, SortBin.HOLD_SHELF, "", message)
    if item.home_branch:
        return CheckinAnswer(
            item_barcode, None, item.title, fine, SortBin.TRANSIT, item.home_branch, message
        )
    return CheckinAnswer(item_barcode, None, item.title, fine, SortBin.SHELF, "", message)


def renew(
    session: Session, patron: PatronRow | None, item_barcode: str, today: dt.date
) -> RenewAnswer:
    """Renew one loan of ``patron`` (None: a card the library does not know)."""
    item = session.scalar(select(ItemRow).where(ItemRow.barcode == item_barcode))
    if item is None:
        return RenewAnswer(item_barcode, Refusal.UNKNOWN_ITEM)
    if patron is None:
        return RenewAnswer(item_barcode, Refusal.UNKNOWN_PATRON, item.title)
    loan = session.scalar(select(LoanRow).where(LoanRow.item_id == item.id))
    if loan is None:
        return RenewAnswer(item_barcode, Refusal.NOT_ON_LOAN, item.title)
    if loan.patron_id != patron.id:
        return RenewAnswer(item_barcode, Refusal.ON_LOAN_TO_ANOTHER, item.title)
    left = max(0, demo_data.RENEWAL_LIMIT - loan.renewals)

    def refuse(reason: Refusal) -> RenewAnswer:
        return RenewAnswer(item_barcode, reason, item.title, loan.due, left)

    reason = block_reason(session, patron, today, borrowing=False)
    if reason is not None:
        return refuse(reason)
    if overdue_days(loan.due, today):
        return refuse(Refusal.ITEM_OVERDUE)
    if left == 0:
        return refuse(Refusal.RENEWAL_LIMIT)
    hold = first_hold(session, item.id)
    if hold is not None and hold.patron_id != patron.id:
        return refuse(Refusal.ON_HOLD_FOR_ANOTHER)
    loan.due = max(today, loan.due) + dt.timedelta(days=loan_days(item))
    loan.renewals += 1
    return RenewAnswer(item_barcode, None, item.title, loan.due, left - 1)


def patron_loans(session: Session, patron_id: int) -> list[tuple[LoanRow, ItemRow]]:
    """The patron's loans with their items, soonest due first."""
    query = (
        select(LoanRow, ItemRow)
        .join(ItemRow, LoanRow.item_id == ItemRow.id)
        .where(LoanRow.patron_id == patron_id)
        .order_by(LoanRow.due, ItemRow.title, ItemRow.barcode)
    )
    return [(loan, item) for loan, item in session.execute(query).all()]


def account(session: Session, patron: PatronRow, today: dt.date) -> Account:
    """The patron's loans, holds and fines as of ``today``."""
    loans: list[AccountLoan] = []
    accruing: list[Fine] = []
    for loan, item in patron_loans(session, patron.id):
        late = overdue_days(loan.due, today)
        loans.append(
            AccountLoan(
                item.barcode,
                item.title,
                item.author,
                loan.due,
                late,
                loan.renewals,
                max(0, demo_data.RENEWAL_LIMIT - loan.renewals),
            )
        )
        if late:
            amount = late * demo_data.FINE_PER_DAY
            accruing.append(Fine(FineReason.OVERDUE, amount, item.title, accruing=True))
    ready: list[AccountHold] = []
    waiting: list[AccountHold] = []
    holds = session.execute(
        select(HoldRow, ItemRow)
        .join(ItemRow, HoldRow.item_id == ItemRow.id)
        .where(HoldRow.patron_id == patron.id)
        .order_by(HoldRow.id)
    ).all()
    for hold, item in holds:
        if hold.ready_until is not None:
            ready.append(AccountHold(item.title, ready=True, pickup_by=hold.ready_until))
            continue
        ahead = session.scalar(
            select(func.count())
            .select_from(HoldRow)
            .where(HoldRow.item_id == hold.item_id, HoldRow.id < hold.id)
        )
        waiting.append(AccountHold(item.title, ready=False, position=int(ahead or 0) + 1))
    charged = [
        Fine(FineReason(row.reason), row.amount, row.title or "")
        for row in session.scalars(
            select(FineRow).where(FineRow.patron_id == patron.id).order_by(FineRow.id)
        )
    ]
    return Account(
        patron.barcode,
        loans=tuple(loans),
        holds_ready=tuple(ready),
        holds_waiting=tuple(waiting),
        fines=tuple(charged + accruing),
    )

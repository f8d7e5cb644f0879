"""Read-only views of the demo library's records, for gateways that need more than the port.

:class:`kiosk.core.ports.IlsBackend` answers what a kiosk asks. A SIP2 server in front of
the demo library (``kiosk.ils.sip2.server``) must also say what SIP2 carries: a card's
expiry, limits and every reason it is blocked, an item's circulation status, hold queue
and home location. These functions read them inside the caller's session and change
nothing (a wrong-PIN lock is read, never counted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.core.model import FineReason
from kiosk.ils.local import demo_data, pins, rules
from kiosk.ils.local.schema import FineRow, HoldRow, ItemRow, LoanRow, PatronRow, PinFailuresRow


@dataclass(frozen=True, slots=True)
class LoanRecord:
    """One of a patron's loans: the item, its due date, and the fine accruing if late."""

    item_barcode: str
    title: str
    due: dt.date
    overdue_days: int
    accruing_fine: int


@dataclass(frozen=True, slots=True)
class HoldRecord:
    """One of a patron's holds. ``ready_until`` is set while it waits on the hold shelf."""

    item_barcode: str
    title: str
    ready_until: dt.date | None
    position: int


@dataclass(frozen=True, slots=True)
class FineRecord:
    """One amount a patron has been charged (Rupiah)."""

    reason: FineReason
    amount: int
    title: str


@dataclass(frozen=True, slots=True)
class PatronRecord:
    """A card as the library keeps it, judged on ``today``: every reason it may not borrow.

    ``locked``: locked by wrong PINs now (the library refuses it as blocked).
    ``fines_owed`` counts charged fines only, as the fines limit does.
    """

    barcode: str
    name: str
    expires: dt.date
    blocked: bool
    locked: bool
    expired: bool
    loan_limit: int
    fines_owed: int
    fines_limit: int
    loans: tuple[LoanRecord, ...]
    holds: tuple[HoldRecord, ...]
    fines: tuple[FineRecord, ...]
    screen_message: str = ""
    """The library's own words for a block it set by hand (SIP2 AF)."""

    @property
    def over_fines_limit(self) -> bool:
        return self.fines_owed > self.fines_limit

    @property
    def at_loan_limit(self) -> bool:
        return len(self.loans) >= self.loan_limit


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """An item as the library keeps it now.

    ``due`` is set while it is on loan. ``hold_queue`` counts its holds; ``ready_until``
    is the first hold's pick-up-by date while the item waits on the hold shelf.
    ``home_branch`` is empty for this library's own items.
    """

    barcode: str
    title: str
    author: str
    reference: bool
    loan_fee: int
    home_branch: str
    due: dt.date | None
    hold_queue: int
    ready_until: dt.date | None

    @property
    def on_loan(self) -> bool:
        return self.due is not None


def patron_record(
    session: Session, barcode: str, now: dt.datetime, today: dt.date
) -> PatronRecord | None:
    """The card ``barcode`` judged at ``now`` (``today`` in the library's time zone)."""
    row = session.scalar(select(PatronRow).where(PatronRow.barcode == barcode))
    if row is None:
        return None
    failures = session.get(PinFailuresRow, row.id)
    locked = failures is not None and pins.locked(failures.locked_until, now)
    loans = tuple(
        LoanRecord(
            item.barcode,
            item.title,
            loan.due,
            rules.overdue_days(loan.due, today),
            rules.overdue_days(loan.due, today) * demo_data.FINE_PER_DAY,
        )
        for loan, item in rules.patron_loans(session, row.id)
    )
    holds: list[HoldRecord] = []
    for hold, item in session.execute(
        select(HoldRow, ItemRow)
        .join(ItemRow, HoldRow.item_id == ItemRow.id)
        .where(HoldRow.patron_id == row.id)
        .order_by(HoldRow.id)
    ).all():
        ahead = session.scalar(
            select(func.count())
            .select_from(HoldRow)
            .where(HoldRow.item_id == hold.item_id, HoldRow.id < hold.id)
        )
        holds.append(HoldRecord(item.barcode, item.title, hold.ready_until, int(ahead or 0) + 1))
    fines = tuple(
        FineRecord(FineReason(fine.reason), fine.amount, fine.title or "")
        for fine in session.scalars(
            select(FineRow).where(FineRow.patron_id == row.id).order_by(FineRow.id)
        )
    )
    return PatronRecord(
        barcode=row.barcode,
        name=row.name,
        expires=row.expires,
        blocked=row.blocked,
        locked=locked,
        expired=row.expires < today,
        loan_limit=row.loan_limit,
        fines_owed=rules.charged(session, row.id),
        fines_limit=demo_data.FINES_LIMIT,
        loans=loans,
        holds=tuple(holds),
        fines=fines,
        screen_message=demo_data.BLOCKED_MESSAGE if row.blocked else "",
    )


def item_record(session: Session, barcode: str) -> ItemRecord | None:
    """The item ``barcode`` now, or None for one the library does not have."""
    item = session.scalar(select(ItemRow).where(ItemRow.barcode == barcode))
    if item is None:
        return None
    loan = session.scalar(select(LoanRow).where(LoanRow.item_id == item.id))
    queue = session.scalar(
        select(func.count()).select_from(HoldRow).where(HoldRow.item_id == item.id)
    )
    first = rules.first_hold(session, item.id)
    return ItemRecord(
        barcode=item.barcode,
        title=item.title,
        author=item.author,
        reference=item.reference,
        loan_fee=item.loan_fee,
        home_branch=item.home_branch or "",
        due=loan.due if loan is not None else None,
        hold_queue=int(queue or 0),
        ready_until=first.ready_until if first is not None and loan is None else None,
    )

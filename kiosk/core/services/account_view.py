"""What the account screens show: the session's account view, its texts and its rows.

The account service (:mod:`kiosk.core.services.account`) keeps the patron's account in
``session.service_data`` as an :class:`AccountView` (forgotten with the patron) and
turns it into the overview's and the summary's texts and rows here: loans a page at a
time, overdue ones in words, each renewal's outcome with what to do next, holds, fines
in Rupiah.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kiosk.core.i18n import rupiah
from kiosk.core.model import Account, AccountLoan, Fine, Refusal
from kiosk.core.session import Notice, Row, Session

KEY = "account"
"""The view's key in ``session.service_data``."""
PAGE_SIZE = 4
"""Loans per page: four rows with their Renew buttons fit a 1280x800 screen in large print."""

RENEW_REFUSALS = frozenset(
    {
        Refusal.RENEWAL_LIMIT,
        Refusal.ON_HOLD_FOR_ANOTHER,
        Refusal.ITEM_OVERDUE,
        Refusal.PATRON_BLOCKED,
        Refusal.CARD_EXPIRED,
        Refusal.FINES_OVER_LIMIT,
        Refusal.UNKNOWN_PATRON,
        Refusal.UNKNOWN_ITEM,
        Refusal.NOT_ON_LOAN,
        Refusal.ON_LOAN_TO_ANOTHER,
        Refusal.ILS_UNAVAILABLE,
        Refusal.ILS_TIMEOUT,
        Refusal.KIOSK_FAULT,
    }
)
"""Refusals a renewal can meet; each has a ``next.renew.<value>`` step (any other refusal
gets ``next.renew.other``)."""


# ----- what the session keeps ----------------------------------------------------------------


class LoanState:
    """Where a loan's renewal stands on the screen."""

    SHOWN = "shown"
    PENDING = "pending"
    RENEWED = "renewed"
    REFUSED = "refused"


@dataclass
class LoanLine:
    loan: AccountLoan
    state: str = LoanState.SHOWN
    due: dt.date | None = None
    refusal: Refusal | None = None
    screen_message: str = ""
    stored: bool = True


@dataclass
class AccountView:
    """The patron's account as shown in this session (never outside it)."""

    account: Account | None = None
    loans: list[LoanLine] = field(default_factory=list)
    page: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.loans) // PAGE_SIZE))

    def renewed(self) -> list[LoanLine]:
        return [line for line in self.loans if line.state == LoanState.RENEWED]


def view(session: Session) -> AccountView:
    """This session's account view (made empty on first use)."""
    found = session.service_data.get(KEY)
    if not isinstance(found, AccountView):
        found = session.service_data[KEY] = AccountView()
    return found


_TRY_AGAIN = frozenset({Refusal.ILS_UNAVAILABLE, Refusal.ILS_TIMEOUT, Refusal.KIOSK_FAULT})
"""Refusals that say nothing about the loan itself: its Renew button stays."""


def can_try(line: LoanLine) -> bool:
    if line.state == LoanState.REFUSED:
        return line.refusal in _TRY_AGAIN
    return line.state == LoanState.SHOWN


def overview_texts(session: Session) -> Mapping[str, Notice]:
    name = session.patron.name if session.patron else ""
    shown = view(session)
    slots: dict[str, Notice] = {"title": Notice.of("account.title", is_error=False, name=name)}
    account = shown.account
    if account is None:
        slots["loading"] = Notice("account.loading", is_error=False)
        return slots
    slots["counts"] = _counts(shown)
    if account.holds_ready or account.holds_waiting:
        slots["holds_count"] = Notice.counted(
            "account.holds_count", "account.holds_count_plural", len(account.holds_ready),
            waiting=len(account.holds_waiting),
        )  # fmt: skip
    else:
        slots["holds_count"] = Notice("account.no_holds", is_error=False)
    if account.fines:
        slots["fines_total"] = Notice.of(
            "account.fines_total", is_error=False, amount=rupiah(account.fines_total)
        )
        if account.accruing_total:
            slots["fines_accruing"] = Notice.of(
                "account.fines_accruing", is_error=False, amount=rupiah(account.accruing_total)
            )
    else:
        slots["fines_total"] = Notice("account.no_fines", is_error=False)
    if shown.pages > 1:
        slots["page"] = Notice.of(
            "account.page", is_error=False, page=shown.page + 1, pages=shown.pages
        )
        if shown.page > 0:
            slots["page_previous"] = Notice("account.page_previous", is_error=False)
        if shown.page < shown.pages - 1:
            slots["page_next"] = Notice("account.page_next", is_error=False)
    if any(can_try(line) for line in shown.loans):
        slots["renew_all"] = Notice("account.renew_all", is_error=False)
    return slots


def _counts(shown: AccountView) -> Notice:
    """ "4 buku dipinjam", then how many are late and how many were renewed just now."""
    loans = shown.loans
    said = Notice.counted("account.loans_count", "account.loans_count_plural", len(loans))
    overdue = sum(1 for line in loans if line.loan.overdue_days > 0)
    if overdue:
        said = said.followed_by(
            Notice.counted("account.overdue_count", "account.overdue_count_plural", overdue)
        )
    renewed = len(shown.renewed())
    if renewed:
        said = said.followed_by(
            Notice.counted("account.renewed_count", "account.renewed_count_plural", renewed)
        )
    return said


def overview_rows(session: Session) -> Mapping[str, Sequence[Row]]:
    shown = view(session)
    account = shown.account
    if account is None:
        return {}
    first = shown.page * PAGE_SIZE
    holds = [_hold_row(n, hold.title, hold.ready, hold.pickup_by, hold.position)
             for n, hold in enumerate((*account.holds_ready, *account.holds_waiting))]  # fmt: skip
    return {
        "loans": [_loan_row(line) for line in shown.loans[first : first + PAGE_SIZE]],
        "holds": holds,
        "fines": [_fine_row(n, fine) for n, fine in enumerate(account.fines)],
    }


def _loan_row(line: LoanLine) -> Row:
    loan = line.loan
    late = loan.overdue_days
    if line.state == LoanState.PENDING:
        label, tone = Notice("account.label_renewing"), "pending"
    elif line.state == LoanState.RENEWED:
        label, tone = Notice("account.label_renewed"), "done"
    elif line.state == LoanState.REFUSED:
        label, tone = Notice("account.label_not_renewed"), "refused"
    elif late:
        tone = "refused"
        label = Notice.counted("account.overdue_days", "account.overdue_days_plural", late)
    else:
        label, tone = Notice("account.label_on_loan"), "info"
    details: list[Notice] = []
    if line.state == LoanState.RENEWED and line.due is not None:
        details.append(Notice.of("account.renewed_until", is_error=False, date=line.due))
        if not line.stored:
            details.append(Notice("account.renewal_not_recorded"))
    elif late:
        said = Notice.of("account.was_due", date=loan.due)
        if line.state != LoanState.SHOWN:  # the label no longer says how late it is
            said = said.followed_by(
                Notice.counted("account.overdue_for", "account.overdue_for_plural", late)
            )
        details.append(said)
    else:
        details.append(Notice.of("account.due", is_error=False, date=loan.due))
    if line.state == LoanState.REFUSED and line.refusal is not None:
        details.append(renewal_refusal(line.refusal))
    if line.screen_message.strip():
        details.append(Notice.of("ils.says", message=" ".join(line.screen_message.split())))
    action = Notice("account.renew", is_error=False) if can_try(line) else None
    return Row(loan.item_barcode, loan.title, label, tuple(details), tone, action, "renew")


def renewal_refusal(refusal: Refusal) -> Notice:
    """Why a loan was not renewed, and what to do next."""
    step = refusal.value if refusal in RENEW_REFUSALS else "other"
    return Notice(f"refusal.{refusal.value}").followed_by(Notice(f"next.renew.{step}"))


def _hold_row(n: int, title: str, ready: bool, pickup_by: dt.date | None,
              position: int | None) -> Row:  # fmt: skip
    if ready:
        label = Notice("account.hold_ready", is_error=False)
        detail = (
            Notice.of("account.pickup_by", is_error=False, date=pickup_by)
            if pickup_by
            else Notice("account.pickup", is_error=False)
        )
        return Row(f"hold-{n}", title, label, (detail,), "done")
    label = Notice("account.hold_waiting", is_error=False)
    details = (Notice.of("account.queue_position", is_error=False, position=position),)
    return Row(f"hold-{n}", title, label, details if position else (), "info")


def _fine_row(n: int, fine: Fine) -> Row:
    label = Notice(f"account.fine_reason.{fine.reason.value}", is_error=False)
    amount = Notice.of("account.fine_amount", is_error=False, amount=rupiah(fine.amount))
    if fine.accruing:
        amount = amount.followed_by(Notice("account.fine_accruing", is_error=False))
    return Row(f"fine-{n}", fine.title, label, (amount,), "refused" if fine.accruing else "info")


def summary_texts(session: Session) -> Mapping[str, Notice]:
    """The account summary's texts: thanks, how many were renewed, and the loans now."""
    name = session.patron.name if session.patron else ""
    slots = {
        "title": Notice.of("account.summary_title", is_error=False, name=name),
        "count": renewed_count(session),
    }
    now = loans_now(session)
    if now is not None:
        slots["totals"] = now
    left = session.seconds_left
    if left is not None:
        slots["closing"] = Notice.of("summary.closing", seconds=round(left))
    return slots


def renewed_count(session: Session) -> Notice:
    """ "You renewed 2 books." or "No books were renewed."."""
    renewed = len(view(session).renewed())
    if renewed:
        return Notice.counted("account.summary_count", "account.summary_count_plural", renewed)
    return Notice("account.summary_none", is_error=False)


def next_due(session: Session) -> dt.date | None:
    """The nearest due date still to come (overdue loans say so on their own rows)."""
    today = session.clock.now().date()
    dues = [due for line in view(session).loans if (due := line.due or line.loan.due) >= today]
    return min(dues) if dues else None


def overdue_count(session: Session) -> int:
    """Loans past their due date and not renewed in this session."""
    return sum(
        1
        for line in view(session).loans
        if line.loan.overdue_days and line.state != LoanState.RENEWED
    )


def loans_now(session: Session) -> Notice | None:
    """What the patron has now: "You now have 4 books on loan. 2 of them are overdue. The
    next one is due on ... Fines you owe now: ..."."""
    shown = view(session)
    said: Notice | None = None
    if shown.loans:
        said = Notice.counted("summary.loans_now", "summary.loans_now_plural", len(shown.loans))
        late = overdue_count(session)
        if late:
            said = said.followed_by(
                Notice.counted("summary.overdue", "summary.overdue_plural", late)
            )
        due = next_due(session)
        if due is not None:
            said = said.followed_by(Notice.of("summary.next_due", date=due))
    if shown.account is not None and shown.account.fines_total:
        fines = Notice.of("summary.fines_owed", amount=rupiah(shown.account.fines_total))
        said = fines if said is None else said.followed_by(fines)
    return said


def summary_rows(session: Session) -> Mapping[str, Sequence[Row]]:
    """Every loan as it stands now: renewed, not renewed and why, or as it was."""
    rows = [_loan_row(line) for line in view(session).loans]
    return {"loans": [Row(r.key, r.title, r.label, r.details, r.tone) for r in rows]}

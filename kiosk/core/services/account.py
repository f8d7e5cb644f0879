"""My account and renew: the patron's loans, holds and fines, and renewing loans.

States::

    menu -> account.card -> account.pin --PIN ok--> account.overview --Finish--> account.summary
            (signin)           | refused, ILS down     | Cancel, timeout,      | Done -> rating
                               v                       v new card -> idle      v
                             error                    idle                    idle

On ``account.overview`` the patron's account (:class:`~kiosk.core.model.Account`, asked
with :class:`LoadAccount`) is listed: loans with due dates (overdue ones say so in words),
holds ready for pickup and holds in the queue, fines itemised with their total. Each
loan has a large "Renew" button; "Renew all" renews every loan. Each renewal's result
shows on its loan's row: the new due date, or why not and what to do next, with the ILS's
own message. A renewal the ILS granted is stored (:class:`~kiosk.core.model.Renewal` with
its outbox report) before its row says renewed; a refusal is stored as
:class:`~kiosk.core.model.Refused`. Loans are shown a page at a time with large
previous/next buttons, so a long list needs taps only.

The account lives in ``session.service_data`` only, so it is forgotten with the patron
(Finish, Cancel, the timeout, a new card).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kiosk.core.events import (
    ActionChosen,
    Answer,
    BarcodeScanned,
    CancelPressed,
    Command,
    CommandFailed,
    Event,
    FinishPressed,
)
from kiosk.core.i18n import rupiah
from kiosk.core.model import (
    Account,
    AccountLoan,
    BarcodeKind,
    Fine,
    Refusal,
    Refused,
    Renewal,
    RenewAnswer,
)
from kiosk.core.navigation import InputMode, Service, StateSpec, after
from kiosk.core.services import feedback, signin
from kiosk.core.services.borrow import STORE_RETRY_DELAYS
from kiosk.core.session import Notice, Ports, Row, Session, failure_refusal

log = logging.getLogger(__name__)

NAME = "account"
CARD = "account.card"
PIN = "account.pin"
OVERVIEW = "account.overview"
SUMMARY = "account.summary"
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


# ----- commands and answers ------------------------------------------------------------------


@dataclass(frozen=True)
class LoadAccount(Command):
    card: str


@dataclass(frozen=True)
class AccountLoaded(Answer):
    account: Account


@dataclass(frozen=True)
class Renew(Command):
    """Renew one loan (``item_barcode``) or, with ``item_barcode`` empty, every loan."""

    card: str
    item_barcode: str = ""


@dataclass(frozen=True)
class RenewResult:
    answer: RenewAnswer
    stored: bool = True
    """False: the ILS renewed it but the kiosk could not store the record."""


@dataclass(frozen=True)
class Renewed(Answer):
    results: tuple[RenewResult, ...]


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
    found = session.service_data.get(NAME)
    if not isinstance(found, AccountView):
        found = session.service_data[NAME] = AccountView()
    return found


# ----- entering ------------------------------------------------------------------------------


def _start(session: Session, card: str | None) -> list[Command]:
    return signin.start(session, card, NAME)


def _signed_in(session: Session) -> list[Command]:
    assert session.patron is not None
    session.service_data[NAME] = AccountView()
    session.go(OVERVIEW)
    return [LoadAccount(session.session_no, session.patron.barcode)]


# ----- account.overview ----------------------------------------------------------------------


def _loaded(session: Session, event: AccountLoaded) -> list[Command]:
    account = event.account
    if account.refusal is not None:
        session.fail(signin.card_refusal(account.refusal))
        return []
    shown = view(session)
    shown.account = account
    shown.loans = [LoanLine(loan) for loan in account.loans]
    shown.page = 0
    return []


def _action(session: Session, event: ActionChosen) -> list[Command]:
    shown = view(session)
    if shown.account is None or session.patron is None:
        return []  # still loading: the buttons are not there yet
    card = session.patron.barcode
    if event.action == "page":
        step = 1 if event.key == "next" else -1
        shown.page = min(shown.pages - 1, max(0, shown.page + step))
    elif event.action == "renew":
        for line in shown.loans:
            if line.loan.item_barcode == event.key and _can_try(line):
                line.state = LoanState.PENDING
                session.notice = None
                return [Renew(session.session_no, card, line.loan.item_barcode)]
    elif event.action == "renew_all":
        waiting = [line for line in shown.loans if _can_try(line)]
        if waiting and not session.busy:
            for line in waiting:
                line.state = LoanState.PENDING
            session.notice = None
            return [Renew(session.session_no, card)]
    return []


_TRY_AGAIN = frozenset({Refusal.ILS_UNAVAILABLE, Refusal.ILS_TIMEOUT, Refusal.KIOSK_FAULT})
"""Refusals that say nothing about the loan itself: its Renew button stays."""


def _can_try(line: LoanLine) -> bool:
    if line.state == LoanState.REFUSED:
        return line.refusal in _TRY_AGAIN
    return line.state == LoanState.SHOWN


def _renewed(session: Session, event: Renewed) -> list[Command]:
    shown = view(session)
    by_item = {line.loan.item_barcode: line for line in shown.loans}
    for result in event.results:
        line = by_item.get(result.answer.item_barcode)
        if line is None:
            continue
        answer = result.answer
        line.screen_message = answer.screen_message
        if answer.ok:
            line.state, line.due, line.refusal = LoanState.RENEWED, answer.due, None
            line.stored = result.stored
        else:
            line.state, line.refusal = LoanState.REFUSED, answer.refusal or Refusal.KIOSK_FAULT
    for line in shown.loans:
        if line.state == LoanState.PENDING and not session.busy:
            line.state = LoanState.SHOWN  # the ILS gave no answer for it: as it was
    if len(event.results) > 1:
        renewed = sum(1 for result in event.results if result.answer.ok)
        session.notice = Notice.counted(
            "account.renewed_of", "account.renewed_of_plural", len(event.results), done=renewed
        )
    return []


def _failed(session: Session, event: CommandFailed) -> list[Command]:
    refusal = failure_refusal(event.failure)
    if isinstance(event.command, LoadAccount):
        session.fail(signin.card_refusal(refusal))
        return []
    for line in view(session).loans:
        if line.state == LoanState.PENDING:
            line.state, line.refusal, line.screen_message = LoanState.REFUSED, refusal, ""
    return []


def _scan(session: Session, event: BarcodeScanned) -> list[Command]:
    code, kind = session.classify(event.text)
    if kind is BarcodeKind.PATRON and session.patron is not None:
        if code != session.patron.barcode:
            return session.restart_with(event)  # the next patron: this one's account is gone
        return []
    session.notice = Notice("notice.account_no_items")
    return []


def _finish(session: Session, _event: Event) -> list[Command]:
    if session.busy:
        return []  # a renewal is on its way; its row must say how it went first
    session.notice = None
    session.go(SUMMARY)
    return []


def _end_session(session: Session, _event: Event) -> list[Command]:
    session.end()
    return []


def _overview_texts(session: Session) -> Mapping[str, Notice]:
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
    if any(_can_try(line) for line in shown.loans):
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


def _overview_rows(session: Session) -> Mapping[str, Sequence[Row]]:
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
                Notice.counted("account.overdue_days", "account.overdue_days_plural", late)
            )
        details.append(said)
    else:
        details.append(Notice.of("account.due", is_error=False, date=loan.due))
    if line.state == LoanState.REFUSED and line.refusal is not None:
        details.append(renewal_refusal(line.refusal))
    if line.screen_message.strip():
        details.append(Notice.of("ils.says", message=" ".join(line.screen_message.split())))
    action = Notice("account.renew", is_error=False) if _can_try(line) else None
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


# ----- account.summary -----------------------------------------------------------------------


def _summary_texts(session: Session) -> Mapping[str, Notice]:
    name = session.patron.name if session.patron else ""
    renewed = len(view(session).renewed())
    count = (
        Notice.counted("account.summary_count", "account.summary_count_plural", renewed)
        if renewed
        else Notice("account.summary_none", is_error=False)
    )
    slots = {"title": Notice.of("account.summary_title", is_error=False, name=name), "count": count}
    left = session.seconds_left
    if left is not None:
        slots["closing"] = Notice.of("summary.closing", seconds=round(left))
    return slots


def _summary_rows(session: Session) -> Mapping[str, Sequence[Row]]:
    rows = [_loan_row(line) for line in view(session).renewed()]
    return {"renewed": [Row(r.key, r.title, r.label, r.details, r.tone) for r in rows]}


def summary_done(session: Session, event: Event | None = None) -> list[Command]:
    """The summary's "Done": what comes after it is this one handler (the rating now)."""
    return feedback.offer_rating(session, event)


# ----- commands, on the worker thread --------------------------------------------------------


def run_load_account(ports: Ports, command: LoadAccount) -> Event:
    """Ask the ILS for the patron's account. ``IlsUnavailable`` becomes an answer by the
    runner (the patron is told the library system is not answering; nothing changed)."""
    return AccountLoaded(command.session_no, ports.ils.account(command.card, ports.clock.now()))


def run_renew(ports: Ports, command: Renew) -> Event:
    """Renew one loan or all, storing each renewal before the patron sees it.

    A renewal the ILS granted is stored with its outbox report, retried a few times; if
    that stays impossible its row still says renewed (it is, at the library) and asks
    the patron to tell a librarian. Each refusal is stored as ``Refused`` with the item.
    """
    at = ports.clock.now()
    if command.item_barcode:
        answers = [ports.ils.renew(command.card, command.item_barcode, at)]
    else:
        answers = ports.ils.renew_all(command.card, at)
    results = []
    for answer in answers:
        if answer.ok:
            results.append(RenewResult(answer, _store_renewal(ports, answer, at)))
        else:
            refusal = answer.refusal or Refusal.KIOSK_FAULT
            _record_refusal(ports, Refused(NAME, refusal, at, answer.item_barcode))
            results.append(RenewResult(answer))
    return Renewed(command.session_no, tuple(results))


def _store_renewal(ports: Ports, answer: RenewAnswer, at: dt.datetime) -> bool:
    """Store a renewal the ILS granted, retrying; False when it stayed impossible."""
    if answer.due is None:
        log.error("renewal of item %s granted without a new due date; not stored",
                  answer.item_barcode[-4:])  # fmt: skip
        return False
    renewal = Renewal(answer.item_barcode, answer.title, answer.due, at)
    for attempt, delay in enumerate((*STORE_RETRY_DELAYS, None), start=1):
        try:
            ports.log.record(renewal)
            return True
        except Exception as err:  # any failure: the ILS has renewed it, keep trying
            what = " ".join(f"{type(err).__name__}: {err}".split())
            if delay is None:
                log.error(
                    "renewal of item ...%s granted by the ILS but not stored after %d attempts "
                    "(%s); the patron was told to see a librarian",
                    answer.item_barcode[-4:],
                    attempt,
                    what,
                )
                return False
            log.warning("storing a renewal failed (attempt %d): %s", attempt, what)
            time.sleep(delay)
    return False


def _record_refusal(ports: Ports, refused: Refused) -> None:
    try:
        ports.log.record(refused)
    except Exception as err:
        log.error(
            "a refused renewal (%s) was not stored: %s: %s",
            refused.reason.value,
            type(err).__name__,
            " ".join(str(err).split()),
        )


ACCOUNT = Service(
    name=NAME,
    start=_start,
    states={
        **signin.sign_in_states(NAME, _signed_in, accepts=frozenset({Refusal.TOO_MANY_ITEMS})),
        OVERVIEW: StateSpec(
            input=InputMode.BARCODE,
            on={
                AccountLoaded: _loaded,
                Renewed: _renewed,
                CommandFailed: _failed,
                ActionChosen: _action,
                BarcodeScanned: _scan,
                FinishPressed: _finish,
                CancelPressed: _end_session,
            },
            timeout=after("idle"),
            warn=True,
            texts=_overview_texts,
            rows=_overview_rows,
        ),
        SUMMARY: StateSpec(
            input=InputMode.BARCODE,
            on={
                FinishPressed: summary_done,
                CancelPressed: _end_session,
                BarcodeScanned: feedback.next_patron,
            },
            timeout=after("summary"),
            texts=_summary_texts,
            rows=_summary_rows,
        ),
    },
    commands={LoadAccount: run_load_account, Renew: run_renew},
)

"""My account and renew: the patron's loans, holds and fines, and renewing loans.

States::

    menu -> account.card -> account.pin --PIN ok--> account.overview --Finish--> account.summary
            (signin)           | refused, ILS down     | Cancel, timeout,      | Done -> rating
                               v                       v new card -> idle      v
                             error                    idle                    idle
                                          My settings |  ^ Back
                                                      v  |
                                                account.settings (services/preferences.py)

On ``account.overview`` the patron's account (:class:`~kiosk.core.model.Account`, asked
with :class:`LoadAccount`) is listed: loans with due dates (overdue ones say so in words),
holds ready for pickup and holds in the queue, fines itemised with their total. Each
loan has a large "Renew" button; "Renew all" renews every loan. Each renewal's result
shows on its loan's row: the new due date, or why not and what to do next, with the ILS's
own message. A renewal the ILS granted is stored (:class:`~kiosk.core.model.Renewal` with
its outbox report) before its row says renewed; a refusal is stored as
:class:`~kiosk.core.model.Refused`. Loans are shown a page at a time with large
previous/next buttons, so a long list needs taps only.

The account lives in ``session.service_data`` only (an ``AccountView``, shown by
:mod:`kiosk.core.services.account_view`), so it is forgotten with the patron (Finish,
Cancel, the timeout, a new card).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

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
    BarcodeKind,
    ItemAction,
    ItemIntentUnanswered,
    Refusal,
    Refused,
    Renewal,
    RenewAnswer,
)
from kiosk.core.navigation import InputMode, Service, StateSpec, after
from kiosk.core.ports import IlsUnavailable, StorageFailed
from kiosk.core.services import feedback, preferences, receipt, recording, signin
from kiosk.core.services.account_view import (
    KEY,
    AccountView,
    LoanLine,
    LoanState,
    can_try,
    next_due,
    overdue_count,
    overview_rows,
    overview_texts,
    renewed_count,
    summary_rows,
    summary_texts,
    view,
)
from kiosk.core.session import Notice, Ports, Session, failure_refusal

log = logging.getLogger(__name__)

NAME = "account"
CARD = "account.card"
PIN = "account.pin"
OVERVIEW = "account.overview"
SUMMARY = "account.summary"
SETTINGS = "account.settings"


# ----- commands and answers ------------------------------------------------------------------


@dataclass(frozen=True)
class LoadAccount(Command):
    card: str


@dataclass(frozen=True)
class AccountLoaded(Answer):
    account: Account


@dataclass(frozen=True)
class Renew(Command):
    """Renew the loans in ``dues`` (item, due date as the patron was shown it), one by one;
    with ``every``, all the patron's loans in one request to the ILS (SIP2 Renew All),
    sent only when ``dues`` are all of them.

    Each of ``dues`` becomes a renewal intent, so that a renewal whose answer is lost can
    be told later by its due date having moved.
    """

    card: str
    dues: tuple[tuple[str, dt.date], ...] = ()
    every: bool = False

    changes_ils: ClassVar[bool] = True


@dataclass(frozen=True)
class RenewResult:
    answer: RenewAnswer
    stored: bool = True
    """False: the ILS renewed it but the kiosk could not store the record."""


@dataclass(frozen=True)
class Renewed(Answer):
    results: tuple[RenewResult, ...]

    @property
    def leaves_intent_open(self) -> bool:
        """A renewal the ILS granted but the store did not: reconciliation should run soon."""
        return any(not result.stored for result in self.results if result.answer.ok)


# ----- entering ------------------------------------------------------------------------------


def _start(session: Session, card: str | None) -> list[Command]:
    return signin.start(session, card, NAME)


def _signed_in(session: Session) -> list[Command]:
    assert session.patron is not None
    session.service_data[KEY] = AccountView()
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
    if event.action == "settings":
        preferences.go_to_settings(session, SETTINGS)
    elif event.action == "page":
        step = 1 if event.key == "next" else -1
        shown.page = min(shown.pages - 1, max(0, shown.page + step))
    elif event.action == "renew":
        for line in shown.loans:
            if line.loan.item_barcode == event.key and can_try(line):
                line.state = LoanState.PENDING
                session.notice = None
                item = line.loan.item_barcode
                return [Renew(session.session_no, card, ((item, line.due or line.loan.due),))]
    elif event.action == "renew_all":
        waiting = [line for line in shown.loans if can_try(line)]
        if waiting and not session.busy:
            for line in waiting:
                line.state = LoanState.PENDING
            session.notice = None
            dues = tuple((line.loan.item_barcode, line.due or line.loan.due) for line in waiting)
            # The ILS's Renew All would renew again a loan renewed a moment ago (using up
            # one of its renewals unasked): once one is renewed, the rest go one by one.
            every = len(waiting) == len(shown.loans)
            return [Renew(session.session_no, card, dues, every)]
    return []


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


# ----- account.summary -----------------------------------------------------------------------


def _receipt_content(session: Session) -> receipt.ReceiptContent:
    """The account receipt: every loan (renewed with its new due date, refused and why,
    or its due date), how many were renewed, the loans now, the nearest due date and the
    fines owed: what the summary screen shows."""
    shown = view(session)
    items = []
    for line in shown.loans:
        loan = line.loan
        if line.state == LoanState.RENEWED and line.due is not None:
            detail = Notice.of("line.due_sentence", date=line.due)
        else:  # its date, and how late it is, as the screen says
            detail = Notice.of("line.due_sentence", date=loan.due)
            if loan.overdue_days:
                how_late = Notice.counted(
                    "account.overdue_for", "account.overdue_for_plural", loan.overdue_days
                )
                detail = Notice.of("account.was_due", date=loan.due).followed_by(how_late)
            if line.state == LoanState.REFUSED and line.refusal is not None:
                why = Notice("receipt.not_renewed").followed_by(
                    Notice(f"refusal.{line.refusal.value}")
                )
                detail = why.followed_by(detail)
        items.append(receipt.ReceiptItem(loan.title, detail))
    totals = [renewed_count(session)]
    if shown.loans:
        count = len(shown.loans)
        totals.append(Notice.counted("receipt.loans_total", "receipt.loans_total_plural", count))
        late = overdue_count(session)
        if late:
            overdue = Notice.counted("receipt.overdue_count", "receipt.overdue_count_plural", late)
            totals.append(overdue)
        due = next_due(session)
        if due is not None:
            totals.append(Notice.of("receipt.next_due", date=due))
    if shown.account is not None and shown.account.fines_total:
        owed = rupiah(shown.account.fines_total)
        totals.append(Notice.of("receipt.fines_owed", amount=owed))
    return receipt.ReceiptContent(Notice("receipt.kind.account"), tuple(items), tuple(totals))


# ----- commands, on the worker thread --------------------------------------------------------


def run_load_account(ports: Ports, command: LoadAccount) -> Event:
    """Ask the ILS for the patron's account. ``IlsUnavailable`` becomes an answer by the
    runner (the patron is told the library system is not answering; nothing changed)."""
    return AccountLoaded(command.session_no, ports.ils.account(command.card, ports.clock.now()))


def run_renew(ports: Ports, command: Renew) -> Event:
    """Renew one loan or all, storing each renewal before the patron sees it.

    Each loan's renewal intent (its due date as shown) is committed first; without them
    the ILS is not asked and every row says why (``KIOSK_FAULT``). A renewal the ILS
    granted is stored with its outbox report, resolving its intent, retried a few times;
    if that stays impossible its row still says renewed (it is, at the library) and asks
    the patron to tell a librarian, and reconciliation stores it later. Each refusal is
    stored as ``Refused`` with the item. A call that ended without an answer, and a loan
    the ILS's answer left out, leave their intents to reconciliation.
    """
    at = ports.clock.now()
    wanted = [(item, True, due) for item, due in command.dues]
    try:
        intents = ports.log.begin_items(ItemAction.RENEWAL, wanted, at, command.card)
    except StorageFailed as err:
        log.error("renewal not attempted, the kiosk could not store its intent: %s", err)
        faults = (RenewAnswer(item, refusal=Refusal.KIOSK_FAULT) for item, _due in command.dues)
        return Renewed(command.session_no, tuple(RenewResult(answer) for answer in faults))
    open_intents = {intent.item_barcode: intent.intent_id for intent in intents}
    answers: list[RenewAnswer] = []
    try:
        if command.every:
            answers = ports.ils.renew_all(command.card, at)
        else:
            for item, _due in command.dues:
                answers.append(ports.ils.renew(command.card, item, at))
    except IlsUnavailable as err:
        if not answers:
            _leave_open(ports, open_intents.values(), type(err).__name__)
            raise  # nothing answered: the runner tells the patron the library is not there
        # Some were answered: those are recorded below; the rest are unknown, asked later.
        answered = {answer.item_barcode for answer in answers}
        unknown = [item for item, _due in command.dues if item not in answered]
        answers += [RenewAnswer(item, refusal=Refusal.ILS_UNAVAILABLE) for item in unknown]
        _leave_open(ports, [open_intents.pop(item) for item in unknown], type(err).__name__)
    except Exception as err:
        _leave_open(ports, open_intents.values(), type(err).__name__)
        raise
    results = []
    for answer in answers:
        if answer.refusal is Refusal.ILS_UNAVAILABLE and answer.item_barcode not in open_intents:
            results.append(RenewResult(answer))  # unknown: its intent is left to reconciliation
            continue
        intent_id = open_intents.pop(answer.item_barcode, "")
        if answer.ok:
            results.append(RenewResult(answer, _store_renewal(ports, answer, at, intent_id)))
        else:
            refusal = answer.refusal or Refusal.KIOSK_FAULT
            refused = Refused(NAME, refusal, at, answer.item_barcode, intent_id=intent_id)
            recording.record_quietly(ports, refused, f"a refused renewal ({refusal.value})")
            results.append(RenewResult(answer))
    _leave_open(ports, open_intents.values(), "the ILS's answer did not name this loan")
    return Renewed(command.session_no, tuple(results))


def _leave_open(ports: Ports, intent_ids: Iterable[str], reason: str) -> None:
    """Mark renewal intents whose outcome is unknown as answered: reconciliation asks."""
    for intent_id in intent_ids:
        unanswered = ItemIntentUnanswered(intent_id, reason)
        recording.record_quietly(
            ports, unanswered, f"how renewal intent {intent_id} ended (reconciliation asks)"
        )


def _store_renewal(ports: Ports, answer: RenewAnswer, at: dt.datetime, intent_id: str) -> bool:
    """Store a renewal the ILS granted, retrying; False when it stayed impossible."""
    if answer.due is None:
        log.error("renewal of item …%s granted without a new due date; not stored",
                  answer.item_barcode[-4:])  # fmt: skip
        return False
    renewal = Renewal(answer.item_barcode, answer.title, answer.due, at, intent_id=intent_id)
    return recording.store_or_tell(ports, renewal, "renewal", answer.item_barcode)


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
            texts=overview_texts,
            rows=overview_rows,
        ),
        SETTINGS: preferences.settings_state(
            OVERVIEW, {BarcodeScanned: _scan, CancelPressed: _end_session}
        ),
        SUMMARY: StateSpec(
            input=InputMode.BARCODE,
            on={
                **receipt.summary_handlers(_receipt_content),
                CancelPressed: _end_session,
                BarcodeScanned: feedback.next_patron,
            },
            timeout=receipt.summary_timeout,
            texts=summary_texts,
            rows=summary_rows,
        ),
    },
    commands={
        LoadAccount: run_load_account,
        Renew: run_renew,
        preferences.SavePreferences: preferences.run_save_preferences,
        preferences.ForgetPreferences: preferences.run_forget_preferences,
    },
)

"""Borrowing (self check-out): card, PIN, scan books, summary.

States::

    idle --card--> borrow.pin --PIN ok--> borrow.scanning --Finish--> borrow.summary --> idle
    menu -> borrow.card -^ |  wrong PIN x3, blocked, ILS down  |  Finish, nothing scanned -> idle
                           v                                   |  timeout -> idle (loans are
                         error                                 v   stored; no summary for the
                                                                   next person)

The card and PIN states are :mod:`kiosk.core.services.signin`'s. Commands:
:class:`~kiosk.core.events.CheckPatron` (card + PIN, kiosk-wide) and
:class:`~kiosk.core.events.Checkout` (one item). A check-out is shown as borrowed only
after the ILS said yes *and* the local store committed the loan with its outbox event:
that order, in :func:`run_checkout`, is the kiosk's promise to patrons.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import replace

from kiosk.core.events import (
    BarcodeScanned,
    CancelPressed,
    Checkout,
    CheckoutDone,
    Command,
    CommandFailed,
    Event,
    FinishPressed,
)
from kiosk.core.model import (
    BarcodeKind,
    CheckoutAnswer,
    CheckoutConfirmed,
    CheckoutNotLent,
    CheckoutUnanswered,
    Refusal,
)
from kiosk.core.navigation import InputMode, Service, StateSpec, after
from kiosk.core.ports import StorageFailed
from kiosk.core.services import feedback, signin
from kiosk.core.services.signin import SIGN_IN_REFUSALS as SIGN_IN_REFUSALS  # re-exported
from kiosk.core.session import (
    ItemLine,
    LineStatus,
    Notice,
    Ports,
    Session,
    failure_refusal,
)

log = logging.getLogger(__name__)

CARD = "borrow.card"
PIN = "borrow.pin"
SCANNING = "borrow.scanning"
SUMMARY = "borrow.summary"

ITEM_REFUSALS = frozenset(set(Refusal) - {Refusal.WRONG_PIN, Refusal.PIN_LOCKED})
"""Refusals a scanned book can get; each has a ``next.item.<value>`` step."""


def refusal_notice(refusal: Refusal, step: str = "card", *, due: dt.date | None = None) -> Notice:
    """What happened and, after it, what to do next (``step``: "card" or "item").

    Every refusal tells the patron what to do with the book (or card) and what to do
    next, so nobody is left at the screen wondering. "Already yours" is not an error and
    says until when (``due``).
    """
    is_error = refusal is not Refusal.ALREADY_YOURS
    said = Notice(f"refusal.{refusal.value}", is_error=is_error)
    if refusal is Refusal.ALREADY_YOURS and due is not None:
        said = said.followed_by(Notice.of("line.due_sentence", date=due, is_error=False))
    return said.followed_by(Notice(f"next.{step}.{refusal.value}", is_error=is_error))


# ----- entering and signing in (kiosk.core.services.signin) --------------------------------


def _start(session: Session, card: str | None) -> list[Command]:
    return signin.start(session, card, "borrow")


def _signed_in(session: Session) -> list[Command]:
    session.go(SCANNING)
    return []


def _end_session(session: Session, _event: Event) -> list[Command]:
    session.end()
    return []


# ----- borrow.scanning -----------------------------------------------------------------------


def _item_scan(session: Session, event: BarcodeScanned) -> list[Command]:
    assert session.patron is not None
    code, kind = session.classify(event.text)
    if kind is BarcodeKind.PATRON:
        if code != session.patron.barcode:
            session.notice = Notice("notice.other_card_during_session")
        return []
    if kind is None:
        session.notice = Notice("notice.not_an_item")
        return []
    for line in session.lines:
        if line.barcode == code and line.status is not LineStatus.REFUSED:
            session.notice = Notice("notice.already_scanned", is_error=False)
            return []
    session.notice = None
    session.lines = [line for line in session.lines if line.barcode != code]
    session.lines.append(ItemLine(barcode=code, details=(Notice("line.pending"),)))
    return [Checkout(session.session_no, session.patron.barcode, code)]


def _checkout_done(session: Session, event: CheckoutDone) -> list[Command]:
    answer = event.answer
    line = _pending_line(session, answer.item_barcode)
    if line is None:
        return []
    if answer.ok and answer.loan is not None:
        line.status = LineStatus.DONE
        line.title = answer.loan.title
        line.due = answer.loan.due
        line.refusal = answer.refusal  # NOT_RECORDED: lent, but the receipt failed
    else:
        line.status = LineStatus.REFUSED
        line.title = answer.title
        line.refusal = answer.refusal or Refusal.NOT_LOANABLE
        line.due = answer.due  # "already yours": until when
    line.details = item_details(line, scanning=True)
    return []


def _failed_on_item(session: Session, event: CommandFailed) -> list[Command]:
    command = event.command
    if isinstance(command, Checkout):
        line = _pending_line(session, command.item_barcode)
        if line is not None:
            line.status = LineStatus.REFUSED
            line.refusal = failure_refusal(event.failure)
            line.details = item_details(line, scanning=True)
    return []


_WHILE_SCANNING = {
    # what to do next, said after what to do with the book, while more books can be scanned
    **dict.fromkeys(
        (
            Refusal.UNKNOWN_ITEM,
            Refusal.NOT_LOANABLE,
            Refusal.ON_HOLD_FOR_ANOTHER,
            Refusal.ON_LOAN_TO_ANOTHER,
            Refusal.ALREADY_YOURS,
            Refusal.NOT_RECORDED,
        ),
        "next.scan_or_finish",
    ),
    **dict.fromkeys(
        (
            Refusal.TOO_MANY_ITEMS,
            Refusal.UNKNOWN_PATRON,
            Refusal.CARD_EXPIRED,
            Refusal.FINES_OVER_LIMIT,
            Refusal.PATRON_BLOCKED,
        ),
        "next.finish",  # every other book would be refused too
    ),
}


def item_details(line: ItemLine, *, scanning: bool) -> tuple[Notice, ...]:
    """What a book's line says: its due date, or what happened to it, what to do with the
    book and, while ``scanning``, what to do next (on the summary scanning is over)."""
    due = Notice.of("line.due", date=line.due, is_error=False) if line.due else None
    if line.status is LineStatus.DONE and line.refusal is None:
        return (due,) if due else ()
    refusal = line.refusal or Refusal.NOT_LOANABLE
    said = refusal_notice(refusal, "item", due=line.due)
    tail = _WHILE_SCANNING.get(refusal) if scanning else None
    if tail is not None:
        said = said.followed_by(Notice(tail, is_error=said.is_error))
    return (due, said) if line.status is LineStatus.DONE and due else (said,)


def _finish(session: Session, _event: Event | None = None) -> list[Command]:
    if session.busy:
        return []  # answers still coming; Finish is pressed again or the timeout retries
    if session.lines:
        # Borrowed or not, every book scanned gets its line on the summary: a patron whose
        # books were all refused learns why and what to do, not just "back to start".
        session.notice = None
        for line in session.lines:
            if line.status is not LineStatus.PENDING:
                line.details = item_details(line, scanning=False)
        session.go(SUMMARY)
    else:
        session.end()
    return []


def _scanning_timeout(session: Session) -> None:
    # The patron has walked away. Their loans are already stored; a summary would show
    # their name and titles to whoever steps up next, so go straight to the start. (A
    # state never times out while an answer is awaited: see Session.seconds_left.)
    session.end()


def _scanning_texts(session: Session) -> Mapping[str, Notice]:
    name = session.patron.name if session.patron else ""
    return {"greeting": Notice.of("scan.greeting", name=name)}


def _pending_line(session: Session, barcode: str) -> ItemLine | None:
    for line in session.lines:
        if line.barcode == barcode and line.status is LineStatus.PENDING:
            return line
    return None


# ----- borrow.summary ------------------------------------------------------------------------


def _summary_texts(session: Session) -> Mapping[str, Notice]:
    name = session.patron.name if session.patron else ""
    borrowed = len(session.lines_with(LineStatus.DONE))
    refused_lines = session.lines_with(LineStatus.REFUSED)
    yours = sum(1 for line in refused_lines if line.refusal is Refusal.ALREADY_YOURS)
    refused = len(refused_lines) - yours  # a book already on their card is not a refusal
    count = (
        Notice.counted("summary.count", "summary.count_plural", borrowed)
        if borrowed
        else Notice("summary.none_borrowed", is_error=False)
    )
    if yours:
        count = count.followed_by(
            Notice.counted("summary.already_yours", "summary.already_yours_plural", yours)
        )
    slots = {"title": Notice.of("summary.title", name=name), "count": count}
    if refused:
        slots["not_borrowed"] = Notice.counted(
            "summary.not_borrowed", "summary.not_borrowed_plural", refused
        )
    left = session.seconds_left
    if left is not None:
        slots["closing"] = Notice.of("summary.closing", seconds=round(left))
    return slots


# ----- commands, on the worker thread --------------------------------------------------------


STORE_RETRY_DELAYS = (0.05, 0.2, 0.5)
"""Seconds to wait before each retry of storing a loan the ILS confirmed (well inside the
ILS deadline). After the last, the patron is told to see a librarian."""


def run_checkout(ports: Ports, command: Checkout) -> Event:
    """Lend one item, recording the intent before and the outcome after asking the ILS.

    The intent is committed first; without it the ILS is not asked. A loan the ILS
    confirmed is stored (with its outbox event, resolving the intent) before the patron
    sees it, retried a few times; if that stays impossible the line still shows the book
    as borrowed with "please tell a librarian" (``NOT_RECORDED``) and the open intent lets
    reconciliation store it later. ``IlsUnavailable`` is turned into an answer by the runner.
    """
    at = ports.clock.now()
    try:
        intent = ports.log.begin_checkout(command.patron_barcode, command.item_barcode, at)
    except StorageFailed as err:
        log.error("check-out not attempted, the kiosk could not store its intent: %s", err)
        refused = CheckoutAnswer(command.item_barcode, refusal=Refusal.KIOSK_FAULT)
        return CheckoutDone(command.session_no, refused)
    try:
        answer = ports.ils.checkout(command.patron_barcode, command.item_barcode, at)
    except Exception as err:
        _record_quietly(ports, CheckoutUnanswered(intent.intent_id, f"{type(err).__name__}"))
        raise
    if answer.ok and answer.loan is not None:
        if not _store_confirmed(ports, CheckoutConfirmed(intent.intent_id, answer.loan)):
            answer = replace(answer, refusal=Refusal.NOT_RECORDED)
    else:
        refusal = answer.refusal or Refusal.NOT_LOANABLE
        not_lent = CheckoutNotLent(intent.intent_id, refusal.value, refusal, command.item_barcode)
        _record_quietly(ports, not_lent)
    return CheckoutDone(command.session_no, answer)


def _store_confirmed(ports: Ports, outcome: CheckoutConfirmed) -> bool:
    """Store a loan the ILS confirmed, retrying; False when it stayed impossible."""
    for attempt, delay in enumerate((*STORE_RETRY_DELAYS, None), start=1):
        try:
            ports.log.record(outcome)
            return True
        except Exception as err:  # any failure: the ILS has lent the book, keep trying
            what = err if isinstance(err, StorageFailed) else f"{type(err).__name__}: {err}"
            if delay is None:
                log.error(
                    "loan of item %s confirmed by the ILS but not stored after %d attempts (%s); "
                    "the patron was told to see a librarian; reconciliation will retry",
                    outcome.loan.item_barcode,
                    attempt,
                    " ".join(str(what).split()),
                )
                return False
            log.warning("storing a confirmed loan failed (attempt %d): %s", attempt, what)
            time.sleep(delay)
    return False


def _record_quietly(ports: Ports, outcome: CheckoutNotLent | CheckoutUnanswered) -> None:
    """Resolve an intent without a loan; if that fails, reconciliation settles it later."""
    try:
        ports.log.record(outcome)
    except Exception as err:
        log.error(
            "could not store how check-out intent %s ended (%s: %s); reconciliation will ask "
            "the ILS",
            outcome.intent_id,
            type(err).__name__,
            " ".join(str(err).split()),
        )


BORROW = Service(
    name="borrow",
    start=_start,
    starts_on_card=True,
    states={
        **signin.sign_in_states("borrow", _signed_in),
        SCANNING: StateSpec(
            input=InputMode.BARCODE,
            on={
                BarcodeScanned: _item_scan,
                CheckoutDone: _checkout_done,
                CommandFailed: _failed_on_item,
                FinishPressed: _finish,
                CancelPressed: _finish,
            },
            timeout=after("idle"),
            on_timeout=_scanning_timeout,
            warn=True,
            texts=_scanning_texts,
        ),
        SUMMARY: StateSpec(
            input=InputMode.BARCODE,
            on={
                FinishPressed: feedback.offer_rating,  # "Done": then the optional rating
                CancelPressed: _end_session,
                BarcodeScanned: feedback.next_patron,
            },
            timeout=after("summary"),
            texts=_summary_texts,
        ),
    },
    commands={Checkout: run_checkout},
)

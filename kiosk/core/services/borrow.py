"""Borrowing (self check-out): card, PIN, scan books, summary.

States::

    idle --card--> borrow.pin --PIN ok--> borrow.scanning --Finish--> borrow.summary --> rate
    menu -> borrow.card -^ |  wrong PIN x3, blocked, ILS down  |  ^  Finish, nothing scanned -> idle
                           v                      a loan fee   v  |  accept / don't borrow
                         error                                borrow.fee   (timeout -> idle)

The card and PIN states are :mod:`kiosk.core.services.signin`'s. The summary offers the
receipt (printed or not, see :mod:`kiosk.core.services.receipt`).

Commands: :class:`~kiosk.core.events.CheckPatron` (card + PIN, kiosk-wide),
:class:`~kiosk.core.events.Checkout` (one item) and, for an item with a loan fee,
:mod:`~kiosk.core.services.loan_fee`'s ``AcceptFee`` and ``DeclineFee``. A check-out is
shown as borrowed only after the ILS said yes *and* the local store committed the loan
with its outbox event: that order, in :func:`run_checkout`, is the kiosk's promise to
patrons. An accepted fee is stored before the ILS is asked again (:func:`run_accept_fee`).
"""

from __future__ import annotations

import datetime as dt
import logging
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
    OkPressed,
)
from kiosk.core.model import (
    BarcodeKind,
    CheckoutAnswer,
    CheckoutConfirmed,
    CheckoutNotLent,
    CheckoutUnanswered,
    FeeAccepted,
    Refusal,
    Refused,
)
from kiosk.core.navigation import InputMode, Service, StateSpec, after
from kiosk.core.ports import IlsUnreachable, StorageFailed
from kiosk.core.services import feedback, loan_fee, receipt, recording, signin
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
FEE = "borrow.fee"

ITEM_REFUSALS = frozenset(set(Refusal) - {Refusal.WRONG_PIN, Refusal.PIN_LOCKED})
"""Refusals a scanned book can get; each has a ``next.item.<value>`` step."""


def refusal_notice(
    refusal: Refusal, step: str = "card", *, due: dt.date | None = None, fee: int = 0
) -> Notice:
    """What happened and, after it, what to do next (``step``: "card" or "item").

    Every refusal tells the patron what to do with the book (or card) and what to do
    next, so nobody is left at the screen wondering. "Already yours" is not an error and
    says until when (``due``); a loan fee's texts say how much (``fee``, Rupiah).
    """
    is_error = refusal is not Refusal.ALREADY_YOURS
    params = {"amount": loan_fee.rupiah(fee)} if fee else {}
    said = Notice.of(f"refusal.{refusal.value}", is_error=is_error, **params)
    if refusal is Refusal.ALREADY_YOURS and due is not None:
        said = said.followed_by(Notice.of("line.due_sentence", date=due, is_error=False))
    return said.followed_by(Notice.of(f"next.{step}.{refusal.value}", is_error=is_error, **params))


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
    if kind is not BarcodeKind.ITEM:  # unreadable, or a staff card: never lent as an item
        session.notice = Notice("notice.not_an_item")
        return []
    if not session.add_pending_line(code):
        return []
    return [Checkout(session.session_no, session.patron.barcode, code)]


def _checkout_done(session: Session, event: CheckoutDone) -> list[Command]:
    answer = event.answer
    line = session.pending_line(answer.item_barcode)
    if line is None:
        return []
    if answer.ok and answer.loan is not None:
        line.status = LineStatus.DONE
        line.title = answer.loan.title
        line.due = answer.loan.due
        line.refusal = answer.refusal  # NOT_RECORDED: lent, but the receipt failed
        line.offline = event.offline
    else:
        line.status = LineStatus.REFUSED
        line.title = answer.title
        line.refusal = answer.refusal or Refusal.NOT_LOANABLE
        line.due = answer.due  # "already yours": until when
    line.fee = answer.fee
    line.screen_message = answer.screen_message
    line.details = item_details(line, scanning=True)
    if line.refusal is Refusal.FEE_REQUIRED and session.state == SCANNING:
        session.go(FEE)  # one question at a time; more fee answers wait their turn
    return []


def _failed_on_item(session: Session, event: CommandFailed) -> list[Command]:
    command = event.command
    if isinstance(command, Checkout):
        line = session.pending_line(command.item_barcode)
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
            Refusal.FEE_DECLINED,
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
    ils_says = (
        (Notice.of("line.ils_message", message=line.screen_message, is_error=False),)
        if line.screen_message
        else ()
    )
    if line.status is LineStatus.DONE and line.refusal is None and line.offline:
        return (Notice.of("line.offline_loan", date=line.due, is_error=False),)
    if line.status is LineStatus.DONE and line.refusal is None:
        fee = (Notice.of("line.fee_charged", amount=loan_fee.rupiah(line.fee), is_error=False),)
        return (*((due,) if due else ()), *(fee if line.fee else ()), *ils_says)
    refusal = line.refusal or Refusal.NOT_LOANABLE
    said = refusal_notice(refusal, "item", due=line.due, fee=line.fee)
    tail = _WHILE_SCANNING.get(refusal) if scanning else None
    if tail is not None:
        said = said.followed_by(Notice(tail, is_error=said.is_error))
    return (*((due,) if line.status is LineStatus.DONE and due else ()), said, *ils_says)


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
    if session.patron is not None and session.patron.offline:  # the ILS did not say a name
        return {"greeting": Notice("scan.greeting_offline", is_error=False)}
    name = session.patron.name if session.patron else ""
    return {"greeting": Notice.of("scan.greeting", name=name)}


# ----- borrow.fee: a loan fee to accept (see loan_fee for why scans wait) -------------


def _accept_fee(session: Session, _event: Event) -> list[Command]:
    line = loan_fee.open_question(session)
    if line is None or session.patron is None:
        _next_question(session)
        return []
    # Asked again with the fee acknowledged; "Checking..." until the ILS has lent it.
    line.status, line.refusal = LineStatus.PENDING, None
    line.details = (Notice("line.pending"),)
    command = loan_fee.AcceptFee(
        session.session_no, session.patron.barcode, line.barcode, line.title, line.fee
    )
    _next_question(session)
    return [command]


def _decline_fee(session: Session, _event: Event) -> list[Command]:
    line = loan_fee.open_question(session)
    if line is None:
        _next_question(session)
        return []
    line.refusal = Refusal.FEE_DECLINED
    line.details = item_details(line, scanning=True)
    _next_question(session)
    return [loan_fee.DeclineFee(session.session_no, line.barcode)]


def _next_question(session: Session) -> None:
    session.notice = None
    session.go(FEE if loan_fee.open_question(session) else SCANNING)


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
    offline = session.patron is not None and session.patron.offline
    if offline:  # no name, and no count of the loans on the card: the ILS did not say
        slots["title"] = Notice("summary.title_offline", is_error=False)
    if refused:
        slots["not_borrowed"] = Notice.counted(
            "summary.not_borrowed", "summary.not_borrowed_plural", refused
        )
    fees = sum(line.fee for line in session.lines_with(LineStatus.DONE))
    if fees:
        slots["fees"] = Notice.of("summary.fees", amount=loan_fee.rupiah(fees), is_error=False)
    lent = session.lines_with(LineStatus.DONE)
    if session.patron is not None and lent and not offline:  # the receipt's totals too
        on_card = session.patron.loans_count + len(lent)
        totals = Notice.counted("summary.loans_now", "summary.loans_now_plural", on_card)
        dues = _listed_dues(session)
        if dues:  # the kiosk knows only the books listed here, not every loan on the card
            totals = totals.followed_by(Notice.of("summary.listed_next_due", date=min(dues)))
        slots["totals"] = totals
    left = session.seconds_left
    if left is not None:
        slots["closing"] = Notice.of("summary.closing", seconds=round(left))
    return slots


def _listed_dues(session: Session) -> list[dt.date]:
    """Due dates of the books listed: those lent now and those already on the card."""
    return [
        line.due
        for line in session.lines
        if line.due is not None
        and (line.status is LineStatus.DONE or line.refusal is Refusal.ALREADY_YOURS)
    ]


def _receipt_content(session: Session) -> receipt.ReceiptContent:
    """The borrowing receipt: each book with its due date (and loan fee) or why it was not
    lent, how many were borrowed, the fees accepted, the patron's loans now and the nearest
    due date of this session's books."""
    items = []
    for line in session.lines:
        if line.status is LineStatus.PENDING:
            continue
        due = Notice.of("line.due_sentence", date=line.due) if line.due else None
        detail: Notice | None
        if line.refusal is None and line.offline:
            detail = Notice.of("line.offline_loan", date=line.due)
        elif line.refusal is None:
            detail = due
            if line.fee and line.status is LineStatus.DONE:  # the loan fee to pay at the desk
                fee = Notice.of("line.fee_charged", amount=loan_fee.rupiah(line.fee))
                detail = detail.followed_by(fee) if detail else fee
        else:
            detail = Notice(f"refusal.{line.refusal.value}")
            detail = detail.followed_by(due) if due else detail
        items.append(receipt.ReceiptItem(line.title or line.barcode, detail))
    lent = session.lines_with(LineStatus.DONE)
    totals = [
        Notice.counted("receipt.borrowed", "receipt.borrowed_plural", len(lent))
        if lent
        else Notice("summary.none_borrowed", is_error=False)
    ]
    if session.patron is not None and lent and not session.patron.offline:
        on_card = session.patron.loans_count + len(lent)
        totals.append(Notice.counted("receipt.loans_total", "receipt.loans_total_plural", on_card))
    fees = sum(line.fee for line in lent)
    if fees:
        totals.append(Notice.of("summary.fees", amount=loan_fee.rupiah(fees)))
    dues = _listed_dues(session)
    if dues:
        totals.append(Notice.of("receipt.next_due", date=min(dues)))
    return receipt.ReceiptContent(Notice("receipt.kind.borrow"), tuple(items), tuple(totals))


# ----- commands, on the worker thread --------------------------------------------------------


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
    return _lend(ports, command, fee_acknowledged=False)


def run_accept_fee(ports: Ports, command: loan_fee.AcceptFee) -> Event:
    """Store the patron's acceptance of a loan fee, then lend the item with it acknowledged.

    The acceptance (``fee_acceptances`` row + outbox ``fee_accepted``) is committed before
    the ILS is asked to charge it; when it cannot be stored the ILS is not asked and the
    patron is told to take the item to the desk (``KIOSK_FAULT``). Should the ILS refuse the
    item after all, the stored acceptance stays: it records what the patron agreed to, and
    the ILS charges a fee only with a loan.
    """
    at = ports.clock.now()
    try:
        ports.log.record(FeeAccepted(command.item_barcode, command.title, command.amount, at))
    except Exception as err:
        log.error(
            "a loan fee the patron accepted could not be stored (%s: %s); the item was not "
            "lent and the patron was sent to the desk",
            type(err).__name__,
            " ".join(str(err).split()),
        )
        refused = CheckoutAnswer(command.item_barcode, refusal=Refusal.KIOSK_FAULT)
        return CheckoutDone(command.session_no, replace(refused, title=command.title))
    return _lend(ports, command, fee_acknowledged=True)


def _lend(ports: Ports, command: Checkout, *, fee_acknowledged: bool) -> Event:
    at = ports.clock.now()
    desk = ports.offline
    if desk is not None and desk.queue_behind():
        # Offline transactions wait: this one goes behind them, so the ILS sees them in order.
        queued = desk.lend(command.session_no, command.patron_barcode, command.item_barcode, at)
        if queued is not None:
            if queued.refusal is Refusal.OFFLINE_LIMIT:  # the patron was refused: reported
                limit = Refused("borrow", Refusal.OFFLINE_LIMIT, at, command.item_barcode)
                recording.record_quietly(ports, limit, "a refused offline loan")
            return CheckoutDone(command.session_no, queued, offline=queued.ok)
        # Loans are not taken offline: this one is served online (see docs: Offline mode).
    try:
        intent = ports.log.begin_checkout(command.patron_barcode, command.item_barcode, at)
    except StorageFailed as err:
        log.error("check-out not attempted, the kiosk could not store its intent: %s", err)
        refused = CheckoutAnswer(command.item_barcode, refusal=Refusal.KIOSK_FAULT)
        return CheckoutDone(command.session_no, refused)
    try:
        if fee_acknowledged:
            answer = ports.ils.checkout(
                command.patron_barcode, command.item_barcode, at, fee_acknowledged=True
            )
        else:
            answer = ports.ils.checkout(command.patron_barcode, command.item_barcode, at)
    except IlsUnreachable as err:
        return _lend_offline(ports, command, intent.intent_id, at, err)
    except Exception as err:
        unanswered = CheckoutUnanswered(intent.intent_id, f"{type(err).__name__}")
        recording.record_quietly(
            ports,
            unanswered,
            f"how check-out intent {intent.intent_id} ended (reconciliation will ask the ILS)",
        )
        raise
    if fee_acknowledged and answer.refusal is Refusal.FEE_REQUIRED:
        # The ILS ignored the acknowledgement: asking the patron again would only loop.
        log.error(
            "the ILS asked for a loan fee the patron had already accepted; the item was not "
            "lent and the patron was sent to the desk: check the ILS's fee settings"
        )
        answer = replace(answer, refusal=Refusal.KIOSK_FAULT)
    if answer.ok and answer.loan is not None:
        confirmed = CheckoutConfirmed(intent.intent_id, answer.loan)
        if not recording.store_or_tell(ports, confirmed, "loan", answer.loan.item_barcode):
            answer = replace(answer, refusal=Refusal.NOT_RECORDED)
    else:
        refusal = answer.refusal or Refusal.NOT_LOANABLE
        # A fee to accept is a question, not yet a refusal: the patron's answer is recorded
        # (FeeAccepted, or a FEE_DECLINED refusal); this intent is only resolved.
        reported = None if refusal is Refusal.FEE_REQUIRED else refusal
        not_lent = CheckoutNotLent(
            intent.intent_id, refusal.value, reported, command.item_barcode, refused_at=at
        )
        recording.record_quietly(
            ports,
            not_lent,
            f"how check-out intent {intent.intent_id} ended (reconciliation will ask the ILS)",
        )
    return CheckoutDone(command.session_no, answer)


def _lend_offline(
    ports: Ports, command: Checkout, intent_id: str, at: dt.datetime, error: IlsUnreachable
) -> Event:
    """The ILS certainly did not get the check-out: take it offline (the intent is resolved
    with the offline loan), refuse it past a limit, or let the outage be told as before.

    Raises:
        IlsUnreachable: loans are not taken offline (the intent is resolved as not lent,
            without a refusal: nobody refused the patron).
    """
    desk = ports.offline
    answer = None
    if desk is not None:
        answer = desk.lend(
            command.session_no, command.patron_barcode, command.item_barcode, at, intent_id
        )
    if answer is not None and answer.ok:
        return CheckoutDone(command.session_no, answer, offline=True)
    refusal = answer.refusal if answer is not None else None
    not_lent = CheckoutNotLent(
        intent_id, refusal.value if refusal else "ILS unreachable", refusal,
        command.item_barcode, refused_at=at,
    )  # fmt: skip
    recording.record_quietly(ports, not_lent, f"how check-out intent {intent_id} ended")
    if answer is None:
        raise error
    return CheckoutDone(command.session_no, answer)


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
        FEE: StateSpec(
            input=InputMode.NONE,  # Enter (OK) accepts, Escape (Cancel) declines
            on={
                OkPressed: _accept_fee,
                CancelPressed: _decline_fee,
                BarcodeScanned: loan_fee.scan_while_asked,
                CheckoutDone: _checkout_done,
                CommandFailed: _failed_on_item,
            },
            timeout=after("idle"),
            on_timeout=_scanning_timeout,  # walked away: nothing accepted, nothing lent
            warn=True,
            texts=loan_fee.fee_texts,
        ),
        SUMMARY: StateSpec(
            input=InputMode.NONE,  # OK makes the receipt choice; a scanned card still works
            on={
                # "Print receipt" / "No receipt" / OK / "Done", then the optional rating
                **receipt.summary_handlers(_receipt_content),
                CancelPressed: _end_session,
                BarcodeScanned: feedback.next_patron,
            },
            timeout=receipt.summary_timeout,
            texts=_summary_texts,
        ),
    },
    commands={
        Checkout: run_checkout,
        loan_fee.AcceptFee: run_accept_fee,
        loan_fee.DeclineFee: loan_fee.run_decline_fee,
    },
)

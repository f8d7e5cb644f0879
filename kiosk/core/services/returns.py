"""Returning books (self check-in): no card, many books in a row, a summary.

States::

    idle --Return--> return.scanning --Finish--> return.summary --Done--> rating --> idle
                        |  Finish with nothing scanned, Cancel, timeout -> idle
                        v  (every return the ILS took is stored already)

A return needs no card, so the session never knows who the patron is; each line still
shows what happened to the book: returned (and where to put it, the late fee charged, the
ILS's own message) or not returned, why, and what to do with it. A library card scanned
while returning gets a notice: no card is needed. (It does not start borrowing: a patron
who scans their card here most often thinks returning needs one, and jumping to the PIN
screen would take away the list they are reading. To borrow next, Finish, then scan the
card on the summary, which starts their borrowing at once.)

Command: :class:`Checkin` (one item), run by :func:`run_checkin`: the kiosk asks the ILS
about the item, commits an :class:`~kiosk.core.model.ItemIntent` (what it knew of the
loan), then asks the ILS to take it back. A return the ILS took is stored with its outbox
report, resolving the intent, *before* the line shows it as returned; a store that keeps
failing still shows it returned, with "please tell a librarian" (``NOT_RECORDED``), and
the open intent lets reconciliation store it later. A refusal is stored as
:class:`~kiosk.core.model.Refused`; an ILS that is down or too slow is no refusal and is
not stored: the line says the book was not returned (yet) and what to do, and
reconciliation finds out later what the ILS did.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from kiosk.core.events import (
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
    BarcodeKind,
    CheckinAnswer,
    ItemAction,
    ItemIntentNotDone,
    ItemIntentUnanswered,
    Refusal,
    Refused,
    Return,
    SortBin,
)
from kiosk.core.navigation import InputMode, Service, StateSpec, after
from kiosk.core.ports import IlsUnreachable, StorageFailed
from kiosk.core.services import feedback, receipt, recording
from kiosk.core.session import ItemLine, LineStatus, Notice, Ports, Session, failure_refusal

log = logging.getLogger(__name__)

SERVICE = "return"
SCANNING = "return.scanning"
SUMMARY = "return.summary"


# ----- the service's command and answer -------------------------------------------------------


@dataclass(frozen=True)
class Checkin(Command):
    """Return one item to the library."""

    item_barcode: str

    changes_ils: ClassVar[bool] = True


@dataclass(frozen=True)
class CheckinDone(Answer):
    """The ILS's answer; ``recorded`` is False when it took the item back but the kiosk's
    store could not record that (the patron is asked to tell a librarian)."""

    answer: CheckinAnswer
    recorded: bool = True
    offline: bool = False
    """Taken offline (the ILS was unreachable): stored, sent to the ILS when it is back."""

    @property
    def leaves_intent_open(self) -> bool:
        """A return the ILS took but the store did not: reconciliation should run soon."""
        return not self.recorded


# ----- what a line says -----------------------------------------------------------------------

_SORT_TEXTS = {
    SortBin.SHELF: "return.sort.shelf",
    SortBin.HOLD_SHELF: "return.sort.hold_shelf",
    SortBin.TRANSIT: "return.sort.transit",
}

_NEXT = {
    Refusal.UNKNOWN_ITEM: "return.next.unknown_item",
    Refusal.NOT_ON_LOAN: "return.next.not_on_loan",
    Refusal.ILS_UNAVAILABLE: "return.next.ils_unavailable",
    Refusal.ILS_TIMEOUT: "return.next.ils_timeout",
    Refusal.KIOSK_FAULT: "return.next.kiosk_fault",
}
"""What to do with a book that was not returned; any other refusal: take it to the desk."""

SCAN_OR_FINISH = "return.next.scan_or_finish"


def returned_notice(answer: CheckinAnswer, *, recorded: bool = True) -> Notice:
    """What a returned book's line says: where to put it, the late fee charged, the ILS's
    own message, and "tell a librarian" when the kiosk could not record the return."""
    if answer.sort is SortBin.TRANSIT:
        said = Notice.of("return.sort.transit", is_error=False, branch=answer.destination or "?")
    else:
        said = Notice(_SORT_TEXTS[answer.sort or SortBin.SHELF], is_error=False)
    if answer.fine > 0:
        fine = Notice.of("return.fine", is_error=False, amount=rupiah(answer.fine))
        said = said.followed_by(fine)
    if answer.screen_message:
        said = said.followed_by(ils_message(answer.screen_message, is_error=False))
    if not recorded:
        said = said.followed_by(Notice("return.not_recorded"))
    return said


def refused_notice(refusal: Refusal, screen_message: str = "") -> Notice:
    """Why a book was not returned, then what to do with it (and the ILS's message)."""
    said = Notice(f"refusal.{refusal.value}").followed_by(
        Notice(_NEXT.get(refusal, "return.next.desk"))
    )
    if screen_message:
        said = said.followed_by(ils_message(screen_message))
    return said


def ils_message(text: str, *, is_error: bool = True) -> Notice:
    """The ILS's own screen message, shown as it came (in the ILS's language)."""
    return Notice.of("return.ils_message", is_error=is_error, message=" ".join(text.split()))


def _details(line: ItemLine, said: Notice, *, scanning: bool) -> tuple[Notice, ...]:
    if scanning and line.status is LineStatus.REFUSED:
        return (said, Notice(SCAN_OR_FINISH, is_error=False))
    return (said,)


# ----- return.scanning ------------------------------------------------------------------------


def _start(session: Session, _card: str | None) -> list[Command]:
    session.go(SCANNING)
    return []


def _item_scan(session: Session, event: BarcodeScanned) -> list[Command]:
    code, kind = session.classify(event.text)
    if kind is BarcodeKind.PATRON:
        session.notice = Notice("notice.no_card_to_return", is_error=False)
        return []
    if kind is not BarcodeKind.ITEM:  # unreadable, or a staff card: never sent as an item
        session.notice = Notice("notice.not_an_item")
        return []
    if not session.add_pending_line(code):
        return []
    return [Checkin(session.session_no, code)]


def _checkin_done(session: Session, event: CheckinDone) -> list[Command]:
    answer = event.answer
    line = session.pending_line(answer.item_barcode)
    if line is None:
        return []
    line.title = answer.title
    if answer.ok and event.offline:
        line.status, line.offline, line.refusal = LineStatus.DONE, True, None
        said = Notice("return.offline", is_error=False)
    elif answer.ok:
        line.status = LineStatus.DONE
        line.amount = answer.fine
        line.refusal = None if event.recorded else Refusal.NOT_RECORDED
        said = returned_notice(answer, recorded=event.recorded)
    else:
        line.status = LineStatus.REFUSED
        line.refusal = answer.refusal
        said = refused_notice(answer.refusal or Refusal.KIOSK_FAULT, answer.screen_message)
    line.details = _details(line, said, scanning=True)
    return []


def _failed(session: Session, event: CommandFailed) -> list[Command]:
    command = event.command
    if isinstance(command, Checkin):
        line = session.pending_line(command.item_barcode)
        if line is not None:
            line.status = LineStatus.REFUSED
            line.refusal = failure_refusal(event.failure)
            line.details = _details(line, refused_notice(line.refusal), scanning=True)
    return []


def _finish(session: Session, _event: Event) -> list[Command]:
    if session.busy:
        return []  # answers still coming: Finish again, or the timeout, once they are in
    if not session.lines:
        session.end()
        return []
    session.notice = None
    for line in session.lines:
        # Scanning is over: "scan the next book or finish" is dropped from every line.
        line.details = line.details[:1]
    session.go(SUMMARY)
    return []


def _end_session(session: Session, _event: Event) -> list[Command]:
    session.end()
    return []


# ----- return.summary -------------------------------------------------------------------------


def _summary_texts(session: Session) -> Mapping[str, Notice]:
    returned = len(session.lines_with(LineStatus.DONE))
    refused = len(session.lines_with(LineStatus.REFUSED))
    slots = {
        "count": Notice.counted("return.summary.count", "return.summary.count_plural", returned)
        if returned
        else Notice("return.summary.none_returned", is_error=False)
    }
    if refused:
        slots["not_returned"] = Notice.counted(
            "return.summary.not_returned", "return.summary.not_returned_plural", refused
        )
    fines = sum(line.amount for line in session.lines_with(LineStatus.DONE))
    if fines:  # what the receipt's totals say too
        slots["fines"] = Notice.of("return.summary.fines", amount=rupiah(fines))
    left = session.seconds_left
    if left is not None:
        slots["closing"] = Notice.of("summary.closing", seconds=round(left))
    return slots


def _receipt_content(session: Session) -> receipt.ReceiptContent:
    """The return receipt: each book returned or not (and why), the late fines charged."""
    items = []
    for line in session.lines:
        if line.status is LineStatus.DONE and line.offline:
            detail = Notice("receipt.returned_offline", is_error=False)
        elif line.status is LineStatus.DONE:
            detail = Notice("receipt.returned", is_error=False)
            if line.amount:
                fine = Notice.of("return.fine", is_error=False, amount=rupiah(line.amount))
                detail = detail.followed_by(fine)
        elif line.status is LineStatus.REFUSED:
            detail = Notice("receipt.not_returned").followed_by(
                Notice(f"refusal.{(line.refusal or Refusal.KIOSK_FAULT).value}")
            )
        else:
            continue
        items.append(receipt.ReceiptItem(line.title or line.barcode, detail))
    returned = session.lines_with(LineStatus.DONE)
    totals = [
        Notice.counted("return.summary.count", "return.summary.count_plural", len(returned))
        if returned
        else Notice("return.summary.none_returned", is_error=False)
    ]
    not_returned = len(session.lines_with(LineStatus.REFUSED))
    if not_returned:
        totals.append(
            Notice.counted(
                "receipt.not_returned_count", "receipt.not_returned_count_plural", not_returned
            )
        )
    fines = sum(line.amount for line in returned)
    if fines:
        totals.append(Notice.of("receipt.fines_charged", amount=rupiah(fines)))
    return receipt.ReceiptContent(Notice("receipt.kind.return"), tuple(items), tuple(totals))


# ----- the command, on the worker thread ------------------------------------------------------


def run_checkin(ports: Ports, command: Checkin) -> Event:
    """Return one item: ask the ILS, then store what happened before the patron sees it.

    First the item's status (was it on loan, due when) is asked and committed as the
    return's intent; without the intent the ILS is not asked and the patron takes the
    book to the desk (``KIOSK_FAULT``). A return the ILS took is stored
    (:class:`~kiosk.core.model.Return` with its outbox report, resolving the intent),
    retried a few times; if that stays impossible the answer says so and the line asks the
    patron to tell a librarian (the book *is* returned in the library's system), and
    reconciliation stores it later. A refusal is stored as
    :class:`~kiosk.core.model.Refused`; if that fails it is only logged, since the patron's
    line says "not returned" either way. ``IlsUnavailable`` is turned into an answer by the
    runner; a call that ended without an answer leaves the intent to reconciliation.
    """
    at = ports.clock.now()
    barcode = command.item_barcode
    desk = ports.offline
    if desk is not None and desk.queue_behind():
        # Offline transactions wait: this one goes behind them, so the ILS sees them in order.
        queued = desk.take_return(barcode, at)
        if queued is not None:
            return CheckinDone(command.session_no, queued, offline=queued.ok)
    try:
        before = ports.ils.item_status(barcode)
    except IlsUnreachable:
        taken = desk.take_return(barcode, at) if desk is not None else None
        if taken is None:
            raise  # returns are not taken offline: "not returned yet"
        return CheckinDone(command.session_no, taken, offline=taken.ok)
    on_loan = before is not None and before.on_loan
    try:
        (intent,) = ports.log.begin_items(
            ItemAction.RETURN, [(barcode, on_loan, before.due if before else None)], at
        )
    except StorageFailed as err:
        log.error("return not attempted, the kiosk could not store its intent: %s", err)
        return CheckinDone(command.session_no, CheckinAnswer(barcode, refusal=Refusal.KIOSK_FAULT))
    try:
        answer = ports.ils.checkin(barcode, at)
    except IlsUnreachable:
        taken = desk.take_return(barcode, at, intent.intent_id) if desk is not None else None
        if taken is not None and taken.ok:  # the intent is resolved with it
            return CheckinDone(command.session_no, taken, offline=True)
        # The ILS certainly did not get it: not returned, and nobody refused it.
        not_done = ItemIntentNotDone(intent.intent_id, "ILS unreachable")
        recording.record_quietly(ports, not_done, f"how return intent {intent.intent_id} ended")
        if taken is None:
            raise
        return CheckinDone(command.session_no, taken)
    except Exception as err:
        unanswered = ItemIntentUnanswered(intent.intent_id, type(err).__name__)
        recording.record_quietly(
            ports, unanswered, f"how return intent {intent.intent_id} ended (reconciliation asks)"
        )
        raise
    if answer.ok:
        returned = Return(
            answer.item_barcode,
            answer.title,
            at,
            answer.fine,
            answer.sort,
            answer.destination,
            intent_id=intent.intent_id,
        )
        stored = recording.store_or_tell(ports, returned, "return", answer.item_barcode)
        return CheckinDone(command.session_no, answer, stored)
    refusal = answer.refusal or Refusal.KIOSK_FAULT
    refused = Refused(SERVICE, refusal, at, barcode, intent_id=intent.intent_id)
    # The patron is told "not returned" either way.
    recording.record_quietly(ports, refused, f"a refused return ({refusal.value})")
    return CheckinDone(command.session_no, answer)


RETURN = Service(
    name=SERVICE,
    start=_start,
    states={
        SCANNING: StateSpec(
            input=InputMode.BARCODE,
            on={
                BarcodeScanned: _item_scan,
                CheckinDone: _checkin_done,
                CommandFailed: _failed,
                FinishPressed: _finish,
                CancelPressed: _end_session,
            },
            timeout=after("idle"),
            warn=True,  # the returns are stored; the timeout only ends the list on screen
        ),
        SUMMARY: StateSpec(
            input=InputMode.BARCODE,
            on={
                **receipt.summary_handlers(_receipt_content),
                CancelPressed: _end_session,
                BarcodeScanned: feedback.next_patron,  # a card here starts their borrowing
            },
            timeout=receipt.summary_timeout,
            texts=_summary_texts,
        ),
    },
    commands={Checkin: run_checkin},
)

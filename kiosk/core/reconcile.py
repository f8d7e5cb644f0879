"""Settling check-outs, returns and renewals whose outcome the kiosk never stored.

Before each check-out the kiosk commits a :class:`~kiosk.core.model.CheckoutIntent`
(:func:`kiosk.core.services.borrow.run_checkout`). An intent left open means the kiosk
does not know whether the ILS lent the item: the process was killed between the ILS's
commit and the store's, the ILS call ended without an answer, or the store write failed.
:class:`Reconciler` asks the ILS about the item (:meth:`IlsBackend.item_status`) and
records what it says through the one path for outcomes, ``CirculationLog.record``:

==========================================================  =================================
the ILS says                                                recorded
==========================================================  =================================
on loan to this patron, or to a borrower it does not name   the loan + its outbox event,
                                                            at the intent's time
on loan to someone else, or since before the intent         not lent
not on loan, or no such item                                not lent
no answer (``IlsUnavailable``)                              nothing: open, asked again later
==========================================================  =================================

Returns and renewals have intents too (:class:`~kiosk.core.model.ItemIntent`, committed
by :func:`kiosk.core.services.returns.run_checkin` and
:func:`kiosk.core.services.account.run_renew` with what the kiosk knew of the loan
before asking). They are settled the same way (:func:`decide_item`):

==============================================  =========================================
the ILS says now                                recorded
==============================================  =========================================
return: not on loan (it was before)             the return + its outbox event, at the
                                                intent's time (fine unknown: 0)
return: lent again since (a later loan with     the same
another due date than the intent saw)
return: on loan as before, or it never was      not returned
renewal: due later than the patron was shown    the renewal with the new due date
renewal: anything else                          not renewed
no answer (``IlsUnavailable``)                  nothing: open, asked again later
==============================================  =========================================

A return is never invented: an item that was not on loan before the intent, or that the
ILS says is on loan without saying it was lent since, counts as not returned.

It touches only the ILS and the store, never the session or the view-model, so it runs on
a thread of its own (``reconciler``): one pass at start-up, one soon after a failed
check-out (:meth:`Reconciler.observe`, called by the command runner), and one every
``period`` seconds while intents stay open. An intent whose ILS call may still be running
in this process is left alone until it is ``settle_after`` seconds old, so reconciliation
never races a call in flight.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from kiosk.core.events import Answer, CheckoutDone, CommandFailed, Event
from kiosk.core.model import (
    CheckoutConfirmed,
    CheckoutIntent,
    CheckoutNotLent,
    ItemAction,
    ItemIntent,
    ItemIntentNotDone,
    ItemStatus,
    Loan,
    Outcome,
    Refusal,
    Renewal,
    Return,
)
from kiosk.core.passes import PassThread
from kiosk.core.ports import CirculationLog, Clock, IlsBackend, IlsUnavailable, StorageFailed

log = logging.getLogger(__name__)

PERIOD = 120.0
"""Seconds between passes while intents stay open (the ILS was unreachable)."""

SETTLE_AFTER = 300.0
"""Seconds after which an intent of this process is settled even if its call never ended."""


@dataclass(frozen=True)
class ReconcileResult:
    """What one pass did."""

    lent: int = 0
    not_lent: int = 0
    still_open: int = 0
    returned: int = 0
    renewed: int = 0
    not_done: int = 0
    """Return and renewal intents found not done."""

    @property
    def settled(self) -> int:
        """Intents resolved by this pass."""
        return self.lent + self.not_lent + self.returned + self.renewed + self.not_done


def decide(intent: CheckoutIntent, status: ItemStatus | None) -> Outcome | None:
    """The outcome of an open intent, given what the ILS says about its item now.

    Returns:
        The outcome to record, or None when the ILS's answer cannot settle it (on loan
        but without a due date); the intent then stays open.
    """
    if status is None:
        return CheckoutNotLent(intent.intent_id, "reconciled: the ILS does not know the item")
    if not status.on_loan:
        return CheckoutNotLent(intent.intent_id, "reconciled: the item is not on loan")
    if status.borrower_barcode is not None and status.borrower_barcode != intent.patron_barcode:
        return CheckoutNotLent(intent.intent_id, "reconciled: on loan to another patron")
    if status.checked_out_at is not None and status.checked_out_at < intent.created_at:
        # The ILS is given the intent's time as the check-out time, so an older loan is
        # one made before this intent (the patron had it already).
        return CheckoutNotLent(intent.intent_id, "reconciled: on loan since before the intent")
    if status.due is None:
        return None
    loan = Loan(
        patron_barcode=intent.patron_barcode,
        item_barcode=intent.item_barcode,
        title=status.title,
        author=status.author,
        due=status.due,
        checked_out_at=intent.created_at,
    )
    return CheckoutConfirmed(intent.intent_id, loan)


def decide_item(intent: ItemIntent, status: ItemStatus | None) -> Outcome | None:
    """The outcome of an open return or renewal intent, given the item's status now.

    Returns:
        The outcome to record, or None when the ILS's answer cannot settle it (a renewal
        on loan without a due date); the intent then stays open.
    """
    if intent.action is ItemAction.RETURN:
        return _decide_return(intent, status)
    if status is None:
        return ItemIntentNotDone(intent.intent_id, "reconciled: the ILS does not know the item")
    if not status.on_loan:
        return ItemIntentNotDone(intent.intent_id, "reconciled: the item is not on loan")
    if status.borrower_barcode is not None and status.borrower_barcode != intent.patron_barcode:
        return ItemIntentNotDone(intent.intent_id, "reconciled: on loan to another patron")
    if status.due is None:
        return None
    if intent.due_before is None or status.due <= intent.due_before:
        return ItemIntentNotDone(intent.intent_id, "reconciled: the due date did not move")
    return Renewal(
        intent.item_barcode, status.title, status.due, intent.created_at, intent.intent_id
    )


def _decide_return(intent: ItemIntent, status: ItemStatus | None) -> Outcome:
    if not intent.on_loan_before:
        return ItemIntentNotDone(intent.intent_id, "reconciled: it was not on loan")
    if status is None:
        return ItemIntentNotDone(intent.intent_id, "reconciled: the ILS does not know the item")
    # Lent again since: a loan begun after the intent, and another loan than the one the
    # intent saw (its due date differs), so that clocks that disagree cannot make the
    # same loan look new.
    lent_again = (
        status.checked_out_at is not None
        and status.checked_out_at > intent.created_at
        and (intent.due_before is None or status.due != intent.due_before)
    )
    if status.on_loan and not lent_again:
        return ItemIntentNotDone(intent.intent_id, "reconciled: still on loan")
    # The fine the ILS charged is not in an item's status (SIP2 Item Information has
    # none): the return is recorded without one.
    return Return(intent.item_barcode, status.title, intent.created_at, intent_id=intent.intent_id)


_FOUND: dict[type, str] = {
    # outcome type: the ReconcileResult count it adds to
    CheckoutConfirmed: "lent",
    CheckoutNotLent: "not_lent",
    Return: "returned",
    Renewal: "renewed",
    ItemIntentNotDone: "not_done",
}


class Reconciler(PassThread):
    """Resolves open check-out, return and renewal intents by asking the ILS.

    See the module docstring.

    Args:
        ils: the ILS backend (its calls may come from any thread, as the worker's do).
        log: the circulation log holding the intents.
        clock: the injected clock (intent ages).
        period: seconds between passes while intents stay open.
        settle_after: age in seconds after which an intent of this process is settled even
            though its call was never seen to end.
    """

    def __init__(
        self,
        ils: IlsBackend,
        log: CirculationLog,
        clock: Clock,
        *,
        period: float = PERIOD,
        settle_after: float = SETTLE_AFTER,
    ) -> None:
        super().__init__("reconciler")
        self._ils = ils
        self._log = log
        self._clock = clock
        self.period = period
        self.settle_after = settle_after
        self._pass_lock = threading.Lock()
        self._interrupted: set[str] = set()

    def note_interrupted(self) -> int:
        """Remember the intents already open at start-up: their calls died with the last process.

        Call once, before this process sends any command. Returns how many there are.
        """
        try:
            open_now: list[CheckoutIntent | ItemIntent] = [
                *self._log.open_checkouts(),
                *self._log.open_items(),
            ]
        except StorageFailed as err:
            log.error("cannot list open intents at start-up (%s); retried in the next pass", err)
            return 0
        self._interrupted = {intent.intent_id for intent in open_now}
        if open_now:
            log.warning(
                "%d check-out(s), return(s) or renewal(s) left open by the last run; "
                "asking the ILS",
                len(open_now),
            )
        return len(open_now)

    def reconcile_once(self) -> ReconcileResult:
        """Ask the ILS about every open intent that may be settled now, and record the answers.

        Safe from any thread; passes never overlap. Never raises for an unreachable ILS or
        a failing store: what cannot be settled now stays open.
        """
        with self._pass_lock:
            try:
                intents: list[CheckoutIntent | ItemIntent] = [
                    *self._log.open_checkouts(),
                    *self._log.open_items(),
                ]
            except StorageFailed as err:
                log.error("reconciliation cannot read open intents: %s", err)
                return ReconcileResult()
            counts = {"lent": 0, "not_lent": 0, "returned": 0, "renewed": 0, "not_done": 0}
            now = self._clock.now()
            ready = [intent for intent in intents if self._may_settle(intent, now)]
            for index, intent in enumerate(ready):
                try:
                    status = self._ils.item_status(intent.item_barcode)
                except IlsUnavailable as err:
                    log.warning(
                        "reconciliation: ILS unavailable (%s); %d intent(s) stay open, "
                        "asked again in %g s",
                        err,
                        len(ready) - index,
                        self.period,
                    )
                    break
                if isinstance(intent, CheckoutIntent):
                    outcome = decide(intent, status)
                else:
                    try:
                        outcome = self._unless_done_since(intent, decide_item(intent, status))
                    except StorageFailed as err:
                        log.error("reconciliation cannot read the store: %s", err)
                        break
                if outcome is None:
                    log.warning(
                        "reconciliation: ILS says item %s is on loan but gives no due date; "
                        "left open",
                        "…" + intent.item_barcode[-4:],
                    )
                    continue
                try:
                    self._log.record(outcome)
                except StorageFailed as err:
                    log.error("reconciliation could not store its result: %s", err)
                    break
                self._interrupted.discard(intent.intent_id)
                found = _FOUND[type(outcome)]
                counts[found] += 1
                if found in ("lent", "returned", "renewed"):
                    log.warning(
                        "reconciliation: the ILS %s item %s; recorded from intent %s",
                        found,
                        "…" + intent.item_barcode[-4:],
                        intent.intent_id,
                    )
            result = ReconcileResult(still_open=len(intents) - sum(counts.values()), **counts)
            if result.settled:
                log.info(
                    "reconciliation: %d lent, %d not lent, %d returned, %d renewed, "
                    "%d not done, %d still open",
                    result.lent,
                    result.not_lent,
                    result.returned,
                    result.renewed,
                    result.not_done,
                    result.still_open,
                )
            return result

    def _unless_done_since(self, intent: ItemIntent, outcome: Outcome | None) -> Outcome | None:
        """Not a return or renewal when a later one of the same item at this kiosk is
        recorded: the patron, told the first one was unsure, did it again, and the ILS's
        status cannot say whether the first happened too (one is recorded, not two)."""
        if not isinstance(outcome, Return | Renewal):
            return outcome
        if self._log.recorded_since(intent.action, intent.item_barcode, intent.created_at):
            return ItemIntentNotDone(
                intent.intent_id, f"reconciled: a later {intent.action.value} of it is recorded"
            )
        return outcome

    def observe(self, answer: Event) -> None:
        """Command-runner hook (worker thread): after a failed check-out, or an answer that
        left an intent open, reconcile soon."""
        failed = isinstance(answer, CommandFailed)
        unrecorded = isinstance(answer, CheckoutDone) and (
            answer.answer.refusal is Refusal.NOT_RECORDED
            or answer.answer.refusal is Refusal.KIOSK_FAULT
        )
        if failed or unrecorded or (isinstance(answer, Answer) and answer.leaves_intent_open):
            self.request()

    def _may_settle(self, intent: CheckoutIntent | ItemIntent, now: dt.datetime) -> bool:
        if intent.answered or intent.intent_id in self._interrupted:
            return True
        return (now - intent.created_at).total_seconds() >= self.settle_after

    def _run_pass(self) -> float:
        try:
            self.reconcile_once()
        except Exception as err:  # a bug; the next pass tries again
            log.error("reconciliation pass failed: %s: %s", type(err).__name__, err)
        return self.period  # a request (a failed check-out) cuts the wait short

"""Settling check-outs whose outcome the kiosk never stored, by asking the ILS.

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

from kiosk.core.events import CheckoutDone, CommandFailed, Event
from kiosk.core.model import (
    CheckoutConfirmed,
    CheckoutIntent,
    CheckoutNotLent,
    ItemStatus,
    Loan,
    Outcome,
    Refusal,
)
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

    @property
    def settled(self) -> int:
        """Intents resolved by this pass."""
        return self.lent + self.not_lent


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


class Reconciler:
    """Resolves open check-out intents by asking the ILS. See the module docstring.

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
        self._ils = ils
        self._log = log
        self._clock = clock
        self.period = period
        self.settle_after = settle_after
        self._pass_lock = threading.Lock()
        self._interrupted: set[str] = set()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._done = threading.Condition()
        self._passes = 0
        self._thread: threading.Thread | None = None

    @property
    def passes(self) -> int:
        """Passes finished so far (tests wait on it with :meth:`wait_for_pass`)."""
        with self._done:
            return self._passes

    def note_interrupted(self) -> int:
        """Remember the intents already open at start-up: their calls died with the last process.

        Call once, before this process sends any command. Returns how many there are.
        """
        try:
            open_now = self._log.open_checkouts()
        except StorageFailed as err:
            log.error("cannot list open check-outs at start-up (%s); retried in the next pass", err)
            return 0
        self._interrupted = {intent.intent_id for intent in open_now}
        if open_now:
            log.warning("%d check-out(s) left open by the last run; asking the ILS", len(open_now))
        return len(open_now)

    def reconcile_once(self) -> ReconcileResult:
        """Ask the ILS about every open intent that may be settled now, and record the answers.

        Safe from any thread; passes never overlap. Never raises for an unreachable ILS or
        a failing store: what cannot be settled now stays open.
        """
        with self._pass_lock:
            try:
                intents = self._log.open_checkouts()
            except StorageFailed as err:
                log.error("reconciliation cannot read open check-outs: %s", err)
                return ReconcileResult()
            lent = not_lent = 0
            now = self._clock.now()
            ready = [intent for intent in intents if self._may_settle(intent, now)]
            for index, intent in enumerate(ready):
                try:
                    status = self._ils.item_status(intent.item_barcode)
                except IlsUnavailable as err:
                    log.warning(
                        "reconciliation: ILS unavailable (%s); %d check-out(s) stay open, "
                        "asked again in %g s",
                        err,
                        len(ready) - index,
                        self.period,
                    )
                    break
                outcome = decide(intent, status)
                if outcome is None:
                    log.warning(
                        "reconciliation: ILS says item %s is on loan but gives no due date; "
                        "left open",
                        intent.item_barcode,
                    )
                    continue
                try:
                    self._log.record(outcome)
                except StorageFailed as err:
                    log.error("reconciliation could not store its result: %s", err)
                    break
                self._interrupted.discard(intent.intent_id)
                if isinstance(outcome, CheckoutConfirmed):
                    lent += 1
                    log.warning(
                        "reconciliation: the ILS lent item %s; loan recorded from intent %s",
                        intent.item_barcode,
                        intent.intent_id,
                    )
                else:
                    not_lent += 1
            result = ReconcileResult(lent, not_lent, len(intents) - lent - not_lent)
            if result.settled:
                log.info(
                    "reconciliation: %d lent, %d not lent, %d still open",
                    result.lent,
                    result.not_lent,
                    result.still_open,
                )
            return result

    def observe(self, answer: Event) -> None:
        """Command-runner hook (worker thread): after a failed check-out, reconcile soon."""
        failed = isinstance(answer, CommandFailed)
        unrecorded = isinstance(answer, CheckoutDone) and (
            answer.answer.refusal is Refusal.NOT_RECORDED
            or answer.answer.refusal is Refusal.KIOSK_FAULT
        )
        if failed or unrecorded:
            self.request()

    def request(self) -> None:
        """Ask the reconciler thread for a pass now (any thread)."""
        self._wake.set()

    def start(self) -> None:
        """Start the ``reconciler`` daemon thread: a pass now, then on request or every period."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="reconciler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the thread, waiting at most ``timeout`` for a pass in progress."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_for_pass(self, after: int, timeout: float = 10.0) -> bool:
        """Wait until more than ``after`` passes have finished (tests). True if they have."""
        with self._done:
            return self._done.wait_for(lambda: self._passes > after, timeout)

    def _may_settle(self, intent: CheckoutIntent, now: dt.datetime) -> bool:
        if intent.answered or intent.intent_id in self._interrupted:
            return True
        return (now - intent.created_at).total_seconds() >= self.settle_after

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.reconcile_once()
            except Exception as err:  # a bug; the next pass tries again
                log.error("reconciliation pass failed: %s: %s", type(err).__name__, err)
            with self._done:
                self._passes += 1
                self._done.notify_all()
            self._wake.wait(self.period)  # a request (a failed check-out) cuts the wait short

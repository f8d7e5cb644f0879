"""Sending the transactions taken offline to the ILS, in order, exactly once.

:class:`Replayer` runs on a daemon thread of its own, ``offline-replay``. Why not the ILS
worker: a replay stuck on an ILS that is still half down would queue patrons' commands
behind it, and the worker's deadlines are about patrons. Why not the reconciler's thread:
reconciliation settles unsure intents by asking, while replay sends; sharing one thread
would hold each behind the other's backoff. Why not the UI thread: it does no I/O. Like
the reconciler it touches only the ILS and the store, never the session.

For each open transaction, oldest first (:meth:`OfflineStore.open_transactions`)::

    state "sending" (a call was made, its answer never stored)
        -> ask item_status first: the ILS has it already?  -> replayed (recorded as such)
    commit "sending" (mark_sending)
    -> checkout(card, item, taken_at, no_block_due=due)   or   checkin(item, taken_at, no_block)
    -> the ILS took it   -> OfflineReplayed: the loan or return row + its usual report
       it refused        -> OfflineDisagreed: kept for staff (`kiosk offline`) + a report
       no answer         -> stop; it stays "sending", asked about on the next pass

The state is committed before each call, so a kill -9 anywhere leaves a transaction
either "pending" (never sent) or "sending" (ask first), never sent twice unasked. A loan
the ILS already made answers "already yours" if it is sent again, which counts as replayed
when it was "sending"; one never sent is a disagreement (the patron had it already).

How the kiosk notices the ILS is back: any answer to any call (the worker's, the
reconciler's, this thread's) marks it reachable (:class:`~kiosk.core.offline.WatchedIls`)
and wakes this thread; besides, while the ILS is unreachable, this thread probes it with
``item_status`` (of the first waiting item, else of :data:`PROBE_ITEM`, an item no library
has: "unknown" is an answer too) after 2 s, doubling to 15 s; and once at start, so a wrong
login or an ILS that is down is logged, and marked, before the first patron meets it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from kiosk.core.model import (
    ItemStatus,
    Loan,
    OfflineAction,
    OfflineDisagreed,
    OfflineReplayed,
    OfflineState,
    OfflineTransaction,
    Outcome,
    Refusal,
    Return,
)
from kiosk.core.offline import OfflineDesk
from kiosk.core.passes import PassThread
from kiosk.core.ports import CirculationLog, Clock, IlsBackend, IlsUnavailable, StorageFailed

log = logging.getLogger(__name__)

PROBE_ITEM = "0"
"""The item asked about to probe an ILS with nothing to replay: none has it, it changes
nothing, and any answer proves the ILS is back."""

FIRST_BACKOFF = 2.0
MAX_BACKOFF = 15.0  # the ILS back: replayed, and the mark gone, within 15 s (patron trial)
IDLE_PERIOD = 300.0
"""Seconds between passes with nothing waiting and the ILS answering (a request wakes it)."""


@dataclass(frozen=True)
class ReplayResult:
    """What one pass did. ``reached``: whether the ILS answered (None: it was not asked)."""

    replayed: int = 0
    disagreed: int = 0
    still_waiting: int = 0
    reached: bool | None = None


class Replayer(PassThread):
    """Replays offline transactions on its own thread (see the module docstring).

    Args:
        ils: the ILS (watched: its answers mark it reachable).
        log: the circulation log the outcomes are recorded through.
        desk: the offline desk (its store, the queue's count, reachability).
        clock: the injected clock (when a disagreement was found).
    """

    def __init__(
        self, ils: IlsBackend, log: CirculationLog, desk: OfflineDesk, clock: Clock
    ) -> None:
        super().__init__("offline-replay")
        self._ils = ils
        self._log = log
        self.desk = desk
        self._clock = clock
        self._pass_lock = threading.Lock()
        self.first_backoff = FIRST_BACKOFF
        self.max_backoff = MAX_BACKOFF
        self._backoff = FIRST_BACKOFF

    def replay_once(self) -> ReplayResult:
        """Send every open offline transaction, in order, until one gets no answer.

        Safe from any thread; passes never overlap. Never raises for an unreachable ILS or
        a failing store: what is not sent stays for the next pass.
        """
        with self._pass_lock:
            try:
                waiting = self.desk.store.open_transactions()
            except StorageFailed as err:
                log.error("offline replay cannot read the waiting transactions: %s", err)
                return ReplayResult()
            if not waiting:
                return ReplayResult(reached=self._probe())
            replayed = disagreed = 0
            reached: bool | None = None
            for index, txn in enumerate(waiting):
                try:
                    outcome = self._replay(txn)
                    reached = True
                    self._log.record(outcome)
                except IlsUnavailable as err:
                    reached = False
                    log.warning(
                        "offline replay: ILS unavailable (%s); %d transaction(s) wait",
                        err,
                        len(waiting) - index,
                    )
                    break
                except StorageFailed as err:
                    log.error("offline replay stopped: the store failed: %s", err)
                    break
                self.desk.closed()
                if isinstance(outcome, OfflineDisagreed):
                    disagreed += 1
                    log.warning(
                        "offline replay: the ILS refused the offline %s of item …%s (%s); "
                        "listed for staff (kiosk offline)",
                        txn.action.value,
                        txn.item_barcode[-4:],
                        outcome.reason,
                    )
                else:
                    replayed += 1
            left = len(waiting) - replayed - disagreed
            if replayed or disagreed:
                log.info(
                    "offline replay: %d replayed, %d disagreed, %d waiting",
                    replayed,
                    disagreed,
                    left,
                )
            return ReplayResult(replayed, disagreed, left, reached)

    def _probe_at_start(self) -> None:
        """Ask the ILS once as the kiosk starts, so that a wrong login, a wrong address or
        an ILS that is down shows in the log (the backend's one line) and as the screen's
        offline mark before the first patron, rather than being found by them (trials)."""
        try:
            self._ils.item_status(PROBE_ITEM)
        except IlsUnavailable as err:
            log.warning("the library system does not answer at start: %s", err)
        except Exception as err:  # a bug in a backend must not stop the replay thread
            log.error(
                "start-up probe of the library system failed: %s: %s", type(err).__name__, err
            )

    def _probe(self) -> bool | None:
        if self.desk.reachability.online:
            return None
        try:
            self._ils.item_status(PROBE_ITEM)
        except IlsUnavailable:
            return False
        return True

    def _replay(self, txn: OfflineTransaction) -> Outcome:
        """The outcome of sending ``txn`` (asking first if it may have been sent).

        Raises:
            IlsUnavailable: no answer; the transaction stays (``sending`` once sent).
            StorageFailed: ``sending`` could not be committed; nothing was sent.
        """
        if txn.state is OfflineState.SENDING:
            done = _already_done(txn, self._ils.item_status(txn.item_barcode))
            if done is not None:
                log.warning(
                    "offline replay: the ILS already has the %s of item …%s (sent before a "
                    "restart); recorded once",
                    txn.action.value,
                    txn.item_barcode[-4:],
                )
                return OfflineReplayed(txn.txn_id, done)
        self.desk.store.mark_sending(txn.txn_id)
        if txn.action is OfflineAction.LOAN:
            return self._send_loan(txn)
        return self._send_return(txn)

    def _send_loan(self, txn: OfflineTransaction) -> Outcome:
        assert txn.patron_barcode is not None and txn.due is not None
        answer = self._ils.checkout(
            txn.patron_barcode, txn.item_barcode, txn.taken_at, no_block_due=txn.due
        )
        if answer.ok and answer.loan is not None:
            return OfflineReplayed(txn.txn_id, answer.loan)
        if answer.refusal is Refusal.ALREADY_YOURS and txn.state is OfflineState.SENDING:
            # Sent before, and the answer was lost. A transaction never sent that the ILS
            # calls "already yours" was lent to the patron before it was taken offline (a
            # second scan while offline): no second loan is recorded, and staff are told,
            # since the patron was shown a due date that is not the library's (patron trial).
            due = answer.due or txn.due
            loan = Loan(txn.patron_barcode, txn.item_barcode, answer.title, "", due, txn.taken_at)
            return OfflineReplayed(txn.txn_id, loan)
        reason = (answer.refusal or Refusal.NOT_LOANABLE).value
        return OfflineDisagreed(txn.txn_id, txn.action, txn.item_barcode, reason, self._clock.now())

    def _send_return(self, txn: OfflineTransaction) -> Outcome:
        answer = self._ils.checkin(txn.item_barcode, txn.taken_at, no_block=True)
        if answer.ok:
            returned = Return(
                txn.item_barcode,
                answer.title,
                txn.taken_at,
                answer.fine,
                answer.sort,
                answer.destination,
            )
            return OfflineReplayed(txn.txn_id, returned)
        reason = (answer.refusal or Refusal.KIOSK_FAULT).value
        return OfflineDisagreed(txn.txn_id, txn.action, txn.item_barcode, reason, self._clock.now())

    # ----- the thread ----------------------------------------------------------------------

    def _before_first_pass(self) -> None:
        self._backoff = self.first_backoff
        self._probe_at_start()

    def _run_pass(self) -> float:
        """A pass, then the wait: a backoff while the ILS is unreachable, soon while
        transactions still wait, else :data:`IDLE_PERIOD`."""
        result = ReplayResult()
        try:
            result = self.replay_once()
        except Exception as err:  # a bug; the next pass tries again
            log.error("offline replay pass failed: %s: %s", type(err).__name__, err)
        if result.reached is False:
            delay, self._backoff = self._backoff, min(self._backoff * 2, self.max_backoff)
            return delay
        self._backoff = self.first_backoff
        return self.first_backoff if result.still_waiting else IDLE_PERIOD


def _already_done(txn: OfflineTransaction, status: ItemStatus | None) -> Loan | Return | None:
    """What the ILS's item status says of a transaction that may have been sent already:
    the loan or return it made, or None (send it)."""
    if status is None:
        return None  # unknown item: sending it gets the ILS's own refusal, for staff
    if txn.action is OfflineAction.LOAN:
        mine = status.borrower_barcode in (None, txn.patron_barcode)
        if status.on_loan and mine and status.due == txn.due and txn.patron_barcode:
            assert txn.due is not None
            return Loan(
                txn.patron_barcode, txn.item_barcode, status.title, status.author, txn.due,
                txn.taken_at,
            )  # fmt: skip
        return None
    lent_since = status.checked_out_at is not None and status.checked_out_at > txn.taken_at
    if not status.on_loan or lent_since:
        return Return(txn.item_barcode, status.title, txn.taken_at)
    return None

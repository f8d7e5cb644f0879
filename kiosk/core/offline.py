"""Offline mode: what the kiosk does while the ILS cannot be reached, on the worker thread.

The ILS port tells two outages apart (:mod:`kiosk.core.ports`): :class:`IlsUnreachable`
means the ILS certainly did not get the request (connection refused or timed out, login
refused), so acting without it is safe; a plain :class:`IlsUnavailable` (an answer lost
after sending) stays unsure and is left to intents and the reconciler, as before.

When the ILS is unreachable, :class:`OfflineDesk` follows the ``[offline]`` policy
(:class:`OfflinePolicy`):

- **Sign-in**: a card + PIN the ILS accepted within ``seen_days`` (a keyed hash of both
  and the time are kept after every accepted sign-in, :meth:`OfflineDesk.remember`) is let
  in without a name; any other is refused with "the library system cannot be reached".
- **Returns** are taken and stored (``returns = "accept"``), or refused as an outage.
- **Loans** are refused as an outage (``loans = "refuse"``), or taken within the limits:
  at most ``patron_limit`` offline loans of one card waiting for replay and
  ``session_limit`` in one session; each is due ``loan_days`` later.

Each transaction taken is an :class:`~kiosk.core.model.OfflineTaken` recorded through the
one outcome path (row + outbox report in one transaction, resolving the intent begun
before the ILS was found unreachable) before the patron is told it is recorded and will be
processed. :class:`kiosk.core.replay.Replayer` sends them to the ILS in order, once.

Order with later patrons: while offline transactions wait, new loans and returns go
behind them. When the ILS is back the worker first gives the replayer a moment
(:meth:`OfflineDesk.queue_behind`) to empty the queue, so usually the patron is served
online at once; if the queue is still not empty, the transaction is taken offline behind
it, so the ILS always sees them in the order they happened.

:class:`WatchedIls` wraps the backend so that every call, from any thread, tells
:class:`Reachability` whether the ILS answered: the staff's "offline" mark on the screen
follows it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from kiosk.core.model import (
    Account,
    CheckinAnswer,
    CheckoutAnswer,
    ItemStatus,
    Loan,
    OfflineAction,
    OfflineTaken,
    OfflineTransaction,
    Patron,
    PatronCheck,
    Refusal,
    RenewAnswer,
)
from kiosk.core.ports import (
    CirculationLog,
    Clock,
    IlsBackend,
    IlsUnavailable,
    IlsUnreachable,
    StorageFailed,
)
from kiosk.core.privacy import mask_personal

log = logging.getLogger(__name__)

_T = TypeVar("_T")

QUEUE_WAIT = 3.0
"""Seconds the worker waits for the replayer to empty the queue, once the ILS answers
again, before it takes a new transaction offline behind the queue (well inside the
command's 8 s deadline)."""


@dataclass(frozen=True)
class OfflinePolicy:
    """The ``[offline]`` settings (see ``deploy/kiosk.example.toml``)."""

    accept_returns: bool = True
    lend: bool = True
    patron_limit: int = 3
    session_limit: int = 5
    seen_days: int = 30
    loan_days: int = 14
    timezone: str = "Asia/Jakarta"
    """The library's time zone: an offline loan is due ``loan_days`` after its local date."""


class OfflineStore(Protocol):
    """What offline mode keeps in the kiosk's store (besides the outcomes it records)."""

    def remember(self, card: str, pin: str, at: dt.datetime) -> None:
        """Note that the ILS accepted this card and PIN at ``at`` (a keyed hash of both).

        Raises:
            StorageFailed: nothing was stored.
        """
        ...

    def seen_since(self, card: str, pin: str, since: dt.datetime) -> bool:
        """Whether the ILS accepted this card and PIN at or after ``since``.

        Raises:
            StorageFailed: the store could not be read.
        """
        ...

    def waiting_loans(self, card: str) -> int:
        """Offline loans of ``card`` not yet replayed.

        Raises:
            StorageFailed: the store could not be read.
        """
        ...

    def open_transactions(self) -> list[OfflineTransaction]:
        """Offline transactions not yet replayed or disagreed, in replay order.

        Raises:
            StorageFailed: the store could not be read.
        """
        ...

    def mark_sending(self, txn_id: str) -> None:
        """Commit that the transaction is about to be sent to the ILS.

        Raises:
            StorageFailed: nothing was stored; it must not be sent.
        """
        ...


class Reachability:
    """Whether the ILS answered lately, as the kiosk's calls found out (any thread).

    Listeners are called on change, in order, with the new value (the driver's ``post``).
    """

    def __init__(self, now: Callable[[], dt.datetime] | None = None) -> None:
        self._lock = threading.Lock()
        self._online = True
        self._listeners: list[Callable[[bool], None]] = []
        self._now = now
        self._failure: tuple[dt.datetime | None, str] = (None, "")

    def failed(self, error: Exception) -> None:
        """Keep the last failed call's one line (the technician screen shows it). Long
        numbers in it are masked: an error may quote what was sent."""
        line = mask_personal(" ".join(str(error).split()))[:300] or type(error).__name__
        with self._lock:
            self._failure = (self._now() if self._now is not None else None, line)

    @property
    def last_failure(self) -> tuple[dt.datetime | None, str]:
        """When the last call failed (if known) and its line; (None, '') before any."""
        with self._lock:
            return self._failure

    @property
    def online(self) -> bool:
        """False after :class:`IlsUnreachable`, True again after any answer."""
        with self._lock:
            return self._online

    def listen(self, listener: Callable[[bool], None]) -> None:
        """Call ``listener(online)`` at every change (from the thread that noted it)."""
        with self._lock:
            self._listeners.append(listener)

    def note(self, online: bool) -> None:
        """Record what a call found; listeners hear of a change (under the lock, so two
        threads' notes reach them in the order they were made)."""
        with self._lock:
            if online == self._online:
                return
            self._online = online
            if online:
                log.warning("the library system answers again")
            else:
                log.warning("the library system cannot be reached; offline mode")
            for listener in self._listeners:
                try:
                    listener(online)
                except Exception as err:  # the caller's call must not fail for a listener
                    log.error("reachability listener failed: %s: %s", type(err).__name__, err)


class WatchedIls:
    """An :class:`IlsBackend` that tells :class:`Reachability` how each call went.

    An answer (a refusal too) means reachable; :class:`IlsUnreachable` means not; a plain
    :class:`~kiosk.core.ports.IlsUnavailable` (an answer lost) says nothing either way.
    """

    def __init__(self, inner: IlsBackend, reachability: Reachability) -> None:
        self.inner = inner
        self._reachability = reachability

    def _call(self, call: Callable[[], _T]) -> _T:
        try:
            result = call()
        except IlsUnreachable as err:
            self._reachability.failed(err)
            self._reachability.note(False)
            raise
        except IlsUnavailable as err:  # an answer lost: not offline, but worth showing staff
            self._reachability.failed(err)
            raise
        self._reachability.note(True)
        return result

    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        """See :meth:`IlsBackend.check_patron`."""
        return self._call(lambda: self.inner.check_patron(barcode, pin))

    def identify_patron(self, barcode: str) -> PatronCheck:
        """See :meth:`IlsBackend.identify_patron`."""
        return self._call(lambda: self.inner.identify_patron(barcode))

    def checkout(
        self,
        patron_barcode: str,
        item_barcode: str,
        now: dt.datetime,
        fee_acknowledged: bool = False,
        no_block_due: dt.date | None = None,
    ) -> CheckoutAnswer:
        """See :meth:`IlsBackend.checkout` (only the options given are passed on, so
        a backend or test wrapper without the newer ones still works for ordinary calls)."""
        options: dict[str, Any] = {}
        if fee_acknowledged:
            options["fee_acknowledged"] = True
        if no_block_due is not None:
            options["no_block_due"] = no_block_due
        return self._call(lambda: self.inner.checkout(patron_barcode, item_barcode, now, **options))

    def checkin(self, item_barcode: str, now: dt.datetime, no_block: bool = False) -> CheckinAnswer:
        """See :meth:`IlsBackend.checkin`."""
        if not no_block:
            return self._call(lambda: self.inner.checkin(item_barcode, now))
        return self._call(lambda: self.inner.checkin(item_barcode, now, no_block=True))

    def renew(self, patron_barcode: str, item_barcode: str, now: dt.datetime) -> RenewAnswer:
        """See :meth:`IlsBackend.renew`."""
        return self._call(lambda: self.inner.renew(patron_barcode, item_barcode, now))

    def renew_all(self, patron_barcode: str, now: dt.datetime) -> list[RenewAnswer]:
        """See :meth:`IlsBackend.renew_all`."""
        return self._call(lambda: self.inner.renew_all(patron_barcode, now))

    def account(self, patron_barcode: str, now: dt.datetime) -> Account:
        """See :meth:`IlsBackend.account`."""
        return self._call(lambda: self.inner.account(patron_barcode, now))

    def item_status(self, item_barcode: str) -> ItemStatus | None:
        """See :meth:`IlsBackend.item_status`."""
        return self._call(lambda: self.inner.item_status(item_barcode))

    def close(self) -> None:
        """Close the wrapped backend, if it can be closed."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


class OfflineDesk:
    """Offline sign-ins, loans and returns, and the queue's size (worker and replay threads).

    Args:
        policy: the ``[offline]`` settings.
        store: the seen-online cache and the offline transactions.
        log: the circulation log (offline transactions are recorded through it).
        clock: the injected clock.
        reachability: what the last ILS calls found.
        queue_wait: see :data:`QUEUE_WAIT`.
        new_id: makes transaction ids (tests inject it).
    """

    def __init__(
        self,
        policy: OfflinePolicy,
        store: OfflineStore,
        log: CirculationLog,
        clock: Clock,
        reachability: Reachability,
        *,
        queue_wait: float = QUEUE_WAIT,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.policy = policy
        self.store = store
        self._log = log
        self._clock = clock
        self.reachability = reachability
        self.queue_wait = queue_wait
        self._new_id = new_id
        self._zone = ZoneInfo(policy.timezone)
        self._cond = threading.Condition()
        try:
            self._waiting = len(store.open_transactions())
        except StorageFailed as err:  # the replayer reads them again; count as it closes them
            logging.getLogger(__name__).error(  # ``log`` is the circulation log here
                "offline transactions waiting could not be counted at start: %s", err
            )
            self._waiting = 0
        self._session_loans: dict[int, int] = {}
        self._wake_replay: Callable[[], None] = lambda: None

    # ----- the queue ---------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Offline transactions stored and not yet closed (replayed or disagreed)."""
        with self._cond:
            return self._waiting

    def set_replay_wake(self, wake: Callable[[], None]) -> None:
        """How to ask the replayer for a pass now (its ``request``)."""
        self._wake_replay = wake

    def closed(self) -> None:
        """The replayer closed one transaction (replayed or disagreed)."""
        with self._cond:
            self._waiting = max(0, self._waiting - 1)
            self._cond.notify_all()

    def queue_behind(self) -> bool:
        """Whether a new loan or return must go behind waiting offline transactions.

        While the ILS is unreachable, at once; once it answers again, after giving the
        replayer up to ``queue_wait`` seconds to empty the queue.
        """
        with self._cond:
            if self._waiting == 0:
                return False
        if not self.reachability.online:
            return True
        self._wake_replay()
        with self._cond:
            return not self._cond.wait_for(lambda: self._waiting == 0, self.queue_wait)

    # ----- sign-in -----------------------------------------------------------------------

    def remember(self, card: str, pin: str) -> None:
        """The ILS accepted this card and PIN: keep their keyed hash and the time."""
        try:
            self.store.remember(card, pin, self._clock.now())
        except StorageFailed as err:  # the patron is signed in anyway; only offline loses
            log.error("a card seen online could not be noted for offline sign-in: %s", err)

    def sign_in(self, card: str, pin: str) -> PatronCheck | None:
        """The patron, without a name (the ILS is not there to say it), when this card
        and PIN were accepted online within ``seen_days``; else None.

        Raises:
            StorageFailed: the cache cannot be read.
        """
        since = self._clock.now() - dt.timedelta(days=self.policy.seen_days)
        if not self.store.seen_since(card, pin, since):
            return None
        return PatronCheck(Patron(card, "", offline=True))

    # ----- loans and returns -------------------------------------------------------------

    def lend(
        self, session_no: int, card: str, item: str, at: dt.datetime, intent_id: str = ""
    ) -> CheckoutAnswer | None:
        """Take a loan offline, within the policy; None when the policy refuses loans.

        Returns:
            The loan (due ``loan_days`` after today) once it is stored with its report;
            ``OFFLINE_LIMIT`` past a limit; ``KIOSK_FAULT`` when it could not be stored
            (nothing was lent).
        """
        if not self.policy.lend:
            return None
        with self._cond:
            in_session = self._session_loans.get(session_no, 0)
        try:
            of_card = self.store.waiting_loans(card)
        except StorageFailed as err:
            log.error("offline loan refused: its limit could not be checked: %s", err)
            return CheckoutAnswer(item, refusal=Refusal.KIOSK_FAULT)
        if in_session >= self.policy.session_limit or of_card >= self.policy.patron_limit:
            return CheckoutAnswer(item, refusal=Refusal.OFFLINE_LIMIT)
        due = at.astimezone(self._zone).date() + dt.timedelta(days=self.policy.loan_days)
        txn = OfflineTransaction(self._new_id(), OfflineAction.LOAN, item, at, card, due)
        if not self._take(txn, intent_id):
            return CheckoutAnswer(item, refusal=Refusal.KIOSK_FAULT)
        with self._cond:
            self._session_loans[session_no] = in_session + 1
        return CheckoutAnswer(item, loan=Loan(card, item, "", "", due, at))

    def take_return(self, item: str, at: dt.datetime, intent_id: str = "") -> CheckinAnswer | None:
        """Take a return offline; None when the policy refuses returns.

        Returns:
            An accepted answer once stored; ``KIOSK_FAULT`` when it could not be stored.
        """
        if not self.policy.accept_returns:
            return None
        txn = OfflineTransaction(self._new_id(), OfflineAction.RETURN, item, at)
        if not self._take(txn, intent_id):
            return CheckinAnswer(item, refusal=Refusal.KIOSK_FAULT)
        return CheckinAnswer(item)

    def _take(self, txn: OfflineTransaction, intent_id: str) -> bool:
        try:
            self._log.record(OfflineTaken(txn, intent_id))
        except Exception as err:  # nothing stored: nothing taken, the patron goes to the desk
            log.error(
                "offline %s of item …%s not taken: the kiosk could not store it (%s: %s)",
                txn.action.value,
                txn.item_barcode[-4:],
                type(err).__name__,
                " ".join(str(err).split()),
            )
            return False
        with self._cond:
            self._waiting += 1
        return True

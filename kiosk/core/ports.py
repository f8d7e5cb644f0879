"""Interfaces the core needs from the outside world."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Protocol

from kiosk.core.model import (
    Account,
    CheckinAnswer,
    CheckoutAnswer,
    CheckoutIntent,
    ItemAction,
    ItemIntent,
    ItemStatus,
    Outcome,
    PatronCheck,
    Preferences,
    PrintReport,
    ReceiptText,
    RenewAnswer,
)
from kiosk.core.visits import Visit, VisitRecorded


class IlsUnavailable(Exception):
    """The ILS could not be reached or did not answer in time. The message is for technicians."""


class IlsUnreachable(IlsUnavailable):
    """The ILS certainly did not receive the request: the connection was refused or timed
    out, the login was refused, or the backend already knows it is down. Nothing was done,
    so the kiosk may act offline (an answer lost after sending is :class:`IlsUnavailable`:
    the ILS may have done it)."""


class StorageFailed(Exception):
    """The local store could not commit. The message is for technicians."""


class IlsBackend(Protocol):
    """The library's circulation system, as the kiosk sees it (SIP2 or the embedded demo)."""

    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        """Authenticate a card and PIN and say whether the patron may borrow.

        Raises:
            IlsUnavailable: the ILS did not answer.
        """
        ...

    def checkout(
        self,
        patron_barcode: str,
        item_barcode: str,
        now: dt.datetime,
        fee_acknowledged: bool = False,
        no_block_due: dt.date | None = None,
    ) -> CheckoutAnswer:
        """Lend one item to a patron.

        An item with a loan fee is refused with ``FEE_REQUIRED`` and the fee's amount
        unless ``fee_acknowledged`` (the patron accepted it; SIP2 BO); then it is lent and
        the fee is charged to the patron.

        ``no_block_due`` replays a loan the kiosk made offline at ``now`` (SIP2 no block,
        nb due date): the ILS records it as of ``now``, due that day, charging any loan fee
        without asking; it may still refuse (the item is unknown, held or lent to another,
        the patron blocked), which the kiosk reports to staff.

        Raises:
            IlsUnavailable: the ILS did not answer; the item may or may not have been lent
                (ask :meth:`item_status` later).
        """
        ...

    def checkin(self, item_barcode: str, now: dt.datetime, no_block: bool = False) -> CheckinAnswer:
        """Take an item back, whoever borrowed it, and say where it goes now.

        A late return is charged its fine, in the answer. Refused (nothing changes) for an
        item the ILS does not know (``UNKNOWN_ITEM``) or one not on loan (``NOT_ON_LOAN``).
        ``no_block`` replays a return the kiosk took offline at ``now`` (SIP2 no block,
        return date).

        Raises:
            IlsUnavailable: the ILS did not answer; the item may or may not be returned
                (ask :meth:`item_status` later).
        """
        ...

    def renew(self, patron_barcode: str, item_barcode: str, now: dt.datetime) -> RenewAnswer:
        """Extend one of the patron's loans, or say why not.

        Refusals: ``UNKNOWN_ITEM``, ``UNKNOWN_PATRON``, ``NOT_ON_LOAN``,
        ``ON_LOAN_TO_ANOTHER``, a patron block (``PATRON_BLOCKED``, ``CARD_EXPIRED``,
        ``FINES_OVER_LIMIT``), ``ITEM_OVERDUE`` where the library's rules say so,
        ``RENEWAL_LIMIT``, ``ON_HOLD_FOR_ANOTHER``.

        Raises:
            IlsUnavailable: the ILS did not answer; the loan may or may not be renewed.
        """
        ...

    def renew_all(self, patron_barcode: str, now: dt.datetime) -> list[RenewAnswer]:
        """Try to renew every loan of the patron; one answer per loan (none for a card
        the ILS does not know).

        Raises:
            IlsUnavailable: the ILS did not answer.
        """
        ...

    def account(self, patron_barcode: str, now: dt.datetime) -> Account:
        """The patron's loans, holds and fines as of ``now``. Changes nothing.

        Raises:
            IlsUnavailable: the ILS did not answer.
        """
        ...

    def item_status(self, item_barcode: str) -> ItemStatus | None:
        """Say whether an item is on loan now, and what the ILS knows of that loan.

        Reconciliation uses it to settle a check-out whose answer never arrived. It changes
        nothing. Returns None for an item the ILS does not know.

        Raises:
            IlsUnavailable: the ILS did not answer.
        """
        ...


class CirculationLog(Protocol):
    """The kiosk's own durable record of what it did, with the outbox for central."""

    def record(self, outcome: Outcome) -> None:
        """Store the outcome and its outbox event in one transaction; return only after commit.

        Every kind of outcome (a loan today; returns, renewals, refusals, ratings and
        visits as their services arrive) goes through this one method.

        Raises:
            StorageFailed: nothing was stored.
            TypeError: an outcome type the store does not know (a programming error).
        """
        ...

    def begin_checkout(
        self, patron_barcode: str, item_barcode: str, at: dt.datetime
    ) -> CheckoutIntent:
        """Store and commit the intent to check an item out, before the ILS is asked.

        The intent stays open until a :class:`~kiosk.core.model.CheckoutConfirmed` or
        :class:`~kiosk.core.model.CheckoutNotLent` outcome for it is recorded.

        Raises:
            StorageFailed: nothing was stored; the ILS must not be asked.
        """
        ...

    def open_checkouts(self) -> list[CheckoutIntent]:
        """Intents not resolved yet, oldest first.

        Raises:
            StorageFailed: the store could not be read.
        """
        ...

    def begin_items(
        self,
        action: ItemAction,
        items: Sequence[tuple[str, bool, dt.date | None]],
        at: dt.datetime,
        patron_barcode: str | None = None,
    ) -> list[ItemIntent]:
        """Store and commit the intents to return or renew items, before the ILS is asked.

        ``items`` gives per item its barcode, whether it was on loan and its due date
        before asking (None when not known). Each intent stays open until a
        :class:`~kiosk.core.model.Return`, :class:`~kiosk.core.model.Renewal`,
        :class:`~kiosk.core.model.Refused` or :class:`~kiosk.core.model.ItemIntentNotDone`
        naming it is recorded.

        Raises:
            StorageFailed: nothing was stored; the ILS must not be asked.
        """
        ...

    def open_items(self) -> list[ItemIntent]:
        """Return and renewal intents not resolved yet, oldest first.

        Raises:
            StorageFailed: the store could not be read.
        """
        ...

    def recorded_since(self, action: ItemAction, item_barcode: str, since: dt.datetime) -> bool:
        """Whether a return (or renewal) of the item done at this kiosk after ``since`` is
        recorded (reconciliation then does not record an older unsure one a second time).

        Raises:
            StorageFailed: the store could not be read.
        """
        ...


class PinFailures(Protocol):
    """Wrong PINs per card across sessions, so rescanning a card does not buy more guesses.

    Kept by the kiosk itself (a real ILS has its own limit, which the kiosk cannot see).
    ``now`` is wall-clock time from the injected clock: the count must survive a restart.
    """

    def locked(self, card: str, now: dt.datetime) -> bool:
        """True when ``card`` has had the configured number of wrong PINs within the window.

        Raises:
            StorageFailed: the store could not be read.
        """
        ...

    def record_failure(self, card: str, now: dt.datetime) -> bool:
        """Count one wrong PIN for ``card``; return whether the card is now locked.

        Raises:
            StorageFailed: the failure could not be stored.
        """
        ...

    def forgive(self, card: str, at: dt.datetime) -> None:
        """Take back the failure counted for ``card`` at ``at`` (the PIN was right after all).

        Raises:
            StorageFailed: the store could not be written.
        """
        ...

    def tries_left(self, card: str, now: dt.datetime) -> int:
        """Wrong PINs ``card`` may still have before it is locked (0 when locked).

        Raises:
            StorageFailed: the store could not be read.
        """
        ...


class PreferenceStore(Protocol):
    """Patrons' saved settings (language, text size, colours, voice), kept at this kiosk
    under a keyed hash of the card number, never the number. Called on the worker thread.
    """

    def load(self, card: str) -> Preferences | None:
        """The settings saved for ``card``, or None when there are none.

        Raises:
            StorageFailed: the store could not be read.
        """
        ...

    def save(self, card: str, preferences: Preferences, now: dt.datetime) -> None:
        """Store ``preferences`` for ``card`` (replacing any saved before); return after commit.

        Raises:
            StorageFailed: nothing was stored.
        """
        ...

    def forget(self, card: str) -> bool:
        """Delete what is saved for ``card``; return whether anything was.

        Raises:
            StorageFailed: nothing was deleted.
        """
        ...


class VisitLog(Protocol):
    """Where visits are kept: the guest book's and the gate's (kiosk/storage/visits.py).

    A member is stored and reported by the visitor key (an HMAC of the card under the
    library's visit key), never by the number; names only as the guest-book policy allows.
    """

    def record_visit(self, visit: Visit, at: dt.datetime) -> VisitRecorded:
        """Store the visit and its outbox ``visit`` report in one transaction, unless the
        same visitor key was counted within the repeat window before ``at`` (then nothing
        is stored: ``VisitRecorded(counted=False, event_id=None)``).

        Raises:
            StorageFailed: it could not be stored.
        """
        ...

    def purge_names(self, now: dt.datetime) -> int:
        """Erase names older than the retention (row and outbox payload), overwrite them in
        the file (secure delete) and truncate the WAL; return how many visits lost a name.

        Raises:
            StorageFailed: the names could not be erased.
        """
        ...


class ReceiptPrinter(Protocol):
    """The receipt printer, as the kiosk sees it (bootstrap adapts ``devices.printer``).

    Called on the worker thread only, one receipt at a time. Opening the device, asking
    its paper status and bounding the time are the adapter's business.
    """

    def print_receipt(self, receipt: ReceiptText) -> PrintReport:
        """Print ``receipt`` if the printer is there and has paper; never raises for the device.

        Returns:
            The outcome, with one line for a technician (what, where, what to do).
        """
        ...


class SpeechPriority(enum.IntEnum):
    """Which queued utterance a voice says first (higher first; equal ones in order).

    A patron's action or a new screen interrupts everything anyway; priority orders what
    arrives while the patron only listens (an outcome before the rest of a screen's text).
    """

    HINT = 0  # the attract screen's occasional "press any key for voice guidance"
    SCREEN = 1  # what a screen is for and what to do there
    CONTROL = 2  # the control just focused or touched
    RESULT = 3  # an outcome or a notice
    ALERT = 4  # the idle warning and its countdown, an error screen


class Voice(Protocol):
    """A voice the kiosk talks through (espeak-ng behind ``accessibility.speech``).

    Every method returns at once and may be called from the UI thread: it queues or sets a
    flag; synthesis and playback happen on the voice's own thread.
    """

    def say(self, text: str, language: str, priority: SpeechPriority, personal: bool) -> None:
        """Queue ``text`` (as the screen shows it) in ``language``.

        ``personal``: it holds a patron's data (a title, a name, a fine); its audio is
        kept only until :meth:`reset` and it is never logged.
        """

    def interrupt(self) -> None:
        """Stop speaking now and drop what is queued."""

    def repeat(self) -> None:
        """Say again the last utterance that began."""

    def change_rate(self, step: int) -> int:
        """Speak faster (+1) or slower (-1); returns the new step, 1 = slowest."""

    def change_volume(self, step: int) -> int:
        """Louder (+1) or quieter (-1); returns the new step, 1 = quietest."""

    @property
    def steps(self) -> int:
        """How many rate steps and volume steps there are."""

    def reset(self) -> None:
        """The session ended: interrupt, default rate and volume, forget personal audio."""

    @property
    def working(self) -> bool:
        """Whether anything can be heard (False: no synthesiser or no sound device)."""


class Clock(Protocol):
    """Time as the core sees it. Injected so tests never sleep."""

    def now(self) -> dt.datetime:
        """Current wall-clock time, timezone-aware."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start; only differences matter."""
        ...

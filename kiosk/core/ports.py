"""Interfaces the core needs from the outside world."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from kiosk.core.model import CheckoutAnswer, CheckoutIntent, ItemStatus, Outcome, PatronCheck


class IlsUnavailable(Exception):
    """The ILS could not be reached or did not answer in time. The message is for technicians."""


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

    def checkout(self, patron_barcode: str, item_barcode: str, now: dt.datetime) -> CheckoutAnswer:
        """Lend one item to a patron.

        Raises:
            IlsUnavailable: the ILS did not answer; the item may or may not have been lent
                (ask :meth:`item_status` later).
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


class Clock(Protocol):
    """Time as the core sees it. Injected so tests never sleep."""

    def now(self) -> dt.datetime:
        """Current wall-clock time, timezone-aware."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start; only differences matter."""
        ...

"""Interfaces the core needs from the outside world."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from kiosk.core.model import CheckoutAnswer, Outcome, PatronCheck


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
            IlsUnavailable: the ILS did not answer; nothing is known to have changed.
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


class Clock(Protocol):
    """Time as the core sees it. Injected so tests never sleep."""

    def now(self) -> dt.datetime:
        """Current wall-clock time, timezone-aware."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start; only differences matter."""
        ...

"""What the SIP2 server (an ACS) needs from a library: the server's own back-end port.

The server speaks SIP2 to self-check machines and asks a :class:`Library` for everything
else, in :mod:`kiosk.core.model` values and the small value types below. The demo library
implements it (:mod:`kiosk.ils.sip2.server.demo`); a library system that speaks no SIP2
(a SLiMS or INLISLite database) implements it too and the server becomes its gateway.

Every method may be called from several connection threads at once; a library that
cannot serve (its database is down) raises :class:`kiosk.core.ports.IlsUnavailable` and
the server answers that request as refused, with one technician line in its log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from kiosk.core.model import CheckinAnswer, CheckoutAnswer, FineReason, RenewAnswer


class PatronFlag(IntEnum):
    """A position of SIP2's 14-character patron status: a Y there says the flag is set."""

    CHARGE_DENIED = 0
    RENEWAL_DENIED = 1
    RECALL_DENIED = 2
    HOLD_DENIED = 3
    CARD_LOST = 4
    TOO_MANY_CHARGED = 5
    TOO_MANY_OVERDUE = 6
    TOO_MANY_RENEWALS = 7
    TOO_MANY_CLAIMS = 8
    TOO_MANY_LOST = 9
    EXCESSIVE_FINES = 10
    EXCESSIVE_FEES = 11
    RECALL_OVERDUE = 12
    TOO_MANY_BILLED = 13


class CirculationStatus(StrEnum):
    """SIP2 Item Information's circulation status (the ones a library here uses)."""

    OTHER = "01"
    AVAILABLE = "03"
    CHARGED = "04"
    ON_HOLD_SHELF = "08"
    IN_TRANSIT = "10"


@dataclass(frozen=True, slots=True)
class PatronStatus:
    """A card as the library judges it now (SIP2 Patron Status, 23/24).

    Attributes:
        card: the card's barcode, as asked.
        known: the library has this card (SIP2 BL).
        pin_ok: the PIN was right (SIP2 CQ); None when no PIN was given or it could not
            be checked (a card locked after wrong PINs is not checked: False then).
        name: the patron's name; empty when unknown or the PIN was wrong.
        flags: the status flags set.
        expires: the card's expiry date (SIP2 PA extension), None if unknown.
        loans: items on loan now; ``loan_limit`` the most allowed (SIP2 CB).
        overdue: loans past their due date.
        fines_owed: Rupiah charged and unpaid (SIP2 BV); ``fines_limit`` above which
            borrowing is refused (SIP2 CC).
        screen_message: the library's own words (SIP2 AF), as they come.
    """

    card: str
    known: bool
    pin_ok: bool | None = None
    name: str = ""
    flags: frozenset[PatronFlag] = frozenset()
    expires: dt.date | None = None
    loans: int = 0
    loan_limit: int | None = None
    overdue: int = 0
    fines_owed: int = 0
    fines_limit: int | None = None
    screen_message: str = ""

    @property
    def identified(self) -> bool:
        """Known, and the PIN (if one was given) was right: its details may be told."""
        return self.known and self.pin_ok is not False


@dataclass(frozen=True, slots=True)
class FineItem:
    """One amount on a patron's account (SIP2 AV): ``item_barcode`` is set for a fine
    still accruing on a late item the patron still has."""

    reason: FineReason
    amount: int
    title: str = ""
    item_barcode: str = ""


@dataclass(frozen=True, slots=True)
class PatronAccount:
    """A card's status and the items on its account (SIP2 Patron Information, 63/64).

    The lists hold item barcodes: ``charged`` every loan, ``overdue`` the late ones,
    ``holds_ready`` holds waiting on the hold shelf, ``holds_waiting`` holds still in a
    queue. All empty unless :attr:`PatronStatus.identified`.
    """

    status: PatronStatus
    charged: tuple[str, ...] = ()
    overdue: tuple[str, ...] = ()
    holds_ready: tuple[str, ...] = ()
    holds_waiting: tuple[str, ...] = ()
    fines: tuple[FineItem, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """An item now (SIP2 Item Information, 17/18). None stands for an unknown item.

    Attributes:
        status: its circulation status (``OTHER`` for an item that does not circulate).
        due: its due date while charged.
        hold_queue: holds waiting for it (SIP2 CF).
        pickup_by: while it waits on the hold shelf, until when (SIP2 CM).
        fee: its loan fee in Rupiah (SIP2 BT 06, BV), 0 for none.
        permanent_location: where it belongs (SIP2 AQ).
    """

    barcode: str
    title: str
    status: CirculationStatus
    due: dt.date | None = None
    hold_queue: int = 0
    pickup_by: dt.date | None = None
    fee: int = 0
    permanent_location: str = ""


@dataclass(frozen=True, slots=True)
class HoldAnswer:
    """Answer to a hold request (SIP2 15/16)."""

    ok: bool
    screen_message: str = ""
    queue_position: int | None = None


@dataclass(frozen=True, slots=True)
class LibraryInfo:
    """Who the library is: SIP2 AM (name) and AO (institution id), and its time zone,
    in which every date the server sends is a local date."""

    name: str
    institution: str
    timezone: ZoneInfo


class Library(Protocol):
    """What an ACS needs from the library behind it. See the module docstring."""

    def info(self) -> LibraryInfo:
        """The library's name, institution id and time zone."""
        ...

    def now(self) -> dt.datetime:
        """The library's clock, timezone-aware (transaction dates, loans, returns)."""
        ...

    def verify_login(self, user: str, password: str, location: str) -> bool:
        """Whether a self-check machine may log in (SIP2 93) with these credentials."""
        ...

    def patron_status(self, card: str, pin: str | None) -> PatronStatus:
        """The card's standing; ``pin`` None: not checked (the machine sent none)."""
        ...

    def patron_account(self, card: str, pin: str | None) -> PatronAccount:
        """The card's standing and the items on its account."""
        ...

    def item(self, barcode: str) -> ItemInfo | None:
        """The item now, or None for one the library does not have."""
        ...

    def checkout(
        self,
        card: str,
        item: str,
        now: dt.datetime,
        *,
        fee_acknowledged: bool,
        no_block_due: dt.date | None,
    ) -> CheckoutAnswer:
        """Lend an item (see :meth:`kiosk.core.ports.IlsBackend.checkout`)."""
        ...

    def checkin(self, item: str, now: dt.datetime, *, no_block: bool) -> CheckinAnswer:
        """Take an item back (see :meth:`kiosk.core.ports.IlsBackend.checkin`)."""
        ...

    def renew(self, card: str, item: str, now: dt.datetime) -> RenewAnswer:
        """Renew one loan (see :meth:`kiosk.core.ports.IlsBackend.renew`)."""
        ...

    def renew_all(self, card: str, now: dt.datetime) -> list[RenewAnswer]:
        """Renew every loan of the card; one answer per loan."""
        ...

    def hold(self, card: str, item: str, now: dt.datetime) -> HoldAnswer:
        """Place a hold for the card on the item."""
        ...

    def end_session(self, card: str) -> None:
        """The patron's session at the machine ended (SIP2 35): forget what was kept."""
        ...

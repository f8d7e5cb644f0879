"""The demo library (:class:`kiosk.ils.local.LocalIls`) behind the SIP2 server's port.

Circulation goes through LocalIls's own rules unchanged (the same answers the kiosk gets
from it directly); what SIP2 carries beyond the kiosk's port (flags, expiry, limits, hold
queues, locations) is read from its records (:mod:`kiosk.ils.local.lookup`). The import of
``kiosk.ils.local`` is within ``kiosk.ils``, which the import contracts allow.
"""

from __future__ import annotations

import datetime as dt
import hmac

from kiosk.core.model import CheckinAnswer, CheckoutAnswer, FineReason, Refusal, RenewAnswer
from kiosk.ils.local import LocalIls, demo_data
from kiosk.ils.local.lookup import ItemRecord, PatronRecord
from kiosk.ils.sip2.server.library import (
    CirculationStatus,
    FineItem,
    HoldAnswer,
    ItemInfo,
    LibraryInfo,
    PatronAccount,
    PatronFlag,
    PatronStatus,
)

DEMO_USER = "kiosk"
DEMO_PASSWORD = "kiosk-demo"
"""The demo server's login (SIP2 93), documented in the README: a public demo value, never
a real library's. ``kiosk sip2-server --user/--password`` replaces it."""
DEMO_INSTITUTION = str(demo_data.INSTITUTION)
HOLD_REFUSED_MESSAGE = "Pemesanan tidak dapat dilakukan di mesin ini. Silakan ke meja layanan."
"""The demo library's own words (SIP2 AF) when a machine asks it to place a hold."""

_BLOCKS = frozenset({PatronFlag.CHARGE_DENIED, PatronFlag.RENEWAL_DENIED})
_UNKNOWN_FLAGS = frozenset(
    {
        PatronFlag.CHARGE_DENIED,
        PatronFlag.RENEWAL_DENIED,
        PatronFlag.RECALL_DENIED,
        PatronFlag.HOLD_DENIED,
    }
)


class LocalLibrary:
    """:class:`~kiosk.ils.sip2.server.library.Library` over the demo library.

    Args:
        ils: the open demo library.
        name: the library's name (SIP2 AM).
        user: the login a self-check machine must give (SIP2 CN).
        password: its password (SIP2 CO); compared in constant time, never logged.
        institution: the institution id (SIP2 AO).
    """

    def __init__(
        self,
        ils: LocalIls,
        *,
        name: str,
        user: str = DEMO_USER,
        password: str = DEMO_PASSWORD,
        institution: str = DEMO_INSTITUTION,
    ) -> None:
        self._ils = ils
        self._info = LibraryInfo(name=name, institution=institution, timezone=ils.timezone)
        self._user = user.encode("utf-8")
        self._password = password.encode("utf-8")

    def __repr__(self) -> str:  # never the password
        return f"LocalLibrary({self._info.name!r}, user={self._user.decode()!r})"

    def info(self) -> LibraryInfo:
        return self._info

    def now(self) -> dt.datetime:
        return self._ils.now()

    def verify_login(self, user: str, password: str, location: str) -> bool:
        # Both compared whatever the first gives, so the time says nothing about either.
        user_ok = hmac.compare_digest(user.encode("utf-8"), self._user)
        password_ok = hmac.compare_digest(password.encode("utf-8"), self._password)
        return user_ok and password_ok

    def patron_status(self, card: str, pin: str | None) -> PatronStatus:
        record = self._ils.patron_record(card)
        if record is None:
            return PatronStatus(card, known=False, pin_ok=None if pin is None else False,
                                flags=_UNKNOWN_FLAGS)  # fmt: skip
        pin_ok = None if pin is None else self._pin_ok(card, pin, record)
        if pin_ok is False:
            # Nothing about the patron for a wrong PIN: not even the name.
            return PatronStatus(card, known=True, pin_ok=False, flags=_flags(record))
        if pin is not None:
            record = self._ils.patron_record(card) or record  # the check may have locked it
        return PatronStatus(
            card,
            known=True,
            pin_ok=pin_ok,
            name=record.name,
            flags=_flags(record),
            expires=record.expires,
            loans=len(record.loans),
            loan_limit=record.loan_limit,
            overdue=sum(1 for loan in record.loans if loan.overdue_days),
            fines_owed=record.fines_owed,
            fines_limit=record.fines_limit,
            screen_message=record.screen_message,
        )

    def _pin_ok(self, card: str, pin: str, record: PatronRecord) -> bool:
        """The library's own PIN check (it counts wrong PINs and locks the card)."""
        if record.locked:
            return False  # not checked while locked: a guess teaches nothing
        check = self._ils.check_patron(card, pin)
        return check.refusal is not Refusal.WRONG_PIN and check.patron is not None

    def patron_account(self, card: str, pin: str | None) -> PatronAccount:
        status = self.patron_status(card, pin)
        if not status.identified:
            return PatronAccount(status)
        record = self._ils.patron_record(card)
        if record is None:  # removed between the two reads
            return PatronAccount(PatronStatus(card, known=False, flags=_UNKNOWN_FLAGS))
        fines = [FineItem(fine.reason, fine.amount, fine.title) for fine in record.fines]
        fines += [
            FineItem(FineReason.OVERDUE, loan.accruing_fine, loan.title, loan.item_barcode)
            for loan in record.loans
            if loan.accruing_fine
        ]
        return PatronAccount(
            status,
            charged=tuple(loan.item_barcode for loan in record.loans),
            overdue=tuple(loan.item_barcode for loan in record.loans if loan.overdue_days),
            holds_ready=tuple(h.item_barcode for h in record.holds if h.ready_until is not None),
            holds_waiting=tuple(h.item_barcode for h in record.holds if h.ready_until is None),
            fines=tuple(fines),
        )

    def item(self, barcode: str) -> ItemInfo | None:
        record = self._ils.item_record(barcode)
        if record is None:
            return None
        return ItemInfo(
            barcode=record.barcode,
            title=record.title,
            status=_circulation(record),
            due=record.due,
            hold_queue=record.hold_queue,
            pickup_by=record.ready_until,
            fee=record.loan_fee,
            permanent_location=record.home_branch or self._info.name,
        )

    def checkout(
        self,
        card: str,
        item: str,
        now: dt.datetime,
        *,
        fee_acknowledged: bool,
        no_block_due: dt.date | None,
    ) -> CheckoutAnswer:
        return self._ils.checkout(card, item, now, fee_acknowledged, no_block_due)

    def checkin(self, item: str, now: dt.datetime, *, no_block: bool) -> CheckinAnswer:
        return self._ils.checkin(item, now, no_block)

    def renew(self, card: str, item: str, now: dt.datetime) -> RenewAnswer:
        return self._ils.renew(card, item, now)

    def renew_all(self, card: str, now: dt.datetime) -> list[RenewAnswer]:
        return self._ils.renew_all(card, now)

    def hold(self, card: str, item: str, now: dt.datetime) -> HoldAnswer:
        return HoldAnswer(ok=False, screen_message=HOLD_REFUSED_MESSAGE)

    def end_session(self, card: str) -> None:
        """Nothing is kept per session by the demo library."""


def _flags(record: PatronRecord) -> frozenset[PatronFlag]:
    """Every flag that applies (a real ILS reports them all, not just the first)."""
    flags: set[PatronFlag] = set()
    if record.blocked or record.locked or record.expired:
        flags |= _BLOCKS
    if record.over_fines_limit:
        flags |= _BLOCKS | {PatronFlag.EXCESSIVE_FINES}
    if record.at_loan_limit:
        flags.add(PatronFlag.TOO_MANY_CHARGED)
    return frozenset(flags)


def _circulation(record: ItemRecord) -> CirculationStatus:
    if record.on_loan:
        return CirculationStatus.CHARGED
    if record.reference:
        return CirculationStatus.OTHER  # exists, but does not circulate
    if record.hold_queue:
        return CirculationStatus.ON_HOLD_SHELF
    return CirculationStatus.AVAILABLE

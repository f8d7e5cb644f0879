"""The kiosk's own states: the attract screen and the error screen.

``idle`` is the attract screen. A card scanned there starts the service that declares
``starts_on_card`` (borrowing); :class:`~kiosk.core.events.ServiceChosen` starts any
service by name: the big choices of the services menu (:data:`MENU`), or their number
typed and sent with OK/Enter (1 Borrow, 2 Return, 3 My account, 4 Guest book; numbers follow the
choices shown). An item barcode or anything unreadable gets a notice that fades after
``Timeouts.summary`` seconds. ``error`` shows the notice a service failed with until OK,
Cancel or its timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.core.events import (
    BarcodeScanned,
    CancelPressed,
    Command,
    OkPressed,
    ServiceChosen,
    TechnicianRequested,
)
from kiosk.core.model import BarcodeKind
from kiosk.core.navigation import InputMode, Navigation, StateSpec, after
from kiosk.core.services.feedback import RATE, RATE_STATE, THANKS, THANKS_STATE
from kiosk.core.services.receipt import PRINTING, PRINTING_STATE
from kiosk.core.session import Notice, Session

log = logging.getLogger(__name__)

TECHNICIAN = "technician"
"""The technician screen's service: a staff card or Ctrl+Alt+T here opens it (its PIN)."""


@dataclass(frozen=True)
class MenuEntry:
    """One choice of the attract screen's services menu.

    Attributes:
        service: the service it starts (``ServiceChosen(service)``).
        label: catalogue key of its big label ("Kembalikan" / "Return").
        hint: catalogue key of the line under it (what it is for).
    """

    service: str
    label: str
    hint: str


MENU: tuple[MenuEntry, ...] = (
    MenuEntry("borrow", "menu.borrow", "menu.borrow_hint"),
    MenuEntry("return", "menu.return", "menu.return_hint"),
    MenuEntry("account", "menu.account", "menu.account_hint"),
    MenuEntry("guestbook", "menu.guestbook", "menu.guestbook_hint"),
)
"""The services menu, in the order shown (and numbered). Only entries whose service is in
the navigation are shown, so a kiosk without a service never offers it (the guest book,
fourth, only where ``[guestbook] enabled``)."""


def menu(navigation: Navigation) -> list[MenuEntry]:
    """The menu entries this kiosk offers, in order: those whose service it has."""
    return [entry for entry in MENU if entry.service in navigation.services]


def _idle_scan(session: Session, event: BarcodeScanned) -> list[Command]:
    text = event.text.strip()
    entries = menu(session.navigation)
    if len(text) == 1 and text.isdigit() and 1 <= int(text) <= len(entries):
        # A menu choice by number (keyboard or keypad): "2" then OK is Return.
        return _choose(session, ServiceChosen(entries[int(text) - 1].service))
    code, kind = session.classify(event.text)
    if kind is BarcodeKind.STAFF and TECHNICIAN in session.navigation.services:
        # Before any patron flow: a staff card never reaches the library system.
        return session.start(TECHNICIAN, code)
    if kind is BarcodeKind.PATRON:
        service = session.navigation.card_service
        return [] if service is None else session.start(service.name, code)
    session.notice = Notice(
        "notice.scan_card_first" if kind is BarcodeKind.ITEM else "notice.not_a_card"
    )
    return []


def _choose(session: Session, event: ServiceChosen) -> list[Command]:
    if event.service not in session.navigation.services:
        # The menu offers only the services there are; anything else is a bug to log,
        # never a reason to stop the kiosk.
        log.warning("service %r was chosen but this kiosk has no such service", event.service)
        return []
    commands = session.start(event.service)
    if session.state == Navigation.IDLE:
        # The service did not move: it begins with a card (borrowing, today).
        session.end()
        session.notice = Notice("notice.scan_card_to_start", is_error=False)
    return commands


def _technician(session: Session, _event: TechnicianRequested) -> list[Command]:
    if TECHNICIAN not in session.navigation.services:
        log.warning(
            "technician screen: Ctrl+Alt+T pressed, but no staff PIN is configured; run "
            "`kiosk staff-pin` and add its pin_hash line to [technician] in the config"
        )
        return []
    return session.start(TECHNICIAN)


def _dismiss(session: Session, _event: object) -> list[Command]:
    session.end()
    return []


def _idle_timeout(session: Session) -> float | None:
    # Nothing to time out on the attract screen, except a notice, which fades.
    return session.timeout_seconds("summary") if session.notice else None


def _error_texts(session: Session) -> Mapping[str, Notice]:
    return {"message": session.notice} if session.notice else {}


HOME: dict[str, StateSpec] = {
    Navigation.IDLE: StateSpec(
        input=InputMode.BARCODE,
        on={
            BarcodeScanned: _idle_scan,
            ServiceChosen: _choose,
            TechnicianRequested: _technician,
        },
        timeout=_idle_timeout,
    ),
    Navigation.ERROR: StateSpec(
        input=InputMode.NONE,
        on={OkPressed: _dismiss, CancelPressed: _dismiss},
        timeout=after("error"),
        texts=_error_texts,
    ),
    PRINTING: PRINTING_STATE,  # the receipt, when the patron asked for it on a summary
    RATE: RATE_STATE,  # the optional rating, after any service
    THANKS: THANKS_STATE,
}

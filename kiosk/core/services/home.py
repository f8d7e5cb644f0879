"""The kiosk's own states: the attract screen and the error screen.

``idle`` is the attract screen. A card scanned there starts the service that declares
``starts_on_card`` (borrowing); :class:`~kiosk.core.events.ServiceChosen` starts any
service by name. An item barcode or anything unreadable gets a notice that fades after
``Timeouts.summary`` seconds. ``error`` shows the notice a service failed with until OK,
Cancel or its timeout.
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.core.events import BarcodeScanned, CancelPressed, Command, OkPressed, ServiceChosen
from kiosk.core.model import BarcodeKind
from kiosk.core.navigation import InputMode, Navigation, StateSpec, after
from kiosk.core.services.feedback import RATE, RATE_STATE, THANKS, THANKS_STATE
from kiosk.core.services.receipt import PRINTING, PRINTING_STATE
from kiosk.core.session import Notice, Session


def _idle_scan(session: Session, event: BarcodeScanned) -> list[Command]:
    code, kind = session.classify(event.text)
    if kind is BarcodeKind.PATRON:
        service = session.navigation.card_service
        return [] if service is None else session.start(service.name, code)
    session.notice = Notice(
        "notice.scan_card_first" if kind is BarcodeKind.ITEM else "notice.not_a_card"
    )
    return []


def _choose(session: Session, event: ServiceChosen) -> list[Command]:
    if event.service not in session.navigation.services:
        raise ValueError(f"no service {event.service!r}")  # a screen offered what is not there
    return session.start(event.service)


def _dismiss(session: Session, _event: object) -> list[Command]:
    session.end()
    return []


def _idle_timeout(session: Session) -> float | None:
    # Nothing to time out on the attract screen, except a notice, which fades.
    return session.timeouts.summary if session.notice else None


def _error_texts(session: Session) -> Mapping[str, Notice]:
    return {"message": session.notice} if session.notice else {}


HOME: dict[str, StateSpec] = {
    Navigation.IDLE: StateSpec(
        input=InputMode.BARCODE,
        on={BarcodeScanned: _idle_scan, ServiceChosen: _choose},
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

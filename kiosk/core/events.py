"""What goes into the session (events) and what comes out of it (commands).

Events come from the patron (scans, keys, buttons) or answer a command; answers carry the
``session_no`` of the command, so the session can drop answers for a session that ended.
Commands are run off the UI thread by :class:`kiosk.core.circulation.CommandRunner`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.core.model import CheckoutAnswer, PatronCheck

# ----- events (in) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BarcodeScanned:
    """Text from the scanner, a keyboard-wedge scanner or typed by hand."""

    text: str


@dataclass(frozen=True)
class PinEntered:
    pin: str


@dataclass(frozen=True)
class FinishPressed:
    pass


@dataclass(frozen=True)
class CancelPressed:
    pass


@dataclass(frozen=True)
class ErrorDismissed:
    pass


@dataclass(frozen=True)
class Activity:
    """The patron touched the screen or pressed a key: they are still there."""


@dataclass(frozen=True)
class PatronChecked:
    session_no: int
    check: PatronCheck


@dataclass(frozen=True)
class CheckoutDone:
    session_no: int
    answer: CheckoutAnswer


@dataclass(frozen=True)
class IlsFailed:
    """A command could not reach the ILS. ``detail`` is for the technicians' log only."""

    session_no: int
    detail: str
    item_barcode: str | None = None


Event = (
    BarcodeScanned
    | PinEntered
    | FinishPressed
    | CancelPressed
    | ErrorDismissed
    | Activity
    | PatronChecked
    | CheckoutDone
    | IlsFailed
)

# ----- commands (out) ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckPatron:
    session_no: int
    barcode: str
    pin: str = field(repr=False)


@dataclass(frozen=True)
class Checkout:
    session_no: int
    patron_barcode: str
    item_barcode: str


Command = CheckPatron | Checkout

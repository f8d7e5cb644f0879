"""What goes into the session (events) and what comes out of it (commands).

Events come from the patron (scans, keys, buttons), from devices (a scanner unplugged),
or answer a command. Answers carry the ``session_no`` of their command, so the session
drops answers for a session that has ended. Commands are run off the UI thread by
:class:`kiosk.core.circulation.CommandRunner`, which dispatches on their exact type.

A service adds its own event and command types next to its table (see
:mod:`kiosk.core.services`); the ones here are shared by every service or belong to
borrowing, the first service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from kiosk.core.model import CheckoutAnswer, PatronCheck, PrintOutcome, ReceiptText, Refusal


@dataclass(frozen=True)
class Event:
    """Base of everything the session handles."""


# ----- from the patron -----------------------------------------------------------------------


@dataclass(frozen=True)
class BarcodeScanned(Event):
    """Text from the scanner, a keyboard-wedge scanner or typed by hand."""

    text: str


@dataclass(frozen=True)
class PinEntered(Event):
    pin: str = field(repr=False)


@dataclass(frozen=True)
class TextEntered(Event):
    """Text typed into a form field and submitted with Enter."""

    text: str


@dataclass(frozen=True)
class ServiceChosen(Event):
    """The patron chose a service (Borrow, Return, ...) on the attract screen."""

    service: str


@dataclass(frozen=True)
class ActionChosen(Event):
    """A button of a service's own: ``action`` names what it does (``renew``, ``page``),
    ``key`` which row or direction it is for (an item's barcode, ``next``)."""

    action: str
    key: str = ""


@dataclass(frozen=True)
class FinishPressed(Event):
    pass


@dataclass(frozen=True)
class CancelPressed(Event):
    pass


@dataclass(frozen=True)
class RatingChosen(Event):
    """One of the five faces at the end of a session: 1 (very unhappy) to 5 (very happy)."""

    score: int


@dataclass(frozen=True)
class ReceiptChosen(Event):
    """On a summary: "Print receipt" (True) or "No receipt" (False), one tap."""

    printed: bool


@dataclass(frozen=True)
class OkPressed(Event):
    """OK on a message, or Enter where nothing is typed (dismisses an error)."""


@dataclass(frozen=True)
class Activity(Event):
    """The patron touched the screen or pressed a key: they are still there."""


@dataclass(frozen=True)
class TechnicianRequested(Event):
    """The technician's key combination (Ctrl+Alt+T) was pressed on the attract screen."""


@dataclass(frozen=True)
class Heartbeat(Event):
    """Time passed (the driver's tick, about twice a second). Not patron activity: a state
    that shows live data (the technician screen) asks for it again; others ignore it."""


# ----- from devices --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceChanged(Event):
    """A device became ready or was lost. Not patron activity; handled in every state."""

    device: str
    ready: bool
    detail: str = ""


# ----- answers to commands -------------------------------------------------------------------


@dataclass(frozen=True)
class Answer(Event):
    """The result of a command, for the session that sent it."""

    session_no: int

    background: ClassVar[bool] = False
    """The answer to a background command (see :attr:`Command.background`)."""

    @property
    def leaves_intent_open(self) -> bool:
        """True when the ILS did something this answer's command could not store: its
        intent is left to reconciliation, which should then run soon."""
        return False


@dataclass(frozen=True)
class PatronChecked(Answer):
    check: PatronCheck
    tries_left: int | None = None
    """After a wrong PIN: tries this card has left at this kiosk across sessions, if known."""


@dataclass(frozen=True)
class CheckoutDone(Answer):
    answer: CheckoutAnswer
    offline: bool = False
    """Lent offline (the ILS was unreachable): stored, sent to the ILS when it is back."""


@dataclass(frozen=True)
class IlsReachabilityChanged(Event):
    """The ILS was found unreachable (``online`` False) or answering again (any thread
    posts it; the driver keeps it for the staff's "offline" mark, the session never sees it)."""

    online: bool


class Failure(StrEnum):
    """Why a command produced no answer."""

    UNAVAILABLE = "unavailable"  # the ILS could not be reached; nothing is known to have changed
    UNANSWERED = "unanswered"  # asked, and the answer was lost: it may have been done
    TIMEOUT = "timeout"  # no answer within the deadline; a late answer will be dropped
    INTERNAL = "internal"  # a fault in the kiosk itself (a bug), logged with its traceback


@dataclass(frozen=True)
class RatingRecorded(Answer):
    """The rating is stored (or, if the store failed, logged as lost)."""


@dataclass(frozen=True)
class ReceiptPrinted(Answer):
    """What became of the receipt; the technician's line was logged on the worker."""

    outcome: PrintOutcome


@dataclass(frozen=True)
class CommandFailed(Answer):
    """A command could not be completed. ``detail`` is for the technicians' log only."""

    failure: Failure
    detail: str
    command: Command


# ----- commands (out) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """Base of the work the session asks the shell to do off the UI thread."""

    session_no: int

    background: ClassVar[bool] = False
    """Work the patron did not ask for and need not wait for (a card's saved settings):
    it does not make the session busy (no spinner, the PIN can be sent), and its answer
    or failure goes to the navigation's ``background`` handlers in whatever state the
    session is, never to the state's own ``CommandFailed`` handler."""

    changes_ils: ClassVar[bool] = False
    """The ILS may do something for it (lend, take back, renew): an answer lost after
    asking is then ``Failure.UNANSWERED`` (maybe done), not ``UNAVAILABLE``."""


@dataclass(frozen=True)
class CheckPatron(Command):
    """Sign in with a card and PIN for ``service``, which signs in a patron whose only
    refusals are in ``accepts`` (the account service lets a patron at the loan limit in)."""

    barcode: str
    pin: str = field(repr=False)
    service: str = "borrow"
    accepts: frozenset[Refusal] = frozenset()


@dataclass(frozen=True)
class Checkout(Command):
    patron_barcode: str
    item_barcode: str

    changes_ils: ClassVar[bool] = True


@dataclass(frozen=True)
class RecordRating(Command):
    score: int
    service: str


@dataclass(frozen=True)
class PrintReceipt(Command):
    # The receipt holds titles and the card's last digits: kept out of logs and reprs.
    receipt: ReceiptText = field(repr=False)

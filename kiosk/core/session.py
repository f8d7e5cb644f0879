"""The patron's self check-out session as an explicit state table.

States::

    IDLE --card--> PATRON_IDENTIFIED --PIN ok--> SCANNING --finish--> SUMMARY --timeout--> IDLE
       \\                 | wrong PIN x3, blocked,        |  idle timeout with loans -> SUMMARY
        \\                v  ILS down                     |  idle timeout, none      -> IDLE
         `-- <-- ERROR <--'                               v

The session never does I/O and never reads a timer of its own. ``handle(event)`` returns the
commands (``CheckPatron``, ``Checkout``) the shell must run off the UI thread; their results
come back as events (``PatronChecked``, ``CheckoutDone``, ``IlsFailed``) tagged with the
session number, so a late answer for a finished session is ignored. Timeouts happen in
``tick()``, against the injected clock. One thread only may call ``handle`` and ``tick``.

What the patron sees is read from the public attributes: ``state``, ``patron``, ``lines``,
``notice`` (a message key with parameters) and ``seconds_left``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from kiosk.core.events import (
    Activity,
    BarcodeScanned,
    CancelPressed,
    Checkout,
    CheckoutDone,
    CheckPatron,
    Command,
    ErrorDismissed,
    Event,
    FinishPressed,
    IlsFailed,
    PatronChecked,
    PinEntered,
)
from kiosk.core.model import Patron, Refusal
from kiosk.core.ports import Clock

__all__ = [  # the events and commands are re-exported: the session's vocabulary in one place
    "Activity", "BarcodeScanned", "CancelPressed", "CheckPatron", "Checkout", "CheckoutDone",
    "Command", "ErrorDismissed", "Event", "FinishPressed", "IlsFailed", "ItemLine",
    "LineStatus", "Notice", "PatronChecked", "PinEntered", "Session", "State", "Timeouts",
]  # fmt: skip

BarcodeKind = Literal["patron", "item"]
BarcodeClassifier = Callable[[str], tuple[str, BarcodeKind | None]]
"""Takes raw scanned or typed text; returns (normalised code, kind or None when invalid)."""


class State(StrEnum):
    IDLE = "idle"
    PATRON_IDENTIFIED = "patron_identified"
    SCANNING = "scanning"
    SUMMARY = "summary"
    ERROR = "error"


# ----- what the screen shows -----------------------------------------------------------------


class LineStatus(StrEnum):
    PENDING = "pending"
    BORROWED = "borrowed"
    REFUSED = "refused"


@dataclass
class ItemLine:
    """One scanned item in this session, in scan order."""

    barcode: str
    status: LineStatus = LineStatus.PENDING
    title: str = ""
    due: dt.date | None = None
    refusal: Refusal | None = None


@dataclass(frozen=True)
class Notice:
    """A message for the patron: a catalogue key and its parameters."""

    key: str
    params: tuple[tuple[str, str], ...] = ()
    is_error: bool = True


@dataclass(frozen=True)
class Timeouts:
    """Seconds of inactivity before each state gives up. See deploy/kiosk.example.toml."""

    idle: float = 60.0
    warning: float = 15.0
    summary: float = 10.0
    error: float = 15.0


MAX_PIN_ATTEMPTS = 3

_PATRON_REFUSALS_NEEDING_ERROR_SCREEN = {
    Refusal.UNKNOWN_PATRON,
    Refusal.CARD_EXPIRED,
    Refusal.FINES_OVER_LIMIT,
    Refusal.TOO_MANY_ITEMS,
    Refusal.PATRON_BLOCKED,
}


class Session:
    """One kiosk's patron session. See the module docstring for the state table."""

    def __init__(
        self,
        clock: Clock,
        classify: BarcodeClassifier,
        timeouts: Timeouts | None = None,
    ) -> None:
        self._clock = clock
        self._classify = classify
        self.timeouts = timeouts or Timeouts()
        self.session_no = 0
        self.state = State.IDLE
        self.card: str | None = None
        self.patron: Patron | None = None
        self.lines: list[ItemLine] = []
        self.notice: Notice | None = None
        self.pin_attempts = 0
        self.checking_patron = False
        self._last_activity = clock.monotonic()
        self._table: dict[tuple[State, type], Callable[[object], list[Command]]] = {
            (State.IDLE, BarcodeScanned): self._idle_scan,
            (State.PATRON_IDENTIFIED, BarcodeScanned): self._identified_scan,
            (State.PATRON_IDENTIFIED, PinEntered): self._pin_entered,
            (State.PATRON_IDENTIFIED, PatronChecked): self._patron_checked,
            (State.PATRON_IDENTIFIED, IlsFailed): self._ils_failed_on_patron,
            (State.PATRON_IDENTIFIED, CancelPressed): self._end,
            (State.SCANNING, BarcodeScanned): self._item_scan,
            (State.SCANNING, CheckoutDone): self._checkout_done,
            (State.SCANNING, IlsFailed): self._ils_failed_on_item,
            (State.SCANNING, FinishPressed): self._finish,
            (State.SCANNING, CancelPressed): self._finish,
            (State.SUMMARY, FinishPressed): self._end,
            (State.SUMMARY, CancelPressed): self._end,
            (State.SUMMARY, BarcodeScanned): self._summary_scan,
            (State.ERROR, ErrorDismissed): self._end,
            (State.ERROR, CancelPressed): self._end,
        }

    # ----- public API ------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """How many check-outs are still waiting for the ILS."""
        return sum(1 for line in self.lines if line.status is LineStatus.PENDING)

    @property
    def busy(self) -> bool:
        """A command is in flight: the screen shows a spinner and Finish waits."""
        return self.checking_patron or self.pending > 0

    @property
    def borrowed(self) -> list[ItemLine]:
        return [line for line in self.lines if line.status is LineStatus.BORROWED]

    @property
    def seconds_left(self) -> float | None:
        """Seconds until this state times out, or None in IDLE or while busy."""
        limit = self._limit()
        if limit is None or self.busy:
            return None
        return max(0.0, limit - (self._clock.monotonic() - self._last_activity))

    @property
    def timeout_warning(self) -> bool:
        """True when the patron should be asked whether they need more time."""
        left = self.seconds_left
        return (
            left is not None
            and self.state in (State.PATRON_IDENTIFIED, State.SCANNING)
            and left <= self.timeouts.warning
        )

    def handle(self, event: Event) -> list[Command]:
        """Apply one event; return the commands the shell must run."""
        if isinstance(event, PatronChecked | CheckoutDone | IlsFailed):
            if event.session_no != self.session_no:
                return []  # answer for a session that has already ended
        else:
            self._last_activity = self._clock.monotonic()
        if isinstance(event, Activity):
            return []
        handler = self._table.get((self.state, type(event)))
        if handler is None:
            return []
        return handler(event)

    def tick(self) -> None:
        """Let time pass: end states that have waited longer than their timeout."""
        left = self.seconds_left
        if left is None or left > 0:
            return
        if self.state is State.SCANNING:
            self._finish(None)
        else:
            self._end(None)

    # ----- handlers --------------------------------------------------------------------------

    def _idle_scan(self, event: object) -> list[Command]:
        assert isinstance(event, BarcodeScanned)
        code, kind = self._classify(event.text)
        if kind == "patron":
            self.session_no += 1
            self.card = code
            self.pin_attempts = 0
            self.notice = None
            self.state = State.PATRON_IDENTIFIED
        elif kind == "item":
            self.notice = Notice("notice.scan_card_first")
        else:
            self.notice = Notice("notice.not_a_card")
        return []

    def _identified_scan(self, event: object) -> list[Command]:
        assert isinstance(event, BarcodeScanned)
        code, kind = self._classify(event.text)
        if kind == "patron" and not self.checking_patron:
            # Somebody else stepped up with their card: start over with it.
            self.card = code
            self.pin_attempts = 0
            self.notice = None
        elif kind == "item":
            self.notice = Notice("notice.enter_pin_first")
        return []

    def _pin_entered(self, event: object) -> list[Command]:
        assert isinstance(event, PinEntered)
        if self.checking_patron or self.card is None:
            return []
        if not event.pin:
            self.notice = Notice("notice.pin_empty")
            return []
        self.checking_patron = True
        self.notice = None
        return [CheckPatron(self.session_no, self.card, event.pin)]

    def _patron_checked(self, event: object) -> list[Command]:
        assert isinstance(event, PatronChecked)
        self.checking_patron = False
        check = event.check
        if check.ok:
            self.patron = check.patron
            self.notice = None
            self.state = State.SCANNING
        elif check.refusal is Refusal.WRONG_PIN:
            self.pin_attempts += 1
            if self.pin_attempts >= MAX_PIN_ATTEMPTS:
                self._error(Notice("refusal.wrong_pin_too_often"))
            else:
                left = MAX_PIN_ATTEMPTS - self.pin_attempts
                self.notice = Notice("refusal.wrong_pin", (("attempts", str(left)),))
        else:
            self.patron = check.patron
            refusal = check.refusal or Refusal.PATRON_BLOCKED
            if refusal not in _PATRON_REFUSALS_NEEDING_ERROR_SCREEN:
                refusal = Refusal.PATRON_BLOCKED
            self._error(Notice(f"refusal.{refusal.value}"))
        return []

    def _ils_failed_on_patron(self, event: object) -> list[Command]:
        self.checking_patron = False
        self._error(Notice("refusal.ils_unavailable"))
        return []

    def _item_scan(self, event: object) -> list[Command]:
        assert isinstance(event, BarcodeScanned) and self.patron is not None
        code, kind = self._classify(event.text)
        if kind == "patron":
            if code != self.patron.barcode:
                self.notice = Notice("notice.other_card_during_session")
            return []
        if kind is None:
            self.notice = Notice("notice.not_an_item")
            return []
        for line in self.lines:
            if line.barcode == code and line.status is not LineStatus.REFUSED:
                self.notice = Notice("notice.already_scanned", is_error=False)
                return []
        self.notice = None
        self.lines = [line for line in self.lines if line.barcode != code]
        self.lines.append(ItemLine(barcode=code))
        return [Checkout(self.session_no, self.patron.barcode, code)]

    def _checkout_done(self, event: object) -> list[Command]:
        assert isinstance(event, CheckoutDone)
        answer = event.answer
        line = self._pending_line(answer.item_barcode)
        if line is None:
            return []
        if answer.ok and answer.loan is not None:
            line.status = LineStatus.BORROWED
            line.title = answer.loan.title
            line.due = answer.loan.due
            line.refusal = answer.refusal  # NOT_RECORDED: lent, but the receipt failed
        else:
            line.status = LineStatus.REFUSED
            line.title = answer.title
            line.refusal = answer.refusal or Refusal.NOT_LOANABLE
        return []

    def _ils_failed_on_item(self, event: object) -> list[Command]:
        assert isinstance(event, IlsFailed)
        line = self._pending_line(event.item_barcode or "")
        if line is not None:
            line.status = LineStatus.REFUSED
            line.refusal = Refusal.ILS_UNAVAILABLE
        return []

    def _finish(self, event: object) -> list[Command]:
        if self.busy:
            return []  # answers still coming; Finish is pressed again or tick() retries
        if self.borrowed:
            self.notice = None
            self.state = State.SUMMARY
            self._last_activity = self._clock.monotonic()
        else:
            self._end(None)
        return []

    def _summary_scan(self, event: object) -> list[Command]:
        # The next patron scans their card while the previous summary is still up.
        self._end(None)
        return self._idle_scan(event)

    def _end(self, event: object) -> list[Command]:
        """Back to IDLE, forgetting everything about the patron."""
        self.state = State.IDLE
        self.card = None
        self.patron = None
        self.lines = []
        self.notice = None
        self.pin_attempts = 0
        self.checking_patron = False
        self.session_no += 1
        return []

    # ----- helpers ---------------------------------------------------------------------------

    def _error(self, notice: Notice) -> None:
        self.state = State.ERROR
        self.notice = notice
        self._last_activity = self._clock.monotonic()

    def _pending_line(self, barcode: str) -> ItemLine | None:
        for line in self.lines:
            if line.barcode == barcode and line.status is LineStatus.PENDING:
                return line
        return None

    def _limit(self) -> float | None:
        return {
            # A notice on the attract screen ("that was a book, scan your card") fades out.
            State.IDLE: self.timeouts.summary if self.notice else None,
            State.PATRON_IDENTIFIED: self.timeouts.idle,
            State.SCANNING: self.timeouts.idle,
            State.SUMMARY: self.timeouts.summary,
            State.ERROR: self.timeouts.error,
        }[self.state]

"""The patron's session at the kiosk: one state machine driven by the merged service tables.

The session never does I/O and never reads a timer of its own. :meth:`Session.handle`
looks up ``(state, type(event))`` in the :class:`~kiosk.core.navigation.Navigation` and
returns the commands the shell must run off the UI thread; their results come back as
:class:`~kiosk.core.events.Answer` events tagged with the session number, so a late
answer for a finished session is ignored. Timeouts happen in :meth:`tick`, against the
injected clock. One thread only may call :meth:`handle` and :meth:`tick` (the driver
asserts it).

What the patron sees is read from the public attributes and properties: ``state``,
``screen``, ``input_mode``, ``patron``, ``lines``, ``notice``, ``texts()``,
``seconds_left`` and ``timeout_warning``. Everything about the patron is forgotten by
:meth:`end`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from kiosk.core.diagnostics import Diagnostics
from kiosk.core.events import (
    Activity,
    Answer,
    Command,
    CommandFailed,
    DeviceChanged,
    Event,
    Failure,
    Heartbeat,
)
from kiosk.core.model import BarcodeKind, Patron, Preferences, Refusal
from kiosk.core.navigation import InputMode, Navigation, Service, StateSpec
from kiosk.core.offline import OfflineDesk
from kiosk.core.ports import (
    CirculationLog,
    Clock,
    IlsBackend,
    PinFailures,
    PreferenceStore,
    ReceiptPrinter,
    VisitLog,
)
from kiosk.core.staff import StaffGate

BarcodeClassifier = Callable[[str], tuple[str, BarcodeKind | None]]
"""Takes raw scanned or typed text; returns (normalised code, kind or None when invalid)."""


# ----- what the screen shows -----------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A message for the patron: a catalogue key and its parameters.

    Parameters may be strings, numbers or dates (shown in the patron's language). A
    plural message names its plural key and the count that chooses the form.
    """

    key: str
    params: tuple[tuple[str, object], ...] = ()
    is_error: bool = True
    plural_key: str | None = None
    count: int = 0
    then: Notice | None = None
    """A notice shown (and, later, spoken) right after this one: the next step."""

    @classmethod
    def of(cls, key: str, /, *, is_error: bool = True, **params: object) -> Notice:
        """A notice with keyword parameters: ``Notice.of("scan.greeting", name="Siti")``."""
        return cls(key, tuple(params.items()), is_error)

    @classmethod
    def counted(cls, key: str, plural_key: str, count: int, /, **params: object) -> Notice:
        """A plural message: ``Notice.counted("summary.count", "summary.count_plural", 2)``."""
        return cls(key, tuple(params.items()), False, plural_key, count)

    def followed_by(self, then: Notice) -> Notice:
        """This notice with ``then`` after it: "This book is for use here. Leave it on..."."""
        tail = then if self.then is None else self.then.followed_by(then)
        return replace(self, then=tail)


class LineStatus(StrEnum):
    PENDING = "pending"  # sent to the ILS, no answer yet
    DONE = "done"  # the service's action succeeded (lent, returned, renewed, ...)
    REFUSED = "refused"


@dataclass
class ItemLine:
    """One item handled in this session, in scan order, whatever the service.

    ``revision`` goes up by one whenever any other field is assigned, so a screen can
    redraw only the lines that changed since it last looked (a session may hold hundreds
    of lines; handlers simply assign fields and need not know about it).
    """

    barcode: str
    status: LineStatus = LineStatus.PENDING
    title: str = ""
    details: tuple[Notice, ...] = ()
    due: dt.date | None = None
    refusal: Refusal | None = None
    amount: int = 0  # Rupiah charged for this item here: a late fine on return
    fee: int = 0
    """A loan fee in Rupiah: to accept (``FEE_REQUIRED``), declined, or accepted and charged."""
    screen_message: str = ""
    """The ILS's own words about this item, shown as they come."""
    offline: bool = False
    """Taken while the ILS was unreachable: recorded, processed when it is back."""
    revision: int = field(default=0, compare=False, repr=False)

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        if name != "revision":
            object.__setattr__(self, "revision", getattr(self, "revision", 0) + 1)


@dataclass(frozen=True)
class Row:
    """One row of a list a state shows by section (a loan, a hold, a fine on the account).

    ``title`` is shown as it comes (a book's title from the ILS); ``label`` is the word
    for the row's state, so its ``tone`` (``done``, ``refused``, ``info``, ``pending``)
    never carries the meaning by colour alone. A row with an ``action`` has a button with
    that text, which sends ``ActionChosen(action_name, key)``.
    """

    key: str
    title: str
    label: Notice | None = None
    details: tuple[Notice, ...] = ()
    tone: str = "info"
    action: Notice | None = None
    action_name: str = ""


@dataclass(frozen=True)
class Timeouts:
    """Seconds of inactivity before each kind of state gives up. See deploy/kiosk.example.toml."""

    idle: float = 60.0
    warning: float = 20.0
    voice_warning: float = 60.0
    """The warning's length while voice guidance is on: listening to the screen and
    finding "I need more time" by keys takes longer than seeing it (at least 60 s)."""
    summary: float = 10.0
    error: float = 15.0


@dataclass(frozen=True)
class ReceiptSettings:
    """The receipt at the end of a session (``[printer]``), as the session needs to know it.

    Attributes:
        printer: a printer is configured; without one no receipt is offered.
        printed_by_default: the choice OK (Enter) makes and the screen highlights.
        library_name: the receipt's title.
        timezone: the library's, for the date and time printed.
    """

    printer: bool = False
    printed_by_default: bool = True
    library_name: str = ""
    timezone: dt.tzinfo = dt.UTC


@dataclass(frozen=True)
class TechnicianPorts:
    """What the technician screen's commands use on the worker: the staff PIN's gate and
    the kiosk's parts (``kiosk/core/services/technician.py``)."""

    gate: StaffGate
    diagnostics: Diagnostics


@dataclass(frozen=True)
class Ports:
    """What command handlers may use on the worker thread."""

    ils: IlsBackend
    log: CirculationLog
    clock: Clock
    pin_failures: PinFailures
    printer: ReceiptPrinter | None = None  # None: no printer configured
    preferences: PreferenceStore | None = None  # None: patrons' settings are not kept
    offline: OfflineDesk | None = None  # None: no offline mode (an outage is only an outage)
    technician: TechnicianPorts | None = None  # None: no technician screen (no staff PIN)
    visits: VisitLog | None = None  # None: no guest book


@dataclass
class DeviceState:
    ready: bool
    detail: str = ""


class Session:
    """One kiosk's patron session over a merged navigation.

    Args:
        clock: injected time.
        classify: turns scanned text into (code, kind).
        navigation: the merged service tables.
        timeouts: the configured timeouts.
        receipts: the configured receipt printer and default choice (none by default).
    """

    def __init__(
        self,
        clock: Clock,
        classify: BarcodeClassifier,
        navigation: Navigation,
        timeouts: Timeouts | None = None,
        receipts: ReceiptSettings | None = None,
    ) -> None:
        self.clock = clock
        self.classify = classify
        self.navigation = navigation
        self.timeouts = timeouts or Timeouts()
        self.receipts = receipts or ReceiptSettings()
        self.language = "id"
        """The patron's language, kept up to date by the view-model (receipts are in it)."""
        self.session_no = 0
        self.handovers = 0
        """Times the next patron took over from the last one's screen without the attract
        screen in between (their card on a summary): the screen then starts afresh too."""
        self.state = Navigation.IDLE
        self.service: Service | None = None
        self.card: str | None = None
        self.patron: Patron | None = None
        self.lines: list[ItemLine] = []
        self.notice: Notice | None = None
        self.pin_attempts = 0
        self.receipt_from: str | None = None
        """The summary state a receipt is being printed from (see services/receipt.py)."""
        self.receipt_failed = False
        self.service_data: dict[str, object] = {}
        """A service's own data about the patron (their account), forgotten with them."""
        self.in_flight = 0
        self.devices: dict[str, DeviceState] = {}
        self.entry_epoch = 0
        """Changes whenever what is typed must be forgotten: a new state, a new card."""
        self.voice_mode = False
        """Voice guidance is on (kept by the view-model): the idle warning lasts longer."""
        self.display: Preferences | None = None
        """The settings the screen shows now (kept by the view-model): what "Save for my
        card" saves and the settings screen lists."""
        self.voice_steps = 5
        """How many speaking rate and volume steps there are (kept by the view-model)."""
        self.preferences: Preferences | None = None
        """The settings saved for this card, loaded when it was identified, to apply."""
        self.preferences_saved: bool | None = None
        """Whether settings are saved for this card: None while not known (not loaded yet,
        or the store could not be read)."""
        self.preferences_loaded = 0
        """Goes up each time a card's saved settings arrive: the view-model applies them."""
        self._last_activity = clock.monotonic()

    # ----- what is shown ---------------------------------------------------------------------

    @property
    def spec(self) -> StateSpec:
        return self.navigation[self.state]

    @property
    def screen(self) -> str:
        return self.spec.screen

    @property
    def input_mode(self) -> InputMode:
        return self.spec.input

    @property
    def busy(self) -> bool:
        """A command is in flight: the screen shows a spinner and Finish waits."""
        return self.in_flight > 0

    @property
    def pending(self) -> int:
        """How many item lines still wait for the ILS."""
        return sum(1 for line in self.lines if line.status is LineStatus.PENDING)

    def lines_with(self, status: LineStatus) -> list[ItemLine]:
        return [line for line in self.lines if line.status is status]

    def pending_line(self, barcode: str) -> ItemLine | None:
        """The line of ``barcode`` still waiting for its answer, if any."""
        for line in self.lines:
            if line.barcode == barcode and line.status is LineStatus.PENDING:
                return line
        return None

    def add_pending_line(self, barcode: str) -> bool:
        """List a scanned item as "checking…", the first step of every item service.

        An item already listed (pending or done) is not listed twice: the patron is told
        so and False is returned. An item refused before may be tried again (the ILS was
        down): its old line goes and the new one is last.
        """
        for line in self.lines:
            if line.barcode == barcode and line.status is not LineStatus.REFUSED:
                self.notice = Notice("notice.already_scanned", is_error=False)
                return False
        self.notice = None
        self.lines = [line for line in self.lines if line.barcode != barcode]
        self.lines.append(ItemLine(barcode=barcode, details=(Notice("line.pending"),)))
        return True

    def texts(self) -> Mapping[str, Notice]:
        """The current state's changing texts, by slot name."""
        return self.spec.texts(self)

    def rows(self) -> Mapping[str, Sequence[Row]]:
        """The current state's lists of rows, by section name."""
        return self.spec.rows(self)

    @property
    def seconds_left(self) -> float | None:
        """Seconds until this state times out, or None when it never does or while busy."""
        rule = self.spec.timeout
        limit = rule(self) if rule is not None else None
        if limit is None or self.busy:
            return None
        if self.spec.warn:
            limit += self.warning_seconds - self.timeouts.warning  # a longer warning
        return max(0.0, limit - (self.clock.monotonic() - self._last_activity))

    def timeout_seconds(self, name: str) -> float:
        """The configured timeout ``name`` (a field of :class:`Timeouts`), for this session:
        a summary or an error stays at least ``voice_warning`` while voice guidance is on,
        as listening to a list takes far longer than reading it."""
        seconds = float(getattr(self.timeouts, name))
        if self.voice_mode and name in ("summary", "error"):
            seconds = max(seconds, self.timeouts.voice_warning)
        return seconds

    @property
    def warning_seconds(self) -> float:
        """How long the idle warning lasts: longer while voice guidance is on."""
        if self.voice_mode:
            return max(self.timeouts.warning, self.timeouts.voice_warning)
        return self.timeouts.warning

    @property
    def idle_seconds(self) -> float:
        """Seconds since the patron last did anything (a touch, a key, a scan)."""
        return self.clock.monotonic() - self._last_activity

    @property
    def timeout_warning(self) -> bool:
        """True when the patron should be asked whether they need more time."""
        left = self.seconds_left
        return left is not None and self.spec.warn and left <= self.warning_seconds

    # ----- driving ---------------------------------------------------------------------------

    def handle(self, event: Event) -> list[Command]:
        """Apply one event; return the commands the shell must run."""
        if isinstance(event, Answer):
            if event.session_no != self.session_no:
                return []  # answer for a session that has already ended
            if _in_background(event):
                background = self.navigation.background.get(type(event))
                return self._sent(background(self, event)) if background else []
            self.in_flight = max(0, self.in_flight - 1)
        elif isinstance(event, DeviceChanged):
            self.devices[event.device] = DeviceState(event.ready, event.detail)
            return []
        elif isinstance(event, Heartbeat):
            pass  # time passing is not the patron: the state's timeout keeps counting
        else:
            self._last_activity = self.clock.monotonic()
        if isinstance(event, Activity):
            return []
        handler = self.spec.on.get(type(event))
        if handler is None:
            return []
        return self._sent(handler(self, event))

    def tick(self) -> None:
        """Let time pass: a state that has waited longer than its timeout gives up."""
        left = self.seconds_left
        if left is None or left > 0:
            return
        on_timeout = self.spec.on_timeout
        if on_timeout is None:
            self.end()
        else:
            on_timeout(self)

    # ----- the API handlers use --------------------------------------------------------------

    def start(self, service_name: str, card: str | None = None) -> list[Command]:
        """Begin a new session in a service, forgetting any previous patron."""
        self.end()
        service = self.navigation.services[service_name]
        self.service = service
        return self._sent(service.start(self, card))

    def go(self, state: str) -> None:
        """Enter ``state``; its timeout counts from now."""
        self.navigation[state]  # raises for a state no table defines
        self.state = state
        self.entry_epoch += 1  # half-typed input never carries over into another step
        self.touch()

    def fail(self, notice: Notice) -> None:
        """Show ``notice`` on the error screen; the session ends when it is dismissed."""
        self.notice = notice
        self.go(Navigation.ERROR)

    def touch(self) -> None:
        """Restart the current state's timeout."""
        self._last_activity = self.clock.monotonic()

    def forget_patron(self) -> None:
        """Forget who the patron is and what they did, keeping the session (its number, its
        commands in flight): a last step such as the rating needs no patron data."""
        self.card = None
        self.patron = None
        self.lines = []
        self.notice = None
        self.pin_attempts = 0
        self.receipt_from = None
        self.receipt_failed = False
        self.service_data = {}
        self.preferences = None
        self.preferences_saved = None

    def end(self) -> None:
        """Back to the attract screen, forgetting everything about the patron."""
        self.state = Navigation.IDLE
        self.service = None
        self.forget_patron()
        self.in_flight = 0
        self.session_no += 1
        self.entry_epoch += 1

    def restart_with(self, event: Event) -> list[Command]:
        """End this session and handle ``event`` on the attract screen (the next patron)."""
        self.end()
        self.handovers += 1
        return self.handle(event)

    def _sent(self, commands: Iterable[Command]) -> list[Command]:
        sent = list(commands)
        self.in_flight += sum(1 for command in sent if not command.background)
        return sent


def _in_background(answer: Answer) -> bool:
    """An answer to a background command: it neither ends a wait nor fails the state."""
    if isinstance(answer, CommandFailed):
        return answer.command.background
    return answer.background


_FAILURE_REFUSALS = {
    Failure.UNAVAILABLE: Refusal.ILS_UNAVAILABLE,
    # An answer lost after asking is told like a deadline: "not recorded yet, scan it again
    # shortly", never "not borrowed" or "not returned" (it may have been done; the
    # reconciler settles it, and a scan again finds it already done).
    Failure.UNANSWERED: Refusal.ILS_TIMEOUT,
    Failure.TIMEOUT: Refusal.ILS_TIMEOUT,
    Failure.INTERNAL: Refusal.KIOSK_FAULT,
}


def failure_refusal(failure: Failure) -> Refusal:
    """What the patron is told when a command failed this way."""
    return _FAILURE_REFUSALS[failure]


def transitions(navigation: Navigation) -> dict[tuple[str, type[Event]], Any]:
    """Every (state, event type) pair the navigation handles, for tests and docs."""
    return {
        (state, event_type): handler
        for state, spec in navigation.states.items()
        for event_type, handler in spec.on.items()
    }


__all__ = [
    "BarcodeClassifier",
    "DeviceState",
    "ItemLine",
    "LineStatus",
    "Notice",
    "Ports",
    "ReceiptSettings",
    "Row",
    "Session",
    "TechnicianPorts",
    "Timeouts",
    "failure_refusal",
    "transitions",
]

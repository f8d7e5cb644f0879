"""Declarative session tables: each service is a map of states, merged into one navigation.

A *service* (borrow now; return, account, guest book, technician mode later) is one module
that declares its states in a :class:`Service`. Each :class:`StateSpec` says which screen
shows the state, what typing means there (:class:`InputMode`), how long it waits for the
patron and where it goes then, and which handler answers each event type. The kiosk's
own states (the attract screen and the error screen) are the *home* service.

:class:`Navigation` merges home and the services the way Electrum's wizard merges its
navigation maps: state names must not collide (every service's states are prefixed with
its name, ``borrow.pin``), at most one service starts when a card is scanned on the
attract screen, and every other service is started by :class:`~kiosk.core.events.ServiceChosen`.
Adding a service adds a module and its table; no other service's table changes.

Handlers are plain functions ``(session, event) -> commands``; they change the session
through its small API (:meth:`Session.go`, :meth:`Session.fail`, :meth:`Session.end`, ...)
and return the commands the shell must run off the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from kiosk.core.events import Command, Event

if TYPE_CHECKING:
    from kiosk.core.session import Notice, Ports, Row, Session

Handler = Callable[["Session", Any], list[Command]]
"""Answers one event in one state. Receives the event of the type it is registered for."""

TimeoutRule = Callable[["Session"], float | None]
"""Seconds of inactivity before the state gives up, or None for never."""

TextsRule = Callable[["Session"], Mapping[str, "Notice"]]
"""The state's changing texts (a greeting with the patron's name, a count), by slot name."""

RowsRule = Callable[["Session"], Mapping[str, Sequence["Row"]]]
"""The state's lists (an account's loans, holds, fines), by section name."""

CommandHandler = Callable[["Ports", Any], Event]
"""Runs one command type on the worker thread and returns the event that answers it."""

Starter = Callable[["Session", str | None], list[Command]]
"""Enters a service; gets the card number when the service was started by a card scan."""


class InputMode(StrEnum):
    """What typed characters and Enter mean in a state."""

    NONE = "none"  # keys type nothing; Enter is OK
    PIN = "pin"  # digits only, masked; Enter submits the PIN
    BARCODE = "barcode"  # a card or item number; Enter submits it as a scan
    TEXT = "text"  # free text for a form field; Enter submits it


DEFAULT_ENTRY_LIMIT = 32
"""Characters a state's field takes unless its spec says otherwise: longer than any
barcode, and a stuck key cannot grow the field forever."""


def after(timeout_name: str) -> TimeoutRule:
    """A timeout read from the kiosk's configured :class:`~kiosk.core.session.Timeouts`.

    Args:
        timeout_name: a field of ``Timeouts``: ``"idle"``, ``"summary"`` or ``"error"``.
    """

    def rule(session: Session) -> float | None:
        return session.timeout_seconds(timeout_name)

    rule.__name__ = f"after_{timeout_name}"
    return rule


def _no_texts(_session: Session) -> Mapping[str, Notice]:
    return {}


def _no_rows(_session: Session) -> Mapping[str, Sequence[Row]]:
    return {}


@dataclass(frozen=True)
class StateSpec:
    """One state of a service's table.

    Attributes:
        screen: name of the screen that shows this state (default: the state's name).
        input: what typing means here.
        on: event type -> handler. Events without a handler are ignored in this state.
        timeout: seconds of inactivity before ``on_timeout``; None never times out.
        on_timeout: what happens then; None ends the session (back to the attract screen).
        warn: ask "still there?" during the last ``Timeouts.warning`` seconds.
        texts: the state's changing texts, by slot name, for the screen (and later voice).
        rows: the state's lists of rows (an account's loans), by section name.
        entry_limit: the most characters the field takes (typing stops there); a TEXT
            state's handler checks the same limit with ``text_input.check_text``.
    """

    input: InputMode = InputMode.NONE
    on: Mapping[type[Event], Handler] = field(default_factory=dict)
    timeout: TimeoutRule | None = None
    on_timeout: Callable[[Session], None] | None = None
    warn: bool = False
    texts: TextsRule = _no_texts
    screen: str = ""
    rows: RowsRule = _no_rows
    entry_limit: int = DEFAULT_ENTRY_LIMIT


@dataclass(frozen=True)
class Service:
    """A self-contained patron service: its states, how it starts and its commands.

    Attributes:
        name: short id, also the prefix of its state names (``borrow`` -> ``borrow.pin``).
        states: its states by full name.
        start: enters the service (from the attract screen or a card scan).
        starts_on_card: True for the one service a card scanned on the attract screen starts.
        commands: command type -> function that runs it on the worker thread.
    """

    name: str
    states: Mapping[str, StateSpec]
    start: Starter
    starts_on_card: bool = False
    commands: Mapping[type[Command], CommandHandler] = field(default_factory=dict)


class NavigationError(ValueError):
    """Service tables that cannot be merged (a programming error, raised at start)."""


class Navigation:
    """The merged table of every service, read by the session.

    Args:
        home: the kiosk's own states; must define ``idle`` and ``error``.
        services: the patron services, in the order the menu offers them.
        home_commands: commands the kiosk's own states send (a rating, from any service).
        background: handlers of background answers (``Answer.background``, and a
            ``CommandFailed`` of a background command), the same in every state.

    Raises:
        NavigationError: colliding or badly named states, two card services, unknown
            commands declared twice.
    """

    IDLE = "idle"
    ERROR = "error"

    def __init__(
        self,
        home: Mapping[str, StateSpec],
        services: Iterable[Service],
        home_commands: Mapping[type[Command], CommandHandler] | None = None,
        background: Mapping[type[Event], Handler] | None = None,
    ) -> None:
        states: dict[str, StateSpec] = {}
        for name, spec in home.items():
            states[name] = _named(name, spec)
        for required in (self.IDLE, self.ERROR):
            if required not in states:
                raise NavigationError(f"the home table must define the {required!r} state")
        self.services: dict[str, Service] = {}
        self.card_service: Service | None = None
        commands: dict[type[Command], CommandHandler] = dict(home_commands or {})
        for service in services:
            if service.name in self.services or "." in service.name or not service.name:
                raise NavigationError(f"service name {service.name!r} is empty, dotted or taken")
            self.services[service.name] = service
            for name, spec in service.states.items():
                if not name.startswith(f"{service.name}."):
                    raise NavigationError(
                        f"state {name!r} of service {service.name!r} must start with "
                        f"'{service.name}.'"
                    )
                if name in states:
                    raise NavigationError(f"state {name!r} is defined twice")
                states[name] = _named(name, spec)
            if service.starts_on_card:
                if self.card_service is not None:
                    raise NavigationError(
                        f"both {self.card_service.name!r} and {service.name!r} want to start "
                        "on a card scan at the attract screen"
                    )
                self.card_service = service
            for command_type, handler in service.commands.items():
                if command_type in commands:
                    raise NavigationError(f"command {command_type.__name__} is declared twice")
                commands[command_type] = handler
        self.states: Mapping[str, StateSpec] = MappingProxyType(states)
        self.commands: Mapping[type[Command], CommandHandler] = MappingProxyType(commands)
        self.background: Mapping[type[Event], Handler] = MappingProxyType(dict(background or {}))

    @property
    def screens(self) -> list[str]:
        """Every screen name, in table order, each once."""
        return list(dict.fromkeys(spec.screen for spec in self.states.values()))

    def __getitem__(self, state: str) -> StateSpec:
        try:
            return self.states[state]
        except KeyError:
            raise NavigationError(f"no state {state!r} in the navigation") from None


def _named(name: str, spec: StateSpec) -> StateSpec:
    return spec if spec.screen else replace(spec, screen=name)

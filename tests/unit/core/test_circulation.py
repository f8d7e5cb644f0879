"""Dispatching commands to their services' handlers, and merging the services' tables.

GIVEN a :class:`CommandRunner` over hand-made handlers (or the kiosk's own, with a fake
library at the edge), WHEN it runs a declared command, an undeclared one, or a handler
finds the library unreachable, THEN a bug stays a bug (``UnknownCommand``) and only an
outage becomes ``CommandFailed(UNAVAILABLE)``. GIVEN service tables that collide, WHEN
they are merged into a :class:`Navigation`, THEN the kiosk refuses to start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from kiosk.core.circulation import CommandRunner, UnknownCommand
from kiosk.core.clock import ManualClock
from kiosk.core.events import (
    Checkout,
    CheckPatron,
    Command,
    CommandFailed,
    Event,
    Failure,
    PatronChecked,
    PrintReceipt,
    RecordRating,
)
from kiosk.core.model import CheckoutAnswer, Outcome, Patron, PatronCheck, Refusal
from kiosk.core.navigation import CommandHandler, Navigation, NavigationError, Service, StateSpec
from kiosk.core.ports import IlsUnavailable
from kiosk.core.services import HOME, account, guestbook, navigation, preferences, technician
from kiosk.core.services.borrow import BORROW
from kiosk.core.services.loan_fee import AcceptFee, DeclineFee
from kiosk.core.services.returns import Checkin
from kiosk.core.session import Ports, Session

CARD, PIN = "23171000000010", "1234"
PATRON = Patron(barcode=CARD, name="Sutrisno", loans_count=0, loan_limit=5)


class FakeIls:
    """The library at the edge: knows one patron, or is unreachable."""

    def __init__(self, *, reachable: bool = True) -> None:
        self.reachable = reachable

    def identify_patron(self, barcode: str) -> PatronCheck:
        if not self.reachable:
            raise IlsUnavailable("connection refused by sip2.example:6001")
        return PatronCheck(PATRON) if barcode == CARD else PatronCheck(None, Refusal.UNKNOWN_PATRON)

    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        if not self.reachable:
            raise IlsUnavailable("connection refused by sip2.example:6001")
        return PatronCheck(PATRON if (barcode, pin) == (CARD, PIN) else None)

    def checkout(self, patron_barcode: str, item_barcode: str, now: dt.datetime) -> CheckoutAnswer:
        raise IlsUnavailable("connection refused by sip2.example:6001")


class NoLog:
    def record(self, outcome: Outcome) -> None:
        raise AssertionError("nothing should be recorded")


class NoPinFailures:
    """Wrong PINs are counted by the store (tests/flows); here no card is ever locked."""

    def locked(self, card: str, now: dt.datetime) -> bool:
        return False

    def record_failure(self, card: str, now: dt.datetime) -> bool:
        return False

    def forgive(self, card: str, at: dt.datetime) -> None:
        pass

    def tries_left(self, card: str, now: dt.datetime) -> int:
        return 5


def ports(ils: FakeIls | None = None) -> Ports:
    return Ports(ils or FakeIls(), NoLog(), ManualClock(), NoPinFailures())


@dataclass(frozen=True)
class Renew(Command):
    """A command no service declared."""

    item_barcode: str


@dataclass(frozen=True)
class UrgentCheckout(Checkout):
    """A subclass of a declared command: dispatch is by exact type, so undeclared too."""


def no_start(_session: Session, _card: str | None) -> list[Command]:
    return []


def service(
    name: str,
    states: Mapping[str, StateSpec] | None = None,
    *,
    starts_on_card: bool = False,
    commands: Mapping[type[Command], CommandHandler] | None = None,
) -> Service:
    return Service(
        name=name,
        states=states if states is not None else {f"{name}.start": StateSpec()},
        start=no_start,
        starts_on_card=starts_on_card,
        commands=commands or {},
    )


# ----- CommandRunner -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [Renew(1, "33171000000018"), UrgentCheckout(1, CARD, "33171000000018")],
    ids=["undeclared", "subclass-of-declared"],
)
def test_an_undeclared_command_is_a_bug_not_an_outage(command: Command) -> None:
    """GIVEN a runner with the kiosk's handlers
    WHEN it is asked to run a command type no service declared
    THEN it raises UnknownCommand (a TypeError) naming that type; it is never turned into
    a CommandFailed that would tell the patron the library is down."""
    runner = CommandRunner(ports(), navigation().commands)

    with pytest.raises(UnknownCommand, match=type(command).__name__) as raised:
        runner.run(command)
    assert isinstance(raised.value, TypeError)


def test_ils_unavailable_in_a_handler_becomes_command_failed_unavailable() -> None:
    """GIVEN the kiosk's handlers over a library that cannot be reached
    WHEN the PIN check runs
    THEN the answer is CommandFailed(UNAVAILABLE) for the same session, carrying the command
    and the technicians' message."""
    runner = CommandRunner(ports(FakeIls(reachable=False)), navigation().commands)
    command = CheckPatron(7, CARD, PIN)

    answer = runner.run(command)

    assert answer == CommandFailed(
        7, Failure.UNAVAILABLE, "connection refused by sip2.example:6001", command
    )


def test_a_handlers_answer_is_returned_as_is() -> None:
    """GIVEN a runner with a hand-made handler
    WHEN its command runs
    THEN the runner returns exactly the handler's answer object, given the runner's ports."""
    given: list[Ports] = []
    the_ports = ports()
    expected = PatronChecked(3, PatronCheck(PATRON))

    def handler(p: Ports, _command: Any) -> Event:
        given.append(p)
        return expected

    runner = CommandRunner(the_ports, {CheckPatron: handler})

    assert runner.run(CheckPatron(3, CARD, PIN)) is expected
    assert given == [the_ports]


def test_every_answer_is_shown_to_the_after_hook_whose_errors_change_nothing() -> None:
    """GIVEN a runner with an after-hook (reconciliation's) that fails on its second call
    WHEN a PIN check succeeds and one finds the library unreachable
    THEN the hook saw both answers, and the patron's answers are unchanged."""
    seen: list[Event] = []

    def after(answer: Event) -> None:
        seen.append(answer)
        if len(seen) > 1:
            raise RuntimeError("hook broke")

    ok = CommandRunner(ports(), navigation().commands, after=after).run(CheckPatron(1, CARD, PIN))
    down = CommandRunner(ports(FakeIls(reachable=False)), navigation().commands, after=after)
    failed = down.run(CheckPatron(2, CARD, PIN))

    assert seen == [ok, failed]
    assert isinstance(failed, CommandFailed) and failed.failure is Failure.UNAVAILABLE


def test_the_kiosk_handlers_answer_a_pin_check() -> None:
    """GIVEN the kiosk's handlers over a working library
    WHEN the PIN check runs
    THEN the answer carries the patron the library returned, for the command's session."""
    runner = CommandRunner(ports(), navigation().commands)

    assert runner.run(CheckPatron(4, CARD, PIN)) == PatronChecked(4, PatronCheck(PATRON))


# ----- the merged navigation -----------------------------------------------------------------


def test_the_default_navigation_runs_exactly_its_services_commands_and_the_rating() -> None:
    """GIVEN the kiosk's services
    WHEN they are merged
    THEN the commands it can run are exactly borrowing's Checkout, AcceptFee and
    DeclineFee, returning's Checkin, the account's LoadAccount, Renew and saving and
    deleting a patron's settings, the guest book's IdentifyMember and RecordVisit, the
    technician screen's lock, staff PIN, snapshot and tests,
    and the kiosk's own CheckPatron (every service's sign-in), LoadPreferences (the
    card's saved settings), RecordRating and PrintReceipt."""
    expected = {
        CheckPatron,
        Checkout,
        AcceptFee,
        DeclineFee,
        Checkin,
        account.LoadAccount,
        account.Renew,
        preferences.SavePreferences,
        preferences.ForgetPreferences,
        preferences.LoadPreferences,
        RecordRating,
        PrintReceipt,
        technician.CheckStaffLock,
        technician.CheckStaffPin,
        technician.ReadDiagnostics,
        technician.TestPrint,
        technician.TestVoice,
        guestbook.IdentifyMember,
        guestbook.RecordVisit,
    }
    assert set(navigation().commands) == expected


def test_a_service_state_must_carry_the_service_name() -> None:
    """GIVEN a service 'renew' declaring a state 'borrow.renewing'
    WHEN the navigation is merged
    THEN it is refused, naming the state and the service."""
    with pytest.raises(NavigationError, match=r"'borrow\.renewing'.*'renew'"):
        Navigation(HOME, [BORROW, service("renew", {"borrow.renewing": StateSpec()})])


def test_a_state_defined_twice_is_refused() -> None:
    """GIVEN a home table that also defines borrowing's 'borrow.pin' state
    WHEN it is merged with the borrow service
    THEN it is refused, naming the state. (Between two services a collision cannot happen:
    each state carries its own service's name, and service names are unique.)"""
    home = {**HOME, "borrow.pin": StateSpec()}

    with pytest.raises(NavigationError, match=r"'borrow\.pin' is defined twice"):
        Navigation(home, [BORROW])


def test_a_service_name_used_twice_is_refused() -> None:
    """GIVEN two services both called 'renew'
    WHEN they are merged
    THEN it is refused, naming the service."""
    with pytest.raises(NavigationError, match="'renew'"):
        Navigation(HOME, [service("renew"), service("renew")])


def test_only_one_service_may_start_on_a_card_scan() -> None:
    """GIVEN borrowing and another service that both start when a card is scanned
    WHEN they are merged
    THEN it is refused, naming both."""
    with pytest.raises(NavigationError, match=r"'borrow'.*'account'"):
        Navigation(HOME, [BORROW, service("account", starts_on_card=True)])


def test_a_command_declared_by_two_services_is_refused() -> None:
    """GIVEN a service that declares a handler for Checkout, which borrowing already runs
    WHEN they are merged
    THEN it is refused, naming the command."""
    other = service("express", commands={Checkout: BORROW.commands[Checkout]})

    with pytest.raises(NavigationError, match="Checkout is declared twice"):
        Navigation(HOME, [BORROW, other])


@pytest.mark.parametrize("missing", [Navigation.IDLE, Navigation.ERROR])
def test_the_home_table_must_define_idle_and_error(missing: str) -> None:
    """GIVEN a home table without the attract screen or without the error screen
    WHEN it is merged
    THEN it is refused, naming the missing state."""
    home = {name: spec for name, spec in HOME.items() if name != missing}

    with pytest.raises(NavigationError, match=f"'{missing}'"):
        Navigation(home, [BORROW])

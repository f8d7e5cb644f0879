"""The session driver: one owner thread, answers handed over, deadlines, crashes.

GIVEN a real :class:`Session` over the kiosk's navigation, a hand-wound clock and a fake
runner at the edge (it answers, blocks until the test opens a gate, or raises), WHEN
another thread touches the session, a device posts an event, a command crashes or never
answers, THEN what the patron would see (the session's state, notice and lines) is what
the kiosk promises: the one-thread rule holds, a crash is a kiosk fault (not an outage),
a hung call is a timeout on time, and its late answer changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk import config as config_module
from kiosk.bootstrap import build
from kiosk.core.clock import ManualClock
from kiosk.core.driver import SessionDriver, WrongThread
from kiosk.core.events import (
    BarcodeScanned,
    CancelPressed,
    Checkout,
    CheckoutDone,
    CheckPatron,
    Command,
    Event,
    OkPressed,
    PatronChecked,
    PinEntered,
)
from kiosk.core.i18n import Translator
from kiosk.core.model import BarcodeKind, CheckoutAnswer, Loan, Patron, PatronCheck, Refusal
from kiosk.core.navigation import Navigation
from kiosk.core.services import navigation
from kiosk.core.services.borrow import PIN, SCANNING
from kiosk.core.services.preferences import LoadPreferences, PreferencesLoaded
from kiosk.core.session import LineStatus, Session

IDLE, ERROR = Navigation.IDLE, Navigation.ERROR
CARD, CARD_PIN = "23171000000010", "1234"
OTHER_CARD = "23171000000028"
ITEM = "33171000000018"
PATRON = Patron(barcode=CARD, name="Sutrisno", loans_count=0, loan_limit=5)
DEADLINE = 8.0
WAIT = 5.0  # seconds any single wait may take before the test fails (never a speed target)

KIOSK_FAULT = (
    "Something went wrong at this kiosk. Please tell a librarian, or borrow at the service desk."
)
ILS_UNAVAILABLE = (
    "The library system cannot be reached right now. "
    "Please try again in a few minutes, or borrow at the service desk."
)
ILS_TIMEOUT = (
    "The library system is slow to answer. "
    "Please try again in a moment, or borrow at the service desk."
)


def classify(text: str) -> tuple[str, BarcodeKind | None]:
    code = text.strip()
    if len(code) == 14 and code.isdigit():
        return code, {"2": BarcodeKind.PATRON, "3": BarcodeKind.ITEM}.get(code[0])
    return code, None


class Runner:
    """The edge of the core: answers like a working library, or hangs, or crashes."""

    def __init__(self) -> None:
        self.entered: queue.Queue[tuple[str, str]] = queue.Queue()
        self.crash: Exception | None = None
        self._holds: queue.SimpleQueue[threading.Event] = queue.SimpleQueue()
        self._all_gates: list[threading.Event] = []

    def hold_next_call(self) -> threading.Event:
        """The next call blocks until the returned event is set."""
        gate = threading.Event()
        self._all_gates.append(gate)
        self._holds.put(gate)
        return gate

    def release_all(self) -> None:
        for gate in self._all_gates:
            gate.set()

    def run(self, command: Command) -> Event:
        if isinstance(command, LoadPreferences):
            # A card's saved settings (a background read of the kiosk's own store): none
            # here, answered at once; the tests hold and count the ILS's calls.
            return PreferencesLoaded(command.session_no, command.card, None)
        try:
            gate: threading.Event | None = self._holds.get_nowait()
        except queue.Empty:
            gate = None
        self.entered.put((type(command).__name__, threading.current_thread().name))
        if gate is not None:
            assert gate.wait(30), "the test never released the call"
        if self.crash is not None:
            raise self.crash
        if isinstance(command, CheckPatron):
            if command.pin == CARD_PIN:
                return PatronChecked(command.session_no, PatronCheck(PATRON))
            return PatronChecked(command.session_no, PatronCheck(None, Refusal.WRONG_PIN))
        if isinstance(command, Checkout):
            loan = Loan(
                patron_barcode=command.patron_barcode,
                item_barcode=command.item_barcode,
                title="Laskar Pelangi",
                author="Andrea Hirata",
                due=dt.date(2026, 12, 5),
                checked_out_at=dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC),
            )
            return CheckoutDone(command.session_no, CheckoutAnswer(command.item_barcode, loan))
        raise AssertionError(f"unexpected command {command!r}")


class Rig:
    """A driver over a real session, with its clock, runner and a record of wake-ups."""

    def __init__(self, *, debug: bool) -> None:
        self.clock = ManualClock()
        self.session = Session(self.clock, classify, navigation())
        self.runner = Runner()
        self.driver = SessionDriver(
            self.session, self.runner.run, self.clock, deadline=DEADLINE, debug=debug
        )
        self.wakes: queue.Queue[str] = queue.Queue()
        self.driver.set_wake(lambda: self.wakes.put(threading.current_thread().name))

    def scan_card(self) -> None:
        """The card at the attract screen, and the answer of its background read of saved
        settings applied, so that what is posted next is the ILS's."""
        self.driver.handle(BarcodeScanned(CARD))
        self.driver.settle(WAIT)
        while not self.wakes.empty():
            self.wakes.get_nowait()  # that answer's wake-up is not the next one's

    def wait_for_post(self) -> None:
        """Block until something was posted to the driver (the wake function was called)."""
        self.wakes.get(timeout=WAIT)

    def release(self, gate: threading.Event) -> None:
        """Let a held call answer, and wait until its answer is posted."""
        while not self.wakes.empty():
            self.wakes.get_nowait()  # forget wake-ups for answers already applied
        gate.set()
        self.wait_for_post()

    def log_in(self) -> None:
        self.driver.handle(BarcodeScanned(CARD))
        self.driver.handle(PinEntered(CARD_PIN))
        self.driver.settle(WAIT)
        assert self.session.state == SCANNING
        assert self.runner.entered.get_nowait()[0] == "CheckPatron"


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig(debug=True)
    yield made
    made.runner.release_all()
    made.driver.shutdown(1.0)


@pytest.fixture
def lenient_rig() -> Iterator[Rig]:
    made = Rig(debug=False)
    yield made
    made.runner.release_all()
    made.driver.shutdown(1.0)


def from_thread(call: Callable[[], object], name: str = "intruder") -> BaseException | None:
    """Run ``call`` on a new thread; return what it raised (None if nothing)."""
    outcome: queue.Queue[BaseException | None] = queue.Queue()

    def target() -> None:
        try:
            call()
        except BaseException as err:
            outcome.put(err)
        else:
            outcome.put(None)

    threading.Thread(target=target, name=name, daemon=True).start()
    return outcome.get(timeout=WAIT)


# ----- the one-thread rule -------------------------------------------------------------------

OWNER_CALLS: dict[str, Callable[[SessionDriver], object]] = {
    "handle": lambda driver: driver.handle(CancelPressed()),
    "drain": lambda driver: driver.drain(),
    "tick": lambda driver: driver.tick(),
    "settle": lambda driver: driver.settle(timeout=2 * WAIT),
}


@pytest.mark.parametrize("action", list(OWNER_CALLS))
def test_debug_mode_refuses_a_call_from_another_thread_and_changes_nothing(
    rig: Rig, action: str
) -> None:
    """GIVEN a debug driver on the PIN screen, with another card posted and the idle
    timeout passed, so handle (Cancel), drain, tick and settle would each change the session
    WHEN one of them is called from a thread that is not the owner
    THEN it raises WrongThread at once, naming the call and the thread, and the session is
    exactly as it was; the same calls from the owner do change it."""
    rig.driver.handle(BarcodeScanned(CARD))
    rig.driver.post(BarcodeScanned(OTHER_CARD))
    rig.clock.advance(61)
    before = (rig.session.state, rig.session.card, rig.session.session_no)
    assert before[:2] == (PIN, CARD)

    error = from_thread(lambda: OWNER_CALLS[action](rig.driver))

    assert isinstance(error, WrongThread)
    assert f"SessionDriver.{action}" in str(error) and "'intruder'" in str(error)
    assert (rig.session.state, rig.session.card, rig.session.session_no) == before

    OWNER_CALLS[action](rig.driver)  # the owner may
    assert (rig.session.state, rig.session.card, rig.session.session_no) != before


def test_without_debug_a_call_from_another_thread_is_logged_once_and_still_works(
    lenient_rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a driver built with debug=False, on the PIN screen
    WHEN Cancel is handled from another thread
    THEN one ERROR line names that thread, and the session still ends (back to idle)."""
    rig = lenient_rig
    rig.driver.handle(BarcodeScanned(CARD))
    assert rig.session.state == PIN

    with caplog.at_level(logging.WARNING, logger="kiosk.core.driver"):
        error = from_thread(lambda: rig.driver.handle(CancelPressed()), name="stray-thread")

    assert error is None
    assert rig.session.state == IDLE
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "'stray-thread'" in errors[0].getMessage()
    assert "SessionDriver.handle" in errors[0].getMessage()


def test_the_view_model_refuses_typing_and_scans_from_another_thread(tmp_path: Path) -> None:
    """GIVEN the kiosk built by bootstrap.build in debug mode
    WHEN a character is typed or a barcode scanned from a thread other than the UI thread
    THEN both raise WrongThread and the screen is unchanged (still idle, nothing typed)."""
    kiosk = build(
        config_module.from_mapping({"ils": {"backend": "local"}}, None),
        tmp_path,
        clock=ManualClock(),
        scanner_url="",
        debug=True,
    )
    try:
        vm = kiosk.vm
        typed = from_thread(lambda: vm.type_char("1"))
        scanned = from_thread(lambda: vm.scan(CARD))

        assert isinstance(typed, WrongThread) and "type_char" in str(typed)
        assert isinstance(scanned, WrongThread)
        assert vm.screen == IDLE and vm.entry_text == ""
        assert kiosk.session.state == IDLE

        vm.scan(CARD)  # the same scan on the owner thread works
        assert vm.screen == PIN
    finally:
        kiosk.close(grace=1.0)


# ----- handing over: post, wake, drain -------------------------------------------------------


def test_an_event_posted_from_a_device_thread_is_applied_by_drain(rig: Rig) -> None:
    """GIVEN an idle kiosk whose driver has a wake function
    WHEN a device thread posts a scanned card
    THEN the wake function is called on that thread, nothing changes until the owner
    drains, and drain applies the scan: the PIN screen for that card."""
    error = from_thread(lambda: rig.driver.post(BarcodeScanned(CARD)), name="scanner-reader")
    assert error is None

    assert rig.wakes.get(timeout=WAIT) == "scanner-reader"
    assert rig.session.state == IDLE

    assert rig.driver.drain() == 1
    assert rig.session.state == PIN
    assert rig.session.card == CARD
    assert rig.driver.drain() == 0


def test_listeners_are_told_after_handle_drain_and_tick(rig: Rig) -> None:
    """GIVEN a listener that notes the session's state each time it is called
    WHEN a card is handled, the PIN check's answer drained, and the idle timeout ticks by
    THEN the listener saw each change right after it was applied."""
    seen: list[str] = []
    rig.driver.add_listener(lambda: seen.append(rig.session.state))

    rig.scan_card()
    assert seen == [PIN, PIN]  # the card, then its saved settings' answer

    rig.driver.handle(PinEntered(CARD_PIN))
    rig.wait_for_post()
    assert rig.driver.drain() == 1
    assert seen == [PIN, PIN, PIN, SCANNING]

    rig.clock.advance(61)  # nothing borrowed, the patron walked away
    rig.driver.tick()
    assert seen == [PIN, PIN, PIN, SCANNING, IDLE]


# ----- a command that crashes ----------------------------------------------------------------


def test_debug_mode_reraises_a_crash_from_drain(rig: Rig) -> None:
    """GIVEN a debug driver whose runner has a bug (raises RuntimeError)
    WHEN the PIN is entered and its answer drained
    THEN drain re-raises the runner's exception."""
    rig.runner.crash = RuntimeError("bug in a command handler")
    rig.scan_card()
    rig.driver.handle(PinEntered(CARD_PIN))
    rig.wait_for_post()

    with pytest.raises(RuntimeError, match="bug in a command handler"):
        rig.driver.drain()


def test_debug_mode_reraises_a_crash_from_settle(rig: Rig) -> None:
    """GIVEN a debug driver whose runner has a bug (raises RuntimeError)
    WHEN the PIN is entered and the driver settles
    THEN settle re-raises the runner's exception."""
    rig.runner.crash = RuntimeError("bug in a command handler")
    rig.driver.handle(BarcodeScanned(CARD))
    rig.driver.handle(PinEntered(CARD_PIN))

    with pytest.raises(RuntimeError, match="bug in a command handler"):
        rig.driver.settle(WAIT)


def test_without_debug_a_crash_is_shown_as_a_kiosk_fault_not_an_outage(
    lenient_rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a driver built with debug=False whose runner has a bug
    WHEN the patron enters their PIN
    THEN the error screen says the kiosk has a fault (tell a librarian), not that the library
    system cannot be reached, and the traceback is in the log."""
    rig = lenient_rig
    rig.runner.crash = RuntimeError("bug in a command handler")
    rig.driver.handle(BarcodeScanned(CARD))
    with caplog.at_level(logging.ERROR, logger="kiosk.core.driver"):
        rig.driver.handle(PinEntered(CARD_PIN))
        rig.driver.settle(WAIT)

    assert rig.session.state == ERROR
    assert rig.session.notice is not None
    shown = Translator("en").render(rig.session.notice)
    assert shown == KIOSK_FAULT
    assert shown != ILS_UNAVAILABLE
    assert not rig.session.busy
    assert any(r.exc_info and isinstance(r.exc_info[1], RuntimeError) for r in caplog.records), (
        "the crash's traceback was not logged"
    )


# ----- deadlines -----------------------------------------------------------------------------


def test_a_pin_check_past_its_deadline_tells_the_patron_and_the_late_answer_is_dropped(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a PIN check that hangs in the library system
    WHEN the deadline passes and the driver ticks
    THEN the error screen says the library system is slow, nothing is in flight; the next
    patron's PIN check runs on a different worker thread and is answered although the
    first call still hangs; and when the first call finally answers, draining it changes
    nothing (it is logged as a late answer)."""
    gate = rig.runner.hold_next_call()
    rig.scan_card()
    rig.driver.handle(PinEntered(CARD_PIN))
    command, first_thread = rig.runner.entered.get(timeout=WAIT)
    assert command == "CheckPatron"

    rig.clock.advance(DEADLINE - 0.5)
    rig.driver.tick()
    assert rig.session.state == PIN and rig.session.busy and rig.driver.in_flight == 1

    rig.clock.advance(0.5)
    rig.driver.tick()
    assert rig.session.state == ERROR
    assert rig.session.notice is not None and rig.session.notice.key == "refusal.ils_timeout"
    assert Translator("en").render(rig.session.notice) == ILS_TIMEOUT
    assert rig.driver.in_flight == 0 and rig.session.in_flight == 0 and not rig.session.busy

    # The next patron, while the first call still hangs.
    rig.driver.handle(OkPressed())
    assert rig.session.state == IDLE
    rig.driver.handle(BarcodeScanned(CARD))
    rig.driver.handle(PinEntered(CARD_PIN))
    command, second_thread = rig.runner.entered.get(timeout=WAIT)
    assert command == "CheckPatron" and second_thread != first_thread
    rig.driver.settle(WAIT)
    assert rig.session.state == SCANNING and rig.session.patron == PATRON
    assert not gate.is_set()  # answered while the first call is still stuck

    def shown() -> tuple[object, ...]:
        session = rig.session
        return (session.state, session.session_no, session.patron, session.notice, session.busy)

    before = shown()
    with caplog.at_level(logging.INFO, logger="kiosk.core.driver"):
        rig.release(gate)
        assert rig.driver.drain() == 1
    assert shown() == before
    assert any("late answer" in r.getMessage() for r in caplog.records)


def test_a_late_checkout_answer_does_not_confirm_the_rescan_of_the_same_book(rig: Rig) -> None:
    """GIVEN a logged-in patron whose check-out of a book timed out (shown as refused), and
    who scans the same book again, that call hanging too
    WHEN the first, timed-out call finally answers "lent"
    THEN the book is still shown as being checked (not as borrowed on the strength of the
    dropped answer), the kiosk still waits for the second call, and only the second call's
    answer marks the book borrowed."""
    rig.log_in()
    first_gate = rig.runner.hold_next_call()
    rig.driver.handle(BarcodeScanned(ITEM))
    assert rig.runner.entered.get(timeout=WAIT)[0] == "Checkout"
    rig.clock.advance(DEADLINE)
    rig.driver.tick()
    [line] = rig.session.lines
    assert line.status is LineStatus.REFUSED and line.refusal is Refusal.ILS_TIMEOUT

    second_gate = rig.runner.hold_next_call()
    rig.driver.handle(BarcodeScanned(ITEM))  # try again
    assert rig.runner.entered.get(timeout=WAIT)[0] == "Checkout"
    [line] = rig.session.lines
    assert line.status is LineStatus.PENDING

    rig.release(first_gate)
    assert rig.driver.drain() == 1
    [line] = rig.session.lines
    assert line.status is LineStatus.PENDING and line.due is None
    assert rig.session.busy and rig.driver.in_flight == 1

    second_gate.set()
    rig.driver.settle(WAIT)
    [line] = rig.session.lines
    assert line.status is LineStatus.DONE and line.due == dt.date(2026, 12, 5)
    assert not rig.session.busy and rig.driver.in_flight == 0


def test_a_command_still_queued_at_its_deadline_is_never_sent(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a check-out hanging in the ILS and a second book queued behind it
    WHEN both deadlines pass and the hanging call finally returns
    THEN both books are shown as "slow, try again", the queued one is never sent to the
    ILS (it would lend a book the patron was told was not lent), and the worker thread is
    replaced once, for the call that was really stuck."""
    other_item = "33171000000026"
    rig.log_in()
    gate = rig.runner.hold_next_call()
    rig.driver.handle(BarcodeScanned(ITEM))
    assert rig.runner.entered.get(timeout=WAIT)[0] == "Checkout"
    rig.driver.handle(BarcodeScanned(other_item))  # queued behind the stuck call
    caplog.set_level(logging.INFO, logger="kiosk.core")

    rig.clock.advance(DEADLINE)
    rig.driver.tick()
    assert [(line.barcode, line.refusal) for line in rig.session.lines] == [
        (ITEM, Refusal.ILS_TIMEOUT),
        (other_item, Refusal.ILS_TIMEOUT),
    ]
    assert rig.driver.in_flight == 0 and not rig.session.busy

    rig.release(gate)
    rig.driver.drain()  # the first call's late answer: dropped
    rig.driver.shutdown(WAIT)  # lets any queued job run (or not) before we look
    sent = []
    while not rig.runner.entered.empty():
        sent.append(rig.runner.entered.get_nowait()[0])
    assert sent == []  # the second check-out never reached the ILS
    assert sum("is stuck in a call" in record.message for record in caplog.records) == 1
    assert any("cancelled, never sent" in record.message for record in caplog.records)


# ----- when commands reach the worker ----------------------------------------------------------


def test_commands_reach_the_worker_only_when_the_owner_releases_them(rig: Rig) -> None:
    """GIVEN a driver whose owner hands commands over later (as the app does at its next
    frame, after the frame that shows "checking…")
    WHEN two books are scanned
    THEN both are listed as pending at once, the ILS is asked nothing until the owner
    releases them, one release covers both, and they are then asked in scan order."""
    other_item = "33171000000026"
    rig.log_in()
    releases: list[Callable[[], None]] = []
    rig.driver.set_dispatch(releases.append)

    rig.driver.handle(BarcodeScanned(ITEM))
    rig.driver.handle(BarcodeScanned(other_item))
    assert [(line.barcode, line.status) for line in rig.session.lines] == [
        (ITEM, LineStatus.PENDING),
        (other_item, LineStatus.PENDING),
    ]
    assert rig.session.busy and len(releases) == 1
    rig.driver.shutdown(WAIT)  # a job handed to the worker would have run by now
    assert rig.runner.entered.empty()


def test_released_commands_are_asked_in_scan_order(rig: Rig) -> None:
    """GIVEN commands held by the owner WHEN it releases them THEN the ILS is asked in the
    order the books were scanned and both are lent."""
    other_item = "33171000000026"
    rig.log_in()
    releases: list[Callable[[], None]] = []
    rig.driver.set_dispatch(releases.append)
    rig.driver.handle(BarcodeScanned(ITEM))
    rig.driver.handle(BarcodeScanned(other_item))

    releases.pop()()
    rig.driver.settle(WAIT)
    asked = [rig.runner.entered.get_nowait()[0] for _ in range(2)]
    assert asked == ["Checkout", "Checkout"] and rig.runner.entered.empty()
    assert [(line.barcode, line.status) for line in rig.session.lines] == [
        (ITEM, LineStatus.DONE),
        (other_item, LineStatus.DONE),
    ]
    rig.driver.handle(BarcodeScanned("33171000000034"))
    assert len(releases) == 1  # a new command asks for a new release


def test_a_command_held_past_its_deadline_is_never_sent(rig: Rig) -> None:
    """GIVEN a check-out held by the owner (no frame came, say) WHEN its deadline passes
    and it is released afterwards THEN the patron is told the library is slow and the ILS
    is never asked (it would lend a book the patron was told was not lent)."""
    rig.log_in()
    releases: list[Callable[[], None]] = []
    rig.driver.set_dispatch(releases.append)
    rig.driver.handle(BarcodeScanned(ITEM))

    rig.clock.advance(DEADLINE)
    rig.driver.tick()
    assert [(line.barcode, line.refusal) for line in rig.session.lines] == [
        (ITEM, Refusal.ILS_TIMEOUT)
    ]
    releases.pop()()
    rig.driver.shutdown(WAIT)
    assert rig.runner.entered.empty()

"""The session driver: session -> command -> worker -> answer -> session, without Kivy.

::

    owner thread (the UI)                 ils worker thread
    ---------------------                 -----------------
    handle(event) -> session.handle -> commands
                     submit(command) ---> runner.run(command) -> answer
                                           post: queue.put(answer), wake()
    drain() <------------------------------'
       session.handle(answer) -> more commands ...
    tick(): deadlines, then session.tick(), then a Heartbeat (a live screen's refresh)

Only the owner thread (the one that built the driver) may call :meth:`handle`,
:meth:`drain`, :meth:`tick` and :meth:`settle`; in debug mode a call from another thread
raises :class:`WrongThread` at once. Other threads (devices, the worker) hand events over
with :meth:`post`, which queues them and calls ``wake`` so the owner drains soon (the
Kivy app wakes with ``Clock.schedule_once``; tests call :meth:`drain` or :meth:`settle`).

When commands reach the worker is the owner's choice (:meth:`SessionDriver.set_dispatch`):
at once by default; the Kivy app hands them over at its next frame, after the frame that
shows what the patron did ("checking…"), so the ILS call does not take the processor
from drawing that frame (with a software renderer the two share the same few cores).

Every command has a deadline, counted from when the patron's action sent it. When it
passes, the session receives ``CommandFailed(TIMEOUT)`` at once (the patron is told, the
idle clock runs on, the next patron can start). A command still waiting in the queue is
cancelled: it is never sent, so nothing happens behind the patron's back. A command the
ILS is working on cannot be taken back: its worker thread is replaced so later commands
run, and its late answer, when it comes, is dropped.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.core.events import (
    Command,
    CommandFailed,
    Event,
    Failure,
    Heartbeat,
    IlsReachabilityChanged,
)
from kiosk.core.ports import Clock
from kiosk.core.session import Session
from kiosk.core.worker import Worker, WorkerClosed

log = logging.getLogger(__name__)

DEFAULT_DEADLINE = 8.0
"""Seconds an ILS call may take before the patron is told the library system is slow."""


class WrongThread(RuntimeError):
    """The session was touched from a thread other than its owner (a bug)."""


@dataclass
class _InFlight:
    command: Command
    deadline: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: bool = False  # the worker began running it (guarded by lock)
    cancelled: bool = False  # timed out before it started: never run it (guarded by lock)


@dataclass(frozen=True)
class _Crash:
    error: BaseException


_Posted = tuple[int | None, Event | _Crash]


class SessionDriver:
    """Runs a :class:`Session` and its commands. See the module docstring.

    Args:
        session: the session it owns.
        run: executes one command on the worker thread (``CommandRunner.run``).
        clock: for deadlines (the same clock as the session's).
        deadline: seconds each command may take.
        debug: raise :class:`WrongThread` on a call from the wrong thread, and re-raise
            a command's unexpected exception from :meth:`drain` (tests); otherwise the
            first is logged and the second becomes ``CommandFailed(INTERNAL)``.
        worker: where commands run; a fresh ``ils-worker`` by default.
    """

    def __init__(
        self,
        session: Session,
        run: Callable[[Command], Event],
        clock: Clock,
        *,
        deadline: float = DEFAULT_DEADLINE,
        debug: bool = False,
        worker: Worker | None = None,
    ) -> None:
        self.session = session
        self._run = run
        self._clock = clock
        self.deadline = deadline
        self.debug = debug
        self._worker = worker or Worker("ils-worker")
        self._owner = threading.get_ident()
        self._posted: queue.SimpleQueue[_Posted] = queue.SimpleQueue()
        self._arrived = threading.Event()
        self._in_flight: dict[int, _InFlight] = {}
        self._next_id = 0
        self._listeners: list[Callable[[], None]] = []
        self._wake: Callable[[], None] = lambda: None
        self._dispatch: Callable[[Callable[[], None]], None] = lambda release: release()
        self._held: list[Callable[[], None]] = []  # jobs not yet handed to the worker
        self.ils_online = True
        """False from an IlsReachabilityChanged(False) posted by a call that found the ILS
        unreachable until one posted by an answer (the staff's "offline" mark)."""

    # ----- wiring ----------------------------------------------------------------------------

    def set_wake(self, wake: Callable[[], None]) -> None:
        """Called (from any thread) after something is posted, to get :meth:`drain` run soon."""
        self._wake = wake

    def set_dispatch(self, dispatch: Callable[[Callable[[], None]], None]) -> None:
        """How commands reach the worker: ``dispatch(release)`` is called on the owner
        thread when a command is sent and none is waiting to be handed over; the owner
        calls ``release()`` (on its own thread) when the worker may have them. The default
        calls it at once. Commands keep their order and their deadline, which counts from
        when they were sent: one still held when it passes is never run.
        """
        self._dispatch = dispatch

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Called on the owner thread after every change the driver applied to the session."""
        self._listeners.append(listener)

    def check_thread(self, action: str = "session") -> None:
        """Enforce the one-thread rule for ``action``.

        Raises:
            WrongThread: in debug mode, when called from a thread other than the owner.
        """
        if threading.get_ident() == self._owner:
            return
        message = (
            f"{action} called from thread {threading.current_thread().name!r}; only the thread "
            "that built the kiosk may touch the session (hand over with SessionDriver.post)"
        )
        if self.debug:
            raise WrongThread(message)
        log.error(message)

    # ----- owner thread ----------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Commands sent and not yet answered (or timed out)."""
        return len(self._in_flight)

    def handle(self, event: Event) -> None:
        """Apply an event from the patron and send the commands it produced."""
        self.check_thread("SessionDriver.handle")
        self._apply(event)
        self._notify()

    def drain(self) -> int:
        """Apply everything posted so far. Returns how many posts were applied."""
        self.check_thread("SessionDriver.drain")
        applied = 0
        while True:
            try:
                command_id, item = self._posted.get_nowait()
            except queue.Empty:
                break
            applied += 1
            if command_id is not None:
                flight = self._in_flight.pop(command_id, None)
                if flight is None:
                    log.info("late answer to a command that timed out; dropped")
                    continue
                if isinstance(item, _Crash):
                    item = self._crashed(flight.command, item.error)
            assert not isinstance(item, _Crash)
            self._apply(item)
        if applied:
            self._notify()
        return applied

    def tick(self) -> None:
        """Let time pass: expire commands past their deadline, then the session's timeouts."""
        self.check_thread("SessionDriver.tick")
        now = self._clock.monotonic()
        overdue = [key for key, flight in self._in_flight.items() if now >= flight.deadline]
        stuck = False
        for key in overdue:
            flight = self._in_flight.pop(key)
            with flight.lock:
                flight.cancelled = not flight.started
            name = type(flight.command).__name__
            if flight.cancelled:
                log.warning(
                    "%s waited %g s in the queue; cancelled, never sent", name, self.deadline
                )
            else:
                stuck = True
                then = "going on without it" if flight.command.background else "telling the patron"
                log.warning("%s got no answer within %g s; %s", name, self.deadline, then)
            self._apply(
                CommandFailed(
                    flight.command.session_no,
                    Failure.TIMEOUT,
                    f"no answer within {self.deadline:g} s",
                    flight.command,
                )
            )
        if stuck:
            self._worker.replace_stuck_thread()
        self.session.tick()
        self._apply(Heartbeat())  # a live screen (the technician's) asks for fresh data
        self._notify()

    def settle(self, timeout: float = 10.0) -> None:
        """Drain until no command is in flight (tests and benches; never the UI).

        Raises:
            TimeoutError: commands still in flight after ``timeout`` real seconds.
        """
        self.check_thread("SessionDriver.settle")
        give_up = time.monotonic() + timeout
        while True:
            self._arrived.clear()
            self.drain()
            if not self._in_flight and self._posted.empty():
                return
            if time.monotonic() >= give_up:
                raise TimeoutError(f"{self.in_flight} command(s) still in flight")
            self._arrived.wait(0.05)

    def shutdown(self, grace: float) -> bool:
        """Stop the worker, waiting at most ``grace`` seconds for a command in flight."""
        return self._worker.shutdown(grace)

    # ----- any thread ------------------------------------------------------------------------

    def post(self, event: Event) -> None:
        """Queue an event from another thread (a device, the worker). Safe from any thread."""
        self._put(None, event)

    @property
    def backlog(self) -> int:
        """Events posted and not yet drained (approximate; any thread). A device uses it
        to bound what it queues; answers are never dropped."""
        return self._posted.qsize()

    # ----- internals -------------------------------------------------------------------------

    def _apply(self, event: Event) -> None:
        if isinstance(event, IlsReachabilityChanged):
            self.ils_online = event.online  # for the screen's mark; the patron's flow is unchanged
            return
        for command in self.session.handle(event):
            self._submit(command)

    def _submit(self, command: Command) -> None:
        command_id = self._next_id
        self._next_id += 1
        deadline = self._clock.monotonic() + self.deadline
        flight = self._in_flight[command_id] = _InFlight(command, deadline)

        def job() -> None:
            with flight.lock:
                if flight.cancelled:
                    return  # timed out while queued: the patron was told; do not send it now
                flight.started = True
            try:
                answer: Event | _Crash = self._run(command)
            except Exception as err:  # the runner turns outages into answers: this is a bug
                log.exception("running %s failed", type(command).__name__)
                answer = _Crash(err)
            self._put(command_id, answer)

        self._held.append(job)
        if len(self._held) == 1:
            self._dispatch(self._release)

    def _release(self) -> None:
        """Hand the held commands to the worker, in the order they were sent."""
        self.check_thread("SessionDriver release")
        jobs, self._held = self._held, []
        try:
            for job in jobs:
                self._worker.submit(job)
        except WorkerClosed:
            log.info("shutting down: commands still held were not sent")

    def _put(self, command_id: int | None, item: Event | _Crash) -> None:
        self._posted.put((command_id, item))
        self._arrived.set()
        try:
            self._wake()
        except Exception:
            log.exception("waking the session owner failed")

    def _crashed(self, command: Command, error: BaseException) -> Event:
        if self.debug:
            raise error
        return CommandFailed(command.session_no, Failure.INTERNAL, repr(error), command)

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

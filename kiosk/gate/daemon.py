"""The gate daemon: every device's events on one queue, ONE writer thread applies them.

Shape::

    counter drivers ─┐
    extra sources ───┼──> queue ──> writer thread: GateWriter.handle() -> GateStore (SQLite)
    (GATECARD)      ─┘                             GateWriter.tick()   -> outbox reports,
                                                                          status lines

Drivers call ``on_event`` on their own threads; the callback only puts the event on the
queue. The writer is the only thread that touches the store, so SQLite needs no locks.
:class:`GateWriter` is the writer's logic without the thread: tests and the bench call
:meth:`GateWriter.handle` and :meth:`GateWriter.tick` directly with a ManualClock.

Extra sources (GATECARD: the security-gate alarm input, the member card scanner) are
anything with ``start(emit)`` and ``stop()`` (:class:`ExtraSource`); they put their events
on the same queue. Events whose type is in ``alarm_types`` and which carry a ``device_id``
(:class:`AlarmLike`) are counted as alarms of that device; events whose type is in
``handlers`` are passed to their handler on the writer thread (a card scan's visit record).
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TextIO, cast

from devices.counters import CounterDriver
from devices.counters.events import CounterFault, CounterReading
from devices.events import DeviceLost, DeviceReady
from devices.throttle import ThrottledFaults
from kiosk.core.ports import Clock
from kiosk.gate.counting import GateBook
from kiosk.storage.gate import GateStore, IntervalChange, ReportedInterval

log = logging.getLogger("kiosk.gate")

BATCH = 256
"""Most events applied in one transaction: a burst is one commit, a quiet gate one per event."""
TICK = 1.0
"""Seconds the writer waits for an event before it checks for ended intervals."""


class AlarmLike(Protocol):
    """What an alarm event carries (GATECARD's ``devices.alarm.AlarmRaised(device_id, url)``)."""

    @property
    def device_id(self) -> str:
        """The alarm input's id."""


class ExtraSource(Protocol):
    """An optional device that puts its events on the gate's queue."""

    def start(self, emit: Callable[[object], None]) -> None:
        """Start; call ``emit(event)`` from any thread for each event."""

    def stop(self) -> None:
        """Stop; no ``emit`` after this returns."""


class _Stop:
    """The last item on the queue: everything before it is applied, then the writer ends."""


class GateWriter:
    """Applies events to the book and the store; the daemon's single writer, no thread."""

    def __init__(
        self,
        store: GateStore,
        book: GateBook,
        clock: Clock,
        *,
        out: TextIO | None = None,
        alarm_types: tuple[type, ...] = (),
        handlers: Mapping[type, Callable[[Any], None]] | None = None,
        echo: bool = False,
        labels: Mapping[str, str] | None = None,
        resumed: Mapping[str, str] | None = None,
    ) -> None:
        """Create the writer.

        Args:
            store: the gate's store.
            book: the counting rules, restored from the store (see :func:`restore_book`).
            clock: wall and monotonic time (fault lines are throttled by the monotonic one).
            out: where status lines go (None: nowhere).
            alarm_types: event types counted as an alarm of their ``device_id``.
            handlers: event types handled by a function on this thread.
            echo: also print a line per reading that counted people (the demo).
            labels: how fault lines name a device, by URL (``counter gate1 (/dev/x)``);
                a device not in it is named ``gate device <url>``.
            resumed: what a device does again once back, by URL, for its "back" line
                (``counting again``, ``reporting alarms again``, ``reading cards again``);
                a device not in it is ``working again``.
        """
        self.store, self.book, self.clock = store, book, clock
        self.out, self.echo = out, echo
        self.alarm_types = alarm_types
        self.handlers = dict(handlers or {})
        self.applied = 0
        self.labels = dict(labels or {})
        self.resumed = dict(resumed or {})
        self._faults: dict[str, ThrottledFaults] = {}
        self._lost: set[str] = set()

    def start(self) -> list[ReportedInterval]:
        """Report intervals that ended while the gate was down; reset occupancy if due."""
        return self.tick()

    def tick(self) -> list[ReportedInterval]:
        """Report ended intervals (with the occupancy at their end), then a closing reset.

        Raises:
            StorageFailed: the store could not be written.
        """
        now = self.clock.now()
        reported = self.store.report_ended(now, self.book.occupancy)
        for interval in reported:
            self._status(interval)
        if self.book.closing_reset(now):
            self.store.apply((), self.book.occupancy, self.book.reset_on, now)
        return reported

    def handle(self, events: Sequence[object]) -> None:
        """Apply a batch of events in one transaction (after reporting ended intervals).

        Raises:
            StorageFailed: the store could not be written; nothing of the batch is stored.
        """
        self.tick()
        now = self.clock.now()
        changes: list[IntervalChange] = []
        for event in events:
            change = self._change(event, now)
            if change is not None:
                changes.append(change)
        if changes:
            self.store.apply(changes, self.book.occupancy, self.book.reset_on, now)
            self.applied += len(changes)
            if self.echo:
                self._echo(changes)

    def _change(self, event: object, now: dt.datetime) -> IntervalChange | None:
        if isinstance(event, CounterReading):
            self._back(event.url)
            return self.book.reading(event, now)
        if self.alarm_types and isinstance(event, self.alarm_types):
            # alarm_types are the caller's promise of AlarmLike: they carry device_id
            return self.book.alarm(cast("AlarmLike", event).device_id, now)
        if isinstance(event, DeviceLost):
            if self._fault(event.url, f"device lost: {event.reason}"):
                self._lost.add(event.url)  # a logged loss gets its "back" line
        elif isinstance(event, DeviceReady):
            self._back(event.url)
        elif isinstance(event, CounterFault):
            pass  # the driver logged it already (throttled); a fault loses no people
        else:
            handler = self.handlers.get(type(event))
            if handler is not None:
                handler(event)
        return None

    def _fault(self, url: str, reason: str) -> bool:
        faults = self._faults.get(url)
        if faults is None:
            label = self.labels.get(url, f"gate device {url}")
            faults = ThrottledFaults(label, monotonic=self.clock.monotonic, logger=log)
            self._faults[url] = faults
        return faults.report(reason)

    def _back(self, url: str) -> None:
        if url in self._lost:
            self._lost.discard(url)
            label = self.labels.get(url, f"gate device {url}")
            log.info("%s: back, %s", label, self.resumed.get(url, "working again"))

    def _status(self, interval: ReportedInterval) -> None:
        if self.out is None:
            return
        local = interval.start.astimezone(self.book.zone)
        end = local + dt.timedelta(minutes=interval.minutes)
        offset = local.isoformat()[-6:]  # "+07:00": log lines' own times may be UTC
        print(
            f"{local:%Y-%m-%d %H:%M}-{end:%H:%M} {offset} {interval.device_id}: "
            f"IN {interval.entered} "
            f"OUT {interval.left} occupancy {interval.occupancy} alarms {interval.alarms}",
            file=self.out,
            flush=True,
        )

    def _echo(self, changes: list[IntervalChange]) -> None:
        assert self.out is not None
        for change in changes:
            if change.entered or change.left or change.alarms:
                print(
                    f"{change.device_id}: +{change.entered} in, +{change.left} out, "
                    f"{change.alarms} alarms; occupancy {self.book.occupancy}",
                    file=self.out,
                    flush=True,
                )


class GateDaemon:
    """The drivers, the extra sources, the queue and the writer thread."""

    def __init__(
        self,
        writer: GateWriter,
        open_drivers: Callable[[Callable[[object], None]], list[CounterDriver]],
        extra_sources: Sequence[ExtraSource] = (),
    ) -> None:
        """Create the daemon; nothing starts until :meth:`start`.

        Args:
            writer: applies the events.
            open_drivers: given the queue's ``put``, makes the counter drivers (not started).
            extra_sources: optional devices that put events on the same queue.
        """
        self.writer = writer
        self.events: queue.Queue[object] = queue.Queue()
        self.drivers = open_drivers(self.events.put)
        self.extra_sources = list(extra_sources)
        self.failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gate-writer", daemon=True)

    def start(self) -> None:
        """Report what ended while down, then start the writer, the drivers and sources.

        Raises:
            StorageFailed: the store could not be written at start.
        """
        self.writer.start()
        self._thread.start()
        for driver in self.drivers:
            driver.start()
        for source in self.extra_sources:
            source.start(self.events.put)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the devices, apply everything queued, commit, end the writer."""
        for source in self.extra_sources:
            source.stop()
        for driver in self.drivers:
            driver.stop()
        self.events.put(_Stop())
        self._thread.join(timeout)
        self.writer.store.close()

    @property
    def running(self) -> bool:
        """True while the writer thread lives (it ends on stop or on a store failure)."""
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            while True:
                try:
                    batch = [self.events.get(timeout=TICK)]
                except queue.Empty:
                    self.writer.tick()
                    continue
                while len(batch) < BATCH:
                    try:
                        batch.append(self.events.get_nowait())
                    except queue.Empty:
                        break
                stop = any(isinstance(event, _Stop) for event in batch)
                self.writer.handle([event for event in batch if not isinstance(event, _Stop)])
                if stop:
                    return
        except BaseException as err:  # the daemon's main thread reports it and exits 1
            self.failure = err

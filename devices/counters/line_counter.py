"""The driver of a "line" protocol visitor counter: push and poll, reconnecting.

Wire format: see :mod:`devices.counters.line_protocol`. Shape: :class:`LineCounter`
owns a :class:`devices.serial_reader.SerialReader` (the port, its thread, reconnecting
after an unplug) fed to a fresh :class:`_LineProtocol` per connection; the device's
totals are tracked by one :class:`devices.counters.totals.CounterTotals` for the life of
the driver, so a reconnect loses and doubles nobody.

On every (re)connect, in both modes, the driver sends one query (``?`` or
``?<address>``): the answer is the baseline the later totals are counted from, so the
people passing between the connect and a push counter's first frame are not lost.

Poll mode adds one thread, ``counter-poll:<id>``, which writes the query every
``interval`` seconds while the port is open (SerialReader.write is thread-safe). Each
answer resets the count of unanswered polls; after :data:`LOST_AFTER` unanswered polls
in a row the counter is reported lost (:class:`DeviceLost`, "no answer to 3 polls ..."),
and ready again with its next answer. ``on_event`` is called on the reader and the poll
threads, never at the same time (a lock serialises them).

Bad frames are reported to ``on_event`` as :class:`CounterFault` and logged as throttled
technician lines (:class:`devices.counters.faults.ThrottledFaults`); they never raise.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from devices.counters.events import CounterEvent, CounterFault
from devices.counters.faults import ThrottledFaults
from devices.counters.line_protocol import CounterFrame, FrameError, LineParser, format_query
from devices.counters.settings import CounterSettings
from devices.counters.totals import CounterTotals
from devices.events import DeviceLost, DeviceReady, DeviceStatus
from devices.serial_reader import Backoff, DeviceUnavailable, SerialReader

log = logging.getLogger(__name__)

LOST_AFTER = 3
"""Unanswered polls in a row after which a polled counter is reported lost."""
REPLUG_BACKOFF = Backoff(initial=0.25, maximum=1.0)
"""Reopen a lost counter quickly: a replugged counter is read again within about 1 s;
a missing one costs one failed open a second, which is nothing."""


class LineCounter:
    """A visitor counter speaking the ASCII line protocol, push or poll.

    Example:
        >>> counter = LineCounter(CounterSettings("gate1", "/dev/kiosk-counter", "line"), print)
        >>> counter.start()
        >>> counter.stop()
    """

    def __init__(
        self,
        settings: CounterSettings,
        on_event: Callable[[CounterEvent], None],
        *,
        backoff: Backoff = REPLUG_BACKOFF,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the driver; nothing is opened until :meth:`start`.

        Args:
            settings: the counter's settings (protocol "line").
            on_event: called with CounterReading, CounterFault, DeviceReady, DeviceLost.
            backoff: delays between attempts to reopen a lost port.
            monotonic: the clock the fault log is throttled by.
        """
        if settings.protocol != "line":
            raise ValueError(f"LineCounter needs protocol 'line', got {settings.protocol!r}")
        self.settings = settings
        self.device_id, self.url = settings.device_id, settings.url
        self._on_event = on_event
        self._totals = CounterTotals(
            settings.device_id,
            settings.url,
            bits=settings.bits,
            max_step=settings.max_step,
            baseline_in=settings.baseline_in,
            baseline_out=settings.baseline_out,
        )
        self._faults = ThrottledFaults(
            f"counter {settings.device_id} ({settings.url})", monotonic=monotonic
        )
        self._reader = SerialReader(
            settings.url,
            lambda: _LineProtocol(self),
            self._status,
            baudrate=settings.baudrate,
            bytesize=settings.bytesize,
            parity=settings.parity,
            stopbits=settings.stopbits,
            backoff=backoff,
        )
        self._lock = threading.RLock()  # serialises on_event and guards the fields below
        self._unanswered = 0
        self._silent = False  # reported lost for not answering polls
        self._last_status: DeviceStatus | None = None
        self._stopping = threading.Event()
        self._poller: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        """True while the port is open and (in poll mode) the counter answers."""
        return self._reader.connected and not self._silent

    def start(self, *, wait_for_device: bool = True) -> None:
        """Open the port and start reading (and polling, in poll mode).

        Args:
            wait_for_device: if the port cannot be opened now, report it lost and keep
                trying instead of raising.

        Raises:
            DeviceUnavailable: the port cannot be opened and ``wait_for_device`` is false.
        """
        self._stopping = threading.Event()
        self._reader.start(wait_for_device=wait_for_device)
        if self.settings.mode == "poll":
            self._poller = threading.Thread(
                target=self._poll_loop,
                args=(self._stopping,),
                name=f"counter-poll:{self.device_id}",
                daemon=True,
            )
            self._poller.start()

    def stop(self) -> None:
        """Stop polling and reading, close the port. Safe to call more than once."""
        self._stopping.set()
        poller, self._poller = self._poller, None
        if poller is not None and poller is not threading.current_thread():
            poller.join(2.0)
        self._reader.stop()

    # -- called by the protocol and the poll thread ---------------------------------

    def frame_received(self, frame: CounterFrame) -> None:
        """A valid frame: check it is ours and fits, then report the reading."""
        wanted = self.settings.address
        if wanted and frame.counter_id != wanted:
            self.fault(f"answer from counter {frame.counter_id or '(no ID)'}, expected {wanted}")
            return
        limit = 2**self.settings.bits
        if frame.total_in >= limit or frame.total_out >= limit:
            self.fault(
                f"total IN={frame.total_in} OUT={frame.total_out} does not fit "
                f"{self.settings.bits} bits: set bits = 32 in [counters.{self.device_id}]"
            )
            return
        with self._lock:
            self._unanswered = 0
            if self._silent:
                self._silent = False
                self._emit_status(DeviceReady(self.url))
            self._emit(self._totals.reading(frame.total_in, frame.total_out))

    def fault(self, reason: str) -> None:
        """Something unusable arrived: count it, log it (throttled), report it."""
        line = f"{reason}; check the cable, the baud rate and the counter's protocol settings"
        with self._lock:
            self._faults.report(line)
            self._emit(CounterFault(self.device_id, self.url, line))

    def _status(self, status: DeviceStatus) -> None:
        with self._lock:
            self._unanswered = 0
            self._silent = False
            self._emit_status(status)

    def _emit_status(self, status: DeviceStatus) -> None:
        # A counter already reported silent and then unplugged is one loss, not two.
        if isinstance(status, DeviceLost) and isinstance(self._last_status, DeviceLost):
            return
        self._last_status = status
        self._emit(status)

    def _emit(self, event: CounterEvent) -> None:
        # The consumer's exception is logged, not raised: raised in the poll thread it
        # would end the polling, and the counter would fall silent for good.
        try:
            self._on_event(event)
        except Exception:
            log.exception("counter %s: the event handler failed on %r", self.device_id, event)

    def _poll_loop(self, stopping: threading.Event) -> None:
        query = format_query(self.settings.address)
        while not stopping.is_set():
            if self._reader.connected:
                with self._lock:
                    if self._unanswered >= LOST_AFTER and not self._silent:
                        self._silent = True
                        self._emit_status(
                            DeviceLost(
                                self.url,
                                f"no answer to {LOST_AFTER} polls in a row: check the "
                                "counter's power, its address and the TX/RX wiring",
                            )
                        )
                    self._unanswered += 1
                with contextlib.suppress(DeviceUnavailable):  # the reader reports it
                    self._reader.write(query)
            stopping.wait(self.settings.interval)


class _LineProtocol:
    """One connection's parser: bytes from the reader thread -> the driver."""

    def __init__(self, counter: LineCounter) -> None:
        self._counter = counter
        self._parser = LineParser()

    def connection_made(self, reader: SerialReader) -> None:
        self._parser.reset()
        # The first frame after a connect is only a starting point: ask for it now, so it
        # holds the totals before anyone passes. Else a push counter's first frame comes
        # with the first crossing, and the people it reports are lost.
        with contextlib.suppress(DeviceUnavailable):  # the reader reports a failed write
            reader.write(format_query(self._counter.settings.address))

    def data_received(self, data: bytes) -> None:
        for result in self._parser.feed(data):
            if isinstance(result, FrameError):
                self._counter.fault(f"{result.reason}: {result.excerpt!r}")
            else:
                self._counter.frame_received(result)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._parser.reset()

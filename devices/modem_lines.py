"""Sampling a serial port's modem-status lines on a thread: open, sample, reconnect.

The beams counter (:mod:`devices.counters.beams`) and the security gate's alarm input
(:mod:`devices.alarm`) both read contacts wired to CTS, DSR, DCD or RI, and exchange no
bytes. What they share lives here, in :class:`ModemLineInput`: opening the port (a port
without modem lines fails at open, not later), the sampling thread, reporting
:class:`devices.events.DeviceReady` / :class:`devices.events.DeviceLost` once per change,
and reopening a lost port on a :class:`devices.serial_reader.Backoff`. What the lines mean
(each driver's own state machine) stays in the subclass, behind two hooks:

* :meth:`ModemLineInput._begin`: read the lines of a just-opened port and start counting
  from them (may raise: the port is then closed and the open fails);
* :meth:`ModemLineInput._sample`: take one sample of an open port and emit what it means.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

import serial

from devices.events import DeviceLost, DeviceReady
from devices.serial_reader import Backoff, DeviceUnavailable

__all__ = ["LINE_ATTRIBUTES", "LINE_BACKOFF", "ModemLineInput", "one_line"]

LINE_ATTRIBUTES = {"cts": "cts", "dsr": "dsr", "dcd": "cd", "ri": "ri"}
"""Config name of each modem-status line -> the pyserial property that reads it."""
LINE_BACKOFF = Backoff(initial=0.25, maximum=1.0)
"""Reopening delays: a gate's contacts are worth retrying often."""
_FAILURES = (serial.SerialException, OSError, ValueError)

E = TypeVar("E")
"""The driver's own event (AlarmRaised, CounterReading); DeviceReady and DeviceLost come too."""


class ModemLineInput(ABC, Generic[E]):
    """One port's modem-status lines, sampled on its own thread; see the module docstring.

    A subclass sets the class attributes that name it in messages and implements
    :meth:`_begin` and :meth:`_sample`.

    Attributes:
        settings: the driver's settings (needs ``device_id``, ``url`` and ``interval``).
        device_id: the input's id, from the settings.
        url: the input's pyserial URL, as configured.
    """

    KIND: ClassVar[str]
    """What the input is, in log lines: ``"counter"``, ``"alarm input"``."""
    THREAD_NAME: ClassVar[str]
    """The sampling thread's name before ``:<id>``."""
    ALREADY_STARTED: ClassVar[str]
    """Names the input when start() is called twice."""
    CHECK: ClassVar[str]
    """What a technician should check when the port cannot be opened."""

    def __init__(
        self,
        settings: Any,
        on_event: Callable[[E | DeviceReady | DeviceLost], None],
        *,
        backoff: Backoff = LINE_BACKOFF,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the sampling; nothing is opened until :meth:`start`.

        Args:
            settings: the driver's settings.
            on_event: called on the sampling thread with the driver's events,
                DeviceReady and DeviceLost.
            backoff: delays between attempts to reopen a lost port.
            monotonic: the clock samples are stamped with.
        """
        self.settings = settings
        self.device_id: str = settings.device_id
        self.url: str = settings.url
        self._on_event = on_event
        self._backoff = backoff
        self._monotonic = monotonic
        # Log lines keep the driver's own logger name ("devices.alarm", ...).
        self._log = logging.getLogger(type(self).__module__)
        self._port: Any = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lost_reported = False

    @property
    def connected(self) -> bool:
        """True while the port is open and its lines are being read."""
        return self._port is not None

    def start(self, *, wait_for_device: bool = True) -> None:
        """Open the port and start sampling its lines.

        Args:
            wait_for_device: if the port cannot be opened now, report it lost and keep
                trying instead of raising.

        Raises:
            devices.serial_reader.DeviceUnavailable: cannot open, and not waiting.
            RuntimeError: already started.
        """
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError(f"{self.ALREADY_STARTED} {self.device_id} is already started")
        failure: BaseException | None = None
        try:
            self._open()
        except _FAILURES as exc:
            if not wait_for_device:
                message = f"cannot open {self.url!r} ({_reason(exc)}): {self.CHECK}"
                raise DeviceUnavailable(message) from exc
            failure = exc
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(self._stopping, failure),
            name=f"{self.THREAD_NAME}:{self.device_id}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and close the port. Safe to call more than once."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(2.0)

    # -- the subclass's part ----------------------------------------------------------

    def _port_options(self) -> dict[str, Any]:
        """Extra keyword arguments for ``serial.serial_for_url`` (none by default)."""
        return {}

    @abstractmethod
    def _begin(self, port: Any) -> None:
        """Read the lines of a just-opened port and start counting from them."""

    @abstractmethod
    def _sample(self, port: Any) -> None:
        """Take one sample of the open port and emit what it means."""

    def _emit(self, event: E | DeviceReady | DeviceLost) -> None:
        try:
            self._on_event(event)
        except Exception:
            self._log.exception("%s %s event handler failed", self.KIND, self.device_id)

    # -- the sampling thread ----------------------------------------------------------

    def _open(self) -> None:
        if self.url.lower().startswith("sim://"):
            from devices.sim import register_url_handler

            register_url_handler()
        port = serial.serial_for_url(self.url, timeout=0, **self._port_options())
        try:
            self._begin(port)  # a port without modem lines fails here, not later
        except BaseException:
            port.close()
            raise
        self._port = port

    def _run(self, stopping: threading.Event, failure: BaseException | None) -> None:
        if failure is None:
            self._ready()
        else:
            self._lost(failure)
        delays = self._backoff.delays()
        try:
            while not stopping.is_set():
                if self._port is None:
                    if stopping.wait(next(delays)):
                        break
                    try:
                        self._open()
                    except _FAILURES as exc:
                        self._log.debug("%s still unavailable: %s", self.url, one_line(exc))
                        continue
                    delays = self._backoff.delays()
                    self._ready()
                    continue
                try:
                    self._sample(self._port)
                except _FAILURES as exc:
                    self._close()
                    self._lost(exc)
                    continue
                stopping.wait(self.settings.interval)
        finally:
            self._close()

    def _ready(self) -> None:
        self._lost_reported = False
        self._log.info("%s ready (%s %s)", self.url, self.KIND, self.device_id)
        self._emit(DeviceReady(self.url))

    def _lost(self, exc: BaseException) -> None:
        if self._lost_reported:
            return
        self._lost_reported = True
        reason = _reason(exc)
        self._log.warning(
            "%s lost (%s %s): %s; reconnecting", self.url, self.KIND, self.device_id, reason
        )
        self._emit(DeviceLost(self.url, reason))

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError) as exc:
                self._log.debug("closing %s failed: %s", self.url, one_line(exc))


def _reason(exc: BaseException) -> str:
    """One line; says what it means when the port has no modem lines at all."""
    reason = one_line(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOTTY:
        reason += (
            " (this port has no modem-status lines: a pseudo-terminal or a USB adapter "
            "without them; use a real RS-232 port or an RFC 2217 device server)"
        )
    return reason


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (its type's name if it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__

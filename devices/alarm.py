"""A security gate's alarm output on a serial port's modem-status line: one event per alarm.

Wiring: the gate's alarm relay (the contact that rings the bell or lights the lamp when
a tagged book goes through) between a serial port's output line and one of its
modem-status inputs. On a DB9 RS-232 port, a contact from DTR (pin 4, which pyserial
holds asserted) to CTS (pin 8), DSR (pin 6), DCD (pin 1) or RI (pin 9). No bytes are
exchanged: the "wire format" is the level of that one line, sampled every ``interval``
seconds (10 ms by default):

* ``active = "high"``: a normally-open relay; the line is asserted while the gate alarms;
* ``active = "low"``: a normally-closed relay (fail-safe wiring: a cut wire looks like
  an alarm, not like silence); the line is deasserted while the gate alarms.

Counting (:class:`AlarmDetector`, pure, fed ``(time, level)`` samples):

* the line is **debounced**: a new level counts only once it has held for ``debounce``
  seconds (50 ms by default), so relay bounce and induced spikes count nothing;
* an alarm is **raised** when the debounced line becomes active, unless the line was
  last active less than ``min_gap`` seconds before (5 s by default): a gate that
  pulses its bell for 5 seconds, or a patron who steps back and through again while it
  still rings, is one alarm. The line must stay quiet ``min_gap`` seconds to end one.

Known quirks:

* RI is edge-latched on 16550-type UARTs (the "trailing edge of RI" bit) and some USB
  adapters report it only while a ring is in progress: a short pulse may be missed by
  sampling. Prefer CTS, DSR or DCD; use RI only with a relay that holds.
* USB serial adapters report modem lines in status packets (FTDI every 16 ms by its
  latency timer, PL2303 and CH340 when they please), so a level arrives up to a few tens
  of milliseconds late and a pulse shorter than that may never be seen; keep the
  debounce at or above 40 ms with them.
* An RFC 2217 device server (a Moxa NPort, ser2net) sends the lines as NOTIFY-MODEMSTATE
  messages on change; pyserial's client polls when it has heard nothing for a while.
* A pseudo-terminal has no modem lines ("[Errno 25] Inappropriate ioctl for device"):
  the simulator (``kiosk sim alarm``) serves the line over RFC 2217 instead, and tests
  use the in-process ``sim://alarm/<name>``.
* Whatever the line says while the port is being (re)opened is taken as its quiet level
  if it is active then: an alarm already ringing at connect is not counted (it began
  while nobody was listening, and counting it after every reconnect would count it
  twice).

Threading: one thread per input samples the line and calls ``on_event`` with
:class:`AlarmRaised`, :class:`devices.events.DeviceReady` and
:class:`devices.events.DeviceLost`; a lost port is reopened on a backoff like the
counters'.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import serial

from devices.alarm_settings import LINES, AlarmSettings
from devices.events import DeviceLost, DeviceReady
from devices.serial_reader import Backoff, DeviceUnavailable

__all__ = ["LINES", "AlarmDetector", "AlarmEvent", "AlarmInput", "AlarmRaised", "AlarmSettings"]

log = logging.getLogger(__name__)

_ATTRIBUTES = {"cts": "cts", "dsr": "dsr", "dcd": "cd", "ri": "ri"}
"""Config name of each line -> the pyserial property that reads it."""
_BACKOFF = Backoff(initial=0.25, maximum=1.0)
_CHECK = "check the cable, the device path in [gate.alarm] url and that this user may use it"


@dataclass(frozen=True)
class AlarmRaised:
    """The security gate alarmed (once per alarm, however long it rang).

    Attributes:
        device_id: the input's id (``[gate.alarm] id``, "alarm" by default).
        url: the input's pyserial URL, as configured.
    """

    device_id: str
    url: str


AlarmEvent = AlarmRaised | DeviceReady | DeviceLost


class AlarmDetector:
    """Line levels -> alarms, debounced and merged within ``min_gap``. Pure: no I/O, no clock.

    Example:
        >>> detector = AlarmDetector(debounce=0.05, min_gap=5.0)
        >>> [detector.sample(t, level) for t, level in
        ...  [(0, False), (1, True), (1.06, True), (2, False), (3, True), (3.1, True)]]
        [False, False, True, False, False, False]
    """

    def __init__(self, *, debounce: float = 0.05, min_gap: float = 5.0, active_high: bool = True):
        """Create a detector.

        Args:
            debounce: seconds a new level must hold to be believed.
            min_gap: seconds of quiet needed before another alarm counts.
            active_high: the line is asserted (True) while alarming; else deasserted.
        """
        self.debounce = debounce
        self.min_gap = min_gap
        self.active_high = active_high
        self.active: bool | None = None  # the debounced state; None until the first sample
        self._candidate_since: float | None = None
        self._last_active: float | None = None  # when the line was last seen active

    def reset(self) -> None:
        """Forget the line's level (after a reconnect); the last alarm's time is kept."""
        self.active = None
        self._candidate_since = None

    def sample(self, now: float, level: bool) -> bool:
        """Feed one sample.

        Args:
            now: the sample's time, seconds (any monotonic origin).
            level: the line asserted.

        Returns:
            True when this sample raises an alarm.
        """
        active = level == self.active_high
        if self.active is None:  # the first sample: its level is where we start from
            self.active = active
            if active:
                self._last_active = now
            return False
        if active == self.active:
            self._candidate_since = None
            if active:
                self._last_active = now
            return False
        if self._candidate_since is None:
            self._candidate_since = now
        if now - self._candidate_since < self.debounce:
            return False
        self.active, self._candidate_since = active, None
        if not active:
            return False
        quiet_since = self._last_active
        self._last_active = now
        return quiet_since is None or now - quiet_since >= self.min_gap


class AlarmInput:
    """Samples one alarm line on its own thread; see the module docstring."""

    def __init__(
        self,
        settings: AlarmSettings,
        on_event: Callable[[AlarmEvent], None],
        *,
        backoff: Backoff = _BACKOFF,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the driver; nothing is opened until :meth:`start`.

        Args:
            settings: the input's settings.
            on_event: called on the driver's thread with AlarmRaised, DeviceReady and
                DeviceLost.
            backoff: delays between attempts to reopen a lost port.
            monotonic: the clock samples are stamped with.
        """
        self.settings = settings
        self.device_id, self.url = settings.device_id, settings.url
        self.alarms = 0  # raised since start (the driver's own tally, for status lines)
        self._on_event = on_event
        self._backoff = backoff
        self._monotonic = monotonic
        self._detector = AlarmDetector(
            debounce=settings.debounce,
            min_gap=settings.min_gap,
            active_high=settings.active == "high",
        )
        self._port: Any = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lost_reported = False

    @property
    def connected(self) -> bool:
        """True while the port is open and its line is being read."""
        return self._port is not None

    def start(self, *, wait_for_device: bool = True) -> None:
        """Open the port and start sampling its line.

        Args:
            wait_for_device: if the port cannot be opened now, report it lost and keep
                trying instead of raising.

        Raises:
            devices.serial_reader.DeviceUnavailable: cannot open, and not waiting.
            RuntimeError: already started.
        """
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError(f"alarm input {self.device_id} is already started")
        failure: BaseException | None = None
        try:
            self._open()
        except (serial.SerialException, OSError, ValueError) as exc:
            if not wait_for_device:
                message = f"cannot open {self.url!r} ({_reason(exc)}): {_CHECK}"
                raise DeviceUnavailable(message) from exc
            failure = exc
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(self._stopping, failure),
            name=f"alarm:{self.device_id}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and close the port. Safe to call more than once."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(2.0)

    # -- the driver's thread --------------------------------------------------------

    def _open(self) -> None:
        if self.url.lower().startswith("sim://"):
            from devices.sim import register_url_handler

            register_url_handler()
        port = serial.serial_for_url(self.url, timeout=0)
        try:
            level = self._level(port)  # a port without modem lines fails here, not later
        except BaseException:
            port.close()
            raise
        self._port = port
        # The level at open is where counting starts (taken now, not at the thread's first
        # sample, which a busy machine may delay past the start of a ring).
        self._detector.reset()
        self._detector.sample(self._monotonic(), level)

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
                    except (serial.SerialException, OSError, ValueError) as exc:
                        log.debug("%s still unavailable: %s", self.url, _one_line(exc))
                        continue
                    delays = self._backoff.delays()
                    self._ready()
                    continue
                try:
                    self._port.read(64)  # no bytes come; a read notices an unplugged port
                    level = self._level(self._port)
                except (serial.SerialException, OSError, ValueError) as exc:
                    self._close()
                    self._lost(exc)
                    continue
                if self._detector.sample(self._monotonic(), level):
                    self.alarms += 1
                    log.info("alarm input %s: the security gate alarmed", self.device_id)
                    self._emit(AlarmRaised(self.device_id, self.url))
                stopping.wait(self.settings.interval)
        finally:
            self._close()

    def _level(self, port: Any) -> bool:
        return bool(getattr(port, _ATTRIBUTES[self.settings.line]))

    def _ready(self) -> None:
        self._lost_reported = False
        log.info("%s ready (alarm input %s)", self.url, self.device_id)
        self._emit(DeviceReady(self.url))

    def _lost(self, exc: BaseException) -> None:
        if self._lost_reported:
            return
        self._lost_reported = True
        reason = _reason(exc)
        log.warning("%s lost (alarm input %s): %s; reconnecting", self.url, self.device_id, reason)
        self._emit(DeviceLost(self.url, reason))

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError) as exc:
                log.debug("closing %s failed: %s", self.url, _one_line(exc))

    def _emit(self, event: AlarmEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("alarm input %s event handler failed", self.device_id)


def open_alarm(
    settings: AlarmSettings,
    on_event: Callable[[AlarmEvent], None],
    *,
    backoff: Backoff = _BACKOFF,
) -> AlarmInput:
    """Build (but do not start) the driver of an alarm input.

    Example:
        >>> alarm = open_alarm(AlarmSettings("rfc2217://10.0.0.5:4001", line="dsr"), events.put)
        >>> alarm.start()
        >>> alarm.stop()

    Args:
        settings: the input's settings.
        on_event: called on the driver's thread with :data:`AlarmEvent`.
        backoff: delays between attempts to reopen a lost port.

    Returns:
        The driver; call ``start()`` on it.
    """
    return AlarmInput(settings, on_event, backoff=backoff)


def _reason(exc: BaseException) -> str:
    """One line; says what it means when the port has no modem lines at all."""
    reason = _one_line(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOTTY:
        reason += (
            " (this port has no modem-status lines: a pseudo-terminal or a USB adapter "
            "without them; use a real RS-232 port or an RFC 2217 device server)"
        )
    return reason


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__

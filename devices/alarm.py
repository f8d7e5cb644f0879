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
:class:`devices.events.DeviceLost`; a lost port is reopened on a backoff. The thread,
opening and reconnecting are :mod:`devices.modem_lines`', shared with the beams counter.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devices.alarm_settings import LINES, AlarmSettings
from devices.events import DeviceLost, DeviceReady
from devices.modem_lines import LINE_ATTRIBUTES, LINE_BACKOFF, ModemLineInput
from devices.serial_reader import Backoff

__all__ = ["LINES", "AlarmDetector", "AlarmEvent", "AlarmInput", "AlarmRaised", "AlarmSettings"]

log = logging.getLogger(__name__)


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


class AlarmInput(ModemLineInput[AlarmRaised]):
    """Samples one alarm line on its own thread; see the module docstring.

    Opening, sampling and reconnecting are :class:`devices.modem_lines.ModemLineInput`'s;
    what the line means is :class:`AlarmDetector`'s.
    """

    KIND = "alarm input"
    THREAD_NAME = "alarm"
    ALREADY_STARTED = "alarm input"
    CHECK = "check the cable, the device path in [gate.alarm] url and that this user may use it"

    def __init__(
        self,
        settings: AlarmSettings,
        on_event: Callable[[AlarmEvent], None],
        *,
        backoff: Backoff = LINE_BACKOFF,
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
        super().__init__(settings, on_event, backoff=backoff, monotonic=monotonic)
        self.settings: AlarmSettings = settings
        self.alarms = 0  # raised since start (the driver's own tally, for status lines)
        self._detector = AlarmDetector(
            debounce=settings.debounce,
            min_gap=settings.min_gap,
            active_high=settings.active == "high",
        )

    def _begin(self, port: Any) -> None:
        level = self._level(port)  # a port without modem lines fails here, not later
        # The level at open is where counting starts (taken now, not at the thread's first
        # sample, which a busy machine may delay past the start of a ring).
        self._detector.reset()
        self._detector.sample(self._monotonic(), level)

    def _sample(self, port: Any) -> None:
        port.read(64)  # no bytes come; a read notices an unplugged port
        level = self._level(port)
        if self._detector.sample(self._monotonic(), level):
            self.alarms += 1
            log.info("alarm input %s: the security gate alarmed", self.device_id)
            self._emit(AlarmRaised(self.device_id, self.url))

    def _level(self, port: Any) -> bool:
        return bool(getattr(port, LINE_ATTRIBUTES[self.settings.line]))


def open_alarm(
    settings: AlarmSettings,
    on_event: Callable[[AlarmEvent], None],
    *,
    backoff: Backoff = LINE_BACKOFF,
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

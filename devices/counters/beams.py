"""Infrared beams or a turnstile contact on a serial port's modem-status lines ("beams").

Wiring: a beam receiver's (or a turnstile's) dry contact between a serial port's output
line and one of its modem-status inputs, so the input is *asserted* while the beam is
broken (or the contact closed). On a DB9 RS-232 port, a contact from DTR (pin 4, which
pyserial holds asserted) to CTS (pin 8), DSR (pin 6), DCD (pin 1) or RI (pin 9); many
receivers have both a normally-open and a normally-closed output: use the one that
closes when the beam is broken. No bytes are exchanged: the wire format is the state of
the lines, sampled every ``interval`` seconds (5 ms by default).

Counting (:class:`CrossingDetector`, pure, fed ``(time, a, b)`` samples):

* every line is **debounced**: a new level counts only once it has held for
  ``debounce`` seconds (50 ms by default), so contact bounce and a flickering beam
  count nothing;
* **one beam** (``beam_b = ""``): each time it becomes broken is one crossing, counted
  as ``count_single`` ("in" or "out");
* **two beams**, mounted close enough that a person breaks both at once (the usual
  5-15 cm of directional beam pairs): a *passage* runs from the first break to the
  moment both are clear again. If A broke first and B cleared last it is one IN; B first
  and A last is one OUT. A passage in which only one beam was broken, or which ends on
  the beam it started on (someone stepped in and turned back), counts nothing.

Totals are the driver's own: they start at the configured baseline (or 0), go up by one
per crossing and wrap at ``bits``, so a consumer sees the same
:class:`devices.counters.events.CounterReading` as from any other counter.

Known quirk: sampling is done by a Python thread, so it competes for the interpreter
with the rest of the process. In the kiosk, the UI's heaviest moments (start-up, about
0.1 s) can delay a sample beyond the debounce; a beam broken for less than that while it
happens may be missed, and a throttled WARNING says so ("line sampling fell 0.127 s
behind ..."). People take 0.2 s or more to pass a beam; a separate process (the entrance
gate's) avoids the competition altogether.

Simulators: a pseudo-terminal has no modem lines (TIOCMGET on a pty fails with
"[Errno 25] Inappropriate ioctl for device"), so :mod:`devices.sim.beams` offers an RFC
2217 server (``rfc2217://127.0.0.1:PORT``: pyserial's client learns the lines from the
server's NOTIFY-MODEMSTATE messages, which our server sends on every change) and an
in-process ``sim://beams/<name>`` port.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from devices.counters.events import CounterEvent, CounterReading
from devices.counters.faults import ThrottledFaults
from devices.counters.settings import CounterSettings
from devices.counters.totals import CounterTotals
from devices.modem_lines import LINE_ATTRIBUTES, LINE_BACKOFF, ModemLineInput
from devices.serial_reader import Backoff


class _Debounced:
    """One line's level, believed only once a new level has held for ``debounce`` s."""

    def __init__(self, debounce: float) -> None:
        self.debounce = debounce
        self.level: bool | None = None  # None until the first sample
        self._candidate_since: float | None = None

    def sample(self, now: float, level: bool) -> bool:
        """Take a sample; True if the believed level changed."""
        if self.level is None:
            self.level = level
            return False
        if level == self.level:
            self._candidate_since = None
            return False
        if self._candidate_since is None:
            self._candidate_since = now
        if now - self._candidate_since >= self.debounce:
            self.level, self._candidate_since = level, None
            return True
        return False


class CrossingDetector:
    """Debounced beam levels -> crossings ("in" / "out"). Pure: no I/O, no clock.

    Example:
        >>> detector = CrossingDetector(two_beams=True, debounce=0.0)
        >>> [detector.sample(t, a, b) for t, a, b in
        ...  [(0, False, False), (1, True, False), (2, True, True), (3, False, True),
        ...   (4, False, False)]][-1]
        ['in']
    """

    def __init__(self, *, two_beams: bool, count_single: str = "in", debounce: float = 0.05):
        """Create a detector.

        Args:
            two_beams: A and B give the direction; else only A is used.
            count_single: with one beam, what each crossing counts as ("in" or "out").
            debounce: seconds a new level must hold to be believed.
        """
        self.two_beams = two_beams
        self.count_single = count_single
        self._a, self._b = _Debounced(debounce), _Debounced(debounce)
        self._first: str | None = None  # beam broken first in the current passage
        self._both = False  # both beams were broken during the passage

    def reset(self) -> None:
        """Forget the lines' levels and any passage (after a reconnect)."""
        debounce = self._a.debounce
        self._a, self._b = _Debounced(debounce), _Debounced(debounce)
        self._first, self._both = None, False

    def sample(self, now: float, a: bool, b: bool = False) -> list[str]:
        """Feed one sample of the lines.

        Args:
            now: the sample's time, seconds (any monotonic origin).
            a: beam A's line asserted (broken).
            b: beam B's line asserted (ignored with one beam).

        Returns:
            The crossings this sample completes: ``[]``, ``["in"]`` or ``["out"]``.
        """
        changed_a = self._a.sample(now, a)
        if not self.two_beams:
            return [self.count_single] if changed_a and self._a.level else []
        changed_b = self._b.sample(now, b)
        if not (changed_a or changed_b):
            return []
        level_a, level_b = bool(self._a.level), bool(self._b.level)
        if self._first is None:
            if level_a or level_b:  # a passage starts (both at once: no direction known)
                self._first = (
                    "a" if level_a and not level_b else "b" if level_b and not level_a else "?"
                )
                self._both = level_a and level_b
            return []
        self._both = self._both or (level_a and level_b)
        if level_a or level_b:
            return []
        # Both clear: the passage ends. The beam that cleared last is the one that
        # changed in this sample (if both did, the order is unknown).
        last = "a" if changed_a and not changed_b else "b" if changed_b and not changed_a else "?"
        first, both = self._first, self._both
        self._first, self._both = None, False
        if both and first == "a" and last == "b":
            return ["in"]
        if both and first == "b" and last == "a":
            return ["out"]
        return []


class BeamsCounter(ModemLineInput[CounterReading]):
    """Counts crossings of beams wired to modem-status lines; one thread per counter.

    Opening, sampling and reconnecting are :class:`devices.modem_lines.ModemLineInput`'s;
    what the lines mean is :class:`CrossingDetector`'s.
    """

    KIND = "counter"
    THREAD_NAME = "counter-beams"
    ALREADY_STARTED = "beams counter"
    CHECK = "check the cable, the device path in the config and that this user may use it"

    def __init__(
        self,
        settings: CounterSettings,
        on_event: Callable[[CounterEvent], None],
        *,
        backoff: Backoff = LINE_BACKOFF,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the driver; nothing is opened until :meth:`start`.

        Args:
            settings: the counter's settings (protocol "beams").
            on_event: called on the driver's thread with CounterReading, DeviceReady
                and DeviceLost.
            backoff: delays between attempts to reopen a lost port.
            monotonic: the clock samples are stamped with.
        """
        if settings.protocol != "beams":
            raise ValueError(f"BeamsCounter needs protocol 'beams', got {settings.protocol!r}")
        super().__init__(settings, on_event, backoff=backoff, monotonic=monotonic)
        self.settings: CounterSettings = settings
        modulus = 2**settings.bits
        self._in = (settings.baseline_in or 0) % modulus
        self._out = (settings.baseline_out or 0) % modulus
        self._totals = CounterTotals(
            settings.device_id,
            settings.url,
            bits=settings.bits,
            max_step=settings.max_step,
            baseline_in=self._in,
            baseline_out=self._out,
        )
        self._detector = CrossingDetector(
            two_beams=bool(settings.beam_b),
            count_single=settings.count_single,
            debounce=settings.debounce,
        )
        self._last_sample: float | None = None
        self._late = ThrottledFaults(f"counter {settings.device_id} ({settings.url})")

    # -- the driver's thread --------------------------------------------------------

    def _port_options(self) -> dict[str, Any]:
        settings = self.settings
        return {
            "baudrate": settings.baudrate,
            "bytesize": settings.bytesize,
            "parity": settings.parity,
            "stopbits": settings.stopbits,
        }

    def _begin(self, port: Any) -> None:
        self._levels(port)  # a port without modem lines fails here, not later
        self._detector.reset()
        self._last_sample = None

    def _sample(self, port: Any) -> None:
        port.read(64)  # beams send no bytes; a read is what notices an unplugged port
        a, b = self._levels(port)
        now = self._monotonic()
        last, self._last_sample = self._last_sample, now
        if last is not None and now - last > self.settings.debounce:
            # A beam broken for less than this gap may go unseen: say so, at most once a
            # minute, rather than miss people silently.
            self._late.report(
                f"line sampling fell {now - last:.3f} s behind (debounce "
                f"{self.settings.debounce:g} s): a short crossing may be missed while "
                "the computer is this busy"
            )
        for crossing in self._detector.sample(now, a, b):
            modulus = 2**self.settings.bits
            if crossing == "in":
                self._in = (self._in + 1) % modulus
            else:
                self._out = (self._out + 1) % modulus
            self._emit(self._totals.reading(self._in, self._out))

    def _levels(self, port: Any) -> tuple[bool, bool]:
        a = bool(getattr(port, LINE_ATTRIBUTES[self.settings.beam_a]))
        b = (
            bool(getattr(port, LINE_ATTRIBUTES[self.settings.beam_b]))
            if self.settings.beam_b
            else False
        )
        return a, b

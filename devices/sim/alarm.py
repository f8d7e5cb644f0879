"""A simulated security gate alarm: its relay on one modem-status line, and a console.

The line machinery is the beams simulator's (:class:`devices.sim.beams.BeamsSimulator`):
the gate reaches it as ``sim://alarm/<name>`` in-process, or over RFC 2217
(:class:`devices.sim.beams.Rfc2217BeamsServer`, ``rfc2217://127.0.0.1:PORT``) from
``kiosk sim alarm``. A pseudo-terminal cannot carry it: a pty has no modem lines.

Console commands (one a line; each prints one English line)::

    ring          the gate alarms for 2 s (a tagged book goes through)
    ring 0.5      ... for 0.5 s
    !pulse        the bell pulses 5 times in 4 s: still one alarm (the minimum gap)
    !bounce       the relay bounces (1 ms spikes): no alarm (the debounce)
    !unplug       pull the cable            !replug       plug it back in
    !status       the line's level, the rings so far
    !help         this list; Ctrl-D quits
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import TextIO

from devices.sim.beams import BeamsSimulator, Rfc2217BeamsServer

HELP = __doc__.split("::", 1)[1].strip("\n") if __doc__ else ""
_RING = re.compile(r"ring(?:\s+(\d{1,3}(?:\.\d{1,3})?))?", re.IGNORECASE)
RING_SECONDS = 2.0
MAX_RING = 600.0


class AlarmSimulator:
    """A gate's alarm relay on one line of simulated modem lines.

    Args:
        line: the line the relay drives (``cts``, ``dsr``, ``dcd``, ``ri``).
        active: ``"high"`` (asserted while alarming) or ``"low"`` (normally closed).

    Raises:
        ValueError: an unknown line or level.
    """

    def __init__(self, line: str = "cts", active: str = "high") -> None:
        if active not in ("high", "low"):
            raise ValueError(f"expected active 'high' or 'low', got {active!r}")
        self.lines = BeamsSimulator(beam_a=line, beam_b="")
        self.line, self.active = line, active
        self.rings = 0
        self.lines.set_line(line, active == "low")  # quiet

    def alarming(self, on: bool) -> None:
        """Put the line in its alarm (``on``) or quiet level."""
        self.lines.set_line(self.line, on == (self.active == "high"))

    def ring(self, seconds: float = RING_SECONDS) -> None:
        """The gate alarms for ``seconds`` (blocks that long)."""
        self.rings += 1
        self.alarming(True)
        time.sleep(seconds)
        self.alarming(False)

    def pulse(self, times: int = 5, on: float = 0.4, off: float = 0.4) -> None:
        """A pulsing bell: ``times`` rings ``off`` seconds apart; one alarm at the gate."""
        self.rings += 1
        for _ in range(times):
            self.alarming(True)
            time.sleep(on)
            self.alarming(False)
            time.sleep(off)

    def bounce(self, times: int = 5) -> None:
        """Relay bounce: spikes far shorter than the debounce; no alarm."""
        for _ in range(times):
            self.alarming(True)
            time.sleep(0.001)
            self.alarming(False)
            time.sleep(0.004)


def act(alarm: AlarmSimulator, line: str, server: Rfc2217BeamsServer | None = None) -> str:
    """Run one console command; return the line to print.

    Args:
        alarm: the simulator.
        line: a command, e.g. ``"ring 0.5"`` or ``"!unplug"``.
        server: the RFC 2217 server, when served over TCP (unplug acts on it).
    """
    text = line.strip()
    ring = _RING.fullmatch(text)
    if ring is not None:
        seconds = float(ring.group(1) or RING_SECONDS)
        if not 0.01 <= seconds <= MAX_RING:
            return f"a ring lasts 0.01 to {MAX_RING:g} s, got {seconds:g}"
        alarm.ring(seconds)
        return f"the gate alarmed for {seconds:g} s ({alarm.rings} rings so far)"
    command = text[1:].lower() if text.startswith("!") else ""
    if command == "pulse":
        alarm.pulse()
        return "the bell pulsed 5 times in 4 s (one alarm)"
    if command == "bounce":
        alarm.bounce()
        return "the relay bounced faster than the debounce (no alarm)"
    if command in ("unplug", "replug"):
        target = server if server is not None else alarm.lines
        getattr(target, command)()
        return "alarm input unplugged" if command == "unplug" else "alarm input plugged back in"
    if command == "status":
        level = "asserted" if alarm.lines.level(alarm.line) else "deasserted"
        return (
            f"{alarm.line.upper()} {level} (active {alarm.active}), {alarm.rings} rings, "
            f"{'plugged' if alarm.lines.plugged else 'unplugged'}"
        )
    if command == "help":
        return HELP
    return f"unknown command {text[:30]!r} (ring, ring SECONDS, or !help)"


def run_console(
    alarm: AlarmSimulator,
    lines: Iterable[str],
    out: TextIO,
    server: Rfc2217BeamsServer | None = None,
) -> None:
    """Run each command line until the input ends; blank lines are skipped."""
    for line in lines:
        if line.strip():
            print(act(alarm, line, server), file=out, flush=True)

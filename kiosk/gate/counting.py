"""The gate's counting rules, pure: intervals, per-device tallies, occupancy and its reset.

No threads, no store, no clock of its own: every method takes the time it is told, so
tests drive it with :class:`kiosk.core.clock.ManualClock` and plain calls. What it
returns is the store's own input, :class:`kiosk.storage.gate.IntervalChange`.

* **Intervals** are ``interval_minutes`` long (a divisor of 60) and aligned to the clock:
  with 15 minutes they start at :00, :15, :30 and :45 UTC. Every time zone Indonesia uses
  (UTC+7, +8, +9) is a whole number of hours ahead, so they are aligned locally too.
* **Occupancy** is people in minus people out over all the gate's counters, never below
  zero (more out than in means someone slipped in uncounted), and back to zero at closing
  time each day. The reset is found by date, not by a timer: if the gate was down at
  closing time, the first tick after it starts again still resets.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from devices.counters.events import CounterReading
from kiosk.storage.gate import IntervalChange


def interval_start(at: dt.datetime, minutes: int) -> dt.datetime:
    """The start (UTC) of the interval holding ``at``.

    Args:
        at: an aware time.
        minutes: the interval length, 1 to 60 and a divisor of 60.

    Raises:
        ValueError: ``at`` is naive or ``minutes`` does not divide an hour.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive time {at!r}: the gate counts in aware times only")
    if not 1 <= minutes <= 60 or 60 % minutes:
        raise ValueError(f"interval minutes must divide 60, got {minutes}")
    utc = at.astimezone(dt.UTC)
    return utc.replace(minute=utc.minute - utc.minute % minutes, second=0, microsecond=0)


def last_closing(now: dt.datetime, closing: dt.time, zone: ZoneInfo) -> dt.date:
    """The local date of the latest closing time at or before ``now``.

    Args:
        now: an aware time.
        closing: the library's closing time, local wall-clock time.
        zone: the library's time zone.
    """
    local = now.astimezone(zone)
    today = dt.datetime.combine(local.date(), closing, tzinfo=zone)
    return local.date() if local >= today else local.date() - dt.timedelta(days=1)


class GateBook:
    """The gate's running state: occupancy, its last reset, and the changes to store."""

    def __init__(
        self,
        *,
        interval_minutes: int,
        closing: dt.time,
        zone: ZoneInfo,
        occupancy: int = 0,
        reset_on: dt.date | None = None,
    ) -> None:
        """Start from what the store kept.

        Args:
            interval_minutes: interval length (divides 60).
            closing: local closing time (occupancy reset).
            zone: the library's time zone.
            occupancy: stored occupancy (0 on a first start).
            reset_on: local date of the last reset, None on a first start.
        """
        interval_start(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), interval_minutes)  # checks
        self.interval_minutes = interval_minutes
        self.closing = closing
        self.zone = zone
        self.occupancy = max(0, occupancy)
        self.reset_on = reset_on

    def reading(self, reading: CounterReading, at: dt.datetime) -> IntervalChange:
        """Count a counter's reading at ``at``; occupancy moves, clamped at zero."""
        self.occupancy = max(0, self.occupancy + reading.entered - reading.left)
        return IntervalChange(
            reading.device_id,
            interval_start(at, self.interval_minutes),
            entered=reading.entered,
            left=reading.left,
            totals=(reading.total_in, reading.total_out),
        )

    def alarm(self, device_id: str, at: dt.datetime) -> IntervalChange:
        """Count one alarm of ``device_id`` at ``at``."""
        return IntervalChange(device_id, interval_start(at, self.interval_minutes), alarms=1)

    def closing_reset(self, now: dt.datetime) -> bool:
        """Reset occupancy to zero if a closing time passed since the last reset.

        A first start (no reset yet) only records today's closing date: the occupancy it
        starts with is the stored one, zero on a fresh store.

        Returns:
            True if the occupancy or its reset date changed (store them).
        """
        closed = last_closing(now, self.closing, self.zone)
        if self.reset_on is not None and closed <= self.reset_on:
            return False
        if self.reset_on is not None:
            self.occupancy = 0
        self.reset_on = closed
        return True

    def ended(self, start: dt.datetime, now: dt.datetime) -> bool:
        """True if the interval starting at ``start`` has ended by ``now``."""
        return start + dt.timedelta(minutes=self.interval_minutes) <= now

"""Clocks for the core: the real one and a hand-wound one for tests and simulations."""

from __future__ import annotations

import datetime as dt
import time


class SystemClock:
    """Wall-clock and monotonic time from the operating system."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to. Used by tests and the flow harness."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
        self._mono = 1000.0

    def now(self) -> dt.datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by ``seconds``."""
        self._mono += seconds
        self._now += dt.timedelta(seconds=seconds)

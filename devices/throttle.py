"""Technician lines about a device's bad input, throttled so line noise cannot flood a log.

A loose cable or a wrong baud rate can produce a bad frame every few milliseconds. Each
one is counted; the first is logged at once, then at most one line per ``every``
seconds, saying how many were seen since the previous line and the latest
reason. Never raises; the clock is injected so tests need not wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger("devices.counters")  # the counters' lines, the first user


class ThrottledFaults:
    """Counts faults of one device and logs them, at most one line per period."""

    def __init__(
        self,
        label: str,
        *,
        every: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        logger: logging.Logger = log,
        level: int = logging.WARNING,
    ) -> None:
        """Create the counter of faults.

        Args:
            label: names the device in each line, e.g. ``"counter gate1 (/dev/ttyUSB0)"``.
            every: least seconds between two log lines.
            monotonic: the clock.
            logger: where the lines go.
            level: their level (WARNING for faults; INFO for bad scans, which are
                often a patron's torn label rather than a fault).
        """
        self.label = label
        self.every = every
        self.total = 0
        self._monotonic = monotonic
        self._logger = logger
        self._level = level
        self._pending = 0
        self._last_logged: float | None = None

    def report(self, reason: str) -> bool:
        """Count one fault and log it unless a line was logged less than ``every`` s ago.

        Args:
            reason: what was wrong and what to check, one line.

        Returns:
            True if a line was logged now.
        """
        self.total += 1
        self._pending += 1
        now = self._monotonic()
        if self._last_logged is not None and now - self._last_logged < self.every:
            return False
        if self._pending == 1:
            self._logger.log(self._level, "%s: %s", self.label, reason)
        else:
            self._logger.log(
                self._level,
                "%s: %d faults in the last %g s, latest: %s",
                self.label,
                self._pending,
                now - (self._last_logged or now),
                reason,
            )
        self._pending = 0
        self._last_logged = now
        return True

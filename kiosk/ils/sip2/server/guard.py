"""Log lines a client can cause over and over, bounded: the first, then a count per minute.

A client that reconnects to guess passwords, or that opens connections and never logs in,
would otherwise write one warning per attempt (an attacker trial wrote 7 MB in 10 s).
:class:`ThrottledLog` writes the first line of each kind at once, counts the ones that
follow within ``interval`` seconds, and writes one summary line per interval with that
count and the latest line (so the log still says who and from where).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

SUMMARY_INTERVAL = 60.0
"""Seconds between two lines of the same kind (the summary of what came in between)."""


@dataclass
class _Window:
    since: float
    count: int = 0
    last: str = ""


class ThrottledLog:
    """WARNING lines of a few kinds, each kind at most one line per ``interval``.

    Args:
        logger: where the lines go.
        prefix: put before every line ("SIP2 server: ").
        clock: monotonic seconds (injected in tests).
        interval: seconds between two lines of one kind.
    """

    def __init__(
        self,
        logger: logging.Logger,
        prefix: str,
        clock: Callable[[], float],
        interval: float = SUMMARY_INTERVAL,
    ) -> None:
        self._logger = logger
        self._prefix = prefix
        self._clock = clock
        self._interval = interval
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}

    def note(self, kind: str, line: str) -> None:
        """Log ``line`` now if no ``kind`` line was logged in the last interval, else count it.

        Args:
            kind: what happened, as it is counted in the summary ("failed logins").
            line: the whole line for this occurrence (no secrets: it may be logged).
        """
        with self._lock:
            now = self._clock()
            window = self._windows.get(kind)
            if window is None or now - window.since >= self._interval:
                if window is not None and window.count:
                    window.count += 1  # this one is in the summary, not a line of its own
                    window.last = line
                    self._summarise(kind, window)
                else:
                    self._logger.warning("%s%s", self._prefix, line)
                self._windows[kind] = _Window(since=now)
            else:
                window.count += 1
                window.last = line

    def tick(self) -> None:
        """Write the summary of every kind whose interval has passed with lines counted."""
        with self._lock:
            now = self._clock()
            for kind, window in list(self._windows.items()):
                if now - window.since >= self._interval:
                    if window.count:
                        self._summarise(kind, window)
                    del self._windows[kind]

    def flush(self) -> None:
        """Write every pending summary now (the server stops)."""
        with self._lock:
            for kind, window in self._windows.items():
                if window.count:
                    self._summarise(kind, window)
            self._windows.clear()

    def _summarise(self, kind: str, window: _Window) -> None:
        self._logger.warning(
            "%s%d more %s in the last %.0f s; the latest: %s",
            self._prefix,
            window.count,
            kind,
            self._clock() - window.since,
            window.last,
        )

"""What the modem-line drivers' integration tests share (the beams counter, the alarm input):
the driver's events, taken with a bounded wait, and the settings both need."""

from __future__ import annotations

import itertools
import queue
from typing import Generic, TypeVar

import pytest

from devices.serial_reader import Backoff

WAIT = 10.0
QUICK = Backoff(0.05, 0.2)
"""Reopen a lost port quickly: the tests unplug and replug."""
names = itertools.count()
"""Unique sim:// names, so no two tests share a simulated port."""

E = TypeVar("E")


class Events(Generic[E]):
    """Collects a driver's events from its thread; ``next`` waits at most :data:`WAIT`."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.queue: queue.Queue[E] = queue.Queue()

    def __call__(self, event: E) -> None:
        self.queue.put(event)

    def next(self) -> E:
        try:
            return self.queue.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"no {self.what} event within {WAIT} s")

    def pending(self) -> list[E]:
        found: list[E] = []
        while not self.queue.empty():
            found.append(self.queue.get_nowait())
        return found

    def none_pending(self) -> bool:
        return self.queue.empty()

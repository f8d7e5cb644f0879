"""What the scanner's integration tests share: the reader's events, taken with a bounded wait."""

from __future__ import annotations

import queue

import pytest

from devices.events import DeviceStatus
from devices.scanner import ScanEvent

WAIT = 5.0

Event = ScanEvent | DeviceStatus


class Events:
    """Collects scanner events from the reader thread; waits with a bounded timeout."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Event] = queue.Queue()

    def __call__(self, event: Event) -> None:
        self.queue.put(event)

    def next(self) -> Event:
        try:
            return self.queue.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"no scanner event within {WAIT} s")

    def take(self, count: int) -> list[Event]:
        return [self.next() for _ in range(count)]

"""The latest state of every configured counter, for a technician's screen: CounterBoard.

Drivers call their handler (:meth:`CounterBoard.handler`) on their own threads; the
screen calls :meth:`CounterBoard.snapshot` on its thread and gets immutable rows. One
lock guards everything; handlers never block on anything else, so a slow screen cannot
hold a driver up for longer than copying a few rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from devices.counters.events import CounterEvent, CounterFault, CounterReading
from devices.events import DeviceLost, DeviceReady


@dataclass(frozen=True)
class CounterRow:
    """One counter as the technician screen shows it.

    Attributes:
        device_id: the counter's id from the config.
        url: its pyserial URL.
        ready: connected and answering.
        total_in: the device's raw IN total at the last reading, None before any.
        total_out: the device's raw OUT total at the last reading, None before any.
        entered: people in since the kiosk started (exact, across wraps and resets).
        left: people out since the kiosk started.
        last_reading_at: wall-clock time (``time.time()``) of the last reading, or None.
        last_fault: the last problem, one technician line ("" if none yet).
        last_fault_at: wall-clock time (``time.time()``) of that problem, or None.
    """

    device_id: str
    url: str
    ready: bool = False
    total_in: int | None = None
    total_out: int | None = None
    entered: int = 0
    left: int = 0
    last_reading_at: float | None = None
    last_fault: str = ""
    last_fault_at: float | None = None


class CounterBoard:
    """Thread-safe latest readings and status of every counter, by device id."""

    def __init__(self, wall_clock: Callable[[], float] = time.time) -> None:
        """Create an empty board.

        Args:
            wall_clock: stamps readings (seconds since the epoch), for display.
        """
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._rows: dict[str, CounterRow] = {}

    def handler(self, device_id: str, url: str) -> Callable[[CounterEvent], None]:
        """Register a counter (not ready, no reading yet) and return its event handler.

        Args:
            device_id: the counter's id.
            url: its URL.

        Returns:
            A callable to pass as the driver's ``on_event`` (any thread).
        """
        with self._lock:
            self._rows[device_id] = CounterRow(device_id, url)

        def on_event(event: CounterEvent) -> None:
            self.update(device_id, event)

        return on_event

    def update(self, device_id: str, event: CounterEvent) -> None:
        """Apply one driver event to the counter's row (ignored for an unknown id)."""
        with self._lock:
            row = self._rows.get(device_id)
            if row is None:
                return
            if isinstance(event, CounterReading):
                row = replace(
                    row,
                    ready=True,
                    total_in=event.total_in,
                    total_out=event.total_out,
                    entered=row.entered + event.entered,
                    left=row.left + event.left,
                    last_reading_at=self._wall_clock(),
                )
            elif isinstance(event, DeviceReady):
                row = replace(row, ready=True)
            elif isinstance(event, DeviceLost):
                row = replace(
                    row,
                    ready=False,
                    last_fault=f"lost: {event.reason}",
                    last_fault_at=self._wall_clock(),
                )
            elif isinstance(event, CounterFault):
                row = replace(row, last_fault=event.reason, last_fault_at=self._wall_clock())
            self._rows[device_id] = row

    def snapshot(self) -> list[CounterRow]:
        """Every counter's row, sorted by id; empty when no counter is configured."""
        with self._lock:
            return [self._rows[key] for key in sorted(self._rows)]

"""What the Modbus counter tests share: the driver's events, collected, and waits on them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from devices.counters.events import CounterReading
from devices.counters.modbus import CounterEvent
from devices.counters.settings import CounterSettings
from devices.events import DeviceReady
from devices.serial_reader import Backoff
from devices.sim.modbus_counter import ModbusCounterSimulator

WAIT = 15.0  # generous: two cores shared with other test runs
TIMEOUT = 1.0  # the driver's answer timeout: long enough that a loaded machine is not silence
QUICK = Backoff(0.05, 0.2)


class Events:
    """Everything the driver reported, in order, with waiting helpers."""

    def __init__(self) -> None:
        self.items: list[CounterEvent] = []
        self._changed = threading.Condition()

    def __call__(self, event: CounterEvent) -> None:
        with self._changed:
            self.items.append(event)
            self._changed.notify_all()

    def wait_for(self, what: str, condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"no {what} within {WAIT} s; events: {self.items}")
                self._changed.wait(left)

    def count(self, kind: type) -> int:
        with self._changed:
            return sum(isinstance(event, kind) for event in self.items)

    def readings(self) -> list[CounterReading]:
        with self._changed:
            return [event for event in self.items if isinstance(event, CounterReading)]

    def people(self) -> tuple[int, int]:
        readings = self.readings()
        return sum(r.entered for r in readings), sum(r.left for r in readings)

    def wait_people(self, entered: int, left: int) -> None:
        self.wait_for(
            f"count of {entered} in, {left} out", lambda: self.people() == (entered, left)
        )

    def until_recovered(self) -> list[CounterEvent]:
        """The events up to the second DeviceReady (a fault episode and its end)."""
        with self._changed:
            ready = [i for i, event in enumerate(self.items) if isinstance(event, DeviceReady)]
            return self.items[: ready[1] + 1] if len(ready) > 1 else list(self.items)

    def wait_count(self, kind: type, at_least: int) -> None:
        self.wait_for(f"{kind.__name__} #{at_least}", lambda: self.count(kind) >= at_least)


def settings_for(sim: ModbusCounterSimulator, **changes: object) -> CounterSettings:
    layout = sim.layout
    values: dict[str, object] = {
        "device_id": "main",
        "url": sim.kiosk_path,
        "protocol": "modbus",
        "unit": layout.unit,
        "register_type": layout.register_type,
        "in_register": layout.in_register,
        "out_register": layout.out_register,
        "width": layout.width,
        "word_order": layout.word_order,
        "interval": 0.05,
    }
    values.update(changes)
    return CounterSettings(**values)  # type: ignore[arg-type]

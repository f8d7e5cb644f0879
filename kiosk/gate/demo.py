"""``kiosk gate`` without a config: two simulated counters, visitors at a human pace.

Each counter is the line-protocol simulator (:class:`devices.sim.counter.LineCounterSimulator`)
on a pseudo-terminal, read by the real driver through its stable path, so a newcomer sees
the whole gate work: the driver, the queue, the writer, the store and the interval lines.
A thread plays random crossings (a few a second between the two, more in than out, so the
occupancy grows as it would in the morning).
"""

from __future__ import annotations

import random
import threading
from typing import Self

from devices.counters import CounterSettings
from devices.sim.counter import LineCounterSimulator
from devices.sim.links import PtyLink

COUNTERS = ("entrance-a", "entrance-b")
IN_SHARE = 0.6
"""Share of crossings that are people coming in."""


class DemoCounters:
    """Two line counters on ptys and the visitors who walk through them."""

    def __init__(self, *, seed: int | None = None, mean_gap: float = 1.5) -> None:
        """Start the simulators (their ptys exist from here on) and the visitors.

        Args:
            seed: for the random visitors (None: different each run).
            mean_gap: mean seconds between two crossings at one counter.
        """
        self._random = random.Random(seed)
        self._mean_gap = mean_gap
        self.simulators = {
            device_id: LineCounterSimulator(PtyLink, mode="push", counter_id=device_id)
            for device_id in COUNTERS
        }
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._walk, name="gate-demo-visitors", daemon=True)
        self._thread.start()

    def settings(self) -> dict[str, CounterSettings]:
        """The drivers' settings for the simulators, by id."""
        return {
            device_id: CounterSettings(device_id, simulator.url, "line", address=device_id)
            for device_id, simulator in self.simulators.items()
        }

    def close(self) -> None:
        """Stop the visitors and the simulators."""
        self._stopping.set()
        self._thread.join(2.0)
        for simulator in self.simulators.values():
            simulator.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _walk(self) -> None:
        simulators = list(self.simulators.values())
        gap = self._mean_gap / len(simulators)
        while not self._stopping.wait(self._random.expovariate(1 / gap)):
            direction = "in" if self._random.random() < IN_SHARE else "out"
            self._random.choice(simulators).cross(direction)

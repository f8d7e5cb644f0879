"""The entrance gate: totals exact after 20 crossings/s for 10 minutes across two counters.

Simulated time, real pipeline: two simulated line-protocol counters (one 32-bit starting
just below its wrap, one 16-bit that has a power cut half-way) make 20 crossings a second
between them for ``--minutes`` of simulated time, one push frame per crossing. Each
counter's frames go through the real parser (:class:`devices.counters.line_protocol.LineParser`)
and the drivers' own totals tracker (:class:`devices.counters.totals.CounterTotals`) onto the
gate daemon's queue; the gate's single writer (:class:`kiosk.gate.daemon.GateWriter`)
applies each simulated second's events in one transaction to a real store file, on a
:class:`kiosk.core.clock.ManualClock`, so 10 minutes take seconds. Half-way the gate is
"restarted": the store is closed and opened again and the trackers take the stored
baselines, as after a kill -9. At the end every interval is reported; the stored and the
reported totals must both equal the crossings made.

    python bench/gate.py [--minutes 10] [--rate 20] [--interval 1] [--seed 11]

Exit code 1 if any total is not exact. If ``bench/gate_greeting.py`` exists (GATECARD's
card-scan-to-greeting latency), its ``greeting_part()`` runs after, and its exit code counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python bench/gate.py` from a checkout
    sys.path.insert(0, str(REPO))

from devices.counters.line_protocol import CounterFrame, LineParser, format_frame  # noqa: E402
from devices.counters.totals import CounterTotals  # noqa: E402
from kiosk.core.clock import ManualClock  # noqa: E402
from kiosk.gate.counting import GateBook  # noqa: E402
from kiosk.gate.daemon import GateDaemon, GateWriter  # noqa: E402
from kiosk.storage.gate import STORE_FILE, GateStore  # noqa: E402

ZONE = ZoneInfo("Asia/Jakarta")
START = dt.datetime(2026, 11, 21, 9, 0, tzinfo=ZONE)
COUNTERS = {"entrance-a": 32, "entrance-b": 16}  # id -> bits


class SimCounter:
    """A counter's device totals and its frames, as the push simulator sends them."""

    def __init__(self, device_id: str, bits: int, start: int) -> None:
        self.device_id, self.modulus = device_id, 2**bits
        self.total_in = self.total_out = start
        self.made = [0, 0]
        self.parser = LineParser()

    def cross(self, direction: str) -> bytes:
        if direction == "in":
            self.total_in = (self.total_in + 1) % self.modulus
            self.made[0] += 1
        else:
            self.total_out = (self.total_out + 1) % self.modulus
            self.made[1] += 1
        return format_frame(self.total_in, self.total_out, self.device_id)

    def power_cut(self) -> bytes:
        self.total_in = self.total_out = 0
        return format_frame(0, 0, self.device_id)


def _gate(
    path: Path, clock: ManualClock, minutes: int
) -> tuple[GateDaemon, dict[str, CounterTotals]]:
    """Open the store and the writer as `kiosk gate` does, trackers from the stored totals."""
    store = GateStore.open(path, "bench-gate", minutes)
    occupancy, reset_on = store.occupancy()
    book = GateBook(
        interval_minutes=minutes, closing=dt.time(21, 0), zone=ZONE,
        occupancy=occupancy, reset_on=reset_on,
    )  # fmt: skip
    writer = GateWriter(store, book, clock)
    writer.start()
    stored = store.baselines()
    trackers = {
        device: CounterTotals(
            device, f"bench://{device}", bits=bits, max_step=1000,
            baseline_in=stored.get(device, (None, None))[0],
            baseline_out=stored.get(device, (None, None))[1],
        )
        for device, bits in COUNTERS.items()
    }  # fmt: skip
    return GateDaemon(writer, lambda put: []), trackers


def _reports(path: Path) -> list[dict[str, Any]]:
    """The ``gate_interval`` reports in the outbox, as central will receive them."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT payload FROM outbox_events WHERE kind = 'gate_interval'")
        return [json.loads(payload) for (payload,) in rows]


def gate_run(minutes: int, rate: int, interval: int, seed: int) -> bool:
    """Run the bench; print its figures; True if exact."""
    rng = random.Random(seed)
    clock = ManualClock(START)
    sims = {
        "entrance-a": SimCounter("entrance-a", 32, 2**32 - 500),
        "entrance-b": SimCounter("entrance-b", 16, 1234),
    }
    seconds = minutes * 60
    with tempfile.TemporaryDirectory(prefix="bench-gate-") as folder:
        data = Path(folder)
        daemon, trackers = _gate(data, clock, interval)
        for device, sim in sims.items():  # the driver's "?" on connect: the baseline
            trackers[device].reading(sim.total_in, sim.total_out)
        started = time.perf_counter()
        events = transactions = 0
        for second in range(seconds):
            if second == seconds // 2:  # restart, as after a kill -9
                daemon.writer.store.close()
                daemon, trackers = _gate(data, clock, interval)
            for index in range(rate):
                sim = sims[rng.choice(list(sims))]
                frame = b""
                if sim.device_id == "entrance-b" and second == seconds // 3 and index == 0:
                    frame = sim.power_cut()  # the device restarts from 0
                frame += sim.cross("in" if rng.random() < 0.55 else "out")
                for result in sim.parser.feed(frame):
                    if isinstance(result, CounterFrame):
                        reading = trackers[sim.device_id].reading(result.total_in, result.total_out)
                        daemon.events.put(reading)
            clock.advance(1.0)
            batch = []
            while not daemon.events.empty():
                batch.append(daemon.events.get_nowait())
            daemon.writer.handle(batch)
            events += len(batch)
            transactions += 1
        clock.advance(interval * 60)
        daemon.writer.tick()
        elapsed = time.perf_counter() - started
        stored = daemon.writer.store.totals()
        daemon.writer.store.close()
        reported = _reports(data / STORE_FILE)
    made = {device: tuple(sim.made) for device, sim in sims.items()}
    counted = {device: (entered, left) for device, (entered, left, _alarms) in stored.items()}
    sent: dict[str, list[int]] = {device: [0, 0] for device in sims}
    for row in reported:
        sent[row["device_id"]][0] += row["entered"]
        sent[row["device_id"]][1] += row["left"]
    exact = counted == made and {d: tuple(v) for d, v in sent.items()} == made
    total = sum(map(sum, made.values()))
    print(
        f"gate: {total:,} crossings made in {minutes} simulated minutes at {rate}/s across "
        f"two counters (32-bit across its wrap, 16-bit with a power cut, a restart half-way)"
    )
    for device in sims:
        print(
            f"  {device}: made in {made[device][0]:,} out {made[device][1]:,}; stored in "
            f"{counted.get(device, (0, 0))[0]:,} out {counted.get(device, (0, 0))[1]:,}; "
            f"reported in {sent[device][0]:,} out {sent[device][1]:,}"
        )
    print(
        f"  exact: {'yes' if exact else 'NO'}; {len(reported)} interval reports; "
        f"{events:,} events in {transactions:,} transactions; wall time {elapsed:.2f} s "
        f"({events / elapsed:,.0f} events/s)"
    )
    return exact


def main(argv: list[str] | None = None) -> int:
    """Run the counting bench, then GATECARD's greeting part if present; 1 if any fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10, help="simulated minutes (10)")
    parser.add_argument("--rate", type=int, default=20, help="crossings per second (20)")
    parser.add_argument("--interval", type=int, default=1, help="interval minutes (1)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    ok = gate_run(args.minutes, args.rate, args.interval, args.seed)
    greeting = Path(__file__).with_name("gate_greeting.py")
    if greeting.exists():
        spec = importlib.util.spec_from_file_location("gate_greeting", greeting)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        ok = module.greeting_part() == 0 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

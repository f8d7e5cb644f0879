"""Visitor counters: 100,000 crossings with wraps and resets -> exact totals.

Two runs, each checked against the true number of people:

1. **Parser + tracker** (no I/O): a simulated 16-bit counter counts ``--crossings``
   people in bursts of 1 to 50, in and out, starting near the wrap point, with a power
   cut (totals back to 0) every ``--reset-every`` bursts. Each burst's frame is fed,
   chopped into random pieces with line noise between frames, to the real
   :class:`devices.counters.line_protocol.LineParser`, and the frames to the real
   :class:`devices.counters.totals.CounterTotals` the driver uses. Printed: people in
   and out counted vs true, wraps and resets seen, frames per second.
2. **Over a pseudo-terminal** (``--pty-crossings``, shorter): the real line protocol
   simulator on a pty, polled by the real :class:`devices.counters.line_counter.LineCounter`,
   with wraps and resets; totals compared the same way, plus how long the last reading
   took to arrive after the last crossing.

    python bench/devices_counters.py [--crossings 100000] [--pty-crossings 2000] [--seed 10]

Exit code 1 if any total is not exact. The lead merges this into bench/devices.py.
"""

from __future__ import annotations

import argparse
import queue
import random
import sys
import time

from devices.counters.events import CounterEvent, CounterReading
from devices.counters.line_counter import LineCounter
from devices.counters.line_protocol import CounterFrame, LineParser, format_frame
from devices.counters.settings import CounterSettings
from devices.counters.totals import CounterTotals
from devices.sim.counter import LineCounterSimulator
from devices.sim.links import PtyLink
from devices.sim.scanner import noise

BITS = 16
MAX_BURST = 50
MAX_STEP = 1000  # small, as a 16-bit counter's should be (see devices.counters.totals)


def _resettable(*totals: int) -> bool:
    """A power cut the totals can show: not while a total is within MAX_STEP of the wrap
    (then going back to 0 looks like a wrap: the documented limit of TotalsTracker)."""
    return all(total < 2**BITS - MAX_STEP for total in totals)


def parser_run(crossings: int, reset_every: int, wrap_every: int, rng: random.Random) -> bool:
    """Run 1; print its figures; True if exact."""
    modulus = 2**BITS
    device_in = device_out = modulus - 1000  # start near the wrap
    totals = CounterTotals("bench", "bench://", bits=BITS, max_step=MAX_STEP,
                           baseline_in=device_in, baseline_out=device_out)  # fmt: skip
    parser = LineParser()
    true_in = true_out = counted_in = counted_out = frames = bursts = 0
    notes = {"wrapped": 0, "reset": 0, "first": 0}
    stream = bytearray()
    started = time.perf_counter()
    people = 0
    while people < crossings:
        bursts += 1
        if bursts % reset_every == 0 and _resettable(device_in, device_out):
            device_in = device_out = 0  # a power cut: the device restarts from 0
        elif bursts % wrap_every == 0 and max(device_in, device_out) < modulus - 2000:
            # Jump near the wrap (like the simulator's !wrap): a new baseline, no people;
            # the next bursts then count across the wrap.
            device_in = device_out = modulus - rng.randint(1, 200)
            stream += format_frame(device_in, device_out)
        n = min(rng.randint(1, MAX_BURST), crossings - people)
        people += n
        if rng.random() < 0.6:
            device_in, true_in = (device_in + n) % modulus, true_in + n
        else:
            device_out, true_out = (device_out + n) % modulus, true_out + n
        stream += format_frame(device_in, device_out)
        if rng.random() < 0.1:
            stream += noise(rng.randint(1, 20), rng=rng) + b"\r\n"
        if len(stream) > 4096 or people >= crossings:
            view = bytes(stream)
            stream.clear()
            position = 0
            while position < len(view):
                step = rng.randint(1, 300)
                for result in parser.feed(view[position : position + step]):
                    if isinstance(result, CounterFrame):
                        frames += 1
                        reading = totals.reading(result.total_in, result.total_out)
                        counted_in += reading.entered
                        counted_out += reading.left
                        if reading.note in notes:
                            notes[reading.note] += 1
                position += step
    elapsed = time.perf_counter() - started
    exact = (counted_in, counted_out) == (true_in, true_out)
    print(
        f"parser+tracker: {true_in + true_out:,} crossings in {frames:,} frames "
        f"({BITS}-bit totals, {notes['wrapped']} wraps, {notes['reset']} resets, "
        f"{notes['first']} jumps, noise between frames): in {counted_in:,}/{true_in:,}, "
        f"out {counted_out:,}/{true_out:,} -> "
        f"{'EXACT' if exact else 'WRONG'}; {frames / elapsed:,.0f} frames/s"
    )
    return exact


def pty_run(crossings: int, rng: random.Random) -> bool:
    """Run 2; print its figures; True if exact."""
    events: queue.Queue[tuple[float, CounterEvent]] = queue.Queue()

    def on_event(event: CounterEvent) -> None:  # stamped on arrival, on the driver's thread
        events.put((time.monotonic(), event))

    with LineCounterSimulator(PtyLink, mode="poll", bits=BITS, heartbeat=60) as sim:
        sim.total_in = sim.total_out = 30_000
        settings = CounterSettings("bench", sim.url, "line", mode="poll", bits=BITS,
                                   max_step=MAX_STEP, interval=0.02, baseline_in=30_000,
                                   baseline_out=30_000)  # fmt: skip
        counter = LineCounter(settings, on_event)
        counter.start(wait_for_device=False)
        true_in = true_out = people = quiet = 0
        last_cross = time.monotonic()
        try:
            while people < crossings:
                n = min(rng.randint(1, MAX_BURST), crossings - people)
                people += n
                direction = "in" if rng.random() < 0.6 else "out"
                sim.cross(direction, n)
                last_cross = time.monotonic()
                true_in += n if direction == "in" else 0
                true_out += n if direction == "out" else 0
                event = rng.random()
                quiet += 1
                if quiet < 10:  # bursts since the last reset or jump: let polls see them
                    pass
                elif event < 0.02 and _resettable(sim.total_in, sim.total_out):
                    quiet = 0
                    time.sleep(0.1)  # let a poll see the totals before the power cut
                    sim.reset()
                elif event < 0.04:
                    quiet = 0
                    time.sleep(0.1)
                    sim.total_in = sim.total_out = sim.modulus - 5  # near the wrap: a jump
                    time.sleep(0.1)  # seen as a new baseline; then count across the wrap
                time.sleep(0.03)
            wanted = (sim.total_in, sim.total_out)
            counted_in = counted_out = 0
            arrived = None
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    stamp, reading = events.get(timeout=0.5)
                except queue.Empty:
                    continue
                if isinstance(reading, CounterReading):
                    counted_in += reading.entered
                    counted_out += reading.left
                    if (reading.total_in, reading.total_out) == wanted and events.empty():
                        arrived = stamp - last_cross
                        break
        finally:
            counter.stop()
    exact = (counted_in, counted_out) == (true_in, true_out)
    latency = f"{arrived * 1000:.0f} ms" if arrived is not None else "never"
    print(
        f"pty, polled every 20 ms: {true_in + true_out:,} crossings with resets and wraps: "
        f"in {counted_in:,}/{true_in:,}, out {counted_out:,}/{true_out:,} -> "
        f"{'EXACT' if exact else 'WRONG'}; last reading {latency} after the last crossing"
    )
    return exact


def main(argv: list[str] | None = None) -> int:
    """Run both benches; exit code 1 unless every total is exact."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else "")
    parser.add_argument("--crossings", type=int, default=100_000)
    parser.add_argument("--pty-crossings", type=int, default=2_000)
    parser.add_argument("--reset-every", type=int, default=500, help="bursts between power cuts")
    parser.add_argument("--wrap-every", type=int, default=50, help="bursts between jumps")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    exact = parser_run(args.crossings, args.reset_every, args.wrap_every, rng)
    exact = pty_run(args.pty_crossings, rng) and exact
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())

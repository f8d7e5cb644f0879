"""The "line" counter driver end to end against its simulator: real pty and real TCP."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator

import pytest

from devices.counters import CounterReading, open_counter
from devices.counters.events import CounterEvent, CounterFault
from devices.counters.line_counter import LineCounter
from devices.counters.settings import CounterSettings
from devices.events import DeviceLost, DeviceReady
from devices.serial_reader import Backoff
from devices.sim.counter import LineCounterSimulator
from devices.sim.links import PtyLink, TcpLink

WAIT = 10.0
QUICK = Backoff(0.05, 0.2)


class Events:
    """Collects a driver's events from its threads; waits with a bounded timeout."""

    def __init__(self) -> None:
        self.queue: queue.Queue[CounterEvent] = queue.Queue()

    def __call__(self, event: CounterEvent) -> None:
        self.queue.put(event)

    def next_of(self, kind: type) -> CounterEvent:
        """The next event of ``kind``, skipping others (heartbeats, faults); a bounded wait:
        heartbeats must not keep a test waiting for ever."""
        deadline = time.monotonic() + WAIT
        while True:
            try:
                event = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no {kind.__name__} within {WAIT} s")
            if isinstance(event, kind):
                return event

    def reading_with(self, total_in: int, total_out: int) -> list[CounterReading]:
        """Readings up to and including the first with these totals."""
        seen = []
        while True:
            reading = self.next_of(CounterReading)
            assert isinstance(reading, CounterReading)
            seen.append(reading)
            if (reading.total_in, reading.total_out) == (total_in, total_out):
                return seen


LINKS: dict[str, Callable[[Callable[[bytes], None]], PtyLink | TcpLink]] = {
    "pty": PtyLink,
    "tcp": TcpLink,
}


@pytest.fixture(params=["pty", "tcp"])
def link_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _run(
    link_kind: str, mode: str, bits: int = 32, counter_id: str = "", address: str = ""
) -> Iterator[tuple[LineCounterSimulator, LineCounter, Events]]:
    sim = LineCounterSimulator(
        LINKS[link_kind], mode=mode, bits=bits, counter_id=counter_id, heartbeat=0.2
    )
    events = Events()
    settings = CounterSettings(
        "gate1",
        sim.url,
        "line",
        mode=mode,
        bits=bits,
        interval=0.1,
        address=address,
        baseline_in=0,
        baseline_out=0,
    )
    counter = LineCounter(settings, events, backoff=QUICK)
    try:
        counter.start(wait_for_device=False)
        assert isinstance(events.next_of(DeviceReady), DeviceReady)
        # The port is open, but a TCP simulator may not have accepted it yet: bytes sent
        # before that are lost (as on a real line). The first reading shows they flow.
        events.next_of(CounterReading)
        yield sim, counter, events
    finally:
        counter.stop()
        sim.close()


@pytest.fixture
def push(link_kind: str) -> Iterator[tuple[LineCounterSimulator, LineCounter, Events]]:
    yield from _run(link_kind, "push")


@pytest.fixture
def poll(link_kind: str) -> Iterator[tuple[LineCounterSimulator, LineCounter, Events]]:
    yield from _run(link_kind, "poll", counter_id="gate1", address="gate1")


def _sum(readings: list[CounterReading]) -> tuple[int, int]:
    return sum(r.entered for r in readings), sum(r.left for r in readings)


def test_push_crossings_arrive_as_exact_deltas(push) -> None:  # type: ignore[no-untyped-def]
    sim, _counter, events = push
    sim.cross("in", 3)
    sim.cross("out", 1)
    assert _sum(events.reading_with(3, 1)) == (3, 1)
    assert all(r.device_id == "gate1" for r in events.reading_with(3, 1))


def test_poll_answers_are_read_and_a_silent_counter_is_lost_then_back(poll) -> None:  # type: ignore[no-untyped-def]
    sim, counter, events = poll
    sim.cross("in", 2)
    assert _sum(events.reading_with(2, 0)) == (2, 0)
    sim.silent = True
    lost = events.next_of(DeviceLost)
    assert "no answer to 3 polls" in lost.reason  # type: ignore[union-attr]
    assert not counter.connected
    sim.cross("in", 5)  # counted by the device while it did not answer
    sim.silent = False
    events.next_of(DeviceReady)
    assert _sum(events.reading_with(7, 0)) == (5, 0)


def test_unplug_and_replug_recovers_and_counts_people_passed_meanwhile(push) -> None:  # type: ignore[no-untyped-def]
    sim, _counter, events = push
    sim.cross("in", 1)
    events.reading_with(1, 0)
    sim.unplug()
    events.next_of(DeviceLost)
    sim.cross("in", 4)  # the counter keeps counting; its frames are lost with the cable
    sim.replug()
    events.next_of(DeviceReady)
    assert _sum(events.reading_with(5, 0)) == (4, 0)


@pytest.mark.parametrize("bits", [16, 32])
def test_wrap_and_reset_keep_totals_exact(link_kind: str, bits: int) -> None:
    for sim, _counter, events in _run(link_kind, "push", bits=bits):
        sim.cross("in", 10)
        events.reading_with(10, 0)
        sim.near_wrap()  # a technician's jump: the device's totals move by themselves
        jump = events.reading_with(2**bits - 3, 2**bits - 3)[-1]
        assert (jump.entered, jump.left, jump.note) == (0, 0, "first")
        sim.cross("in", 5)
        sim.cross("out", 4)
        wrapped = events.reading_with(2, 1)
        assert _sum(wrapped) == (5, 4)
        assert any(r.note == "wrapped" for r in wrapped)
        sim.reset()
        sim.cross("in", 2)
        after = events.reading_with(2, 0)
        assert _sum(after) == (2, 0)
        assert after[0].note == "reset"


def test_bad_crc_noise_and_split_frames(push) -> None:  # type: ignore[no-untyped-def]
    sim, _counter, events = push
    sim.badsum_next()
    sim.cross("in", 1)
    fault = events.next_of(CounterFault)
    assert "bad CRC" in fault.reason  # type: ignore[union-attr]
    sim.send_noise()
    assert "outside a frame" in events.next_of(CounterFault).reason  # type: ignore[union-attr]
    sim.split_next()
    sim.cross("in", 1)
    assert _sum(events.reading_with(2, 0)) == (2, 0)  # the bad frame lost nobody


def test_open_counter_picks_the_line_driver() -> None:
    counter = open_counter(CounterSettings("g", "loop://", "line"), lambda event: None)
    assert isinstance(counter, LineCounter)
    assert (counter.device_id, counter.url, counter.connected) == ("g", "loop://", False)


def test_a_handler_that_raises_does_not_stop_the_polling(link_kind: str) -> None:
    """A consumer's bug must not silence the counter: the poll thread carries on."""
    events = Events()

    def handler(event: CounterEvent) -> None:
        events(event)
        if isinstance(event, DeviceLost):
            raise RuntimeError("the consumer's bug")

    with LineCounterSimulator(LINKS[link_kind], mode="poll") as sim:
        settings = CounterSettings("gate1", sim.url, "line", mode="poll", interval=0.05)
        counter = LineCounter(settings, handler, backoff=QUICK)
        counter.start(wait_for_device=False)
        try:
            events.next_of(CounterReading)
            sim.silent = True
            events.next_of(DeviceLost)  # raised in the poll thread
            sim.silent = False
            events.next_of(DeviceReady)
            sim.cross("in", 1)
            assert events.reading_with(1, 0)[-1].entered == 1
        finally:
            counter.stop()


def test_a_slow_counter_dribbling_bytes_is_still_read(push) -> None:  # type: ignore[no-untyped-def]
    sim, _counter, events = push
    sim.slow = True
    sim.cross("in", 2)  # a 20-byte frame, one byte every 20 ms
    sim.slow = False
    assert _sum(events.reading_with(2, 0)) == (2, 0)


def test_push_counts_people_who_pass_before_the_counters_first_frame() -> None:
    """Connected, a push counter stays quiet until someone passes: the kiosk asks ``?``
    on connect, so the answer (not the first crossing's frame) is the starting point."""
    sim = LineCounterSimulator(PtyLink, mode="push", heartbeat=3600)  # no heartbeat
    events = Events()
    counter = LineCounter(CounterSettings("gate1", sim.url, "line", mode="push"), events)
    try:
        counter.start(wait_for_device=False)
        events.next_of(DeviceReady)
        deadline = time.monotonic() + WAIT
        while sim.polls == 0 and time.monotonic() < deadline:
            time.sleep(0.01)  # until the simulator has answered the kiosk's query
        sim.cross("in", 3)
        sim.cross("in", 2)
        readings = events.reading_with(5, 0)
        assert _sum(readings) == (5, 0), [(r.total_in, r.entered, r.note) for r in readings]
    finally:
        counter.stop()
        sim.close()

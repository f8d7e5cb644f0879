"""SerialScanner end to end: over a real pseudo-terminal and over the sim:// URL."""

from __future__ import annotations

import itertools
import queue
from collections.abc import Iterator

import pytest

from devices import codabar, sim
from devices.codabar import BarcodeKind
from devices.scanner import (
    BadScan,
    BarcodeRead,
    DeviceLost,
    DeviceReady,
    ScannerEvent,
    SerialScanner,
)
from devices.sim import PtyScannerSimulator

WAIT = 5.0
CODES = ["30234000517861", "33191000105864", codabar.make(BarcodeKind.PATRON, 234, 1)]
_names = itertools.count()


class Events:
    """Collects scanner events from the reader thread; waits with a bounded timeout."""

    def __init__(self) -> None:
        self.queue: queue.Queue[ScannerEvent] = queue.Queue()

    def __call__(self, event: ScannerEvent) -> None:
        self.queue.put(event)

    def next(self) -> ScannerEvent:
        try:
            return self.queue.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"no scanner event within {WAIT} s")

    def take(self, count: int) -> list[ScannerEvent]:
        return [self.next() for _ in range(count)]

    def until(self, kind: type) -> list[ScannerEvent]:
        """Events up to and including the first of ``kind``."""
        seen = [self.next()]
        while not isinstance(seen[-1], kind):
            seen.append(self.next())
        return seen


@pytest.fixture
def pty_sim() -> Iterator[PtyScannerSimulator]:
    with PtyScannerSimulator() as simulator:
        yield simulator


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def pty_scanner(pty_sim: PtyScannerSimulator, events: Events) -> Iterator[SerialScanner]:
    # Long interval: a freed /dev/pts/N may be reused by another process meanwhile.
    scanner = SerialScanner(pty_sim.port_path, events, reconnect_interval=5.0)
    scanner.start()
    assert events.next() == DeviceReady(pty_sim.port_path)
    yield scanner
    scanner.stop()


def test_scans_arrive_in_order(
    pty_sim: PtyScannerSimulator, pty_scanner: SerialScanner, events: Events
) -> None:
    for code in CODES:
        pty_sim.send(code)
    assert events.take(3) == [BarcodeRead(code) for code in CODES]


def test_split_frames_are_joined(
    pty_sim: PtyScannerSimulator, pty_scanner: SerialScanner, events: Events
) -> None:
    pty_sim.send_split(CODES[0], pieces=4, gap=0.05)
    pty_sim.send_split(CODES[1], pieces=14, gap=0.01)
    assert events.take(2) == [BarcodeRead(CODES[0]), BarcodeRead(CODES[1])]


def test_noise_is_a_bad_scan_then_scanning_recovers(
    pty_sim: PtyScannerSimulator, pty_scanner: SerialScanner, events: Events
) -> None:
    pty_sim.send_noise(12)
    pty_sim.send_raw(b"3023400051786")  # one digit short
    pty_sim.send_raw(b"\r")
    pty_sim.send(CODES[0])
    noise, short, good = events.take(3)
    assert isinstance(noise, BadScan)
    assert noise.reason == "unreadable characters (line noise)"
    assert short == BadScan("3023400051786", "not a 14-digit library barcode")
    assert good == BarcodeRead(CODES[0])


def test_crlf_from_a_scanner_configured_for_cr(events: Events) -> None:
    with PtyScannerSimulator(terminator=b"\r\n") as crlf:
        other = SerialScanner(crlf.port_path, events, terminator=b"\r")
        other.start()
        try:
            assert events.next() == DeviceReady(crlf.port_path)
            crlf.send(CODES[0])
            crlf.send(CODES[1])
            assert events.take(2) == [BarcodeRead(CODES[0]), BarcodeRead(CODES[1])]
        finally:
            other.stop()


def test_closing_the_simulator_is_device_lost(
    pty_sim: PtyScannerSimulator, pty_scanner: SerialScanner, events: Events
) -> None:
    pty_sim.send(CODES[0])
    assert events.next() == BarcodeRead(CODES[0])
    pty_sim.close()
    lost = events.next()
    assert isinstance(lost, DeviceLost)
    assert lost.url == pty_sim.port_path
    assert lost.reason
    pty_scanner.stop()
    pty_scanner.stop()  # idempotent
    assert not pty_scanner.running
    assert events.queue.empty()  # DeviceLost only once, nothing after


def test_a_failing_handler_does_not_kill_the_reader(pty_sim: PtyScannerSimulator) -> None:
    events = Events()
    calls = 0

    def flaky(event: ScannerEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("handler bug")
        events(event)

    scanner = SerialScanner(pty_sim.port_path, flaky)
    scanner.start()
    try:
        assert events.next() == DeviceReady(pty_sim.port_path)
        pty_sim.send(CODES[0])  # the handler raises on this one
        pty_sim.send(CODES[1])
        assert events.next() == BarcodeRead(CODES[1])
        assert scanner.running
    finally:
        scanner.stop()


# -- the sim:// URL --------------------------------------------------------------


@pytest.fixture
def sim_name() -> str:
    return f"integration-{next(_names)}"


def test_sim_url_unplug_and_replug(sim_name: str, events: Events) -> None:
    url = f"sim://scanner/{sim_name}"
    simulator = sim.get_scanner(sim_name)
    scanner = SerialScanner(url, events, reconnect_interval=0.05)
    scanner.start()
    try:
        assert events.next() == DeviceReady(url)
        simulator.send(CODES[0])
        simulator.send_split(CODES[1], gap=0.01)
        simulator.send_noise()
        assert events.take(2) == [BarcodeRead(CODES[0]), BarcodeRead(CODES[1])]
        assert isinstance(events.next(), BadScan)

        simulator.unplug()
        lost = events.next()
        assert isinstance(lost, DeviceLost)
        assert lost.url == url
        simulator.send(CODES[2])  # nobody hears a scan while unplugged

        simulator.replug()
        assert events.next() == DeviceReady(url)
        simulator.send(CODES[2])
        assert events.next() == BarcodeRead(CODES[2])
    finally:
        scanner.stop()
    assert not scanner.running


def test_default_sim_url(events: Events) -> None:
    scanner = SerialScanner("sim://scanner", events)
    scanner.start()
    try:
        assert events.next() == DeviceReady("sim://scanner")
        sim.get_scanner().send(CODES[0])
        assert events.next() == BarcodeRead(CODES[0])
    finally:
        scanner.stop()


def test_scanner_plugged_in_after_start_is_picked_up() -> None:
    """GIVEN no scanner at boot, WHEN it is plugged in later, THEN its scans arrive."""
    from devices.sim import get_scanner

    simulator = get_scanner("late-scanner")
    simulator.unplug()
    received: queue.Queue[object] = queue.Queue()
    scanner = SerialScanner("sim://scanner/late-scanner", received.put, reconnect_interval=0.05)
    scanner.start(wait_for_device=True)  # must not raise
    try:
        assert isinstance(received.get(timeout=5), DeviceLost)
        simulator.replug()
        assert isinstance(received.get(timeout=5), DeviceReady)
        simulator.send("23171000000010")
        assert received.get(timeout=5) == BarcodeRead("23171000000010")
    finally:
        scanner.stop()

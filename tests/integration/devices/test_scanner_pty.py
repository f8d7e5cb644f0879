"""open_scanner end to end: over a real pseudo-terminal and over the sim:// URL."""

from __future__ import annotations

import itertools
import logging
import queue
import time
from collections.abc import Iterator

import pytest
from integration.devices.scanner_harness import WAIT, Event, Events
from serial import SerialException

from devices import codabar, sim
from devices.events import DeviceLost, DeviceReady
from devices.scanner import BadScan, BarcodeRead, open_scanner
from devices.serial_reader import Backoff, DeviceUnavailable, SerialReader
from devices.sim import PtyScannerSimulator

QUICK = Backoff(0.02, 0.1)
# A freed /dev/pts/N may be reused by another process: do not retry it within a test.
SLOW = Backoff(60.0, 60.0)
CODES = ["30234000517861", "33191000105864", codabar.make(2, 234, 1)]
_names = itertools.count()


@pytest.fixture
def pty_sim() -> Iterator[PtyScannerSimulator]:
    with PtyScannerSimulator() as simulator:
        yield simulator


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def pty_scanner(pty_sim: PtyScannerSimulator, events: Events) -> Iterator[SerialReader]:
    scanner = open_scanner(pty_sim.port_path, events, backoff=SLOW)
    scanner.start()
    assert events.next() == DeviceReady(pty_sim.port_path)
    yield scanner
    scanner.stop()


def test_scans_arrive_in_order(
    pty_sim: PtyScannerSimulator, pty_scanner: SerialReader, events: Events
) -> None:
    for code in CODES:
        pty_sim.send(code)
    assert events.take(3) == [BarcodeRead(code) for code in CODES]


def test_split_frames_are_joined(
    pty_sim: PtyScannerSimulator, pty_scanner: SerialReader, events: Events
) -> None:
    pty_sim.send_split(CODES[0], pieces=4, gap=0.05)
    pty_sim.send_split(CODES[1], pieces=14, gap=0.01)
    assert events.take(2) == [BarcodeRead(CODES[0]), BarcodeRead(CODES[1])]


def test_noise_is_a_bad_scan_then_scanning_recovers(
    pty_sim: PtyScannerSimulator, pty_scanner: SerialReader, events: Events
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
        other = open_scanner(crlf.port_path, events, terminator=b"\r", backoff=SLOW)
        other.start()
        try:
            assert events.next() == DeviceReady(crlf.port_path)
            crlf.send(CODES[0])
            crlf.send(CODES[1])
            assert events.take(2) == [BarcodeRead(CODES[0]), BarcodeRead(CODES[1])]
        finally:
            other.stop()
    assert events.queue.empty()  # no empty line between CR and LF became an event


def test_closing_the_simulator_is_device_lost(
    pty_sim: PtyScannerSimulator, pty_scanner: SerialReader, events: Events
) -> None:
    pty_sim.send(CODES[0])
    assert events.next() == BarcodeRead(CODES[0])
    pty_sim.close()
    lost = events.next()
    assert isinstance(lost, DeviceLost)
    assert lost.url == pty_sim.port_path
    assert lost.reason
    assert "\n" not in lost.reason
    pty_scanner.stop()
    pty_scanner.stop()  # idempotent
    assert not pty_scanner.running
    assert not pty_scanner.connected
    assert events.queue.empty()  # DeviceLost only once, nothing after


def test_stop_returns_within_its_timeout(pty_sim: PtyScannerSimulator, events: Events) -> None:
    scanner = open_scanner(pty_sim.port_path, events, backoff=SLOW)
    scanner.start()
    assert events.next() == DeviceReady(pty_sim.port_path)
    started = time.monotonic()
    scanner.stop(timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert not scanner.running
    pty_sim.send(CODES[0])  # nobody reads it any more
    assert events.queue.empty()


def test_failing_handlers_do_not_stop_scans(pty_sim: PtyScannerSimulator) -> None:
    events = Events()

    def flaky(event: Event) -> None:
        if isinstance(event, DeviceReady) or event == BarcodeRead(CODES[0]):
            events(event)
            raise RuntimeError("handler bug")
        events(event)

    scanner = open_scanner(pty_sim.port_path, flaky, backoff=SLOW)
    scanner.start()
    try:
        assert events.next() == DeviceReady(pty_sim.port_path)  # on_status raised
        pty_sim.send(CODES[0])  # the handler raises on this one too
        pty_sim.send(CODES[1])
        assert events.take(2) == [BarcodeRead(CODES[0]), BarcodeRead(CODES[1])]
        assert scanner.running
    finally:
        scanner.stop()


def test_a_missing_device_is_an_error_naming_the_url() -> None:
    url = "/dev/does-not-exist-scanner"
    events = Events()
    scanner = open_scanner(url, events)
    with pytest.raises(DeviceUnavailable) as caught:
        scanner.start()
    message = str(caught.value)
    assert url in message
    assert "check that it is plugged in" in message
    assert "dialout" in message
    assert "\n" not in message
    assert not scanner.running
    scanner.stop()  # harmless when never started
    assert events.queue.empty()


def test_an_unknown_url_scheme_is_device_unavailable() -> None:
    scanner = open_scanner("nosuch://x", print)
    with pytest.raises(DeviceUnavailable, match="nosuch://x"):
        scanner.start()


# -- the sim:// URL --------------------------------------------------------------


@pytest.fixture
def sim_name() -> str:
    return f"integration-{next(_names)}"


def count_failed_opens(
    simulator: sim.SimulatedScanner, monkeypatch: pytest.MonkeyPatch
) -> queue.Queue[str]:
    """Report each attempt to open the simulator that fails (it is unplugged)."""
    failures: queue.Queue[str] = queue.Queue()
    attach = simulator.attach

    def counted() -> int:
        try:
            return attach()
        except SerialException as exc:
            failures.put(str(exc))
            raise

    monkeypatch.setattr(simulator, "attach", counted)
    return failures


def wait_for_retries(failures: queue.Queue[str], count: int) -> None:
    for _ in range(count):
        try:
            failures.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"the reader did not retry within {WAIT} s")


def test_sim_url_unplug_and_replug(
    sim_name: str, events: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sim://scanner/{sim_name}"
    simulator = sim.get_scanner(sim_name)
    failures = count_failed_opens(simulator, monkeypatch)
    scanner = open_scanner(url, events, backoff=QUICK)
    scanner.start()
    try:
        assert events.next() == DeviceReady(url)
        simulator.send(CODES[0])
        simulator.send_split(CODES[1], gap=0.01)
        simulator.send_noise()
        assert events.take(2) == [BarcodeRead(CODES[0]), BarcodeRead(CODES[1])]
        assert isinstance(events.next(), BadScan)

        simulator.unplug()
        assert events.next() == DeviceLost(url, f"{url} was unplugged")
        simulator.send(CODES[2])  # nobody hears a scan while unplugged
        wait_for_retries(failures, 3)

        simulator.replug()
        assert events.next() == DeviceReady(url)  # failed retries are not more DeviceLost
        simulator.send(CODES[2])
        assert events.next() == BarcodeRead(CODES[2])
    finally:
        scanner.stop()
    assert not scanner.running
    assert events.queue.empty()


def test_half_a_scan_before_an_unplug_is_forgotten(sim_name: str, events: Events) -> None:
    url = f"sim://scanner/{sim_name}"
    simulator = sim.get_scanner(sim_name)
    scanner = open_scanner(url, events, backoff=QUICK)
    scanner.start()
    try:
        assert events.next() == DeviceReady(url)
        # One write: the read that completes "HELLO" also takes the half scan after it.
        simulator.send_raw(b"HELLO\r" + CODES[0][:9].encode())
        assert events.next() == BadScan("HELLO", "not a 14-digit library barcode")
        simulator.unplug()
        assert isinstance(events.next(), DeviceLost)
        simulator.replug()
        assert events.next() == DeviceReady(url)
        simulator.send(CODES[1])
        # A framer kept across the reconnect would give one 23-digit bad scan here.
        assert events.next() == BarcodeRead(CODES[1])
    finally:
        scanner.stop()


def test_default_sim_url(events: Events) -> None:
    scanner = open_scanner("sim://scanner", events)
    scanner.start()
    try:
        assert events.next() == DeviceReady("sim://scanner")
        sim.get_scanner().send(CODES[0])
        assert events.next() == BarcodeRead(CODES[0])
    finally:
        scanner.stop()


def test_scanner_plugged_in_after_start_is_picked_up(
    sim_name: str,
    events: Events,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN no scanner at boot, WHEN it is plugged in later, THEN its scans arrive."""
    url = f"sim://scanner/{sim_name}"
    simulator = sim.get_scanner(sim_name)
    simulator.unplug()
    failures = count_failed_opens(simulator, monkeypatch)
    scanner = open_scanner(url, events, backoff=QUICK)
    with caplog.at_level(logging.DEBUG, logger="devices.serial_reader"):
        scanner.start(wait_for_device=True)  # must not raise
        try:
            assert events.next() == DeviceLost(url, f"could not open {url}: unplugged")
            wait_for_retries(failures, 4)  # the one at start and three in the background
            simulator.replug()
            assert events.next() == DeviceReady(url)
            simulator.send("23171000000010")
            assert events.next() == BarcodeRead("23171000000010")
        finally:
            scanner.stop()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1  # retries are logged at DEBUG only
    assert url in errors[0]
    assert "dialout" in errors[0]

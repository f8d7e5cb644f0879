"""Unplug and replug without restarting anything: a pty under a stable link, and TCP.

The real reader (``open_scanner``, the scanner's own backoff) against the simulators a
technician uses; every wait is bounded, nothing asserts on how long it took.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.devices.scanner_harness import WAIT, Events

from devices import codabar
from devices.events import DeviceLost, DeviceReady
from devices.scanner import BarcodeRead, open_scanner
from devices.serial_reader import SerialReader
from devices.sim import PtyScannerSimulator
from devices.sim.scanner_tcp import TcpScannerSimulator
from devices.symbology import CODE128, EAN13

CODES = [codabar.make(3, 3171, n) for n in range(1, 7)]


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def linked(tmp_path: Path) -> Iterator[PtyScannerSimulator]:
    with PtyScannerSimulator(link=tmp_path / "kiosk-scanner") as simulator:
        yield simulator


def start(url: str, events: Events, **options: object) -> SerialReader:
    reader = open_scanner(url, events, **options)  # the scanner's backoff: 0.25 -> 1 s
    reader.start(wait_for_device=True)
    return reader


def test_replug_under_the_stable_link_resumes_without_a_restart(
    linked: PtyScannerSimulator, events: Events
) -> None:
    reader = start(linked.port_path, events)
    try:
        assert events.next() == DeviceReady(linked.port_path)
        first_tty = linked.tty_path
        linked.send(CODES[0])
        assert events.next() == BarcodeRead(CODES[0])
        for round_ in range(2):  # twice: the second replug is not luck
            linked.unplug()
            assert not os.path.lexists(linked.port_path)  # as udev removes the name
            lost = events.next()
            assert isinstance(lost, DeviceLost)
            assert lost.url == linked.port_path
            linked.replug()
            assert os.readlink(linked.port_path) == linked.tty_path
            assert events.next() == DeviceReady(linked.port_path)
            linked.send(CODES[1 + round_])
            assert events.next() == BarcodeRead(CODES[1 + round_])
        assert reader.running
        assert first_tty  # the path the kiosk opens never changed, the pty behind it may
    finally:
        reader.stop()


def test_a_scanner_plugged_in_after_start_is_found_at_its_link(
    tmp_path: Path, events: Events
) -> None:
    link = tmp_path / "kiosk-scanner"
    with PtyScannerSimulator(link=link) as simulator:
        simulator.unplug()  # not there when the kiosk starts
        reader = start(str(link), events)
        try:
            assert isinstance(events.next(), DeviceLost)
            simulator.replug()
            assert events.next() == DeviceReady(str(link))
            simulator.send(CODES[3])
            assert events.next() == BarcodeRead(CODES[3])
        finally:
            reader.stop()


def test_a_link_path_that_is_a_real_file_is_refused(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("not a link")
    with pytest.raises(FileExistsError, match="not a link"):
        PtyScannerSimulator(link=taken)


def test_tcp_scanner_with_faults_and_replug(events: Events) -> None:
    with TcpScannerSimulator() as simulator:
        reader = start(simulator.url, events, symbologies=("codabar", EAN13, CODE128))
        try:
            assert events.next() == DeviceReady(simulator.url)
            assert simulator.wait_for_client(WAIT)
            simulator.aim = True
            simulator.send(CODES[0])
            assert simulator.send_as(EAN13, "978979306279") == "9789793062792"
            simulator.send_as(CODE128, "P00001")
            simulator.slow = 0.001
            simulator.send(CODES[1])
            simulator.slow = 0.0
            simulator.send_split(CODES[2])
            assert [events.next() for _ in range(5)] == [
                BarcodeRead(CODES[0]),
                BarcodeRead("9789793062792", EAN13),
                BarcodeRead("P00001", CODE128),
                BarcodeRead(CODES[1]),
                BarcodeRead(CODES[2]),
            ]
            simulator.silent = True
            simulator.send(CODES[3])
            simulator.silent = False
            simulator.unplug()
            assert isinstance(events.next(), DeviceLost)
            simulator.replug()
            assert events.next() == DeviceReady(simulator.url)
            assert simulator.wait_for_client(WAIT)
            simulator.send(CODES[4])
            assert events.next() == BarcodeRead(CODES[4])  # the silent scan never came
        finally:
            reader.stop()


def test_tcp_scanner_serves_one_client_at_a_time(events: Events) -> None:
    import socket

    with TcpScannerSimulator() as simulator:
        reader = start(simulator.url, events)
        try:
            assert events.next() == DeviceReady(simulator.url)
            assert simulator.wait_for_client(WAIT)
            with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT) as other:
                assert other.recv(16) == b""  # closed at once: the kiosk keeps the scanner
            simulator.send(CODES[5])
            assert events.next() == BarcodeRead(CODES[5])
        finally:
            reader.stop()

"""The sim:// pyserial port and the in-process SimulatedScanner, without threads."""

from __future__ import annotations

import itertools

import pytest
import serial

from devices import codabar, sim
from devices.sim.scanner import noise, split_evenly, with_wrong_check_digit
from devices.sim.urlhandler.protocol_sim import parse_url

_names = itertools.count()


@pytest.fixture
def name() -> str:
    return f"unit-{next(_names)}"


def open_port(name: str) -> serial.Serial:
    sim.register_url_handler()
    return serial.serial_for_url(f"sim://scanner/{name}", timeout=0.05)


def test_register_is_idempotent() -> None:
    sim.register_url_handler()
    sim.register_url_handler()
    assert serial.protocol_handler_packages.count(sim.HANDLER_PACKAGE) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [("sim://scanner", "scanner"), ("sim://scanner/", "scanner"), ("SIM://Scanner/Desk", "Desk")],
)
def test_parse_url(url: str, expected: str) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize("url", ["sim://printer", "sim://scanner/a/b", "sim://scanner?x=1"])
def test_parse_url_refuses_other_devices(url: str) -> None:
    with pytest.raises(serial.SerialException, match="expected sim://scanner"):
        parse_url(url)


def test_the_registry_returns_one_simulator_per_name(name: str) -> None:
    assert sim.get_scanner(name) is sim.get_scanner(name)
    assert sim.get_scanner(name) is not sim.get_scanner(name + "-other")


def test_reads_what_the_simulator_sends(name: str) -> None:
    port = open_port(name)
    simulator = sim.get_scanner(name)
    simulator.send("30234000517861")
    assert port.in_waiting == 15
    assert port.read(100) == b"30234000517861\r"
    assert port.read(1) == b""  # timeout, nothing more
    port.write(b"config")
    assert simulator.received == b"config"
    port.close()


def test_opening_discards_bytes_already_waiting(name: str) -> None:
    simulator = sim.get_scanner(name)
    simulator.send("lost")
    port = open_port(name)
    assert port.read(10) == b""


def test_unplug_kills_the_port_until_reopened(name: str) -> None:
    port = open_port(name)
    simulator = sim.get_scanner(name)
    simulator.unplug()
    with pytest.raises(serial.SerialException, match="unplugged"):
        port.read(1)
    with pytest.raises(serial.SerialException, match="unplugged"):
        open_port(name)
    simulator.replug()
    with pytest.raises(serial.SerialException):
        _ = port.in_waiting  # the old connection stays dead
    fresh = open_port(name)
    simulator.send("ok")
    assert fresh.read(3) == b"ok\r"


def test_fault_helpers() -> None:
    assert all(byte not in b"\r\n" and not chr(byte).isprintable() for byte in noise(500))
    assert split_evenly(b"abcdefg", 3) == [b"abc", b"de", b"fg"]
    assert split_evenly(b"ab", 5) == [b"a", b"b"]
    assert not codabar.is_valid(with_wrong_check_digit("30234000517861"))
    with pytest.raises(ValueError, match="13 or 14 digits"):
        with_wrong_check_digit("3023400051786x")

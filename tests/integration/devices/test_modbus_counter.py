"""The real ModbusCounter against the real pymodbus RTU slave, over linked pseudo-terminals.

Every test checks that the people counted by the driver (the sum of ``entered`` and
``left``) are exactly the crossings made on the simulator after the driver's first
reading, whatever happened on the line in between. Nothing asserts on elapsed time:
the tests wait, with a generous bound, until a condition holds.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

import pytest
from integration.devices.modbus_harness import QUICK, TIMEOUT, Events, settings_for

from devices.counters.modbus import ModbusCounter
from devices.counters.settings import CounterSettings
from devices.events import DeviceLost, DeviceReady
from devices.serial_reader import DeviceUnavailable
from devices.sim.linked_pty import LinkedPtys
from devices.sim.modbus_counter import CounterLayout, ModbusCounterSimulator


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[ModbusCounterSimulator]:
    layout = getattr(request, "param", CounterLayout())
    with ModbusCounterSimulator(layout) as simulator:
        yield simulator


def start(sim: ModbusCounterSimulator, events: Events, **changes: object) -> ModbusCounter:
    counter = ModbusCounter(settings_for(sim, **changes), events, timeout=TIMEOUT, backoff=QUICK)
    counter.start()
    events.wait_for("first reading", lambda: bool(events.readings()))
    first = events.readings()[0]
    assert first.note == "first"
    assert (first.total_in, first.total_out) == sim.totals
    return counter


@pytest.fixture
def running() -> Iterator[list[ModbusCounter]]:
    counters: list[ModbusCounter] = []
    yield counters
    for counter in counters:
        counter.stop()


def test_crossings_in_and_out_are_counted_exactly(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    sim.cross_in(5)  # before the first reading: the device's history, not counted
    running.append(start(sim, events))
    assert events.items[0] == DeviceReady(sim.kiosk_path)
    sim.cross_in(3)
    events.wait_people(3, 0)
    sim.cross_out(2)
    sim.cross_in(1)
    events.wait_people(4, 2)
    last = events.readings()[-1]
    assert (last.device_id, last.total_in, last.total_out) == ("main", 9, 2)
    assert running[0].connected


@pytest.mark.parametrize(
    "sim",
    [
        CounterLayout(width=16),
        CounterLayout(width=32, word_order="little", in_register=10, out_register=4),
    ],
    indirect=True,
    ids=["16-bit", "32-bit-little-endian-words"],
)
def test_totals_stay_exact_across_the_wrap(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    sim.wrap()  # just below 2**width, before the driver's baseline
    running.append(start(sim, events))
    sim.cross_in(5)
    sim.cross_out(4)
    events.wait_people(5, 4)
    assert sim.totals == (2, 1)
    assert "wrapped" in {r.note for r in events.readings()}
    sim.cross_in(1)
    events.wait_people(6, 4)


def test_a_device_reset_counts_only_the_people_after_it(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    running.append(start(sim, events))
    sim.cross_in(10)
    sim.cross_out(7)
    events.wait_people(10, 7)
    sim.reset()  # a power cut: the totals go back to 0
    sim.cross_in(2)
    events.wait_people(12, 7)
    assert "reset" in {r.note for r in events.readings()}
    sim.cross_out(3)
    events.wait_people(12, 10)


def test_wrong_crc_is_reported_then_recovers_without_a_miscount(
    sim: ModbusCounterSimulator,
    events: Events,
    running: list[ModbusCounter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    running.append(start(sim, events))
    sim.cross_in(2)
    events.wait_people(2, 0)
    caplog.set_level(logging.INFO)  # a kiosk without -v, whatever earlier tests left behind
    sim.faults.corrupt()
    events.wait_count(DeviceLost, 1)
    lost = next(e for e in events.items if isinstance(e, DeviceLost))
    assert "wrong CRC" in lost.reason
    assert not running[0].connected
    sim.cross_in(3)
    sim.cross_out(1)
    sim.faults.clear()
    events.wait_count(DeviceReady, 2)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]  # until recovery
    events.wait_people(5, 1)
    assert "reset" not in {r.note for r in events.readings()}
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "\n" not in warnings[0].getMessage() and warnings[0].exc_info is None


def test_a_single_garbled_answer_is_retried_without_a_miscount(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    running.append(start(sim, events))
    sim.faults.corrupt(1)
    sim.cross_in(4)
    events.wait_people(4, 0)
    assert sim.faults.describe() == "none"


def test_a_slow_device_that_answers_in_time_is_counted_exactly(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    running.append(start(sim, events))
    sim.faults.slow(TIMEOUT / 3)
    sim.cross_in(3)
    sim.cross_out(3)
    events.wait_people(3, 3)
    sim.cross_in(1)
    events.wait_people(4, 3)


def test_answers_later_than_the_timeout_are_lost_then_recover_exactly(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    """Late answers reach the next request's wait: taken in order, they never miscount."""
    running.append(start(sim, events))
    sim.cross_in(1)
    events.wait_people(1, 0)
    sim.faults.slow(TIMEOUT * 3)
    events.wait_count(DeviceLost, 1)
    for _ in range(3):
        sim.cross_in(2)
        sim.cross_out(1)
        time.sleep(0.1)  # spread the crossings over several late answers
    sim.faults.clear()
    events.wait_people(7, 3)
    assert "reset" not in {r.note for r in events.readings()}
    assert running[0].connected or events.count(DeviceReady) >= 2


def test_a_silent_device_is_lost_then_recovers(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    running.append(start(sim, events))
    sim.faults.silent()
    events.wait_count(DeviceLost, 1)
    lost = next(e for e in events.items if isinstance(e, DeviceLost))
    assert lost.reason.startswith("no answer from unit 1")
    sim.cross_in(6)
    sim.cross_out(2)
    sim.faults.clear()
    events.wait_count(DeviceReady, 2)
    events.wait_people(6, 2)
    episode = events.until_recovered()  # one DeviceLost, however many polls failed
    assert sum(isinstance(event, DeviceLost) for event in episode) == 1


def test_unplug_and_replug_recovers_without_restarting(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    counter = start(sim, events)
    running.append(counter)
    sim.cross_in(1)
    events.wait_people(1, 0)
    sim.unplug()
    assert not os.path.lexists(sim.kiosk_path)
    events.wait_count(DeviceLost, 1)
    sim.cross_in(4)  # people keep walking while the cable is out
    sim.cross_out(2)
    sim.replug()
    events.wait_count(DeviceReady, 2)
    events.wait_people(5, 2)
    assert counter.running and counter.connected
    sim.unplug()  # and again: the same driver, the same trackers
    events.wait_count(DeviceLost, 2)
    sim.replug()
    sim.cross_out(1)
    events.wait_people(5, 3)


def test_a_counter_plugged_in_after_start_is_picked_up(
    events: Events, running: list[ModbusCounter]
) -> None:
    with ModbusCounterSimulator() as sim:
        sim.unplug()
        counter = ModbusCounter(settings_for(sim), events, timeout=TIMEOUT, backoff=QUICK)
        running.append(counter)
        counter.start()
        events.wait_count(DeviceLost, 1)
        sim.replug()
        events.wait_for("first reading", lambda: bool(events.readings()))
        sim.cross_in(2)
        events.wait_people(2, 0)
        counter.stop()


def test_start_without_waiting_raises_for_a_missing_port(tmp_path: os.PathLike[str]) -> None:
    url = os.path.join(os.fspath(tmp_path), "no-such-counter")
    settings = CounterSettings(device_id="main", url=url, protocol="modbus")
    counter = ModbusCounter(settings, Events())
    with pytest.raises(DeviceUnavailable, match="no-such-counter"):
        counter.start(wait_for_device=False)
    assert not counter.running


def test_a_wrong_register_type_is_named(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    counter = ModbusCounter(
        settings_for(sim, register_type="input"), events, timeout=TIMEOUT, backoff=QUICK
    )
    running.append(counter)
    counter.start()
    events.wait_count(DeviceLost, 1)
    lost = next(e for e in events.items if isinstance(e, DeviceLost))
    assert "refused" in lost.reason and "illegal address" in lost.reason
    assert "register_type" in lost.reason
    assert not events.readings()


def test_a_baseline_from_before_a_restart_counts_what_happened_meanwhile(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    sim.cross_in(10)
    sim.cross_out(8)
    counter = ModbusCounter(
        settings_for(sim, baseline_in=7, baseline_out=8), events, timeout=TIMEOUT, backoff=QUICK
    )
    running.append(counter)
    counter.start()
    events.wait_people(3, 0)


def test_the_relay_keeps_the_link_stable(tmp_path: os.PathLike[str]) -> None:
    link = os.path.join(os.fspath(tmp_path), "kiosk-counter")
    with LinkedPtys(link) as line:
        first = os.readlink(link)
        line.unplug()
        assert not os.path.lexists(link) and not line.plugged
        line.replug()
        assert os.path.islink(link) and line.plugged
        assert os.path.exists(os.readlink(link)) and os.readlink(link) != line.device_path
        assert first  # a pts path
    assert not os.path.lexists(link)


def test_over_tcp_as_a_transparent_gateway_with_faults_and_replug(
    events: Events, running: list[ModbusCounter]
) -> None:
    with ModbusCounterSimulator(tcp_port=0) as sim:
        assert sim.tcp_url is not None and sim.tcp_url.startswith("socket://127.0.0.1:")
        counter = ModbusCounter(
            settings_for(sim, url=sim.tcp_url), events, timeout=TIMEOUT, backoff=QUICK
        )
        running.append(counter)
        counter.start()
        events.wait_for("first reading", lambda: bool(events.readings()))
        sim.cross_in(2)
        events.wait_people(2, 0)
        sim.faults.corrupt()
        events.wait_count(DeviceLost, 1)
        sim.faults.clear()
        events.wait_count(DeviceReady, 2)
        sim.unplug()
        events.wait_count(DeviceLost, 2)
        sim.cross_out(3)
        sim.replug()
        events.wait_count(DeviceReady, 3)
        events.wait_people(2, 3)
        counter.stop()


@pytest.mark.parametrize(
    "sim", [CounterLayout(in_register=0, out_register=300)], indirect=True, ids=["far-apart"]
)
def test_late_answers_never_swap_in_and_out_when_they_are_read_apart(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    """IN and OUT 300 registers apart take two requests a poll, and RTU answers carry no
    request id: a late answer to IN's request must never be read as OUT's total."""
    running.append(start(sim, events))
    sim.cross_in(40)  # IN far from OUT, so a swapped answer would count dozens of people
    sim.cross_out(2)
    events.wait_people(40, 2)
    sim.faults.slow(TIMEOUT * 1.5)
    events.wait_count(DeviceLost, 1)
    for _ in range(4):
        sim.cross_in(3)
        sim.cross_out(1)
        time.sleep(0.3)  # spread the crossings over several late answers
    sim.faults.clear()
    events.wait_people(52, 6)
    time.sleep(4 * TIMEOUT)  # answers still on the line must not add anyone afterwards
    assert events.people() == (52, 6)


def test_a_wrong_unit_in_the_config_gets_no_answer(
    sim: ModbusCounterSimulator, events: Events, running: list[ModbusCounter]
) -> None:
    """The simulator answered for any unit address; a real counter at another address
    stays silent, which the kiosk reports as no answer from the unit it asked."""
    counter = ModbusCounter(settings_for(sim, unit=2), events, timeout=TIMEOUT, backoff=QUICK)
    running.append(counter)
    counter.start()
    events.wait_count(DeviceLost, 1)
    lost = next(e for e in events.items if isinstance(e, DeviceLost))
    assert lost.reason.startswith("no answer from unit 2")
    assert not events.readings()

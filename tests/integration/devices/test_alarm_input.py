"""The alarm input end to end: pyserial's RFC 2217 client against the simulator's server,
and the in-process sim://alarm port; unplug and replug."""

from __future__ import annotations

import time

import pytest
from integration.devices.line_harness import QUICK, Events, names

from devices.alarm import AlarmEvent, AlarmRaised, AlarmSettings, open_alarm
from devices.events import DeviceLost, DeviceReady
from devices.sim import get_alarm
from devices.sim.alarm import AlarmSimulator, act
from devices.sim.beams import Rfc2217BeamsServer

# pyserial's own rfc2217 client still calls Thread.setDaemon/setName.
pytestmark = pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated")


def _events() -> Events[AlarmEvent]:
    return Events("alarm")


def test_rings_through_the_rfc2217_simulator_count_once_each() -> None:
    alarm = AlarmSimulator(line="dsr", active="low")
    events = _events()
    with Rfc2217BeamsServer(alarm.lines) as server:
        settings = AlarmSettings(server.url, "gate-a", line="dsr", active="low", min_gap=0.5)
        driver = open_alarm(settings, events, backoff=QUICK)
        driver.start(wait_for_device=False)
        try:
            assert events.next() == DeviceReady(server.url)
            alarm.ring(0.3)
            assert events.next() == AlarmRaised("gate-a", server.url)
            alarm.bounce()  # spikes: nothing
            time.sleep(0.7)  # quiet for longer than the minimum gap: the next ring is new
            alarm.pulse(times=4, on=0.15, off=0.15)  # gaps shorter than 0.5 s: one alarm
            assert events.next() == AlarmRaised("gate-a", server.url)
            alarm.alarming(False)
            assert events.pending() == []
            assert driver.alarms == 2
        finally:
            driver.stop()


def test_sim_alarm_port_unplug_reports_lost_once_and_recovers() -> None:
    name = f"alarm-input-{next(names)}"  # simulators are per process: unique names
    alarm = get_alarm(name, line="ri")
    url = f"sim://alarm/{name}"
    events = _events()
    driver = open_alarm(AlarmSettings(url, line="ri", min_gap=0.2), events, backoff=QUICK)
    driver.start(wait_for_device=False)
    try:
        assert events.next() == DeviceReady(url)
        assert act(alarm, "ring 0.2").startswith("the gate alarmed for 0.2 s")
        assert events.next() == AlarmRaised("alarm", url)
        act(alarm, "!unplug")
        lost = events.next()
        assert isinstance(lost, DeviceLost) and "unplugged" in lost.reason
        alarm.ring(0.2)  # rung while unplugged: nobody heard it
        act(alarm, "!replug")
        assert events.next() == DeviceReady(url)
        alarm.ring(0.2)
        assert events.next() == AlarmRaised("alarm", url)
        assert events.pending() == []
    finally:
        driver.stop()


def test_a_port_without_modem_lines_is_named_in_one_line() -> None:
    from devices.serial_reader import DeviceUnavailable
    from devices.sim.terminal import close_fds, open_raw_pty

    master, slave = open_raw_pty()
    try:
        import os

        path = os.ttyname(slave)
        driver = open_alarm(AlarmSettings(path), _events())
        with pytest.raises(DeviceUnavailable, match="no modem-status lines") as caught:
            driver.start(wait_for_device=False)
        assert "\n" not in str(caught.value)
    finally:
        close_fds((master, slave))


def test_kiosk_sim_alarm_rings_a_real_driver_over_rfc2217() -> None:
    import re
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sim", "alarm", "--line", "dcd"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    events = _events()
    driver = None
    try:
        first = process.stdout.readline()
        found = re.search(r"rfc2217://127\.0\.0\.1:\d+", first)
        assert found is not None, first
        url = found.group(0)
        driver = open_alarm(AlarmSettings(url, "gate", line="dcd"), events, backoff=QUICK)
        driver.start(wait_for_device=False)
        assert events.next() == DeviceReady(url)
        process.stdin.write("ring 0.3\n")
        process.stdin.flush()
        assert events.next() == AlarmRaised("gate", url)
    finally:
        if driver is not None:
            driver.stop()
        process.stdin.close()
        assert process.wait(10) == 0

"""The "beams" driver end to end: pyserial's RFC 2217 client against our server, and sim://."""

from __future__ import annotations

import logging
import os
import time

import pytest
from integration.devices import line_harness
from integration.devices.line_harness import QUICK, WAIT, names

from devices.counters import CounterReading, open_counter
from devices.counters.beams import BeamsCounter
from devices.counters.events import CounterEvent
from devices.counters.settings import CounterSettings
from devices.events import DeviceLost, DeviceReady
from devices.serial_reader import DeviceUnavailable
from devices.sim import get_beams
from devices.sim.beams import BeamsSimulator, Rfc2217BeamsServer
from devices.sim.terminal import close_fds, open_raw_pty

# pyserial's own rfc2217 client still calls Thread.setDaemon/setName.
pytestmark = pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated")


class Events(line_harness.Events[CounterEvent]):
    def __init__(self) -> None:
        super().__init__("counter")

    def readings(self, count: int) -> list[CounterReading]:
        found = []
        while len(found) < count:
            event = self.next()
            if isinstance(event, CounterReading):
                found.append(event)
        return found


def _settings(url: str, **kwargs: object) -> CounterSettings:
    return CounterSettings("door", url, "beams", beam_a="cts", beam_b="dsr", **kwargs)  # type: ignore[arg-type]


def test_crossings_both_ways_through_the_rfc2217_simulator() -> None:
    beams = BeamsSimulator()
    events = Events()
    with Rfc2217BeamsServer(beams) as server:
        counter = BeamsCounter(_settings(server.url), events, backoff=QUICK)
        counter.start(wait_for_device=False)
        try:
            assert isinstance(events.next(), DeviceReady)
            beams.cross("in", 2)
            beams.cross("out", 1)
            beams.turnback()
            beams.flicker()
            beams.cross("in", 1)
            readings = events.readings(4)
            assert [(r.entered, r.left) for r in readings] == [(1, 0), (1, 0), (0, 1), (1, 0)]
            assert (readings[-1].total_in, readings[-1].total_out) == (3, 1)
            assert readings[-1].device_id == "door"
            assert events.none_pending()  # the turn-back and the flicker counted nothing
        finally:
            counter.stop()


def test_rfc2217_unplug_and_replug_recovers() -> None:
    beams = BeamsSimulator()
    events = Events()
    with Rfc2217BeamsServer(beams) as server:
        counter = BeamsCounter(_settings(server.url, baseline_in=41), events, backoff=QUICK)
        counter.start(wait_for_device=False)
        try:
            assert isinstance(events.next(), DeviceReady)
            server.unplug()
            assert isinstance(events.next(), DeviceLost)
            assert not counter.connected
            server.replug()
            assert isinstance(events.next(), DeviceReady)
            beams.cross("in", 1)
            (reading,) = events.readings(1)
            assert (reading.total_in, reading.entered, reading.note) == (42, 1, "")
        finally:
            counter.stop()


def test_single_contact_on_sim_url_counts_out() -> None:
    name = f"turnstile-{next(names)}"
    beams = get_beams(name)
    beams.beam_b = ""
    events = Events()
    settings = CounterSettings("turnstile", f"sim://beams/{name}", "beams", count_single="out")
    counter = open_counter(settings, events)
    counter.start(wait_for_device=False)
    try:
        assert isinstance(events.next(), DeviceReady)
        beams.cross("out", 3)
        assert [r.left for r in events.readings(3)] == [1, 1, 1]
        beams.unplug()
        assert isinstance(events.next(), DeviceLost)
        beams.replug()
        assert isinstance(events.next(), DeviceReady)
    finally:
        counter.stop()


def test_a_pty_has_no_modem_lines_and_the_message_says_so() -> None:
    master, slave = open_raw_pty()
    try:
        counter = BeamsCounter(_settings(os.ttyname(slave)), Events())
        with pytest.raises(DeviceUnavailable, match=r"Inappropriate ioctl.*no modem-status"):
            counter.start(wait_for_device=False)
    finally:
        close_fds((master, slave))


def test_sampling_that_falls_behind_the_debounce_is_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """On an overloaded computer a short crossing can go unseen: a technician line says so."""
    ticks = iter(range(0, 10_000))
    name = f"late-{next(names)}"
    settings = CounterSettings("late", f"sim://beams/{name}", "beams")
    counter = BeamsCounter(settings, Events(), monotonic=lambda: next(ticks) * 0.2)
    with caplog.at_level(logging.WARNING, logger="devices.counters"):
        counter.start(wait_for_device=False)
        try:
            deadline = time.monotonic() + WAIT
            while "fell" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            counter.stop()
    lines = [r.getMessage() for r in caplog.records if "fell" in r.getMessage()]
    assert lines[0] == (
        "counter late (sim://beams/" + name + "): line sampling fell 0.200 s behind "
        "(debounce 0.05 s): a short crossing may be missed while the computer is this busy"
    )
    assert len(lines) == 1  # throttled: at most one a minute

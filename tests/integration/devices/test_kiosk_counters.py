"""The kiosk opens its configured counters, starts them with the devices and keeps their
latest state on the CounterBoard the technician screen reads; close stops them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from devices.counters.line_counter import LineCounter
from devices.sim import get_beams
from devices.sim.counter import LineCounterSimulator
from devices.sim.links import TcpLink
from kiosk import config as config_module
from kiosk.bootstrap import build
from kiosk.core.clock import ManualClock

WAIT = 15.0


def _until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT  # a bound on waiting, not an assertion on time
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {WAIT} s")
        time.sleep(0.02)


def test_configured_counters_report_to_the_board(tmp_path: Path) -> None:
    beams = get_beams("kiosk-door")
    with LineCounterSimulator(TcpLink, mode="poll", counter_id="gate1") as sim:
        config = config_module.from_mapping(
            {
                "ils": {"backend": "local"},
                "speech": {"enabled": False},
                "counters": {
                    "gate1": {"url": sim.url, "mode": "poll", "interval": 0.1, "address": "gate1"},
                    "door": {"url": "sim://beams/kiosk-door", "protocol": "beams", "beam_b": "dsr"},
                },
            },
            None,
        )
        kiosk = build(config, tmp_path, clock=ManualClock(), scanner_url="")
        try:
            assert [c.device_id for c in kiosk.counters] == ["gate1", "door"]
            assert isinstance(kiosk.counters[0], LineCounter)
            rows = kiosk.counter_board.snapshot()
            assert [(r.device_id, r.ready) for r in rows] == [("door", False), ("gate1", False)]
            kiosk.start_devices()
            _until(lambda: all(r.ready for r in kiosk.counter_board.snapshot()), "both ready")
            _until(lambda: kiosk.counter_board.snapshot()[1].total_in == 0, "first reading")
            sim.cross("in", 5)
            _until(lambda: kiosk.counter_board.snapshot()[1].total_in == 5, "gate1 totals")
            sim.cross("in", 2)
            sim.cross("out", 1)
            beams.cross("in", 1)
            beams.cross("out", 2)
            _until(lambda: kiosk.counter_board.snapshot()[1].total_in == 7, "gate1 totals")
            _until(lambda: kiosk.counter_board.snapshot()[0].left == 2, "door crossings")
            door, gate = kiosk.counter_board.snapshot()
            assert (door.entered, door.left, door.total_in, door.total_out) == (1, 2, 1, 2)
            assert (gate.entered, gate.left) == (7, 1)  # since the kiosk's first reading
            assert gate.last_reading_at is not None
        finally:
            kiosk.close(grace=1.0)
        assert not any(c.connected for c in kiosk.counters)


def test_no_counters_configured_means_an_empty_board(tmp_path: Path) -> None:
    config = config_module.from_mapping(
        {"ils": {"backend": "local"}, "speech": {"enabled": False}}, None
    )
    kiosk = build(config, tmp_path, clock=ManualClock(), scanner_url="")
    try:
        assert kiosk.counters == []
        assert kiosk.counter_board.snapshot() == []
    finally:
        kiosk.close(grace=1.0)

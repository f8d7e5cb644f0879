"""The gate's writer on a real store file, driven by a ManualClock (no threads)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.counters.events import CounterFault, CounterReading
from devices.events import DeviceLost, DeviceReady
from kiosk.config import from_mapping
from kiosk.core import wire
from kiosk.core.clock import ManualClock
from kiosk.gate.counting import GateBook
from kiosk.gate.daemon import GateWriter
from kiosk.gate.wiring import GateOptions, build_gate
from kiosk.storage.gate import GateStore

JAKARTA = ZoneInfo("Asia/Jakarta")
START = dt.datetime(2026, 11, 21, 9, 1, tzinfo=JAKARTA)  # 02:01 UTC


@dataclass(frozen=True)
class AlarmRaised:
    """What GATECARD's devices.alarm.AlarmRaised carries."""

    device_id: str
    url: str


@dataclass(frozen=True)
class CardScanned:
    code: str


def _reading(device: str, total_in: int, total_out: int, entered: int, left: int) -> CounterReading:
    return CounterReading(device, f"/dev/{device}", total_in, total_out, entered, left)


def _writer(
    path: Path, clock: ManualClock, out: io.StringIO | None = None, **kwargs: object
) -> GateWriter:
    store = GateStore.open(path, "gate-1", 15)
    occupancy, reset_on = store.occupancy()
    book = GateBook(
        interval_minutes=15,
        closing=dt.time(16, 0),
        zone=JAKARTA,
        occupancy=occupancy,
        reset_on=reset_on,
    )
    return GateWriter(store, book, clock, out=out, **kwargs)  # type: ignore[arg-type]


def _outbox(path: Path) -> list[dict[str, object]]:
    with sqlite3.connect(path / "kiosk.sqlite3") as db:
        rows = db.execute("SELECT kind, payload FROM outbox_events ORDER BY id").fetchall()
    assert all(kind == "gate_interval" for kind, _ in rows)
    return [json.loads(payload) for _, payload in rows]


def test_readings_store_intervals_totals_and_occupancy_in_the_file(tmp_path: Path) -> None:
    clock = ManualClock(START)
    writer = _writer(tmp_path, clock)
    writer.start()
    writer.handle([_reading("a", 10, 0, 3, 0), _reading("b", 5, 1, 2, 1)])
    clock.advance(60)
    writer.handle([_reading("a", 12, 4, 2, 4)])
    writer.store.close()

    with sqlite3.connect(tmp_path / "kiosk.sqlite3") as db:
        rows = db.execute(
            "SELECT device_id, interval_start, entered, left, reported FROM gate_intervals "
            "ORDER BY device_id"
        ).fetchall()
        state = db.execute("SELECT device_id, total_in, total_out FROM counter_state").fetchall()
        occupancy = db.execute("SELECT gate_id, occupancy FROM gate_occupancy").fetchall()
    start = "2026-11-21T02:00:00.000000+00:00"
    assert rows == [("a", start, 5, 4, 0), ("b", start, 2, 1, 0)]
    assert sorted(state) == [("a", 12, 4), ("b", 5, 1)]
    assert occupancy == [("gate-1", 2)]  # 3, then 3 + 2 - 1 = 4, then 4 + 2 - 4 = 2


def test_an_ended_interval_is_reported_once_with_its_figures(tmp_path: Path) -> None:
    clock = ManualClock(START)
    out = io.StringIO()
    writer = _writer(tmp_path, clock, out, alarm_types=(AlarmRaised,))
    writer.start()
    writer.handle([_reading("a", 7, 2, 7, 2), AlarmRaised("alarm1", "/dev/ttyS0")])
    clock.advance(13 * 60)  # 09:14
    assert writer.tick() == []
    assert _outbox(tmp_path) == []
    clock.advance(60)  # 09:15: the 09:00 interval has ended
    reported = writer.tick()
    assert [(r.device_id, r.entered, r.left, r.alarms, r.occupancy) for r in reported] == [
        ("a", 7, 2, 0, 5),
        ("alarm1", 0, 0, 1, 5),
    ]
    assert writer.tick() == []  # reported once
    payloads = _outbox(tmp_path)
    decoded = [wire.decode(payload).report for payload in payloads]
    assert decoded == [
        wire.GateIntervalReport(
            "gate-1", "a", dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC), 15, 7, 2, 0, 5
        ),
        wire.GateIntervalReport(
            "gate-1", "alarm1", dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC), 15, 0, 0, 1, 5
        ),
    ]
    # Nothing personal: the payload's keys are the envelope's and the report's, no more.
    assert set(payloads[0]) == {
        "schema", "event_id", "kind", "kiosk_id", "occurred_at", "gate_id", "device_id",
        "interval_start", "interval_minutes", "entered", "left", "alarms", "occupancy",
    }  # fmt: skip
    assert out.getvalue().splitlines() == [
        "2026-11-21 09:00-09:15 +07:00 a: IN 7 OUT 2 occupancy 5 alarms 0",
        "2026-11-21 09:00-09:15 +07:00 alarm1: IN 0 OUT 0 occupancy 5 alarms 1",
    ]


def test_a_restart_restores_baselines_and_occupancy_and_reports_what_ended_while_down(
    tmp_path: Path,
) -> None:
    clock = ManualClock(START)
    writer = _writer(tmp_path, clock)
    writer.start()
    writer.handle([_reading("a", 1000, 300, 9, 3)])
    writer.store.close()  # as if killed: everything handled was committed

    clock.advance(3 * 3600)  # back at 12:01 local
    out = io.StringIO()
    again = _writer(tmp_path, clock, out)
    assert again.store.baselines() == {"a": (1000, 300)}
    assert again.book.occupancy == 6
    reported = again.start()
    assert [(r.device_id, r.entered, r.left, r.occupancy) for r in reported] == [("a", 9, 3, 6)]
    assert len(_outbox(tmp_path)) == 1
    again.store.close()


def test_the_occupancy_reset_is_stored_even_when_the_gate_was_down_at_closing(
    tmp_path: Path,
) -> None:
    clock = ManualClock(START)
    writer = _writer(tmp_path, clock)
    writer.start()
    writer.handle([_reading("a", 20, 0, 20, 0)])
    writer.store.close()
    clock.advance(24 * 3600)  # down from 09:01 until 09:01 the next day: closing passed
    again = _writer(tmp_path, clock)
    assert again.book.occupancy == 20
    again.start()
    again.store.close()
    assert GateStore.open(tmp_path, "gate-1", 15).occupancy() == (0, dt.date(2026, 11, 21))


def test_build_gate_gives_the_drivers_the_stored_baselines(tmp_path: Path) -> None:
    clock = ManualClock(START)
    writer = _writer(tmp_path, clock)
    writer.start()
    writer.handle([_reading("gate1", 4_000_000_000, 77, 0, 0)])
    writer.store.close()
    config = from_mapping(
        {"gate": {"id": "gate-1"}, "counters": {"gate1": {"url": "/dev/null", "mode": "poll"}}},
        None,
    )
    daemon = build_gate(config, GateOptions(data_dir=tmp_path, clock=clock))
    try:
        (driver,) = daemon.drivers
        settings = driver.settings  # type: ignore[attr-defined]
        assert (settings.baseline_in, settings.baseline_out) == (4_000_000_000, 77)
    finally:
        daemon.writer.store.close()


def test_faults_are_one_throttled_line_each_and_extra_events_reach_their_handler(
    tmp_path: Path, caplog: object
) -> None:
    import pytest

    assert isinstance(caplog, pytest.LogCaptureFixture)
    clock = ManualClock(START)
    scanned: list[CardScanned] = []
    writer = _writer(tmp_path, clock, handlers={CardScanned: scanned.append})
    writer.start()
    caplog.set_level(logging.INFO, logger="kiosk.gate")
    lost = DeviceLost("/dev/a", "[Errno 5] Input/output error")
    writer.handle([lost, lost, CounterFault("a", "/dev/a", "bad CRC"), CardScanned("x")])
    clock.advance(61)
    writer.handle([lost, DeviceReady("/dev/a")])
    lines = [r.getMessage() for r in caplog.records if r.name == "kiosk.gate"]
    assert lines == [
        "gate device /dev/a: device lost: [Errno 5] Input/output error",
        "gate device /dev/a: 2 faults in the last 61 s, latest: device lost: "
        "[Errno 5] Input/output error",
        "gate device /dev/a: back, working again",  # a device of no known kind
    ]
    assert all(r.exc_info is None for r in caplog.records)
    assert scanned == [CardScanned("x")]
    writer.store.close()


def test_each_kind_of_device_says_what_it_does_again_when_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from accessibility.speech.output import RecordingSpeech

    config = from_mapping(
        {
            "gate": {
                "id": "gate-1",
                "scanner": "/dev/kiosk-scanner",
                "alarm": {"url": "/dev/kiosk-alarm", "line": "dsr"},
            },
            "counters": {"gate1": {"url": "/dev/kiosk-counter", "mode": "poll"}},
        },
        None,
    )
    clock = ManualClock(START)
    options = GateOptions(data_dir=tmp_path, clock=clock, speech=RecordingSpeech())
    daemon = build_gate(config, options)  # devices made, none started: nothing is opened
    writer = daemon.writer
    try:
        writer.start()
        caplog.set_level(logging.INFO, logger="kiosk.gate")
        urls = ["/dev/kiosk-counter", "/dev/kiosk-alarm", "/dev/kiosk-scanner"]
        writer.handle([DeviceLost(url, "[Errno 5] Input/output error") for url in urls])
        writer.handle([DeviceReady(url) for url in urls])
    finally:
        writer.store.close()
    backs = [r.getMessage() for r in caplog.records if "back," in r.getMessage()]
    assert backs == [
        "counter gate1 (/dev/kiosk-counter): back, counting again",
        "alarm input alarm (/dev/kiosk-alarm): back, reporting alarms again",
        "card scanner (/dev/kiosk-scanner): back, reading cards again",
    ]


def test_building_the_gate_imports_no_kivy(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kiosk.config import from_mapping\n"
        "from kiosk.gate.wiring import GateOptions, build_gate\n"
        "config = from_mapping({'counters': {'g': {'url': '/dev/null'}}}, None)\n"
        f"daemon = build_gate(config, GateOptions(data_dir=Path({str(tmp_path)!r})))\n"
        "import kiosk.gate.command, kiosk.gate.demo\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'kivy'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"

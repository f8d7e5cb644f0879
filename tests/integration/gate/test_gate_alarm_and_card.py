"""A running gate (build_gate, its queue and writer thread, real drivers) with the optional
devices: an alarm rung on the simulator is counted in the interval row; a member's card
scanned over a pty scanner is stored as a gate member visit and greeted."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from accessibility.speech.output import RecordingSpeech
from devices.sim import PtyScannerSimulator, get_alarm
from kiosk.config import from_mapping
from kiosk.core.clock import ManualClock
from kiosk.core.model import Patron, PatronCheck
from kiosk.gate.wiring import GateOptions, build_gate

# pyserial's own rfc2217 client still calls Thread.setDaemon/setName.
pytestmark = pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated")
START = dt.datetime(2026, 11, 21, 9, 1, tzinfo=ZoneInfo("Asia/Jakarta"))
MEMBER = "23171000000010"
ITEM = "33171000000011"
WAIT = 10.0
_names = itertools.count()


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT} s: {what}")
        time.sleep(0.02)


def _rows(folder: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(folder / "kiosk.sqlite3") as db:
        return db.execute(sql).fetchall()


class Library:
    def identify_patron(self, barcode: str) -> PatronCheck:
        return PatronCheck(Patron(barcode, "Siti Rahayu"))


def test_an_alarm_is_counted_and_a_member_card_is_stored_and_greeted(tmp_path: Path) -> None:
    name = f"gate-card-{next(_names)}"  # simulators are per process: unique names
    alarm = get_alarm(name, line="dsr")
    with PtyScannerSimulator() as scanner:
        config = from_mapping(
            {
                "kiosk": {"library_name": "Perpustakaan Kota"},
                "gate": {
                    "id": "gate-1",
                    "scanner": scanner.port_path,
                    "greet_by_name": True,
                    "alarm": {"url": f"sim://alarm/{name}", "line": "dsr", "min_gap_s": 1},
                },
            },
            source=None,
        )
        speech = RecordingSpeech()
        options = GateOptions(
            data_dir=tmp_path,
            counters={},
            clock=ManualClock(START),
            speech=speech,
            patrons=Library(),
        )
        daemon = build_gate(config, options)
        daemon.start()
        try:
            time.sleep(0.3)  # the reader opens the pty; bytes sent before are discarded
            alarm.ring(0.3)
            scanner.send(ITEM)  # an item: neither stored nor greeted
            scanner.send(MEMBER)
            _until(lambda: len(speech.texts()) >= 2, "the member greeted by name")
            _until(
                lambda: _rows(tmp_path, "SELECT alarms FROM gate_intervals") == [(1,)],
                "the alarm counted",
            )
        finally:
            daemon.stop()
    assert speech.texts() == ["Selamat datang di Perpustakaan Kota.", "Halo, Siti Rahayu."]
    assert _rows(tmp_path, "SELECT device_id, entered, left, alarms FROM gate_intervals") == [
        ("alarm", 0, 0, 1)
    ]
    visits = _rows(tmp_path, "SELECT kind, source, device_id, visitor_key FROM visits")
    assert len(visits) == 1
    kind, source, device, key = visits[0]
    assert (kind, source, device) == ("member", "gate", "gate-1")
    assert isinstance(key, str) and len(key) == 64
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.sqlite3*"))
    assert MEMBER.encode() not in stored and b"Siti" not in stored

"""The technician screen's rows from a snapshot: counters, frames, the store, the ILS.

The core alone (no Kivy, no store): a session in ``technician.status`` is given a
:class:`DiagnosticsRead` as the worker would, and its rows are read in both languages
as the screen shows them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.clock import ManualClock
from kiosk.core.diagnostics import (
    CounterRow,
    DiagnosticsSnapshot,
    IlsState,
    ScannerFrame,
    Verdict,
)
from kiosk.core.events import Heartbeat, PinEntered, TechnicianRequested
from kiosk.core.i18n import Translator
from kiosk.core.model import BarcodeKind, PrintOutcome, PrintReport
from kiosk.core.services import navigation
from kiosk.core.services.technician import (
    STATUS,
    CheckStaffPin,
    DiagnosticsRead,
    ReadDiagnostics,
    StaffPinChecked,
)
from kiosk.core.session import Session
from kiosk.core.staff import StaffCheck

AT = dt.datetime(2026, 11, 20, 2, 15, 7, tzinfo=dt.UTC)


def classify(text: str) -> tuple[str, BarcodeKind | None]:
    return text, None


def opened() -> Session:
    session = Session(ManualClock(), classify, navigation())
    session.handle(TechnicianRequested())
    [check] = session.handle(PinEntered("2580"))
    assert isinstance(check, CheckStaffPin)
    [ask] = session.handle(StaffPinChecked(session.session_no, StaffCheck(True)))
    assert isinstance(ask, ReadDiagnostics) and ask.background
    assert session.state == STATUS
    return session


def snapshot(**changes: object) -> DiagnosticsSnapshot:
    values: dict[str, object] = {
        "scanner_url": "/dev/kiosk-scanner",
        "frames": (),
        "counters": (),
        "ils": IlsState("sip2", True),
        "outbox": 3,
        "offline_waiting": 1,
        "printer_url": "socket://10.0.0.9:9100",
        "last_print": None,
    }
    values.update(changes)
    return DiagnosticsSnapshot(**values)  # type: ignore[arg-type]


def shown(session: Session, section: str, language: str = "en") -> list[str]:
    t = Translator(language)
    return [
        " | ".join(
            part
            for part in (
                t.render(row.label) if row.label else "",
                row.title,
                *(t.render(detail) for detail in row.details),
            )
            if part
        )
        for row in session.rows()[section]
    ]


def test_counters_are_one_row_each_and_none_says_so() -> None:
    session = opened()
    session.handle(DiagnosticsRead(session.session_no, snapshot()))
    assert "Visitor counters: none configured" in shown(session, "devices")
    counters = (
        CounterRow("gate-north", True, 1520, 1498),
        CounterRow("gate-south", False, 7, 3, "/dev/kiosk-counter: no answer for 10 s"),
    )
    session.handle(DiagnosticsRead(session.session_no, snapshot(counters=counters)))
    devices = shown(session, "devices")
    north = "Visitor counter: ready | gate-north | In 1520, out 1498 since the kiosk started"
    assert north in devices
    assert (
        "Penghitung pengunjung: tidak tersedia | gate-south | Masuk 7, keluar 3 sejak kiosk "
        "menyala | Keterangan: /dev/kiosk-counter: no answer for 10 s"
    ) in shown(session, "devices", "id")


def test_frames_name_their_time_symbology_and_verdict() -> None:
    session = opened()
    frames = (
        ScannerFrame(AT, "**********0018", Verdict.ITEM, "]F0"),
        ScannerFrame(AT, "****abcd", Verdict.BAD),
    )
    session.handle(DiagnosticsRead(session.session_no, snapshot(frames=frames)))
    assert shown(session, "frames") == [
        "Item (book) | **********0018 | At 02:15:07, symbology ]F0",
        "Not a code of this library | ****abcd | At 02:15:07",
    ]


def test_an_unreadable_store_and_a_failing_library_system_and_printer() -> None:
    session = opened()
    ils = IlsState("sip2", False, "SIP2 login refused for user 'kiosk'", AT)
    failed = PrintReport(PrintOutcome.OUT_OF_PAPER, "receipt printer: out of paper: load a roll")
    read = snapshot(ils=ils, outbox=None, offline_waiting=None, last_print=failed)
    session.handle(DiagnosticsRead(session.session_no, read))
    assert shown(session, "system") == [
        "Library system: not connected (offline mode) | Connection: sip2 | "
        "Last failure at 02:15:07: SIP2 login refused for user 'kiosk'",
        "The local store cannot be read; see the log",
    ]
    assert shown(session, "devices")[1] == (
        "Receipt printer: the last print failed | socket://10.0.0.9:9100 | "
        "Details: receipt printer: out of paper: load a roll"
    )


@pytest.mark.parametrize("waiting", [True, False])
def test_a_snapshot_is_asked_for_once_a_second_and_again_when_lost(waiting: bool) -> None:
    session = opened()
    clock = session.clock
    assert isinstance(clock, ManualClock)
    if not waiting:
        session.handle(DiagnosticsRead(session.session_no, snapshot()))
    clock.advance(0.5)
    assert session.handle(Heartbeat()) == []
    clock.advance(0.5)
    asked = session.handle(Heartbeat())
    if waiting:  # the first is still out: asked again only once it is stale (5 s)
        assert asked == []
        clock.advance(4)
        asked = session.handle(Heartbeat())
    assert [type(command) for command in asked] == [ReadDiagnostics]
    assert session.in_flight == 0  # background: no spinner, the idle timeout runs on


def test_a_late_snapshot_for_a_closed_screen_is_dropped() -> None:
    session = opened()
    number = session.session_no
    session.end()
    session.handle(DiagnosticsRead(number, snapshot()))
    assert session.service_data == {}


def test_an_unknown_symbology_is_shown_in_the_screens_language() -> None:
    session = opened()
    frames = (ScannerFrame(AT, "**********0018", Verdict.ITEM, "unknown"),)
    session.handle(DiagnosticsRead(session.session_no, snapshot(frames=frames)))
    assert shown(session, "frames", "id") == [
        "Buku | **********0018 | Pukul 02:15:07, simbologi tidak dikenali"
    ]
    assert shown(session, "frames") == [
        "Item (book) | **********0018 | At 02:15:07, symbology unknown"
    ]


def test_a_counter_back_to_ready_shows_its_old_fault_as_the_last_one_with_its_time() -> None:
    session = opened()
    lost = "lost: read failed: socket disconnected"
    counters = (
        CounterRow("gate1", True, 3, 1, lost, 3, 1, AT),
        CounterRow("gate2", True, 0, 0, lost),  # a fault without its time is not shown
    )
    session.handle(DiagnosticsRead(session.session_no, snapshot(counters=counters)))
    devices = shown(session, "devices", "id")
    assert (
        "Penghitung pengunjung: siap | gate1 | Masuk 3, keluar 1 sejak kiosk menyala | "
        "Penghitung sendiri melaporkan MASUK 3, KELUAR 1 | "
        f"Gangguan terakhir pukul 02:15:07: {lost}"
    ) in devices
    assert "Penghitung pengunjung: siap | gate2 | Masuk 0, keluar 0 sejak kiosk menyala" in devices
    assert not any("Keterangan" in row for row in devices)

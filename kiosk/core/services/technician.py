"""The technician screen: the kiosk's devices, last scans, library system and outbox, live.

Opened from the attract screen by a staff card (``[technician] staff_cards``; the kiosk
recognises it before any patron flow, so it never reaches the library system as a
patron's card) or by Ctrl+Alt+T, then the staff PIN (``[technician] pin_hash``, see
:mod:`kiosk.core.staff`). Without a staff PIN configured the composition root leaves this
service out, and the key combination only logs why nothing opens (``home``)::

    idle --staff card / Ctrl+Alt+T--> technician.staff_pin --right PIN--> technician.status
                                          | wrong x3: locked (error)      | Close, Escape,
                                          v                               v idle timeout
                                        error                           idle

``technician.status`` asks the :class:`~kiosk.core.diagnostics.Diagnostics` port for a
snapshot about once a second (:class:`~kiosk.core.events.Heartbeat`, a background
command on the worker: the store is read there, never on the UI thread) and shows
devices (scanner, printer, counters), the last frames (masked), the library system and
the outbox as rows. Buttons: Test print (a test receipt through the printer port, its
technician line shown), Test voice (a sentence in the screen's language, and whether
speech works), Test scan (the next scan is shown as it came and classified, instead of
being used) and Close. Everything the screen held lives in ``session.service_data``, so
ending the session (Close, the idle timeout) forgets it.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from kiosk.core.diagnostics import CounterRow, DiagnosticsSnapshot, ScannerFrame, VoiceCheck
from kiosk.core.events import (
    ActionChosen,
    Answer,
    BarcodeScanned,
    CancelPressed,
    Command,
    CommandFailed,
    Event,
    Heartbeat,
    PinEntered,
)
from kiosk.core.i18n import Translator
from kiosk.core.model import BarcodeKind, PrintOutcome, PrintReport, ReceiptText, ReceiptTextLine
from kiosk.core.navigation import CommandHandler, Handler, InputMode, Service, StateSpec, after
from kiosk.core.services.receipt import print_and_log
from kiosk.core.session import Notice, Ports, Row, Session
from kiosk.core.staff import StaffCheck

log = logging.getLogger(__name__)

NAME = "technician"
PIN, STATUS = "technician.staff_pin", "technician.status"
REFRESH = 1.0
"""Seconds between snapshots while the screen is open."""
STALE = 5.0
"""Seconds after which a snapshot asked for and not answered is asked for again."""
_DATA = "technician"
UNKNOWN_SYMBOLOGY = "unknown"
"""``devices.symbology.UNKNOWN``: the scanner driver's own word, shown translated."""


# ----- commands and answers ------------------------------------------------------------------


@dataclass(frozen=True)
class CheckStaffLock(Command):
    # No spinner and no PIN held back while it runs (milliseconds): a PIN typed first
    # is refused by the lock all the same.
    background: ClassVar[bool] = True


@dataclass(frozen=True)
class StaffLockChecked(Answer):
    locked_minutes: int
    background: ClassVar[bool] = True


@dataclass(frozen=True)
class CheckStaffPin(Command):
    pin: str = field(repr=False)


@dataclass(frozen=True)
class StaffPinChecked(Answer):
    check: StaffCheck


@dataclass(frozen=True)
class ReadDiagnostics(Command):
    background: ClassVar[bool] = True


@dataclass(frozen=True)
class DiagnosticsRead(Answer):
    snapshot: DiagnosticsSnapshot
    background: ClassVar[bool] = True


@dataclass(frozen=True)
class TestPrint(Command):
    receipt: ReceiptText = field(repr=False)


@dataclass(frozen=True)
class TestPrinted(Answer):
    report: PrintReport


@dataclass(frozen=True)
class TestVoice(Command):
    text: str
    language: str


@dataclass(frozen=True)
class VoiceTested(Answer):
    check: VoiceCheck


# ----- what the screen holds -----------------------------------------------------------------


@dataclass
class _Desk:
    """The open screen's data (in ``session.service_data``: forgotten when it closes)."""

    opened_by: str = "keys"
    snapshot: DiagnosticsSnapshot | None = None
    asked_at: float | None = None
    waiting: bool = False
    result: Notice | None = None
    """The last test's outcome, shown under the buttons."""
    scan_armed: bool = False


def _desk(session: Session) -> _Desk:
    desk = session.service_data.get(_DATA)
    if not isinstance(desk, _Desk):
        desk = _Desk()
        session.service_data[_DATA] = desk
    return desk


@functools.cache
def _translator(language: str) -> Translator:
    return Translator(language)


# ----- opening: technician.staff_pin-----------------------------------------------------------


def start(session: Session, card: str | None) -> list[Command]:
    """Ask for the staff PIN. ``card`` is the staff card scanned, None for the keys."""
    session.go(PIN)
    # Which staff card (its last 4 digits, as every card outside the screen) or the keys.
    _desk(session).opened_by = f"staff card ending {card[-4:]}" if card else "Ctrl+Alt+T"
    # While locked after wrong PINs, say so at once rather than after a PIN is typed.
    return [CheckStaffLock(session.session_no)]


def _lock_checked(session: Session, event: StaffLockChecked) -> list[Command]:
    if event.locked_minutes and session.state == PIN:
        session.fail(Notice.of("technician.locked", minutes=event.locked_minutes))
    return []


def _pin_entered(session: Session, event: PinEntered) -> list[Command]:
    if session.busy:
        return []
    if not event.pin:
        session.notice = Notice("notice.pin_empty")
        return []
    session.notice = None
    return [CheckStaffPin(session.session_no, event.pin)]


def _pin_checked(session: Session, event: StaffPinChecked) -> list[Command]:
    check = event.check
    if check.ok:
        session.notice = None
        log.info("technician screen opened (%s, then the staff PIN)", _desk(session).opened_by)
        session.go(STATUS)
        return _ask(session)
    if check.locked_minutes:
        session.fail(Notice.of("technician.locked", minutes=check.locked_minutes))
        return []
    session.go(PIN)  # the digits typed are forgotten
    session.notice = Notice.of("technician.pin_wrong", tries=check.tries_left)
    return []


def _pin_cancelled(session: Session, _event: CancelPressed) -> list[Command]:
    session.end()  # nothing was opened: nothing to log
    return []


def _pin_failed(session: Session, _event: CommandFailed) -> list[Command]:
    session.fail(Notice("technician.unchecked"))
    return []


# ----- technician.status ---------------------------------------------------------------------


def _ask(session: Session) -> list[Command]:
    desk = _desk(session)
    desk.asked_at, desk.waiting = session.clock.monotonic(), True
    return [ReadDiagnostics(session.session_no)]


def _heartbeat(session: Session, _event: Heartbeat) -> list[Command]:
    desk = _desk(session)
    if desk.asked_at is not None:
        since = session.clock.monotonic() - desk.asked_at
        if since < (STALE if desk.waiting else REFRESH):
            return []
    return _ask(session)


def _diagnostics_read(session: Session, event: DiagnosticsRead) -> list[Command]:
    if session.state != STATUS:
        return []
    desk = _desk(session)
    desk.snapshot, desk.waiting = event.snapshot, False
    return []


def _action(session: Session, event: ActionChosen) -> list[Command]:
    desk = _desk(session)
    if event.action == "close":
        return _close(session, event)
    if session.busy:
        return []  # one test at a time
    if event.action == "test_print":
        if not session.receipts.printer:
            desk.result = Notice("technician.printer_none")
            return []
        desk.result = Notice("technician.printing", is_error=False)
        return [TestPrint(session.session_no, _test_receipt(session))]
    if event.action == "test_voice":
        desk.result = None
        text = _translator(session.language)("technician.voice_sentence")
        return [TestVoice(session.session_no, text, session.language)]
    if event.action == "test_scan":
        desk.scan_armed = True
        desk.result = Notice("technician.scan_armed", is_error=False)
    return []


def _test_receipt(session: Session) -> ReceiptText:
    t = _translator(session.language)
    now = session.clock.now().astimezone(session.receipts.timezone)
    lines = (
        ReceiptTextLine(t("technician.receipt_heading"), bold=True),
        ReceiptTextLine(t("receipt.when", date=now.date(), time=now.strftime("%H:%M"))),
        ReceiptTextLine(t("technician.receipt_works")),
    )
    return ReceiptText(session.receipts.library_name, lines)


def _printed(session: Session, event: TestPrinted) -> list[Command]:
    report = event.report
    _desk(session).result = (
        Notice("technician.print_done", is_error=False)
        if report.outcome is PrintOutcome.PRINTED
        else Notice.of("technician.print_failed", line=report.technician)
    )
    return []


def _voice_tested(session: Session, event: VoiceTested) -> list[Command]:
    check = event.check
    _desk(session).result = (
        Notice("technician.voice_working", is_error=False)
        if check.working
        else Notice.of("technician.voice_broken", reason=check.reason)
    )
    return []


def _test_failed(session: Session, event: CommandFailed) -> list[Command]:
    _desk(session).result = Notice.of("technician.test_failed", reason=event.detail)
    return []


_SCAN_RESULTS = {
    BarcodeKind.PATRON: "technician.scan.patron",
    BarcodeKind.ITEM: "technician.scan.item",
    BarcodeKind.STAFF: "technician.scan.staff",
}


def _scan(session: Session, event: BarcodeScanned) -> list[Command]:
    desk = _desk(session)
    if not desk.scan_armed:
        desk.result = Notice("technician.scan_first")
        return []
    desk.scan_armed = False
    _code, kind = session.classify(event.text)
    key = _SCAN_RESULTS.get(kind) if kind is not None else None
    # Shown as it came (the technician's screen, the point of the test); never logged.
    raw = event.text.strip()
    desk.result = Notice.of(key or "technician.scan.bad", is_error=key is None, raw=raw)
    return []


def _close(session: Session, _event: Event) -> list[Command]:
    log.info("technician screen closed")
    session.end()
    return []


def _timed_out(session: Session) -> None:
    log.info("technician screen closed: nobody used it for a while")
    session.end()


def _status_texts(session: Session) -> Mapping[str, Notice]:
    result = _desk(session).result
    return {"result": result} if result is not None else {}


def _status_rows(session: Session) -> Mapping[str, Sequence[Row]]:
    snapshot = _desk(session).snapshot
    devices = [_scanner_row(session, snapshot)]
    if snapshot is None:
        return {"devices": devices}
    devices.append(_printer_row(snapshot))
    devices.extend(_counter_row(session, counter) for counter in snapshot.counters)
    if not snapshot.counters:
        devices.append(Row("counters", "", Notice("technician.no_counters"), tone="info"))
    return {
        "devices": devices,
        "frames": [_frame_row(session, n, frame) for n, frame in enumerate(snapshot.frames)],
        "system": _system_rows(session, snapshot),
    }


def _counter_row(session: Session, counter: CounterRow) -> Row:
    totals = Notice.of("technician.counter_totals", entered=counter.entered, left=counter.left)
    reason: tuple[Notice, ...] = ()
    if counter.detail and not counter.ready:
        reason = (Notice.of("technician.reason", reason=counter.detail),)
    elif counter.detail and counter.detail_at is not None:
        # A fault from before the counter was back (or a garbled frame since): it no
        # longer describes the device, so it is named the last fault, with its time.
        at = _clock_time(session, counter.detail_at)
        reason = (Notice.of("technician.last_fault", time=at, reason=counter.detail),)
    # What the device itself says, beside the exact people in and out: a technician checks
    # it against the counter's own display.
    device_totals: tuple[Notice, ...] = ()
    if counter.total_in is not None and counter.total_out is not None:
        device_totals = (
            Notice.of(
                "technician.counter_device_totals",
                total_in=counter.total_in,
                total_out=counter.total_out,
            ),
        )
    return Row(
        f"counter-{counter.device}",
        counter.device,
        Notice("technician.counter_ready" if counter.ready else "technician.counter_lost"),
        (totals, *device_totals, *reason),
        tone="done" if counter.ready else "refused",
    )


def _scanner_row(session: Session, snapshot: DiagnosticsSnapshot | None) -> Row:
    url = snapshot.scanner_url if snapshot is not None else ""
    if snapshot is not None and not url:
        return Row("scanner", "", Notice("technician.scanner_none"), tone="info")
    state = session.devices.get("scanner")
    if state is None:
        return Row("scanner", url, Notice("technician.scanner_waiting"), tone="pending")
    if state.ready:
        return Row("scanner", url, Notice("technician.scanner_ready"), tone="done")
    details = (Notice.of("technician.reason", reason=state.detail),) if state.detail else ()
    return Row("scanner", url, Notice("technician.scanner_lost"), details, tone="refused")


def _printer_row(snapshot: DiagnosticsSnapshot) -> Row:
    if not snapshot.printer_url:
        return Row("printer", "", Notice("technician.printer_none"), tone="info")
    last = snapshot.last_print
    if last is None:
        return Row("printer", snapshot.printer_url, Notice("technician.printer_untested"))
    ok = last.outcome is PrintOutcome.PRINTED
    return Row(
        "printer",
        snapshot.printer_url,
        Notice("technician.printer_printed" if ok else "technician.printer_failed"),
        (Notice.of("technician.reason", reason=last.technician),),
        tone="done" if ok else "refused",
    )


def _clock_time(session: Session, at: dt.datetime) -> str:
    return at.astimezone(session.receipts.timezone).strftime("%H:%M:%S")


def _frame_row(session: Session, number: int, frame: ScannerFrame) -> Row:
    at = _clock_time(session, frame.at)
    if frame.symbology == UNKNOWN_SYMBOLOGY:  # our own word: in the screen's language
        detail = Notice.of("technician.frame_at_unknown_symbology", time=at)
    elif frame.symbology:  # a symbology's name (codabar, ean13) or an AIM id (]F0)
        detail = Notice.of("technician.frame_at_symbology", time=at, symbology=frame.symbology)
    else:
        detail = Notice.of("technician.frame_at", time=at)
    good = frame.verdict.value in ("patron", "item", "staff")
    return Row(
        f"frame-{number}",
        frame.masked,
        Notice(f"technician.verdict.{frame.verdict.value}"),
        (detail,),
        tone="done" if good else "refused",
    )


def _system_rows(session: Session, snapshot: DiagnosticsSnapshot) -> list[Row]:
    ils = snapshot.ils
    details = [Notice.of("technician.ils_backend", backend=ils.backend)]
    if ils.last_failure and ils.failed_at is not None:
        at = _clock_time(session, ils.failed_at)
        details.append(Notice.of("technician.ils_failure", time=at, failure=ils.last_failure))
    else:
        details.append(Notice("technician.ils_no_failure"))
    rows = [
        Row(
            "ils",
            "",
            Notice("technician.ils_online" if ils.online else "technician.ils_offline"),
            tuple(details),
            tone="done" if ils.online else "refused",
        )
    ]
    if snapshot.outbox is None or snapshot.offline_waiting is None:
        rows.append(Row("store", "", Notice("technician.store_unreadable"), tone="refused"))
    else:
        waiting = (
            Notice.of("technician.outbox", count=snapshot.outbox),
            Notice.of("technician.offline_waiting", count=snapshot.offline_waiting),
        )
        rows.append(Row("store", "", Notice("technician.store_heading"), waiting))
    return rows


_STATUS_ON: Mapping[type[Event], Handler] = {
    Heartbeat: _heartbeat,
    ActionChosen: _action,
    BarcodeScanned: _scan,
    TestPrinted: _printed,
    VoiceTested: _voice_tested,
    CommandFailed: _test_failed,
    CancelPressed: _close,
}

STATES: dict[str, StateSpec] = {
    PIN: StateSpec(
        input=InputMode.PIN,
        on={
            PinEntered: _pin_entered,
            StaffPinChecked: _pin_checked,
            CommandFailed: _pin_failed,
            CancelPressed: _pin_cancelled,
        },
        timeout=after("idle"),
        warn=True,
    ),
    STATUS: StateSpec(
        input=InputMode.NONE,
        on=_STATUS_ON,
        timeout=after("idle"),
        on_timeout=_timed_out,
        warn=True,
        texts=_status_texts,
        rows=_status_rows,
    ),
}


# ----- on the worker thread ------------------------------------------------------------------


def run_check_staff_lock(ports: Ports, command: CheckStaffLock) -> Event:
    """Whether wrong PINs locked the screen (fast: no PIN is checked)."""
    if ports.technician is None:
        raise RuntimeError("the technician screen has no staff PIN configured")
    return StaffLockChecked(command.session_no, ports.technician.gate.locked_minutes())


def run_check_staff_pin(ports: Ports, command: CheckStaffPin) -> Event:
    """Check the staff PIN (scrypt, ~0.1 s: never on the UI thread)."""
    if ports.technician is None:
        raise RuntimeError("the technician screen has no staff PIN configured")
    return StaffPinChecked(command.session_no, ports.technician.gate.check(command.pin))


def run_read_diagnostics(ports: Ports, command: ReadDiagnostics) -> Event:
    """A snapshot of the kiosk's parts (counts the outbox in the store)."""
    if ports.technician is None:
        raise RuntimeError("the technician screen has no staff PIN configured")
    return DiagnosticsRead(command.session_no, ports.technician.diagnostics.snapshot())


def run_test_print(ports: Ports, command: TestPrint) -> Event:
    """Print the test receipt; the technician's line is logged and shown."""
    report = print_and_log(ports, command.receipt, "test print")
    return TestPrinted(command.session_no, report)


def run_test_voice(ports: Ports, command: TestVoice) -> Event:
    """Say the test sentence through the speech output; whether speech works."""
    if ports.technician is None:
        raise RuntimeError("the technician screen has no staff PIN configured")
    check = ports.technician.diagnostics.test_voice(command.text, command.language)
    if not check.working:
        log.warning("technician screen: test voice: %s", check.reason)
    return VoiceTested(command.session_no, check)


COMMANDS: Mapping[type[Command], CommandHandler] = {
    CheckStaffLock: run_check_staff_lock,
    CheckStaffPin: run_check_staff_pin,
    ReadDiagnostics: run_read_diagnostics,
    TestPrint: run_test_print,
    TestVoice: run_test_voice,
}

BACKGROUND: Mapping[type[Event], Handler] = {
    DiagnosticsRead: _diagnostics_read,
    StaffLockChecked: _lock_checked,
}
"""The navigation's background handlers: a snapshot arrives in whatever state."""

TECHNICIAN = Service(name=NAME, states=STATES, start=start, commands=COMMANDS)

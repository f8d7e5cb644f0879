"""Stopping the real kiosk app with SIGTERM, as systemd and ``kill`` do.

GIVEN `kiosk run` offscreen in a subprocess, WHEN it gets SIGTERM while a patron's PIN
check hangs in the library system (the demo library's database is locked by the test, so
the call waits up to a minute for the lock), THEN the kiosk exits cleanly (code 0) long
before that call could end: it waits only its short shutdown grace for the call in
flight. WHEN it gets SIGTERM while idle, THEN it exits cleanly too.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from ui.kiosk_process import KioskProcess

from kiosk.bootstrap import DEMO_LIBRARY_FILE
from kiosk.ils.local.backend import LOCK_WAIT_MS

pytestmark = pytest.mark.ui

CARD, PIN = "23171000000010", "1234"
PLEASE_WAIT = "Mohon tunggu…"  # common.please_wait in kiosk/locale/id: the spinner is up
EXIT_BOUND = 15.0  # seconds: proof it did not wait for the hung call (LOCK_WAIT_MS = 60 s)


def stop_with_sigterm(kiosk: KioskProcess) -> tuple[int, float]:
    """Send SIGTERM and wait (bounded) for the kiosk to exit; its exit code and seconds."""
    sent = time.monotonic()
    kiosk.process.send_signal(signal.SIGTERM)
    try:
        code = kiosk.process.wait(timeout=EXIT_BOUND)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"the kiosk was still running {EXIT_BOUND:g} s after SIGTERM\n--- kiosk log ---\n"
            f"{kiosk.log_path.read_text(encoding='utf-8')[-4000:]}"
        ) from None
    return code, time.monotonic() - sent


def test_sigterm_with_a_hung_ils_call_ends_the_kiosk_promptly(tmp_path: Path) -> None:
    """GIVEN the kiosk with an ILS deadline of 60 s, and a patron's PIN check stuck on the
    demo library's database, which the test holds locked (the spinner is showing)
    WHEN the kiosk gets SIGTERM
    THEN it exits with code 0 well before the 60 s the hung call would take."""
    assert LOCK_WAIT_MS >= 60_000  # the call would hang this long without the shutdown grace
    config = tmp_path / "kiosk.toml"
    config.write_text("[ils]\ndeadline = 60\n", encoding="utf-8")
    kiosk = KioskProcess(tmp_path, scanner="", config=config)
    lock: sqlite3.Connection | None = None
    try:
        kiosk.wait_for_screen("idle")
        lock = sqlite3.connect(kiosk.data_dir / DEMO_LIBRARY_FILE, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")

        kiosk.type(CARD)
        kiosk.wait_for_screen("borrow.pin")
        kiosk.type(PIN)
        kiosk.wait_for_screen("borrow.pin", PLEASE_WAIT)  # the PIN check is in flight

        code, seconds = stop_with_sigterm(kiosk)
        print(f"\nSIGTERM with a hung ILS call: exited with {code} after {seconds:.2f} s")
    finally:
        if lock is not None:
            lock.execute("ROLLBACK")
            lock.close()
        kiosk.stop()

    assert code == 0, kiosk.log_path.read_text(encoding="utf-8")[-4000:]
    assert seconds < EXIT_BOUND


def test_sigterm_while_idle_ends_the_kiosk_cleanly(tmp_path: Path) -> None:
    """GIVEN the kiosk on its attract screen
    WHEN it gets SIGTERM
    THEN it exits with code 0."""
    kiosk = KioskProcess(tmp_path, scanner="")
    try:
        kiosk.wait_for_screen("idle", "Selamat datang di perpustakaan")
        code, seconds = stop_with_sigterm(kiosk)
        print(f"\nSIGTERM while idle: exited with {code} after {seconds:.2f} s")
    finally:
        kiosk.stop()

    assert code == 0, kiosk.log_path.read_text(encoding="utf-8")[-4000:]

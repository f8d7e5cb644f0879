"""Voice guidance on the headless demo: keys from the terminal, what the voice says shown.

GIVEN ``kiosk run --headless`` (no speakers here: the real speech service stays silent and
logs one line) WHEN a technician presses voice keys from the terminal (``:key down``,
``:key kp+``, ``:key enter``) THEN voice guidance starts, the focus moves and a button is
pressed as a keyboard would do it, and each utterance is echoed as ``voice: ...`` with
card numbers cut to their last 4 digits and the patron's name left out.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from ui.kiosk_process import WAIT_SECONDS, KioskProcess

pytestmark = pytest.mark.ui

CARD, PIN = "23171000000010", "1234"


def wait_for_log(kiosk: KioskProcess, text: str) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        log = kiosk.log_path.read_text(encoding="utf-8")
        if text in log:
            return log
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} in the log:\n{kiosk.log_path.read_text()[-3000:]}")


def test_voice_keys_from_the_terminal_and_what_is_said_echoed_masked(tmp_path: Path) -> None:
    # Lines typed in a burst reach the kiosk within one frame: without the repeat guard,
    # which would rightly take five + in a few ms for a bounce (test_voice_offscreen).
    config = tmp_path / "kiosk.toml"
    config.write_text("[accessibility]\nrepeat_guard = 0\n", encoding="utf-8")
    kiosk = KioskProcess(tmp_path, config=config)
    try:
        kiosk.wait_for_screen("idle")
        kiosk.type(":key down")  # any key at the attract screen: voice guidance
        wait_for_log(kiosk, "voice: Panduan suara aktif.")
        kiosk.type(":key kp+")
        wait_for_log(kiosk, "voice: Bantuan, tombol, 1 dari 4")
        kiosk.type(":key kp+")
        kiosk.type(":key kp+")
        kiosk.type(":key kp+")
        kiosk.type(":key kp+")
        wait_for_log(kiosk, "voice: Pinjam, Tombol 1, Pinjam buku dengan kartu dan PIN Anda")
        kiosk.type(":key enter")
        kiosk.wait_for_screen("borrow.card")
        kiosk.type(CARD)
        kiosk.wait_for_screen("borrow.pin")
        log = wait_for_log(kiosk, "voice: Kartu berakhiran 0010")
        kiosk.type(PIN)
        kiosk.wait_for_screen("borrow.scanning")
        log = wait_for_log(kiosk, "voice: Halo")
        kiosk.type(":key nosuchkey")
        log = wait_for_log(kiosk, "refused: no key named 'nosuchkey'")
        assert kiosk.screen_text().startswith("screen: borrow.scanning")
    finally:
        assert kiosk.stop() == 0
    voice_lines = [line for line in log.splitlines() if line.startswith("voice: ")]
    assert voice_lines
    for line in voice_lines:
        assert CARD not in line and "Sutrisno" not in line
    # No speakers on a test machine: one line says so, not one per utterance.
    speech_warnings = [line for line in log.splitlines() if "sound device" in line]
    assert len(speech_warnings) <= 1, speech_warnings

"""The on-screen keyboard by voice keys on the headless kiosk: one numbering, both ways.

GIVEN the guest book's name field with its on-screen keyboard on ``kiosk run --headless``
and voice guidance on, WHEN the patron moves back with keypad minus from the last control
and forward again with keypad plus, THEN each key is said with its place among all the
keyboard's keys (one numbering over every row, Space and Delete included, in the order
the ring moves), and moving back then forward passes the same controls in reverse order.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from ui.kiosk_process import WAIT_SECONDS, KioskProcess

pytestmark = pytest.mark.ui

KEYS = 46  # 12 + 12 + 10 + 11 + Space (kiosk.ui.keyboard.ROWS)
SAID = re.compile(r"^voice: (?P<name>.+?), tombol, (?P<index>\d+) dari (?P<count>\d+)")


def _said(kiosk: KioskProcess, count: int) -> list[tuple[str, int, int]]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        log = kiosk.log_path.read_text(encoding="utf-8")
        after = log.partition("voice: Panduan suara aktif.")[2]
        found = [SAID.match(line) for line in after.splitlines()]
        controls = [(m["name"], int(m["index"]), int(m["count"])) for m in found if m]
        if len(controls) >= count:
            return controls
        time.sleep(0.05)
    raise AssertionError(f"not {count} controls said:\n{kiosk.log_path.read_text()[-3000:]}")


def test_keyboard_keys_have_one_numbering_and_back_undoes_forward(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[accessibility]\nrepeat_guard = 0\n", encoding="utf-8")
    kiosk = KioskProcess(tmp_path, config=config)
    try:
        kiosk.wait_for_screen("idle")
        kiosk.type(":choose guestbook")
        kiosk.wait_for_screen("guestbook.choose")
        kiosk.type(":act kind guest")
        kiosk.wait_for_screen("guestbook.name")
        kiosk.type(":key f10")
        for key in ["kp-"] * 5 + ["kp+"] * 4:
            kiosk.type(f":key {key}")
        said = _said(kiosk, 9)
    finally:
        assert kiosk.stop() == 0
    back, forward = said[:5], said[5:9]
    assert forward == back[:4][::-1], said  # symmetric: forward retraces the way back
    keys = [entry for entry in said if entry[2] == KEYS]
    assert [entry[:2] for entry in back[1:5]] == [
        ("Spasi", 46),
        ("garis miring", 45),
        ("titik", 44),
        ("koma", 43),
    ], said
    assert len(keys) == len(said) - 2  # all but the control beside the keyboard, twice
    batal = [entry for entry in said if entry[0] == "Batal"]
    assert batal and all(entry[1] <= entry[2] < KEYS for entry in batal), said

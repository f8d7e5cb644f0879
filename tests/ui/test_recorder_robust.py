"""The headless screen recorder never takes the kiosk down, and follows nothing planted.

GIVEN the headless kiosk (``kiosk run --headless``) with its real recorder, WHEN the disk
fills while it runs, THEN it logs one line (not one per frame), the patron's session goes
on (the terminal echo follows every screen) and the files are written again once there is
space. A symlink planted as the text's temporary file is replaced, never followed, and a
shared ``--screenshot-dir`` the kiosk did not create keeps its mode.
"""

from __future__ import annotations

import contextlib
import resource
import subprocess
import time
from pathlib import Path

import pytest
from ui.kiosk_process import WAIT_SECONDS, KioskProcess
from ui.piped_kiosk import PipedKiosk
from ui.screen_probe import run_probe

CARD = "23171000000010"
FULL_DISK_LINE = "cannot save the current screen in"


def test_a_full_disk_while_running_is_one_line_and_the_session_goes_on(tmp_path: Path) -> None:
    kiosk = PipedKiosk(tmp_path)
    text_file = kiosk.screens / "current-screen.txt"
    try:
        kiosk.wait_for_output("-- screen: idle")
        kiosk.wait_for_output("Type a card or book barcode")  # the console is reading
        assert "screen: idle\n" in text_file.read_text(encoding="utf-8")
        limits = resource.prlimit(kiosk.process.pid, resource.RLIMIT_FSIZE)
        # From now on no write may grow a file: what a full disk does to this process.
        resource.prlimit(kiosk.process.pid, resource.RLIMIT_FSIZE, (0, limits[1]))
        try:
            kiosk.type(CARD)
            kiosk.wait_for_output("-- screen: borrow.pin")  # the patron is asked for the PIN
            kiosk.type(":keys 12")
            kiosk.type(":lang")
            kiosk.wait_for_output("-- screen: borrow.pin", count=2)  # the next frame, too
            assert kiosk.process.poll() is None, kiosk.output()
            assert "screen: idle\n" in text_file.read_text(encoding="utf-8")  # not torn
            png = (kiosk.screens / "current-screen.png").read_bytes()
            assert png[-8:-4] == b"IEND", len(png)  # the last whole picture stays
            assert list(kiosk.screens.glob(".current-screen.txt.tmp")) == []
        finally:
            with contextlib.suppress(ProcessLookupError):  # gone: the asserts above say why
                resource.prlimit(kiosk.process.pid, resource.RLIMIT_FSIZE, limits)
        kiosk.type(":lang")  # space again: the next frame is saved
        kiosk.wait_for_output("saving the current screen in")
        deadline = time.monotonic() + WAIT_SECONDS
        while "screen: borrow.pin\n" not in text_file.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, "the screen was not saved again"
            time.sleep(0.05)
        png = (kiosk.screens / "current-screen.png").read_bytes()
        assert png[-8:-4] == b"IEND"  # a whole picture, not what a full disk left
    finally:
        assert kiosk.stop() == 0, kiosk.output()
    output = kiosk.output()
    assert output.count(FULL_DISK_LINE) == 1, output  # once, not once per frame
    line = next(line for line in output.splitlines() if FULL_DISK_LINE in line)
    assert str(kiosk.screens) in line and "free some disk space" in line
    assert "Traceback" not in output, output


def test_a_planted_temporary_link_is_not_followed(tmp_path: Path) -> None:
    screens = tmp_path / "screens"
    screens.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    victim.chmod(0o644)
    (screens / ".current-screen.txt.tmp").symlink_to(victim)
    kiosk = KioskProcess(tmp_path)
    try:
        kiosk.wait_for_screen("idle")
    finally:
        assert kiosk.stop() == 0
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert victim.stat().st_mode & 0o777 == 0o644
    assert not (screens / "current-screen.txt").is_symlink()
    assert (screens / "current-screen.txt").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("inside_data", [False, True], ids=["shared-folder", "own-folder"])
def test_only_the_kiosks_own_screenshot_folder_is_re_moded(
    tmp_path: Path, inside_data: bool
) -> None:
    """A --screenshot-dir made by someone else may be shared on purpose: its mode is kept.

    One inside the data folder (the default data/screens) is the kiosk's: tightened.
    """
    screens = tmp_path / "data" / "screens" if inside_data else tmp_path / "shared"
    screens.mkdir(parents=True)
    screens.chmod(0o755)
    kiosk = PipedKiosk(tmp_path, screens=screens)
    try:
        kiosk.wait_for_output("-- screen: idle")
    finally:
        assert kiosk.stop() == 0, kiosk.output()
    assert screens.stat().st_mode & 0o777 == (0o700 if inside_data else 0o755)
    assert (screens / "current-screen.txt").stat().st_mode & 0o777 == 0o600


def test_a_real_full_file_system_under_the_screenshots_is_one_line(tmp_path: Path) -> None:
    """The same on a real full tmpfs (ENOSPC), where this machine allows mounting one."""
    screens = tmp_path / "shots"
    screens.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(screens)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root outside a container)")
    try:
        kiosk = PipedKiosk(tmp_path, screens=screens)
        try:
            kiosk.wait_for_output("-- screen: idle")  # echoed once the files are saved
            kiosk.wait_for_output("Type a card or book barcode")
            with (screens / "filler").open("wb") as filler, contextlib.suppress(OSError):
                while filler.write(b"\0" * 65536):
                    filler.flush()
            kiosk.type(CARD)
            kiosk.wait_for_output("-- screen: borrow.pin")
            kiosk.type(":lang")
            kiosk.wait_for_output("-- screen: borrow.pin", count=2)
            assert "screen: idle\n" in kiosk.screen_text()  # the last whole one stays
            (screens / "filler").unlink()
            kiosk.type(":lang")
            kiosk.wait_for_output("saving the current screen in")
        finally:
            assert kiosk.stop() == 0, kiosk.output()
    finally:
        subprocess.run(["umount", str(screens)], check=True)
    output = kiosk.output()
    assert output.count(FULL_DISK_LINE) == 1, output
    assert "Traceback" not in output, output


def test_a_capture_during_a_screen_change_waits_for_the_new_screen_alone() -> None:
    """GIVEN the recorder WHEN its capture falls in the frame a screen change begins (the old
    screen is still in the tree until the next frame) THEN it does not save both screens
    mixed (no later change would replace that picture), and saves the new one a frame later."""
    found = run_probe("recorder_switch")
    assert found["screens_during_switch"] == ["borrow.pin", "idle"]  # the race is staged
    assert "Masukkan PIN Anda" not in found["text_at_switch"]
    assert "screen: borrow.pin" in found["text_after"]
    assert "Masukkan PIN Anda" in found["text_after"]
    assert "Selamat datang di perpustakaan" not in found["text_after"]
    # and the picture is the screen as it is, not an older frame left in the back buffer
    assert found["png_is_the_screen"] is True


def test_a_capture_as_a_new_screen_takes_its_place_shows_it_where_it_is() -> None:
    """GIVEN large print (a taller bottom strip) WHEN the recorder's timer fires in the tick
    a screen never shown before is placed (its drawing moves only before the next frame)
    THEN the saved picture is the screen as drawn, not shifted down by the strip's height
    and cut off at the bottom (the patron tester's fee and summary pictures)."""
    found = run_probe("recorder_first_visit")
    assert found["placed"] is True  # the race is staged: placed, drawing not yet moved
    assert "screen: borrow.pin" in found["text"]
    assert found["png_is_the_screen"] is True

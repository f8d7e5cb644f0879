"""Files private to the kiosk's user: the data folder 0700, every file 0600, whatever the umask.

GIVEN ``kiosk run --headless`` started under umask 022 or 000 (or an older version's loose
data folder, or the kiosk built from Python under umask 000), WHEN a patron borrows a book
(so the store has its -wal and -shm, the screens folder its PNG and text), THEN no folder
or file the kiosk made is readable by another local user, while running and after it stops.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from flows.harness import FlowKiosk
from ui.kiosk_process import KioskProcess

CARD, PIN, LASKAR_PELANGI = "23171000000010", "1234", "33171000000018"


def loose(*roots: Path) -> list[str]:
    """Every folder not 0700 and file not 0600 under ``roots`` (roots included)."""
    found = []
    for root in roots:
        paths = [root, *root.rglob("*")]
        for path in paths:
            try:
                mode = stat.S_IMODE(path.lstat().st_mode)
            except FileNotFoundError:
                continue  # a transient file (the voice's half-written WAV) already renamed
            wanted = 0o700 if path.is_dir() else 0o600
            if mode != wanted:
                found.append(f"{path.relative_to(root.parent)} {mode:o}")
    return found


def process_umask(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    [line] = [line for line in status.splitlines() if line.startswith("Umask:")]
    return int(line.split()[1], 8)


def borrow_one(kiosk: KioskProcess) -> None:
    kiosk.wait_for_screen("idle")
    kiosk.type(CARD)
    kiosk.wait_for_screen("borrow.pin")
    kiosk.type(PIN)
    kiosk.wait_for_screen("borrow.scanning")
    kiosk.type(LASKAR_PELANGI)
    kiosk.wait_for_screen("borrow.scanning", "Laskar Pelangi")


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_everything_the_kiosk_writes_is_private(tmp_path: Path, umask: int) -> None:
    kiosk = KioskProcess(tmp_path, umask=umask)
    try:
        borrow_one(kiosk)
        kiosk.type(":finish")
        kiosk.wait_for_screen("borrow.summary")
        kiosk.type(":receipt")  # the demo's simulated printer appends it to receipts.txt
        kiosk.wait_for_screen("rate")
        assert (kiosk.data_dir / "receipts.txt").exists()
        assert (kiosk.data_dir / "kiosk.sqlite3-wal").exists()
        assert (kiosk.data_dir / "kiosk.sqlite3-shm").exists()
        assert (kiosk.screens / "current-screen.png").exists()
        assert (kiosk.data_dir / "kivy").is_dir()
        assert loose(kiosk.data_dir, kiosk.screens) == []
        # Transient files (SQLite journals, a screenshot before its chmod) are private too.
        assert process_umask(kiosk.process.pid) == 0o077
    finally:
        assert kiosk.stop() == 0
    assert loose(kiosk.data_dir, kiosk.screens) == []


def test_a_loose_data_folder_from_an_older_version_is_tightened(tmp_path: Path) -> None:
    data, screens = tmp_path / "data", tmp_path / "screens"
    old = os.umask(0o022)  # as an older kiosk, which set no umask, made them
    try:
        (data / "kivy" / "icon").mkdir(parents=True)
        (data / "kivy" / "config.ini").write_text("[kivy]\n")
        screens.mkdir()
        (screens / "current-screen.txt").write_text("screen: borrow.summary\n")
        with sqlite3.connect(data / "kiosk.sqlite3") as db:
            db.execute("PRAGMA journal_mode=WAL")
            # A kiosk store at Alembic's base revision (another program's file is refused).
            db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            db.execute("CREATE TABLE leftover (x)")
    finally:
        os.umask(old)
    assert loose(data, screens) != []

    kiosk = KioskProcess(tmp_path, umask=0o022)
    try:
        borrow_one(kiosk)
        # A --screenshot-dir outside the data folder that the kiosk did not create this run
        # may be shared on purpose: its own mode is kept; every file in it is private.
        assert loose(data, screens) == ["screens 755"]
    finally:
        kiosk.stop()


def test_built_from_python_under_umask_000(tmp_path: Path) -> None:
    """The store, demo library and key make themselves private without the CLI's umask."""
    data = tmp_path / "data"
    old = os.umask(0)
    try:
        kiosk = FlowKiosk(data)
        try:
            kiosk.scan(CARD)
            kiosk.type(PIN)
            kiosk.scan(LASKAR_PELANGI)
            assert kiosk.vm.lines[0]["title"] == "Laskar Pelangi"
            assert {p.name for p in data.iterdir()} >= {
                "kiosk.sqlite3",
                "kiosk.sqlite3-wal",
                "kiosk.sqlite3-shm",
                "demo-library.sqlite3",
                "card-hash.key",
            }
            assert loose(data) == []
        finally:
            kiosk.close()
    finally:
        os.umask(old)
    assert loose(data) == []

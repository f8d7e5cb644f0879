"""The real kiosk app, offscreen, with a simulated scanner on a pseudo-terminal.

GIVEN `kiosk run` with its scanner on a pty driven by the scanner simulator, WHEN a
patron scans their card, types their PIN and scans a book, THEN the book's title and due
date are on the screen and the loan is in the kiosk's local database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui.kiosk_process import KioskProcess

from devices.sim import PtyScannerSimulator

CARD, PIN = "23171000000010", "1234"
LASKAR_PELANGI = "33171000000018"
KAMUS = "33171000000034"


@pytest.fixture
def scanner() -> Iterator[PtyScannerSimulator]:
    with PtyScannerSimulator() as simulator:
        yield simulator


@pytest.fixture
def kiosk(tmp_path: Path, scanner: PtyScannerSimulator) -> Iterator[KioskProcess]:
    process = KioskProcess(tmp_path, scanner=scanner.port_path)
    yield process
    process.stop()


def test_borrow_with_serial_scanner(kiosk: KioskProcess, scanner: PtyScannerSimulator) -> None:
    kiosk.wait_for_screen("idle", "Selamat datang di perpustakaan")

    scanner.send(CARD)
    kiosk.wait_for_screen("borrow.pin", "Masukkan PIN Anda", "Kartu berakhiran 0010")
    kiosk.type(PIN)  # typed on the keyboard, as a patron would
    kiosk.wait_for_screen("borrow.scanning", "Halo, Sutrisno")

    scanner.send(LASKAR_PELANGI)
    screen = kiosk.wait_for_screen("borrow.scanning", "Laskar Pelangi", "Kembalikan paling lambat")
    assert "clipped:" not in screen

    scanner.send_split(KAMUS)  # a scanner that sends its frame in pieces
    kiosk.wait_for_screen("borrow.scanning", "Buku ini hanya untuk dibaca di perpustakaan.")

    with sqlite3.connect(kiosk.data_dir / "kiosk.sqlite3") as db:
        loans = db.execute("SELECT patron_barcode, item_barcode, title FROM loans").fetchall()
        outbox = db.execute("SELECT kind FROM outbox_events").fetchall()
    assert loans == [(CARD, LASKAR_PELANGI, "Laskar Pelangi")]
    assert outbox == [("checkout",), ("refusal",)]  # the reference book's refusal, too

    kiosk.type(":finish")
    kiosk.wait_for_screen("borrow.summary", "Terima kasih, Sutrisno!", "Anda meminjam 1 buku.")
    kiosk.type(":finish")
    screen = kiosk.wait_for_screen("idle")
    assert "Sutrisno" not in screen and "Laskar Pelangi" not in screen
    assert kiosk.stop() == 0


def test_noise_on_the_line_is_not_a_scan(kiosk: KioskProcess, scanner: PtyScannerSimulator) -> None:
    kiosk.wait_for_screen("idle")
    scanner.send_noise()
    scanner.send("23171000000011")  # wrong check digit
    kiosk.wait_for_screen("idle", "Nomor kartu tidak dikenali")
    scanner.send(CARD)
    kiosk.wait_for_screen("borrow.pin")


def test_keyboard_wedge_scanner_works_without_serial(tmp_path: Path) -> None:
    kiosk = KioskProcess(tmp_path, scanner="")
    try:
        kiosk.wait_for_screen("idle")
        kiosk.type(CARD)  # characters then Enter, as a wedge scanner types them
        kiosk.wait_for_screen("borrow.pin")
        kiosk.type(PIN)
        kiosk.wait_for_screen("borrow.scanning")
        kiosk.type(LASKAR_PELANGI)
        kiosk.wait_for_screen("borrow.scanning", "Laskar Pelangi")
    finally:
        kiosk.stop()


def test_demo_scans_typed_barcodes_through_the_in_process_simulator(tmp_path: Path) -> None:
    """The demo default: sim://scanner, fed from the terminal, over the real serial path."""
    kiosk = KioskProcess(tmp_path, scanner="sim://scanner")
    try:
        kiosk.wait_for_screen("idle")
        kiosk.type(CARD)
        kiosk.wait_for_screen("borrow.pin")
        kiosk.type(PIN)  # not a barcode: typed into the kiosk as keys
        kiosk.wait_for_screen("borrow.scanning")
        kiosk.type(LASKAR_PELANGI)
        kiosk.wait_for_screen("borrow.scanning", "Laskar Pelangi")
        log = kiosk.log_path.read_text(encoding="utf-8")
        # The terminal may be the journal: numbers show their last 4 digits only.
        assert "scanned **********0010 with the simulated scanner" in log
        assert "scanned **********0018 with the simulated scanner" in log
        assert f"scanned {PIN} " not in log
    finally:
        kiosk.stop()

"""Personal data stays on the screen: the terminal (the journal, under systemd) gets masks.

GIVEN the headless demo kiosk (``kiosk run --headless``, simulated scanner fed from its
terminal), WHEN a patron scans their card, types the PIN, borrows a book and finishes,
THEN the kiosk's whole terminal output (stdout and stderr) never holds the card number or
the patron's name, only the card's last 4 digits; the private current-screen.txt mirrors
the screen word for word, name included.
"""

from __future__ import annotations

from pathlib import Path

from ui.kiosk_process import KioskProcess

SITI, SITI_PIN = "23171000000028", "2468"
LASKAR_PELANGI = "33171000000018"


def test_terminal_output_masks_cards_and_names(tmp_path: Path) -> None:
    kiosk = KioskProcess(tmp_path, scanner="sim://scanner")
    try:
        kiosk.wait_for_screen("idle")
        kiosk.type(SITI)  # through the in-process simulated scanner, which says so
        kiosk.wait_for_screen("borrow.pin", "Kartu berakhiran 0028")
        kiosk.type(SITI_PIN)
        kiosk.wait_for_screen("borrow.scanning", "Halo, Siti Nurhaliza")
        kiosk.type(LASKAR_PELANGI)
        kiosk.wait_for_screen("borrow.scanning", "Laskar Pelangi")
        kiosk.type(":finish")
        screen = kiosk.wait_for_screen("borrow.summary", "Terima kasih, Siti Nurhaliza!")
        assert "Siti Nurhaliza" in screen  # the 0600 mirror of the screen keeps it
    finally:
        assert kiosk.stop() == 0
    output = kiosk.log_path.read_text(encoding="utf-8")

    assert "scanned **********0028 with the simulated scanner" in output
    assert "Halo, [name] [name]" in output and "Terima kasih, [name] [name]!" in output
    assert "Laskar Pelangi" in output  # the echo still shows what happened
    assert SITI not in output
    for word in ("Siti", "Nurhaliza", "SITI", "NURHALIZA"):
        assert word not in output, word
    assert SITI_PIN not in output

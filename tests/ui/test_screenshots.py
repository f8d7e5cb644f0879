"""A tour of every screen, in both languages and both text sizes, saved as PNG files.

Each picture is checked for text that does not fit (``clipped:`` lines from the headless
recorder) and for the language it should be in. The folder is printed at the end of the
test run (``KIOSK_SCREENSHOT_DIR``, default ``screenshots/`` in the checkout).
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from ui.conftest import SCREENSHOT_DIR
from ui.kiosk_process import KioskProcess

from kiosk.core.i18n import translators
from kiosk.ui.viewmodel import PIN_MASK_CHAR

CARD, PIN = "23171000000010", "1234"
BLOCKED_CARD, BLOCKED_PIN = "23171000000036", "1111"
ITEMS = ("33171000000018", "33171000000067", "33171000000034")
RETURNS = ("33171000010017", "33171000010033", "33171000010058", "33171000000018")
# Dewi's 5 days late (a fine), Dewi's for the hold shelf, another branch's, not on loan
FEE_ITEM = "33171000010074"  # the demo DVD with a loan fee of Rp 5.000
SCAN_PROMPT = {"id": "Pindai barcode buku satu per satu", "en": "Scan the barcode of each book"}

# What must be on each screen, per language: proof that it is translated, not just drawn.
EXPECTED = {
    "id": {
        "idle": "Selamat datang di perpustakaan",
        "borrow.pin": "Masukkan PIN Anda",
        "borrow.scanning": "Kembalikan paling lambat",
        "borrow.fee": "dikenai biaya pinjam Rp 5.000",
        "borrow.summary": "Terima kasih, Sutrisno!",
        "rate": "Bagaimana kunjungan Anda hari ini?",
        "error": "Denda Anda melebihi batas",
        "return.scanning": "Kembalikan buku",
        "return.summary": "buku dikembalikan.",
    },
    "en": {
        "idle": "Welcome to the library",
        "borrow.pin": "Enter your PIN",
        "borrow.scanning": "Return by",
        "borrow.fee": "has a loan fee of Rp 5.000",
        "borrow.summary": "Thank you, Sutrisno!",
        "rate": "How was your visit today?",
        "error": "Your fines are over the limit",
        "return.scanning": "Return books",
        "return.summary": "books returned.",
    },
}


def set_preferences(kiosk: KioskProcess, language: str, large: bool) -> None:
    text = kiosk.wait_for_screen("idle")
    if f"language: {language}\n" not in text:
        kiosk.type(":lang")
    if (f"large_print: {'on' if large else 'off'}\n") not in text:
        kiosk.type(":large")
    kiosk.wait_for(
        lambda t: (
            f"language: {language}\n" in t and f"large_print: {'on' if large else 'off'}\n" in t
        ),
        f"{language}, large print {large}",
    )


def keep(
    kiosk: KioskProcess, screen: str, language: str, large: bool, *also: str, name: str = ""
) -> Path:
    text = kiosk.wait_for_screen(screen, EXPECTED[language][screen], *also)
    assert "clipped:" not in text, f"text cut off on {screen} ({language}, large={large}):\n{text}"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOT_DIR / f"{name or screen}-{language}-{'large' if large else 'normal'}.png"
    shutil.copyfile(kiosk.screens / "current-screen.png", target)
    assert target.stat().st_size > 10_000  # a real rendered picture, not an empty frame
    return target


@pytest.mark.parametrize(("language", "large"), [("id", False), ("en", False), ("id", True),
                                                 ("en", True)])  # fmt: skip
def test_screenshot_tour(tmp_path: Path, language: str, large: bool) -> None:
    kiosk = KioskProcess(tmp_path)
    try:
        set_preferences(kiosk, language, large)
        keep(kiosk, "idle", language, large)

        kiosk.type(CARD)
        keep(kiosk, "borrow.pin", language, large)
        kiosk.type(f":keys {PIN[:3]}")  # three digits typed, not yet sent
        keep(kiosk, "borrow.pin", language, large, PIN_MASK_CHAR * 3, name="borrow.pin-typed")
        kiosk.type(PIN[3:])  # the last digit, then OK
        kiosk.wait_for_screen("borrow.scanning")
        for item in ITEMS:
            kiosk.type(item)
        keep(kiosk, "borrow.scanning", language, large, "The Little Prince", "Kamus Besar")
        kiosk.type(FEE_ITEM)
        fee_screen = keep(kiosk, "borrow.fee", language, large)
        # the picture and the text are of the question alone, not of the screen before it
        assert SCAN_PROMPT[language] not in kiosk.screen_text(), fee_screen
        kiosk.type(":ok")  # "Yes, borrow it": the DVD is lent with its fee
        kiosk.wait_for_screen("borrow.scanning", "Rp 5.000")

        kiosk.type(":finish")
        keep(
            kiosk,
            "borrow.summary",
            language,
            large,
            "Laskar Pelangi",
            TEXTS[language]("receipt.print"),
        )
        kiosk.type(":receipt")  # "Print receipt": the demo's simulated printer prints it
        keep(kiosk, "rate", language, large)
        printed = (kiosk.data_dir / "receipts.txt").read_text(encoding="utf-8")
        assert "Laskar Pelangi" in printed and "****0010" in printed and "Sutrisno" not in printed
        kiosk.type("4")  # a rating by keys: four, then OK
        kiosk.wait_for_screen("idle")

        set_preferences(kiosk, language, large)
        kiosk.type("2")  # Return, chosen by its number on the menu
        kiosk.wait_for_screen("return.scanning")
        for item in RETURNS:
            kiosk.type(item)
        keep(kiosk, "return.scanning", language, large, "Rp 5.000", "TRANSIT")
        kiosk.type(":finish")
        keep(kiosk, "return.summary", language, large, "Sang Pemimpi")
        kiosk.type(":cancel")
        kiosk.wait_for_screen("idle")

        set_preferences(kiosk, language, large)
        kiosk.type(BLOCKED_CARD)
        kiosk.wait_for_screen("borrow.pin")
        kiosk.type(BLOCKED_PIN)
        keep(kiosk, "error", language, large)
    finally:
        assert kiosk.stop() == 0


TEXTS = translators()


@pytest.mark.parametrize(("language", "large"), [("id", False), ("en", False), ("id", True),
                                                 ("en", True)])  # fmt: skip
def test_screenshot_tour_receipt_not_printed(tmp_path: Path, language: str, large: bool) -> None:
    """The summary after a receipt that could not be printed (nothing at the printer's URL)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed at the end of the block: nothing listens
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[printer]\nurl = "socket://127.0.0.1:{port}"\n', encoding="utf-8")
    kiosk = KioskProcess(tmp_path, config=config)
    try:
        set_preferences(kiosk, language, large)
        kiosk.type(CARD)
        kiosk.wait_for_screen("borrow.pin")
        kiosk.type(PIN)
        kiosk.wait_for_screen("borrow.scanning")
        kiosk.type(ITEMS[0])
        kiosk.wait_for_screen("borrow.scanning", "Laskar Pelangi")
        kiosk.type(":finish")
        kiosk.wait_for_screen("borrow.summary")
        kiosk.type(":receipt")
        not_printed = TEXTS[language]("receipt.not_printed")
        keep(kiosk, "borrow.summary", language, large, not_printed,
             name="borrow.summary-not-printed")  # fmt: skip
        kiosk.type(":finish")  # Done
        keep(kiosk, "rate", language, large)
    finally:
        assert kiosk.stop() == 0

"""A tour of every screen, in both languages and both text sizes, saved as PNG files.

Each picture is checked for text that does not fit (``clipped:`` lines from the headless
recorder) and for the language it should be in. The folder is printed at the end of the
test run (``KIOSK_SCREENSHOT_DIR``, default ``screenshots/`` in the checkout).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ui.conftest import SCREENSHOT_DIR
from ui.kiosk_process import KioskProcess

from kiosk.ui.viewmodel import PIN_MASK_CHAR

CARD, PIN = "23171000000010", "1234"
DEWI, DEWI_PIN = "23171000010019", "3141"  # overdue loans, fines: the account's tour
BLOCKED_CARD, BLOCKED_PIN = "23171000000036", "1111"
ITEMS = ("33171000000018", "33171000000067", "33171000000034")

# What must be on each screen, per language: proof that it is translated, not just drawn.
EXPECTED = {
    "id": {
        "idle": "Selamat datang di perpustakaan",
        "borrow.pin": "Masukkan PIN Anda",
        "borrow.scanning": "Kembalikan paling lambat",
        "borrow.summary": "Terima kasih, Sutrisno!",
        "rate": "Bagaimana kunjungan Anda hari ini?",
        "error": "Denda Anda melebihi batas",
        "account.card": "Pindai kartu perpustakaan Anda",
        "account.pin": "Akun saya dan perpanjang",
        "account.overview": "4 buku dipinjam. 2 terlambat.",
        "account.summary": "Tidak ada buku yang diperpanjang.",
    },
    "en": {
        "idle": "Welcome to the library",
        "borrow.pin": "Enter your PIN",
        "borrow.scanning": "Return by",
        "borrow.summary": "Thank you, Sutrisno!",
        "rate": "How was your visit today?",
        "error": "Your fines are over the limit",
        "account.card": "Scan your library card",
        "account.pin": "My account and renew",
        "account.overview": "4 books on loan. 2 are overdue.",
        "account.summary": "No books were renewed.",
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

        kiosk.type(":finish")
        keep(kiosk, "borrow.summary", language, large, "Laskar Pelangi")
        kiosk.type(":finish")
        keep(kiosk, "rate", language, large)
        kiosk.type("4")  # a rating by keys: four, then OK
        kiosk.wait_for_screen("idle")

        set_preferences(kiosk, language, large)
        kiosk.type(BLOCKED_CARD)
        kiosk.wait_for_screen("borrow.pin")
        kiosk.type(BLOCKED_PIN)
        keep(kiosk, "error", language, large)
        kiosk.type(":ok")

        set_preferences(kiosk, language, large)
        kiosk.type(":choose account")
        keep(kiosk, "account.card", language, large)
        kiosk.type(DEWI)
        keep(kiosk, "account.pin", language, large)
        kiosk.type(DEWI_PIN)
        overdue = {"id": "Terlambat 12 hari", "en": "12 days overdue"}[language]
        keep(kiosk, "account.overview", language, large, "Rp 20.000", overdue)
        kiosk.type(":act renew_all")
        refused = {"id": "Tidak diperpanjang", "en": "Not renewed"}[language]
        keep(kiosk, "account.overview", language, large, refused, name="account.renewed")
        kiosk.type(":finish")
        keep(kiosk, "account.summary", language, large)
    finally:
        assert kiosk.stop() == 0

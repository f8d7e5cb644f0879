"""What devices.printer sends: python-escpos bytes, PC850 text, nothing injected."""

from __future__ import annotations

import pytest

from devices.printer import ReceiptPrinter
from devices.receipt import Receipt, ReceiptLine, fold_text, render


def test_the_receipt_starts_with_init_and_code_page_and_ends_with_a_cut() -> None:
    data = render(Receipt.of("Judul", "isi"))
    assert data.startswith(b"\x1b@\x1bt\x02")
    assert data.endswith(b"\x1bd\x06\x1dV\x00")
    assert b"Judul\n" in data and b"isi\n" in data


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Kembali: 5 Des 2026", "Kembali: 5 Des 2026"),
        ("Café “Baca” — Rp 5.000…", 'Café "Baca" - Rp 5.000...'),
        ("Łódź", "?ódz"),  # ó is in PC850; ź loses its accent; Ł has no base letter
        ("图书馆", "???"),
        ("a\x1b@b\x1dV\x00c\r\nd", "a@bVcd"),
    ],
)
def test_fold_text(text: str, folded: str) -> None:
    assert fold_text(text) == folded


def test_control_characters_in_a_line_cannot_cut_or_reset_the_printer() -> None:
    data = render(Receipt.of("x", ReceiptLine("a\x1dV\x00b\x1b@c\x10\x04\x04d")))
    assert data.count(b"\x1dV") == 1
    assert data.count(b"\x1b@") == 1
    assert b"\x10\x04" not in data


@pytest.mark.parametrize(
    ("url", "options"), [("", {}), (" ", {}), ("sim://printer", {"budget": 0})]
)
def test_bad_settings_are_refused_at_once(url: str, options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ReceiptPrinter(url, **options)

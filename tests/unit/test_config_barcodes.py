"""[scanner] framing and [barcodes]: defaults keep the demo, bad values are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import bootstrap, config
from kiosk.core.model import BarcodeKind


def _load(tmp_path: Path, text: str) -> config.Config:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path)


def test_defaults_are_the_demo_librarys() -> None:
    cfg = config.defaults()
    assert (cfg.scanner.bytesize, cfg.scanner.parity, cfg.scanner.stopbits) == (8, "N", 1)
    assert cfg.scanner.duplicate_window_ms == 800
    classify = bootstrap.barcode_classifier(cfg.barcodes)
    assert classify("23171000000010") == ("23171000000010", BarcodeKind.PATRON)
    assert classify("A33171000000018B") == ("33171000000018", BarcodeKind.ITEM)
    assert classify("9789793062792") == ("9789793062792", None)


def test_a_library_with_isbns_and_code128_cards(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        '[scanner]\nterminator = "TAB"\nbytesize = 7\nparity = "E"\nstopbits = 2\n'
        'prefix = "S:"\n[barcodes]\npatron_symbologies = "codabar, code128"\n'
        'item_symbologies = "codabar,ean13"\npatron_pattern = "P[0-9]{5}"\n'
        'isbn_form = "isbn10"\n',
    )
    assert cfg.scanner.terminator_bytes == b"\t"
    classify = bootstrap.barcode_classifier(cfg.barcodes)
    assert classify("]C0P00001") == ("P00001", BarcodeKind.PATRON)
    assert classify("P00001") == ("P00001", BarcodeKind.PATRON)  # typed
    assert classify("9789793062792") == ("9793062797", BarcodeKind.ITEM)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[barcodes]\npatron_symbologies = "qr"\n', ["[barcodes] patron_symbologies", "codabar"]),
        ('[barcodes]\nitem_symbologies = ""\n', ["[barcodes] item_symbologies", "empty"]),
        ('[barcodes]\npatron_pattern = "("\n', ["[barcodes] patron_pattern", "regular expr"]),
        ('[barcodes]\nitem_type_digit = "2"\n', ["item_type_digit", "differ"]),
        (
            '[barcodes]\npatron_symbologies = "ean13"\nitem_symbologies = "ean13"\n',
            ["ean13 is listed for patrons and items"],
        ),
        (
            '[barcodes]\npatron_symbologies = "code128"\nitem_symbologies = "code128"\n',
            ["code128 is listed", "patron_pattern or item_pattern"],
        ),
        ('[scanner]\nparity = "X"\n', ["[scanner] parity", "N, E, O"]),
        ("[scanner]\nbytesize = 5\n", ["[scanner] bytesize", "at least 7"]),
        ("[scanner]\nduplicate_window_ms = -1\n", ["duplicate_window_ms", "at least 0"]),
    ],
)
def test_bad_values_are_one_line(tmp_path: Path, text: str, expected: list[str]) -> None:
    with pytest.raises(config.ConfigError) as err:
        _load(tmp_path, text)
    message = str(err.value)
    assert "\n" not in message
    for part in expected:
        assert part in message

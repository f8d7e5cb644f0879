"""The demo library's data: deterministic, realistic, with every documented special case."""

from __future__ import annotations

import datetime as dt

from devices.codabar import is_valid
from kiosk.ils.local import demo_data as dd
from kiosk.ils.local.catalogue import ENGLISH_BOOKS, INDONESIAN_BOOKS

LIBRARY = dd.generate()
PATRONS = {p.barcode: p for p in LIBRARY.patrons}
ITEMS = {i.barcode: i for i in LIBRARY.items}
TODAY_OR_LATER = dt.date(2026, 11, 21)


def _loans_of(barcode: str) -> int:
    return sum(1 for loan in LIBRARY.loans if loan.patron_barcode == barcode)


def test_same_seed_same_library() -> None:
    assert dd.generate() == dd.generate(dd.DEFAULT_SEED)
    assert dd.generate(7) == dd.generate(7)


def test_other_seed_changes_random_part_but_not_special_cases() -> None:
    other = dd.generate(7)
    assert other != LIBRARY
    assert other.patrons[: len(dd.SPECIAL_PATRONS)] == dd.SPECIAL_PATRONS
    assert other.items[: len(dd.SPECIAL_ITEMS)] == dd.SPECIAL_ITEMS


def test_counts() -> None:
    assert len(LIBRARY.items) >= 300
    assert len(LIBRARY.patrons) >= 50


def test_barcodes_valid_unique_and_of_the_right_kind() -> None:
    assert len(PATRONS) == len(LIBRARY.patrons)
    assert len(ITEMS) == len(LIBRARY.items)
    for barcode in PATRONS:
        assert is_valid(barcode)
        assert barcode[0] == "2"
        assert barcode[1:5] == f"{dd.INSTITUTION:04d}"
    for barcode in ITEMS:
        assert is_valid(barcode)
        assert barcode[0] == "3"
        assert barcode[1:5] == f"{dd.INSTITUTION:04d}"


def test_patron_names_unique_and_pins_four_digits() -> None:
    assert len({p.name for p in LIBRARY.patrons}) == len(LIBRARY.patrons)
    for patron in LIBRARY.patrons:
        assert len(patron.pin) == 4 and patron.pin.isdigit()
        assert patron.fines >= 0
        assert patron.loan_limit == dd.LOAN_LIMIT


def test_titles_in_indonesian_and_english() -> None:
    titles = {item.title for item in LIBRARY.items}
    authors = {item.author for item in LIBRARY.items}
    assert {"Bumi Manusia", "Laskar Pelangi", "Cantik Itu Luka"} <= titles
    assert {"Pramoedya Ananta Toer", "Tere Liye", "Dee Lestari", "Buya Hamka"} <= authors
    assert any(title.startswith("Resep Masakan") for title in titles)
    assert len(titles & {t for t, _ in INDONESIAN_BOOKS}) >= 30
    assert len(titles & {t for t, _ in ENGLISH_BOOKS}) >= 15


def test_circulation_refers_to_known_records_and_is_consistent() -> None:
    lent = [loan.item_barcode for loan in LIBRARY.loans]
    assert len(lent) == len(set(lent)), "a copy is lent once at most"
    for loan in LIBRARY.loans:
        assert loan.patron_barcode in PATRONS
        assert not ITEMS[loan.item_barcode].reference
        assert loan.due > loan.checked_out
    borrower = {loan.item_barcode: loan.patron_barcode for loan in LIBRARY.loans}
    for hold in LIBRARY.holds:
        assert hold.patron_barcode in PATRONS
        assert borrower.get(hold.item_barcode) != hold.patron_barcode


def test_special_patrons_present() -> None:
    good = [
        p
        for p in LIBRARY.patrons
        if not p.blocked
        and p.expires > TODAY_OR_LATER
        and p.fines <= dd.FINES_LIMIT
        and _loans_of(p.barcode) < p.loan_limit
    ]
    assert len(good) >= 3
    assert dd.SUTRISNO in good and dd.SITI in good
    assert dd.MADE.fines > dd.FINES_LIMIT
    assert dd.RUTH.expires < TODAY_OR_LATER
    assert _loans_of(dd.RIZKI.barcode) == dd.RIZKI.loan_limit
    assert dd.HENDRA.blocked
    assert dd.SUTRISNO.pin == "1234"


def test_random_patrons_may_all_borrow() -> None:
    for patron in LIBRARY.patrons[len(dd.SPECIAL_PATRONS) :]:
        assert not patron.blocked
        assert patron.expires > TODAY_OR_LATER
        assert patron.fines <= dd.FINES_LIMIT
        assert _loans_of(patron.barcode) < patron.loan_limit


def test_special_items_present() -> None:
    borrower = {loan.item_barcode: loan.patron_barcode for loan in LIBRARY.loans}
    holders = {hold.item_barcode: hold.patron_barcode for hold in LIBRARY.holds}
    assert sum(item.reference for item in LIBRARY.items) >= 3
    assert dd.REFERENCE.reference
    assert dd.NEW_ITEM.new
    assert holders[dd.HELD_FOR_SITI.barcode] == dd.SITI.barcode
    assert dd.HELD_FOR_SITI.barcode not in borrower
    assert borrower[dd.LENT_TO_SITI.barcode] == dd.SITI.barcode
    assert dd.AVAILABLE.barcode not in borrower and dd.AVAILABLE.barcode not in holders
    assert len(borrower) > 20
    assert len(holders) > 5


def test_unknown_demo_barcodes_are_valid_but_absent() -> None:
    assert is_valid(dd.UNKNOWN_PATRON_BARCODE) and dd.UNKNOWN_PATRON_BARCODE not in PATRONS
    assert is_valid(dd.UNKNOWN_ITEM_BARCODE) and dd.UNKNOWN_ITEM_BARCODE not in ITEMS


def test_demo_cards_markdown_lists_every_card() -> None:
    markdown = dd.demo_cards_markdown()
    for card in dd.DEMO_CARDS:
        assert card.barcode in markdown
        assert card.what_happens in markdown
    assert "| `23171000000010` | `1234` | Sutrisno |" in markdown

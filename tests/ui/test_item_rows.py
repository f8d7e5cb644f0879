"""The item list's rows as the view-model hands them to the screens (no window needed).

GIVEN the kiosk built as ``kiosk run`` builds it (flow harness), WHEN books are scanned,
THEN every row carries a word for its state besides its colour ("tone"), an item already
on the patron's card is information rather than an error, and a row that did not change
is handed over as the very same object, so the screen redraws only new or changed lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from devices import codabar
from kiosk.core.i18n import translators
from kiosk.ils.local.demo_data import AVAILABLE, LENT_TO_SITI, REFERENCE, SITI, SUTRISNO
from kiosk.ui.item_rows import ROWS_SHOWN


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path)
    yield kiosk
    kiosk.close()


def log_in(kiosk: FlowKiosk, card: str, pin: str) -> None:
    kiosk.scan(card)
    kiosk.type(pin)
    assert kiosk.vm.screen == "borrow.scanning"


def test_rows_say_in_words_what_happened(kiosk: FlowKiosk) -> None:
    log_in(kiosk, SUTRISNO.barcode, SUTRISNO.pin)
    kiosk.vm.scan(AVAILABLE.barcode)  # no answer applied yet
    pending = kiosk.vm.lines[-1]
    assert (pending["tone"], pending["label"]) == ("pending", "Menunggu…")
    kiosk.settle()
    kiosk.scan(REFERENCE.barcode)
    kiosk.vm.toggle_language()
    borrowed, refused = kiosk.vm.lines
    assert (borrowed["tone"], borrowed["label"]) == ("done", "Borrowed")
    assert (refused["tone"], refused["label"]) == ("refused", "Not borrowed")
    assert kiosk.vm.progress_text == "1 of 2 books borrowed"


def test_already_on_your_card_is_information_with_its_due_date(kiosk: FlowKiosk) -> None:
    log_in(kiosk, SITI.barcode, SITI.pin)
    kiosk.scan(LENT_TO_SITI.barcode)
    (row,) = kiosk.vm.lines
    assert (row["tone"], row["label"]) == ("info", "Sudah Anda pinjam")
    # The due date of the loan already on the card is part of what the row says.
    line = kiosk.session.lines[0]
    assert line.due is not None
    assert row["detail"].startswith("Buku ini sudah tercatat atas kartu Anda. Kembalikan paling")
    assert translators()["id"].date(line.due) in row["detail"]


def test_unchanged_rows_are_the_same_objects(kiosk: FlowKiosk) -> None:
    log_in(kiosk, SUTRISNO.barcode, SUTRISNO.pin)
    kiosk.scan(AVAILABLE.barcode)
    first = kiosk.vm.lines[0]
    kiosk.scan(codabar.make(3, 9999, 1))
    kiosk.vm.type_char("1")  # any refresh
    assert kiosk.vm.lines[0] is first
    second = kiosk.vm.lines[1]
    kiosk.scan(codabar.make(3, 9999, 2))
    assert kiosk.vm.lines[:2] == [first, second] and kiosk.vm.lines[1] is second


def test_old_refused_lines_are_summed_up_in_one_row(kiosk: FlowKiosk) -> None:
    log_in(kiosk, SUTRISNO.barcode, SUTRISNO.pin)
    kiosk.scan(AVAILABLE.barcode)
    for serial in range(ROWS_SHOWN + 3):
        kiosk.vm.scan(codabar.make(3, 9999, serial))
    kiosk.settle()
    rows = kiosk.vm.lines
    assert rows[0]["title"] == "dan 3 buku lain tidak dipinjam"
    assert rows[1]["label"] == "Dipinjam"  # borrowed lines are never summed up
    assert len(rows) == 1 + 1 + ROWS_SHOWN
    kiosk.vm.toggle_language()
    assert kiosk.vm.lines[0]["title"] == "and 3 more books not borrowed"

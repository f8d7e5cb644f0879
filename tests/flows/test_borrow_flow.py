"""Borrowing at the kiosk, end to end without a display: what the patron sees and what is stored.

GIVEN the kiosk as ``bootstrap.build`` wires it (embedded demo library, empty local store,
the driver's real worker thread), WHEN a patron works it through the view-model (keys,
keypad, scans), THEN the screen properties say what a patron would read and the store
holds exactly the loans shown as done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk as Kiosk

from kiosk import config as config_module
from kiosk.core.i18n import translators
from kiosk.core.ports import StorageFailed
from kiosk.ils.local.demo_data import DEMO_CARDS, DemoItemCard, DemoPatronCard
from kiosk.ui.viewmodel import PIN_MASK_CHAR

SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
MADE, MADE_PIN = "23171000000036", "1111"  # fines over the limit
LASKAR_PELANGI = "33171000000018"
KAMUS = "33171000000034"  # reference only
LITTLE_PRINCE = "33171000000067"


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    kiosk = Kiosk(tmp_path)
    yield kiosk
    kiosk.close()


def sign_in(kiosk: Kiosk, card: str = SUTRISNO, pin: str = SUTRISNO_PIN) -> None:
    kiosk.scan(card)
    assert kiosk.vm.screen == "borrow.pin"
    kiosk.type(pin)


def test_demo_cards_match_the_demo_library() -> None:
    """The README's demo cards are the ones these flows use."""
    patrons = {card.barcode: card.pin for card in DEMO_CARDS if isinstance(card, DemoPatronCard)}
    items = {card.barcode for card in DEMO_CARDS if isinstance(card, DemoItemCard)}
    assert patrons[SUTRISNO] in (SUTRISNO_PIN, "0000") and patrons[MADE] == MADE_PIN
    assert {LASKAR_PELANGI, KAMUS, LITTLE_PRINCE} <= items


def test_borrow_two_books_and_finish(kiosk: Kiosk) -> None:
    vm = kiosk.vm
    assert vm.screen == "idle" and vm.texts["attract.title"] == "Selamat datang di perpustakaan"
    sign_in(kiosk)
    assert vm.screen == "borrow.scanning" and vm.state_texts["greeting"] == "Halo, Sutrisno"

    kiosk.scan(LASKAR_PELANGI)
    kiosk.type(LITTLE_PRINCE)  # a keyboard-wedge scanner types and presses Enter
    assert [(line["title"], line["detail"]) for line in vm.lines] == [
        ("Laskar Pelangi", "Kembalikan paling lambat 5 Desember 2026"),
        ("The Little Prince", "Kembalikan paling lambat 5 Desember 2026"),
    ]
    stored = {(loan.loan.item_barcode, loan.loan.due) for loan in kiosk.store.loans()}
    assert stored == {(LASKAR_PELANGI, dt.date(2026, 12, 5)), (LITTLE_PRINCE, dt.date(2026, 12, 5))}
    assert len(kiosk.store.pending_outbox()) == 2

    vm.finish()
    assert vm.screen == "borrow.summary"
    assert (vm.state_texts["title"], vm.state_texts["count"]) == (
        "Terima kasih, Sutrisno!",
        "Anda meminjam 2 buku.",
    )
    # What the receipt's totals say, on the screen too (the printer may have no paper).
    assert vm.state_texts["totals"] == (
        "Anda sekarang meminjam 2 buku. Paling awal kembali 5 Desember 2026."
    )

    kiosk.wait(11)
    assert vm.screen == "idle"
    assert (vm.state_texts, vm.lines) == ({}, [])


def test_refused_item_is_shown_and_its_refusal_recorded(kiosk: Kiosk) -> None:
    sign_in(kiosk)
    kiosk.scan(KAMUS)
    [line] = kiosk.vm.lines
    assert line["status"] == "refused"
    # what happened, then what to do with the book and what to do next
    assert line["detail"] == (
        "Buku ini hanya untuk dibaca di perpustakaan. Anda dapat membacanya di sini, lalu "
        "letakkan di troli pengembalian. Pindai buku berikutnya, atau tekan Selesai meminjam."
    )
    # No loan; the refusal is recorded for central with the item but not the patron.
    assert kiosk.store.loans() == []
    [event] = kiosk.store.pending_outbox()
    assert event.kind == "refusal"
    assert (event.payload["service"], event.payload["reason"]) == ("borrow", "not_loanable")
    assert event.payload["item_barcode"] == KAMUS and SUTRISNO not in str(event.payload)


def test_blocked_patron_sees_why_and_returns_to_start(kiosk: Kiosk) -> None:
    sign_in(kiosk, MADE, MADE_PIN)
    assert kiosk.vm.screen == "error"
    assert kiosk.vm.error_text == (
        "Denda Anda melebihi batas. Silakan lunasi di meja layanan, lalu Anda dapat meminjam lagi."
    )
    kiosk.vm.dismiss()
    assert kiosk.vm.screen == "idle" and kiosk.vm.error_text == ""


def test_wrong_pin_then_right_pin(kiosk: Kiosk) -> None:
    sign_in(kiosk, SUTRISNO, "9999")
    assert kiosk.vm.screen == "borrow.pin"
    assert kiosk.vm.notice_text == (
        "PIN salah. Sisa percobaan: 2. Silakan ketik PIN Anda lagi. "
        "Jika lupa, tanyakan ke meja layanan."
    )
    assert kiosk.vm.pin_mask == ""  # the typed PIN is gone from the screen
    kiosk.type(SUTRISNO_PIN)
    assert kiosk.vm.screen == "borrow.scanning"


def test_pin_is_masked_while_typing(kiosk: Kiosk) -> None:
    kiosk.scan(SUTRISNO)
    for char in "12":
        kiosk.vm.type_char(char)
    assert kiosk.vm.pin_mask == PIN_MASK_CHAR * 2
    assert kiosk.vm.state_texts["card"] == "Kartu berakhiran 0010"
    kiosk.vm.backspace()
    assert kiosk.vm.pin_mask == PIN_MASK_CHAR


def test_english_toggle_changes_every_text_and_resets_after_session(kiosk: Kiosk) -> None:
    vm = kiosk.vm
    vm.toggle_language()
    assert vm.texts["attract.title"] == "Welcome to the library"
    assert vm.texts["common.other_language"] == "Bahasa Indonesia"
    sign_in(kiosk)
    kiosk.scan(LASKAR_PELANGI)
    assert vm.lines[0]["detail"] == "Return by 5 December 2026"
    vm.toggle_language()
    assert vm.lines[0]["detail"] == "Kembalikan paling lambat 5 Desember 2026"
    vm.toggle_language()
    vm.finish()
    assert vm.state_texts["count"] == "You borrowed 1 book."
    vm.finish()  # Done: the optional rating, still in the patron's language
    assert vm.state_texts["question"] == "How was your visit today?"
    vm.finish()  # skip it
    assert vm.screen == "idle" and vm.language == "id"


def test_text_size_cycles_100_150_200_and_resets_after_session(kiosk: Kiosk) -> None:
    vm = kiosk.vm
    seen = []
    for _ in range(4):
        vm.cycle_text_size()
        seen.append((vm.font_scale, vm.text_size_label))
    assert seen == [(1.5, "Teks 150 %"), (2.0, "Teks 200 %"), (1.0, "Teks 100 %"),
                    (1.5, "Teks 150 %")]  # fmt: skip
    sign_in(kiosk)
    vm.cancel()
    assert vm.screen == "idle" and vm.font_scale == 1.0 and vm.text_size_label == "Teks 100 %"


def test_colours_cycle_through_four_themes_and_reset_after_session(kiosk: Kiosk) -> None:
    vm = kiosk.vm
    seen = []
    for _ in range(4):
        vm.cycle_theme()
        seen.append((vm.theme.name, vm.theme_label))
    assert seen == [
        ("yellow_black", "Warna:\nkuning-hitam"),
        ("white_black", "Warna:\nputih-hitam"),
        ("black_cream", "Warna:\nhitam-krem"),
        ("default", "Warna:\nstandar"),
    ]
    vm.cycle_theme()
    vm.toggle_language()
    assert vm.theme_label == "Colours:\nyellow on black" and vm.text_size_label == "Text 100 %"
    sign_in(kiosk)
    vm.cancel()
    assert vm.screen == "idle" and vm.theme.name == "default" and vm.language == "id"


@pytest.mark.parametrize(("configured", "scale"), [("large", 1.5), ("normal", 1.0), ("200", 2.0)])
def test_the_configured_text_size_and_theme_are_each_sessions_start(
    tmp_path: Path, configured: str, scale: float
) -> None:
    """GIVEN [kiosk] text_size (also the older "normal" / "large") and theme WHEN a
    session ends THEN the next one starts at them again."""
    cfg = config_module.from_mapping(
        {"ils": {"backend": "local"}, "kiosk": {"text_size": configured, "theme": "black_cream"}},
        None,
    )
    kiosk = Kiosk(tmp_path / "kiosk", config=cfg)
    try:
        vm = kiosk.vm
        assert (vm.font_scale, vm.theme.name) == (scale, "black_cream")
        vm.cycle_text_size()
        vm.cycle_theme()
        sign_in(kiosk)
        vm.cancel()
        assert (vm.font_scale, vm.theme.name) == (scale, "black_cream")
    finally:
        kiosk.close()


def test_item_scanned_on_attract_screen_explains(kiosk: Kiosk) -> None:
    kiosk.type(LASKAR_PELANGI)
    assert kiosk.vm.screen == "idle"
    assert (
        kiosk.vm.notice_text == "Itu barcode buku. Pindai kartu perpustakaan Anda terlebih dahulu."
    )
    kiosk.type("12345")
    assert kiosk.vm.notice_text.startswith("Nomor kartu tidak dikenali")


def test_timeout_warning_then_session_ends(kiosk: Kiosk) -> None:
    sign_in(kiosk)
    kiosk.wait(46)
    assert kiosk.vm.warning_text.startswith("Masih di sana? Sesi berakhir dalam 14 detik")
    kiosk.vm.touched()
    assert kiosk.vm.warning_text == ""
    kiosk.wait(61)
    assert kiosk.vm.screen == "idle" and kiosk.vm.state_texts == {}


class BrokenStore:
    """A local store whose disk is full."""

    def record(self, outcome: object) -> None:
        raise StorageFailed("disk full")


def test_loan_not_stored_locally_is_not_shown_as_plain_done(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(kiosk)
    # The disk fills up between the ILS lending the book and the kiosk storing it.
    monkeypatch.setattr(kiosk.store, "record", BrokenStore().record)
    kiosk.scan(LASKAR_PELANGI)
    [line] = kiosk.vm.lines
    assert "kios gagal menyimpan buktinya" in line["detail"]
    monkeypatch.undo()
    assert kiosk.store.loans() == []


class DownIls:
    """An ILS that cannot be reached."""

    def identify_patron(self, barcode: str) -> object:
        from kiosk.core.ports import IlsUnavailable

        raise IlsUnavailable("connection refused")

    def check_patron(self, barcode: str, pin: str) -> object:
        from kiosk.core.ports import IlsUnavailable

        raise IlsUnavailable("connection refused")

    checkout = check_patron


def test_ils_down_tells_the_patron_and_stores_nothing(tmp_path: Path) -> None:
    kiosk = Kiosk(tmp_path, wrap_ils=lambda _real: DownIls())  # type: ignore[arg-type,return-value]
    try:
        sign_in(kiosk)
        assert kiosk.vm.screen == "error"
        assert kiosk.vm.error_text.startswith("Sistem perpustakaan sedang tidak dapat dihubungi")
        assert kiosk.store.loans() == []
    finally:
        kiosk.close()


def test_a_book_already_on_the_card_counts_for_the_nearest_due_date(kiosk: Kiosk) -> None:
    """GIVEN Siti scans a book she already has (due sooner) and borrows another WHEN she
    finishes THEN the summary's nearest due date is her earlier one, not the new loan's."""
    from kiosk.ils.local import demo_data as demo

    status = kiosk.ils.item_status(demo.LENT_TO_SITI.barcode)
    assert status is not None and status.due is not None and status.due < dt.date(2026, 12, 5)
    sign_in(kiosk, demo.SITI.barcode, demo.SITI.pin)
    kiosk.scan(demo.LENT_TO_SITI.barcode)  # already hers
    kiosk.scan(LASKAR_PELANGI)
    kiosk.vm.finish()
    said = kiosk.vm.state_texts["totals"]
    earlier = translators()["id"].date(status.due)
    assert said.endswith(f"Paling awal kembali {earlier}."), said

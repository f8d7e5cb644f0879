"""What one patron leaves behind must never reach the next one, and every "no" says what next.

GIVEN the kiosk as ``bootstrap.build`` wires it (demo library, real store and worker),
WHEN patrons type, scan with a keyboard-wedge scanner, walk away or get refusals,
THEN the screen shows only what belongs to the person in front of it, and each refusal
tells them what to do with the book and what to do next.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from kiosk.core.i18n import translators
from kiosk.core.services.borrow import ITEM_REFUSALS, SIGN_IN_REFUSALS, refusal_notice
from kiosk.core.session import Notice
from kiosk.ils.local.demo_data import LENT_TO_SITI
from kiosk.ui.viewmodel import ENTRY_IDLE

SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
SITI, SITI_PIN = "23171000000028", "2468"
LASKAR_PELANGI = "33171000000018"
KAMUS = "33171000000034"  # reference only
IDLE_TIMEOUT = 60  # the default [session] idle_timeout


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path)
    yield kiosk
    kiosk.close()


def type_slowly(kiosk: FlowKiosk, text: str) -> None:
    """Key presses at a person's pace, without Enter."""
    for char in text:
        kiosk.clock.advance(0.3)
        kiosk.vm.type_char(char)


def everything_on_screen(kiosk: FlowKiosk) -> str:
    vm = kiosk.vm
    lines = " ".join(f"{line['title']} {line['detail']}" for line in vm.lines)
    return " ".join([*vm.state_texts.values(), lines, vm.notice_text, vm.entry_text])


# ----- leftover input ------------------------------------------------------------------------


def test_a_card_number_typed_but_not_sent_is_forgotten_after_a_short_idle(
    kiosk: FlowKiosk,
) -> None:
    type_slowly(kiosk, "2317")
    assert kiosk.vm.entry_text == "2317"
    kiosk.wait(ENTRY_IDLE + 1)
    assert kiosk.vm.entry_text == ""


def test_a_wedge_scan_after_leftover_digits_is_the_card_alone(kiosk: FlowKiosk) -> None:
    type_slowly(kiosk, "99")  # someone pressed keys and walked off
    kiosk.wedge(SUTRISNO)
    assert kiosk.vm.screen == "borrow.pin"
    assert kiosk.vm.state_texts["card"] == "Kartu berakhiran 0010"
    assert kiosk.vm.entry_text == ""


def test_half_typed_pin_does_not_survive_into_the_next_card(kiosk: FlowKiosk) -> None:
    kiosk.scan(SUTRISNO)
    type_slowly(kiosk, "12")
    assert kiosk.vm.pin_mask != ""
    kiosk.scan(SITI)  # the next person steps up with their card
    assert kiosk.vm.pin_mask == ""
    kiosk.type(SITI_PIN)
    assert kiosk.vm.screen == "borrow.scanning"
    assert kiosk.vm.state_texts["greeting"] == "Halo, Siti Nurhaliza"


def test_half_typed_pin_is_forgotten_after_a_short_idle(kiosk: FlowKiosk) -> None:
    kiosk.scan(SUTRISNO)
    type_slowly(kiosk, "12")
    kiosk.wait(ENTRY_IDLE + 1)
    assert kiosk.vm.pin_mask == ""
    kiosk.type(SUTRISNO_PIN)  # the full PIN, typed again, is right
    assert kiosk.vm.screen == "borrow.scanning"


def test_a_wedge_scan_of_a_card_on_the_pin_screen_is_a_scan_not_a_wrong_pin(
    kiosk: FlowKiosk,
) -> None:
    kiosk.scan(SUTRISNO)
    type_slowly(kiosk, "1")
    kiosk.wedge(SITI)
    assert kiosk.vm.notice_text == ""  # no "wrong PIN"
    assert kiosk.session.pin_attempts == 0
    assert kiosk.vm.state_texts["card"] == "Kartu berakhiran 0028"
    assert kiosk.vm.pin_mask == ""
    kiosk.type(SITI_PIN)
    assert kiosk.vm.screen == "borrow.scanning"


def test_a_wedge_scan_of_a_book_while_scanning_borrows_it(kiosk: FlowKiosk) -> None:
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    kiosk.wedge(LASKAR_PELANGI)
    assert [line["status"] for line in kiosk.vm.lines] == ["done"]
    assert kiosk.vm.entry_text == ""


def test_rescanning_the_same_card_does_not_give_more_pin_tries(kiosk: FlowKiosk) -> None:
    kiosk.scan(SUTRISNO)
    kiosk.type("0000")
    kiosk.type("0000")
    kiosk.scan(SUTRISNO)
    kiosk.type("0000")
    assert kiosk.vm.screen == "error"
    assert kiosk.vm.error_text.startswith("PIN salah terlalu sering")


# ----- the previous patron -------------------------------------------------------------------


def test_walking_away_after_borrowing_goes_straight_to_the_start_screen(
    kiosk: FlowKiosk,
) -> None:
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    kiosk.scan(LASKAR_PELANGI)
    kiosk.wait(IDLE_TIMEOUT + 1)
    assert kiosk.vm.screen == "idle"
    shown = everything_on_screen(kiosk)
    assert "Sutrisno" not in shown and "Laskar" not in shown
    assert [stored.loan.item_barcode for stored in kiosk.store.loans()] == [LASKAR_PELANGI]


def test_language_text_size_and_colours_reset_after_the_attract_screen_idles(
    kiosk: FlowKiosk,
) -> None:
    vm = kiosk.vm
    vm.toggle_language()
    vm.cycle_text_size()
    vm.cycle_theme()
    kiosk.wait(IDLE_TIMEOUT - 5)
    # still the same person, maybe
    assert (vm.language, vm.text_step, vm.theme_name) == ("en", 1, "yellow_black")
    kiosk.wait(6)
    assert (vm.language, vm.text_step, vm.theme_name) == ("id", 0, "default")
    assert vm.texts["attract.title"] == "Selamat datang di perpustakaan"


@pytest.mark.parametrize("screen", ["borrow.summary", "rate"])
def test_the_next_card_on_the_last_patrons_screen_starts_in_the_default_language(
    kiosk: FlowKiosk, screen: str
) -> None:
    """GIVEN a patron who chose English, 150 % text and yellow on black WHEN the next
    patron scans their card on the last patron's summary or rating screen (the attract
    screen never shows) THEN the next patron starts in Indonesian, 100 % and the default
    colours, as from the start."""
    vm = kiosk.vm
    vm.toggle_language()
    vm.cycle_text_size()
    vm.cycle_theme()
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    kiosk.scan(LASKAR_PELANGI)
    vm.finish()
    if screen == "rate":
        vm.no_receipt()
    assert vm.screen == screen and vm.language == "en" and vm.text_step == 1
    assert vm.theme_name == "yellow_black"
    kiosk.scan("23171000000036")  # the next patron's card
    assert vm.screen == "borrow.pin"
    assert (vm.language, vm.text_step, vm.theme_name) == ("id", 0, "default")
    assert vm.texts["pin.title"] == "Masukkan PIN Anda"


# ----- refusals and the summary --------------------------------------------------------------


def test_finishing_with_only_refused_books_shows_a_summary_saying_why(
    kiosk: FlowKiosk,
) -> None:
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    kiosk.scan(KAMUS)
    kiosk.vm.finish()
    assert kiosk.vm.screen == "borrow.summary"
    assert kiosk.vm.state_texts["count"] == "Tidak ada buku yang dipinjam."
    assert kiosk.vm.state_texts["not_borrowed"] == (
        "1 buku tidak dipinjam: lihat alasannya di bawah."
    )
    [line] = kiosk.vm.lines
    # what to do with the book, but no "scan your next book": scanning is over
    assert line["detail"] == (
        "Buku ini hanya untuk dibaca di perpustakaan. "
        "Anda dapat membacanya di sini, lalu letakkan di troli pengembalian."
    )


def test_a_book_already_on_your_card_shows_its_due_date_and_is_not_an_error(
    kiosk: FlowKiosk,
) -> None:
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    kiosk.scan(LASKAR_PELANGI)
    kiosk.vm.finish()
    kiosk.vm.finish()
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    kiosk.scan(LASKAR_PELANGI)
    [line] = kiosk.session.lines
    assert line.due is not None and not any(notice.is_error for notice in line.details)
    [shown] = kiosk.vm.lines
    assert shown["detail"] == (
        "Buku ini sudah tercatat atas kartu Anda. Kembalikan paling lambat 5 Desember 2026. "
        "Anda boleh membawanya. Pindai buku berikutnya, atau tekan Selesai meminjam."
    )


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_refusal_says_what_to_do_next(language: str) -> None:
    t = translators()[language]
    for step, refusals in (("card", SIGN_IN_REFUSALS), ("item", ITEM_REFUSALS)):
        for refusal in refusals:
            alone = t.render(Notice(f"refusal.{refusal.value}"))
            shown = t.render(refusal_notice(refusal, step))
            assert shown.startswith(alone + " ")
            next_step = shown[len(alone) + 1 :]
            assert next_step and not next_step.startswith("next."), (step, refusal)


def test_a_book_already_on_your_card_is_not_counted_as_not_borrowed(
    kiosk: FlowKiosk,
) -> None:
    kiosk.scan(SITI)
    kiosk.type(SITI_PIN)
    kiosk.scan(LENT_TO_SITI.barcode)
    kiosk.scan(LASKAR_PELANGI)
    kiosk.vm.finish()
    assert kiosk.vm.screen == "borrow.summary"
    assert kiosk.vm.state_texts["count"] == (
        "Anda meminjam 1 buku. 1 buku sudah tercatat atas kartu Anda."
    )
    assert kiosk.vm.state_texts["not_borrowed"] == ""


# ----- the rating at the end -----------------------------------------------------------------


def _borrow_and_finish(kiosk: FlowKiosk) -> None:
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    kiosk.scan(LASKAR_PELANGI)
    kiosk.vm.finish()
    assert kiosk.vm.screen == "borrow.summary"
    kiosk.vm.finish()  # "Done"
    assert kiosk.vm.screen == "rate"


def _ratings(kiosk: FlowKiosk) -> list[tuple[int, str]]:
    with kiosk.parts.store.connect() as connection:
        rows = connection.exec_driver_sql("SELECT score, service FROM ratings").all()
    return [(score, service) for score, service in rows]


def test_the_rating_screen_shows_nothing_of_the_patron(kiosk: FlowKiosk) -> None:
    _borrow_and_finish(kiosk)
    assert kiosk.vm.state_texts["question"] == "Bagaimana kunjungan Anda hari ini?"
    shown = everything_on_screen(kiosk)
    assert "Sutrisno" not in shown and "Laskar" not in shown and kiosk.vm.lines == []
    assert kiosk.session.patron is None and kiosk.session.card is None


def test_a_face_tapped_is_stored_anonymously_and_ends_the_session(kiosk: FlowKiosk) -> None:
    _borrow_and_finish(kiosk)
    kiosk.vm.rate(4)
    assert kiosk.vm.screen == "thanks"
    assert kiosk.vm.state_texts["message"] == "Terima kasih atas penilaian Anda!"
    kiosk.settle()
    assert kiosk.vm.screen == "idle"
    assert _ratings(kiosk) == [(4, "borrow")]
    rating = [e for e in kiosk.store.pending_outbox() if e.kind == "rating"]
    assert [(e.payload["score"], e.payload["service"]) for e in rating] == [(4, "borrow")]
    assert SUTRISNO not in str(rating[0].payload) and "Sutrisno" not in str(rating[0].payload)


def test_a_rating_can_be_given_by_keys(kiosk: FlowKiosk) -> None:
    _borrow_and_finish(kiosk)
    kiosk.type("5")  # a single digit 1-5 and OK
    assert kiosk.vm.screen == "idle"
    assert _ratings(kiosk) == [(5, "borrow")]


@pytest.mark.parametrize("leave", ["skip", "cancel", "timeout"])
def test_skipping_the_rating_stores_none(kiosk: FlowKiosk, leave: str) -> None:
    _borrow_and_finish(kiosk)
    if leave == "skip":
        kiosk.vm.finish()
    elif leave == "cancel":
        kiosk.vm.cancel()
    else:
        kiosk.wait(11)  # [session] summary_timeout, 10 s by default
    assert kiosk.vm.screen == "idle" and _ratings(kiosk) == []


def test_the_next_card_on_the_rating_screen_starts_the_next_session(kiosk: FlowKiosk) -> None:
    _borrow_and_finish(kiosk)
    kiosk.scan(SITI)
    assert kiosk.vm.screen == "borrow.pin" and _ratings(kiosk) == []


# ----- help ----------------------------------------------------------------------------------


def test_help_explains_the_screen_in_the_patrons_language_and_keeps_the_session(
    kiosk: FlowKiosk,
) -> None:
    vm = kiosk.vm
    kiosk.scan(SUTRISNO)
    vm.show_help()
    assert vm.help_text.startswith("Ketik PIN kartu perpustakaan Anda")
    vm.toggle_language()
    assert vm.help_text.startswith("Type the PIN of your library card")
    vm.cancel_or_close_help()  # Escape closes Help first...
    assert vm.help_text == "" and vm.screen == "borrow.pin"
    vm.show_help()
    kiosk.type(SUTRISNO_PIN)  # ...and a new screen never shows the last one's help
    assert vm.screen == "borrow.scanning" and vm.help_text == ""
    vm.show_help()
    assert vm.help_text.startswith("Hold the barcode of each book")


def test_a_half_typed_pin_survives_a_pause_to_make_the_text_larger(kiosk: FlowKiosk) -> None:
    """Two digits, then half a minute choosing text size and colours and reading Help:
    the patron never left, so the two digits are still there (in voice mode they vanished
    unseen, and the PIN was then wrong)."""
    kiosk.scan(SUTRISNO)
    type_slowly(kiosk, "12")
    for _ in range(3):
        kiosk.wait(8)
        kiosk.vm.cycle_text_size()
    kiosk.vm.cycle_theme()
    kiosk.vm.show_help()
    kiosk.wait(8)
    kiosk.vm.close_help()
    assert kiosk.vm.pin_mask == "\u2022\u2022"
    type_slowly(kiosk, "34")
    kiosk.vm.submit()
    kiosk.settle()
    assert kiosk.vm.screen == "borrow.scanning"

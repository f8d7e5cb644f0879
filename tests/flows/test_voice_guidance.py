"""Voice guidance through the real kiosk (``bootstrap.build``), heard by a recording voice.

``RecordingSpeech`` is the kiosk's speech output here: every utterance the kiosk asks for
is kept in order, as the synthesiser would receive it. These tests assert on what a
patron hears (and what a bystander could), not on which function ran. Keys and touches
in a real window are in ``tests/ui/test_voice_offscreen.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from accessibility.speech.output import RecordingSpeech, Utterance
from kiosk import config as config_module

SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
YOHANA, YOHANA_PIN = "23171000010027", "2718"
SITI, SITI_PIN = "23171000000028", "2468"  # owes a late fine of Rp 5.000
LASKAR, LITTLE_PRINCE = "33171000000018", "33171000000067"
REFERENCE = "33171000000034"
TITLES = ("Laskar Pelangi", "The Little Prince", "Ronggeng Dukuh Paruk", "Cantik Itu Luka",
          "Pulang", "Negeri Para Bedebah")  # fmt: skip
NAMES = ("Sutrisno", "Siti", "Yohana")


def make(tmp_path: Path, **settings: object) -> tuple[FlowKiosk, RecordingSpeech]:
    speech = RecordingSpeech()
    config = config_module.from_mapping(
        {"ils": {"backend": "local"}, "accessibility": settings}, None
    )
    return FlowKiosk(tmp_path, config=config, speech=speech), speech


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[FlowKiosk, RecordingSpeech]]:
    made = make(tmp_path)
    yield made
    made[0].close()


def pin(kiosk: FlowKiosk, digits: str) -> None:
    for digit in digits:
        kiosk.clock.advance(0.3)
        kiosk.vm.type_char(digit)
    kiosk.vm.submit()
    kiosk.settle()


def test_borrowing_is_spoken_in_indonesian_without_personal_data(
    kiosk: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    k, speech = kiosk
    k.vm.start_voice()
    k.scan(SUTRISNO)
    speech.clear()
    pin(k, SUTRISNO_PIN)
    k.scan(LASKAR)
    k.scan(REFERENCE)
    assert speech.texts() == [
        "1 angka dimasukkan",
        "2 angka dimasukkan",
        "3 angka dimasukkan",
        "4 angka dimasukkan",
        "Pindai buku satu per satu. Setiap hasil akan diucapkan. Setelah selesai, "
        "pilih Selesai meminjam.",
        "Halo",
        "Dipinjam. Kembalikan paling lambat 5 Desember 2026.",
        "Tidak dipinjam. Buku ini hanya untuk dibaca di perpustakaan. Anda dapat membacanya "
        "di sini, lalu letakkan di troli pengembalian. Pindai buku berikutnya, atau tekan "
        "Selesai meminjam.",
    ]


def test_with_private_audio_titles_and_names_are_spoken_and_kept_personal(
    tmp_path: Path,
) -> None:
    k, speech = make(tmp_path, private_audio=True)
    try:
        k.vm.language = "en"
        k.vm.start_voice()
        k.scan(SUTRISNO)
        pin(k, SUTRISNO_PIN)
        speech.clear()
        k.scan(LITTLE_PRINCE)
        k.vm.finish()
        k.settle()
        said = [e for e in speech.events if isinstance(e, Utterance)]
        assert said[0].text == "The Little Prince. Borrowed. Return by 5 December 2026."
        assert said[0].personal
        assert [u.text for u in said if "Thank you" in u.text] == ["Thank you, Sutrisno!"]
        assert all(u.personal for u in said if "Sutrisno" in u.text or "Prince" in u.text)
    finally:
        k.close()


def test_without_private_audio_no_name_title_or_amount_is_spoken(
    kiosk: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    """A whole visit (borrow, summary, account with fines, return) heard by a bystander."""
    k, speech = kiosk
    k.vm.start_voice()
    k.scan(SUTRISNO)
    pin(k, SUTRISNO_PIN)
    k.scan(LASKAR)
    k.scan(LITTLE_PRINCE)
    k.vm.finish()
    k.settle()
    k.session.end()
    k.vm.refresh()
    for card, digits in ((SITI, SITI_PIN), (YOHANA, YOHANA_PIN)):
        k.vm.start_voice()
        k.vm.choose("account")
        k.scan(card)
        pin(k, digits)
        k.vm.act("renew_all")
        k.settle()
        k.vm.finish()
        k.settle()
        k.session.end()
        k.vm.refresh()
    k.vm.start_voice()
    k.vm.choose("return")
    k.scan(LASKAR)
    said = " | ".join(speech.texts())
    assert "Dikembalikan" in said and "Akun Anda" in said  # the visit was heard
    for private in (*TITLES, *NAMES, "Rp"):
        assert private not in said, private
    assert "Denda keterlambatan. Sebesar jumlah yang tertera di layar." in said  # Siti's
    assert not any(e.personal for e in speech.events if isinstance(e, Utterance))


def test_a_pin_digit_never_reaches_the_voice_or_the_log(
    kiosk: tuple[FlowKiosk, RecordingSpeech], caplog: pytest.LogCaptureFixture
) -> None:
    """Yohana's PIN 2718: after each digit the voice says only how many there are (1, 2,
    3, 4), never the digit; no log line at any level holds the PIN."""
    k, speech = kiosk
    caplog.set_level(logging.DEBUG)
    k.vm.start_voice()
    k.vm.choose("account")
    k.scan(YOHANA)
    typed = ""
    for digit in YOHANA_PIN:
        speech.clear()
        k.clock.advance(0.3)
        k.vm.type_char(digit)
        typed += digit
        (heard,) = speech.texts()
        assert heard == f"{len(typed)} angka dimasukkan"
        assert digit not in heard
    k.vm.backspace()
    assert speech.texts()[-1] == "Satu angka dihapus, sisa 3"
    k.vm.type_char("8")
    k.vm.submit()
    k.settle()
    assert k.vm.screen == "account.overview"
    heard = " ".join(speech.texts())
    assert YOHANA_PIN not in heard
    assert YOHANA_PIN not in caplog.text
    assert not [r for r in caplog.records if YOHANA_PIN in r.getMessage()]


def test_returning_says_each_outcome_and_where_the_book_goes(
    kiosk: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    k, speech = kiosk
    k.ils.checkout(SUTRISNO, LITTLE_PRINCE, k.clock.now())
    k.vm.language = "en"
    k.vm.start_voice()
    k.vm.choose("return")
    speech.clear()
    k.scan(LITTLE_PRINCE)
    k.scan(LASKAR)
    assert speech.texts() == [
        "Returned. Put this book on the returns trolley.",
        "Not returned. This book is not recorded as on loan. Please leave it on the returns "
        "trolley; a librarian will check it. Scan the next book, or press Finish returning.",
    ]


def test_the_idle_warning_lasts_a_minute_in_voice_mode_and_is_spoken(
    kiosk: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    k, speech = kiosk
    k.vm.start_voice()
    k.vm.choose("return")
    speech.clear()
    k.wait(39)
    assert not k.vm.warning_text  # 20 s of warning would have begun at 40 s: not yet
    k.wait(2)
    assert k.vm.warning_text
    assert speech.texts()[0].startswith("Masih di sana? Sesi berakhir dalam 60 detik.")
    assert speech.texts()[0].endswith("Tekan Enter untuk waktu tambahan.")
    k.wait(10.5)
    assert "Sesi berakhir dalam 50 detik" in speech.texts()[-1]
    k.wait(50)
    assert k.vm.screen == "idle"
    assert not k.vm.voice_mode  # voice guidance ended with the session


def test_without_voice_the_warning_keeps_its_twenty_seconds_and_nothing_is_said(
    kiosk: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    k, speech = kiosk
    k.vm.choose("return")
    k.wait(41)
    assert k.vm.warning_text
    assert speech.texts() == []


def test_voice_mode_rate_and_volume_end_with_the_session(
    kiosk: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    k, speech = kiosk
    guide = k.parts.voice_guide
    assert guide is not None
    k.vm.start_voice()
    k.vm.choose("return")
    guide.change_rate(1)
    guide.change_volume(-1)
    assert speech.texts()[-2:] == ["Kecepatan bicara 4 dari 5", "Volume 3 dari 5"]
    assert (speech.rate_step, speech.volume_step) == (3, 2)
    k.vm.cancel()
    assert (k.vm.screen, k.vm.voice_mode) == ("idle", False)
    assert (speech.rate_step, speech.volume_step) == (2, 3)


def test_switching_language_says_the_screen_again_in_the_new_voice(
    kiosk: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    k, speech = kiosk
    k.vm.start_voice()
    k.vm.choose("return")
    speech.clear()
    k.vm.toggle_language()
    said = [e for e in speech.events if isinstance(e, Utterance)]
    assert said[0].language == "en"
    assert said[0].text.startswith("Returning books. No card is needed.")


def test_a_summary_waits_a_minute_for_a_listener(
    kiosk: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    k, _speech = kiosk
    k.vm.start_voice()
    k.vm.choose("return")
    k.scan(LASKAR)
    k.vm.finish()
    k.wait(30)
    assert k.vm.screen == "return.summary"  # 10 s without voice guidance


def test_the_attract_hint_is_said_only_where_the_library_enables_it(tmp_path: Path) -> None:
    off, off_speech = make(tmp_path / "off")
    on, on_speech = make(tmp_path / "on", voice_hint_every=2)
    try:
        for kiosk in (off, on):
            kiosk.wait(121)
        assert off_speech.texts() == []
        assert on_speech.texts() == [
            "Untuk panduan suara, tekan tombol apa saja, atau sentuh layar selama dua detik."
        ]
        assert not on.vm.voice_mode
    finally:
        off.close()
        on.close()


def test_nothing_is_said_once_the_session_has_ended(
    kiosk: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    """The language going back to the library's default must not read the attract screen
    aloud to whoever walks up next: voice guidance is off before it changes."""
    k, speech = kiosk
    k.vm.toggle_language()
    k.vm.start_voice()
    k.vm.choose("return")
    speech.clear()
    k.vm.cancel()
    assert (k.vm.screen, k.vm.language, k.vm.voice_mode) == ("idle", "id", False)
    assert speech.texts() == []


def test_more_time_is_confirmed_aloud_and_a_rating_digit_is_said_as_typed(
    kiosk: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    k, speech = kiosk
    k.vm.start_voice()
    k.vm.choose("return")
    k.wait(41)
    assert k.vm.warning_text
    k.vm.touched()  # "I need more time" (Enter, or a touch)
    assert not k.vm.warning_text
    assert speech.texts()[-1] == "Waktu ditambah. Silakan lanjutkan."
    k.scan(LASKAR)
    k.vm.finish()
    k.vm.no_receipt()
    assert k.vm.screen == "rate"
    k.vm.type_char("4")
    assert speech.texts()[-1] == "4"

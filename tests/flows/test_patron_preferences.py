"""A patron's saved settings: saved at the kiosk, applied the next time the card is identified.

GIVEN the kiosk as ``bootstrap.build`` wires it (the real demo library and local store, the
worker thread, the view-model, the voice guide speaking into ``RecordingSpeech``), WHEN a
patron sets the language, text size, colours and voice on My account's settings screen
and saves them for their card, THEN the next time that card is identified (scanned at the attract
screen, typed at the card step, or put on the PIN screen after another one) they are in
force before the PIN is typed, no other card gets them, deleting them brings back the
library's defaults, and a store that fails changes nothing the patron sees but a notice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from accessibility.speech.output import DEFAULT_RATE_STEP, DEFAULT_VOLUME_STEP, RecordingSpeech
from kiosk.core.model import Preferences
from kiosk.core.ports import PreferenceStore, StorageFailed

SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
DEWI, DEWI_PIN = "23171000010019", "3141"
LASKAR_PELANGI = "33171000000018"
DEADLINE = 8.0  # the configured default
ENGLISH_PIN_PROMPT = "Type your card's PIN, then press Enter. The digits are not spoken."


@pytest.fixture
def speech() -> RecordingSpeech:
    return RecordingSpeech()


@pytest.fixture
def kiosk(tmp_path: Path, speech: RecordingSpeech) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path, speech=speech)
    yield kiosk
    kiosk.close()


def sign_in_to_account(kiosk: FlowKiosk, card: str, pin: str) -> None:
    kiosk.vm.choose("account")
    kiosk.type(card)
    assert kiosk.vm.screen == "account.pin"
    kiosk.type(pin)
    assert kiosk.vm.screen == "account.overview"


def act(kiosk: FlowKiosk, action: str) -> None:
    kiosk.vm.act(action)
    kiosk.settle()


def save_english_large_voice(kiosk: FlowKiosk) -> None:
    """Sutrisno sets English, text at 200 %, yellow on black, voice on, rate 5 and volume 3,
    and saves them."""
    sign_in_to_account(kiosk, SUTRISNO, SUTRISNO_PIN)
    act(kiosk, "settings")
    assert kiosk.vm.screen == "account.settings"
    kiosk.vm.toggle_language()
    kiosk.vm.cycle_text_size()
    kiosk.vm.cycle_text_size()  # 200 %
    kiosk.vm.cycle_theme()  # yellow on black
    kiosk.vm.toggle_voice()
    guide = kiosk.parts.voice_guide
    assert guide is not None
    guide.change_rate(1)
    guide.change_rate(1)  # 3 -> 5 of 5
    guide.change_volume(-1)  # 4 -> 3 of 5
    act(kiosk, "save_settings")
    assert kiosk.vm.notice_text == (
        "Saved. Next time these settings are applied as soon as your card is scanned."
    )
    kiosk.vm.cancel()
    assert kiosk.vm.screen == "idle"


def assert_defaults(kiosk: FlowKiosk, speech: RecordingSpeech) -> None:
    vm = kiosk.vm
    assert (vm.language, vm.text_step, vm.theme_name, vm.voice_mode) == ("id", 0, "default", False)
    assert (vm.voice_rate, vm.voice_volume) == (DEFAULT_RATE_STEP + 1, DEFAULT_VOLUME_STEP + 1)
    assert (speech.rate_step, speech.volume_step) == (DEFAULT_RATE_STEP, DEFAULT_VOLUME_STEP)


def assert_sutrisnos_settings(kiosk: FlowKiosk, speech: RecordingSpeech) -> None:
    vm = kiosk.vm
    assert (vm.language, vm.text_step, vm.theme_name) == ("en", 2, "yellow_black")
    assert vm.voice_mode and vm.text_percent == 200
    assert (vm.voice_rate, vm.voice_volume) == (5, 3)
    assert (speech.rate_step, speech.volume_step) == (4, 2)  # the voice follows (0-based)


# ----- saved, then applied before the PIN --------------------------------------------------------


def test_settings_screen_lists_the_settings_live_and_whether_they_are_saved(
    kiosk: FlowKiosk,
) -> None:
    sign_in_to_account(kiosk, SUTRISNO, SUTRISNO_PIN)
    act(kiosk, "settings")
    vm = kiosk.vm
    assert dict(vm.state_texts) == {
        "title": "Pengaturan saya",
        "language": "Bahasa: Bahasa Indonesia",
        "text_size": "Ukuran teks: 100 %",
        "theme": "Warna: standar",
        "voice": "Panduan suara: mati",
        "rate": "Kecepatan bicara: 3 dari 5",
        "volume": "Volume suara: 4 dari 5",
        "saved": "Belum ada pengaturan yang tersimpan untuk kartu Anda.",
    }  # no "forget": nothing to delete, no Delete button
    vm.toggle_language()
    vm.cycle_text_size()
    vm.cycle_theme()
    vm.toggle_voice()
    guide = kiosk.parts.voice_guide
    assert guide is not None
    guide.change_rate(-1)
    assert vm.state_texts["language"] == "Language: English"
    assert vm.state_texts["text_size"] == "Text size: 150 %"
    assert vm.state_texts["theme"] == "Colours: yellow on black"
    vm.text_step = 2  # however it is set (the console, a test), the screen follows
    assert vm.state_texts["text_size"] == "Text size: 200 %"
    assert vm.state_texts["voice"] == "Voice guidance: on"
    assert vm.state_texts["rate"] == "Speaking rate: 2 of 5"

    act(kiosk, "save_settings")
    assert vm.state_texts["saved"] == (
        "Settings are saved for your card. They are applied as soon as your card is scanned."
    )
    assert vm.state_texts["forget"] == "Delete saved settings"
    act(kiosk, "back")
    assert vm.screen == "account.overview"


def test_back_waits_for_a_save_on_its_way_so_its_answer_is_seen(kiosk: FlowKiosk) -> None:
    sign_in_to_account(kiosk, SUTRISNO, SUTRISNO_PIN)
    act(kiosk, "settings")
    kiosk.vm.act("save_settings")  # on the worker; its answer is not applied yet
    kiosk.vm.act("back")
    kiosk.settle()
    assert kiosk.vm.screen == "account.settings"
    assert kiosk.vm.notice_text.startswith("Tersimpan.")
    act(kiosk, "back")
    assert kiosk.vm.screen == "account.overview"


@pytest.mark.parametrize("identified", ["scanned at the attract screen", "typed at the card step",
                                        "put on the PIN screen after another card"])  # fmt: skip
def test_saved_settings_are_in_force_before_the_pin_is_typed(
    kiosk: FlowKiosk, speech: RecordingSpeech, identified: str
) -> None:
    save_english_large_voice(kiosk)
    assert_defaults(kiosk, speech)  # the session ended: the library's defaults again
    speech.clear()

    if identified == "scanned at the attract screen":
        kiosk.scan(SUTRISNO)
    elif identified == "typed at the card step":
        kiosk.vm.choose("borrow")
        kiosk.type(SUTRISNO)
    else:
        kiosk.scan(DEWI)
        assert_defaults(kiosk, speech)
        kiosk.scan(SUTRISNO)
    assert kiosk.vm.screen == "borrow.pin" and kiosk.vm.pin_length == 0
    assert_sutrisnos_settings(kiosk, speech)
    assert not kiosk.vm.busy and not kiosk.vm.show_spinner
    assert ENGLISH_PIN_PROMPT in speech.texts()  # the PIN screen, spoken in English

    kiosk.type(SUTRISNO_PIN)
    assert kiosk.vm.screen == "borrow.scanning"
    assert_sutrisnos_settings(kiosk, speech)


def test_another_card_gets_the_library_defaults(kiosk: FlowKiosk, speech: RecordingSpeech) -> None:
    save_english_large_voice(kiosk)
    kiosk.scan(DEWI)
    assert kiosk.vm.screen == "borrow.pin"
    assert_defaults(kiosk, speech)
    kiosk.type(DEWI_PIN)
    assert kiosk.vm.screen == "borrow.scanning"
    assert_defaults(kiosk, speech)


def test_deleted_settings_are_not_applied_again(kiosk: FlowKiosk, speech: RecordingSpeech) -> None:
    save_english_large_voice(kiosk)
    sign_in_to_account(kiosk, SUTRISNO, SUTRISNO_PIN)
    act(kiosk, "settings")
    act(kiosk, "forget_settings")
    assert kiosk.vm.notice_text == (
        "Your saved settings are deleted. Next time the kiosk starts with its usual settings."
    )
    assert kiosk.vm.state_texts["saved"] == "No settings are saved for your card."
    assert kiosk.vm.state_texts["forget"] == ""  # the Delete button goes
    kiosk.vm.cancel()

    kiosk.scan(SUTRISNO)
    assert kiosk.vm.screen == "borrow.pin"
    assert_defaults(kiosk, speech)


def test_the_next_patron_starts_from_the_defaults(
    kiosk: FlowKiosk, speech: RecordingSpeech
) -> None:
    save_english_large_voice(kiosk)
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    assert_sutrisnos_settings(kiosk, speech)
    kiosk.vm.cancel()  # Sutrisno leaves
    assert kiosk.vm.screen == "idle"
    assert_defaults(kiosk, speech)
    assert kiosk.session.preferences is None

    kiosk.scan(SUTRISNO)  # Sutrisno again, but Dewi steps up before the PIN
    assert_sutrisnos_settings(kiosk, speech)
    kiosk.scan(DEWI)
    assert kiosk.vm.state_texts["card"] == "Kartu berakhiran 0019"
    assert_defaults(kiosk, speech)


def test_the_next_patron_at_the_last_ones_summary_starts_from_the_defaults(
    kiosk: FlowKiosk, speech: RecordingSpeech
) -> None:
    save_english_large_voice(kiosk)
    kiosk.scan(SUTRISNO)
    kiosk.type(SUTRISNO_PIN)
    kiosk.scan(LASKAR_PELANGI)
    kiosk.vm.finish()
    kiosk.settle()
    assert kiosk.vm.screen == "borrow.summary"
    assert_sutrisnos_settings(kiosk, speech)
    kiosk.scan(DEWI)  # Dewi's card on Sutrisno's summary: her session at once
    assert kiosk.vm.screen == "borrow.pin"
    assert_defaults(kiosk, speech)


def test_the_card_number_is_not_in_the_database(kiosk: FlowKiosk, tmp_path: Path) -> None:
    save_english_large_voice(kiosk)
    files = list(tmp_path.glob("kiosk.sqlite3*"))
    assert files
    for path in files:
        assert SUTRISNO.encode() not in path.read_bytes(), path.name


# ----- a store that fails ------------------------------------------------------------------------


class FailingStore:
    """The real store, but the named calls raise ``StorageFailed`` (a full disk, a lock)."""

    def __init__(self, real: PreferenceStore, failing: set[str]) -> None:
        self.real = real
        self.failing = failing

    def _check(self, call: str) -> None:
        if call in self.failing:
            raise StorageFailed(f"disk I/O error ({call})")

    def load(self, card: str) -> Preferences | None:
        self._check("load")
        return self.real.load(card)

    def save(self, card: str, preferences: Preferences, now: dt.datetime) -> None:
        self._check("save")
        self.real.save(card, preferences, now)

    def forget(self, card: str) -> bool:
        self._check("forget")
        return self.real.forget(card)


def failing_kiosk(
    tmp_path: Path, speech: RecordingSpeech, failing: set[str]
) -> tuple[FlowKiosk, FailingStore]:
    stores: list[FailingStore] = []

    def wrap(real: PreferenceStore) -> PreferenceStore:
        stores.append(FailingStore(real, failing))
        return stores[0]

    return FlowKiosk(tmp_path, speech=speech, wrap_preferences=wrap), stores[0]


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_load_that_fails_changes_nothing_the_patron_sees_and_logs_one_line(
    tmp_path: Path, speech: RecordingSpeech, caplog: pytest.LogCaptureFixture
) -> None:
    kiosk, store = failing_kiosk(tmp_path, speech, set())
    try:
        save_english_large_voice(kiosk)
        store.failing = {"load"}
        caplog.clear()
        kiosk.scan(SUTRISNO)
        assert kiosk.vm.screen == "borrow.pin"
        assert kiosk.vm.notice_text == "" and not kiosk.vm.busy
        assert_defaults(kiosk, speech)
        lines = warnings(caplog)
        assert len(lines) == 1 and "saved settings could not be read" in lines[0]
        assert SUTRISNO not in lines[0] and "\n" not in lines[0]
        kiosk.type(SUTRISNO_PIN)
        assert kiosk.vm.screen == "borrow.scanning"  # signed in as ever

        kiosk.vm.cancel()
        sign_in_to_account(kiosk, SUTRISNO, SUTRISNO_PIN)
        act(kiosk, "settings")
        assert kiosk.vm.state_texts["saved"] == (
            "Kios belum dapat memeriksa apakah ada pengaturan yang tersimpan untuk kartu Anda."
        )
        assert kiosk.vm.state_texts["forget"] == "Hapus yang tersimpan"  # they may be there
    finally:
        kiosk.close()


def test_a_save_that_fails_says_so_and_logs_one_line(
    tmp_path: Path, speech: RecordingSpeech, caplog: pytest.LogCaptureFixture
) -> None:
    kiosk, _store = failing_kiosk(tmp_path, speech, {"save"})
    try:
        sign_in_to_account(kiosk, SUTRISNO, SUTRISNO_PIN)
        act(kiosk, "settings")
        caplog.clear()
        act(kiosk, "save_settings")
        assert kiosk.vm.screen == "account.settings"
        assert kiosk.vm.notice_text == (
            "Pengaturan Anda belum dapat disimpan. "
            "Silakan coba lagi nanti, atau minta bantuan pustakawan."
        )
        assert kiosk.vm.state_texts["saved"] == (
            "Belum ada pengaturan yang tersimpan untuk kartu Anda."
        )
        lines = warnings(caplog)
        assert len(lines) == 1 and "settings were not saved" in lines[0]
        act(kiosk, "back")
        assert kiosk.vm.screen == "account.overview"  # the kiosk goes on
        kiosk.vm.cancel()
        kiosk.scan(SUTRISNO)
        assert_defaults(kiosk, speech)  # nothing was saved, nothing is applied
    finally:
        kiosk.close()


class HangingStore(FailingStore):
    """``load`` does not return until released (a store locked by another process)."""

    def __init__(self, real: PreferenceStore) -> None:
        super().__init__(real, set())
        self.hang = False
        self.entered = threading.Event()
        self.released = threading.Event()

    def load(self, card: str) -> Preferences | None:
        if self.hang:
            self.entered.set()
            assert self.released.wait(30), "the test never released the load"
        return self.real.load(card)


def test_a_load_past_its_deadline_is_no_library_failure(
    tmp_path: Path, speech: RecordingSpeech, caplog: pytest.LogCaptureFixture
) -> None:
    stores: list[HangingStore] = []

    def wrap(real: PreferenceStore) -> PreferenceStore:
        stores.append(HangingStore(real))
        return stores[0]

    kiosk = FlowKiosk(tmp_path, speech=speech, wrap_preferences=wrap)
    store = stores[0]
    try:
        save_english_large_voice(kiosk)
        store.hang = True
        kiosk.vm.scan(SUTRISNO)
        assert store.entered.wait(5)  # the load hangs on the worker
        for digit in SUTRISNO_PIN:  # the PIN is typed and sent behind it: no spinner
            kiosk.clock.advance(0.2)
            kiosk.vm.type_char(digit)
            assert not kiosk.vm.busy
        kiosk.vm.submit()
        caplog.clear()
        kiosk.wait(DEADLINE - 0.5)  # past the load's deadline, not the PIN check's
        kiosk.settle()
        assert kiosk.vm.screen == "borrow.scanning"  # not "the library system is slow"
        assert kiosk.vm.notice_text == ""
        assert_defaults(kiosk, speech)
        said = [line for line in warnings(caplog) if "LoadPreferences" in line]
        assert said == ["LoadPreferences got no answer within 8 s; going on without it"]
        store.released.set()
    finally:
        store.released.set()
        kiosk.close()


def test_what_this_kiosk_does_not_know_is_left_as_it_is(
    tmp_path: Path, speech: RecordingSpeech
) -> None:
    """Settings saved by a newer kiosk (a language, text size and theme this one lacks,
    steps beyond its five) never break it: the rest is applied."""
    kiosk, store = failing_kiosk(tmp_path, speech, set())
    try:
        newer = Preferences("jv", "300", "sepia", voice=True, rate=9, volume=2)
        store.real.save(SUTRISNO, newer, dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC))
        kiosk.scan(SUTRISNO)
        vm = kiosk.vm
        assert vm.screen == "borrow.pin" and vm.notice_text == ""
        assert (vm.language, vm.text_step, vm.theme_name) == ("id", 0, "default")
        assert vm.voice_mode
        assert (vm.voice_rate, vm.voice_volume) == (DEFAULT_RATE_STEP + 1, 2)
        kiosk.type(SUTRISNO_PIN)
        assert vm.screen == "borrow.scanning"
    finally:
        kiosk.close()

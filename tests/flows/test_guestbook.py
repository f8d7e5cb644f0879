"""The guest book, as patrons use it: members by card, guests and groups by the form.

GIVEN the kiosk as ``bootstrap.build`` wires it (the demo library, the real SQLite store
with its visit log, the session, the worker thread, the view-model and the voice guide
speaking into a recorder), WHEN a member scans a card, or a guest or a group leader fills
in the form by touch (the view-model's actions the buttons call) or by keys (digits,
Enter, Escape, typed text), in Indonesian or English, THEN what is shown, what is spoken
and what is stored (the ``visits`` table and the outbox, read back from the file) is
exactly what the patron was told; the same visitor within the repeat window counts once.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flows.harness import FlowKiosk

from accessibility.speech.output import RecordingSpeech, Utterance
from kiosk import config as config_module
from kiosk.core.events import TextEntered
from kiosk.core.ports import IlsBackend, IlsUnreachable, StorageFailed

SITI, SITI_NAME = "23171000000028", "Siti Nurhaliza"
SUTRISNO = "23171000000010"
EXPIRED = "23171000000044"  # Ruth's card expired in 2024
UNKNOWN = "23171990000012"


def make(
    tmp_path: Path, *, guestbook: dict[str, Any] | None = None, **options: Any
) -> tuple[FlowKiosk, RecordingSpeech]:
    speech = RecordingSpeech()
    settings: dict[str, Any] = {"ils": {"backend": "local"}}
    if guestbook is not None:
        settings["guestbook"] = guestbook
    accessibility = options.pop("accessibility", None)
    if accessibility is not None:
        settings["accessibility"] = accessibility
    config = config_module.from_mapping(settings, None)
    return FlowKiosk(tmp_path, config=config, speech=speech, **options), speech


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    k, _speech = make(tmp_path)
    yield k
    k.close()


def stored(k: FlowKiosk) -> list[dict[str, Any]]:
    """The visits table, read back from the store's file by another connection."""
    with sqlite3.connect(k.parts.store.url.database or "") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM visits ORDER BY id")]


def reports(k: FlowKiosk) -> list[dict[str, Any]]:
    with sqlite3.connect(k.parts.store.url.database or "") as db:
        rows = db.execute("SELECT payload FROM outbox_events WHERE kind = 'visit' ORDER BY id")
        return [json.loads(payload) for (payload,) in rows]


def press(k: FlowKiosk, action: str, key: str = "") -> None:
    """A button of the guest book's screens, as its kv rule calls it."""
    k.vm.act(action, key)
    k.settle()


def typed(k: FlowKiosk, text: str) -> None:
    """Text typed on a keyboard (a person's pace) and Enter."""
    k.type(text)


# ----- members -----------------------------------------------------------------------------------


def test_a_member_by_touch_is_greeted_by_name_and_counted_by_key(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("guestbook")
    assert kiosk.vm.screen == "guestbook.choose"
    press(kiosk, "kind", "member")
    assert kiosk.vm.screen == "guestbook.member"
    kiosk.scan(SITI)
    assert kiosk.vm.screen == "guestbook.done"
    assert kiosk.vm.state_texts["welcome"] == (
        "Selamat datang, Siti Nurhaliza! Kunjungan Anda tercatat."
    )
    [visit] = stored(kiosk)
    assert (visit["kind"], visit["source"], visit["people"]) == ("member", "kiosk", 1)
    assert visit["name"] is None and SITI not in json.dumps(visit)
    assert len(visit["visitor_key"]) == 64  # a keyed hash, never the card number
    [report] = reports(kiosk)
    assert (report["kind"], report["visit_kind"], report["name"]) == ("visit", "member", None)
    assert SITI not in json.dumps(report)
    kiosk.vm.dismiss()
    assert kiosk.vm.screen == "idle" and kiosk.session.card is None


def test_a_member_by_keys_in_english(tmp_path: Path) -> None:
    k, _speech = make(tmp_path)
    try:
        k.vm.language = "en"
        typed(k, "4")  # the fourth choice of the services menu
        assert k.vm.screen == "guestbook.choose"
        typed(k, "1")
        assert k.vm.screen == "guestbook.member"
        typed(k, SITI)  # the card's number typed on the keypad, then Enter
        assert k.vm.state_texts["welcome"] == "Welcome, Siti Nurhaliza! Your visit is recorded."
        assert len(stored(k)) == 1
    finally:
        k.close()


def test_a_card_scanned_on_the_first_screen_is_a_member_visit(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("guestbook")
    kiosk.scan(SITI)
    assert kiosk.vm.screen == "guestbook.done"
    assert [visit["kind"] for visit in stored(kiosk)] == ["member"]


def test_the_same_member_within_the_window_counts_once(tmp_path: Path) -> None:
    k, speech = make(tmp_path, guestbook={"repeat_window_minutes": 1440})
    try:
        for _ in range(2):
            k.vm.choose("guestbook")
            k.vm.start_voice()  # each visitor's own: the session before ended
            k.scan(SITI)
        assert k.vm.state_texts["welcome"] == "Anda sudah tercatat hari ini. Terima kasih!"
        assert "Anda sudah tercatat hari ini. Terima kasih!" in speech.texts()
        assert len(stored(k)) == 1
        k.clock.advance(24 * 3600 + 60)  # the next day: a new visit
        k.vm.choose("guestbook")
        k.scan(SITI)
        assert len(stored(k)) == 2
    finally:
        k.close()


def test_a_repeat_within_hours_says_so_in_english(tmp_path: Path) -> None:
    k, _speech = make(tmp_path)  # the default window: 240 minutes
    try:
        for _ in range(2):
            k.vm.choose("guestbook")
            k.vm.language = "en"
            k.scan(SUTRISNO)
        assert k.vm.state_texts["welcome"] == (
            "You are already in the guest book from the last 4 hours. Thank you!"
        )
        assert len(stored(k)) == 1
    finally:
        k.close()


def test_an_unknown_card_is_told_and_offered_the_guest_form(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("guestbook")
    press(kiosk, "kind", "member")
    kiosk.scan(UNKNOWN)
    assert kiosk.vm.screen == "guestbook.not_member"
    assert kiosk.vm.state_texts["message"].startswith(
        "Kartu ini tidak dikenal oleh sistem perpustakaan."
    )
    assert stored(kiosk) == []
    press(kiosk, "guest")
    assert kiosk.vm.screen == "guestbook.name"


def test_an_expired_card_is_told_by_keys_and_enter_opens_the_form(tmp_path: Path) -> None:
    k, _speech = make(tmp_path)
    try:
        k.vm.language = "en"
        k.vm.choose("guestbook")
        k.scan(EXPIRED)
        assert k.vm.state_texts["message"] == (
            "This card has expired. You can still sign the guest book as a guest."
        )
        assert stored(k) == []
        k.vm.cancel_or_close_help()  # Escape
        assert k.vm.screen == "idle"
    finally:
        k.close()


class DownIls:
    """The demo library behind a link that is down: nothing reaches it."""

    def __init__(self, real: IlsBackend) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def identify_patron(self, barcode: str) -> Any:
        raise IlsUnreachable("connection refused by 192.0.2.7:6001")


def test_with_the_ils_down_the_member_is_still_counted_without_a_name(tmp_path: Path) -> None:
    k, _speech = make(tmp_path, wrap_ils=DownIls)
    try:
        k.vm.choose("guestbook")
        k.scan(SITI)
        assert k.vm.state_texts["welcome"] == "Selamat datang! Kunjungan Anda tercatat."
        [visit] = stored(k)
        assert visit["kind"] == "member"
        k.vm.choose("guestbook")
        k.scan(SITI)  # counted by the card's key: the same card again counts once
        assert len(stored(k)) == 1
    finally:
        k.close()


# ----- voice -------------------------------------------------------------------------------------


def test_voice_greets_without_the_name_unless_audio_is_private(tmp_path: Path) -> None:
    k, speech = make(tmp_path)
    try:
        k.vm.start_voice()
        k.vm.choose("guestbook")
        speech.clear()
        k.scan(SITI)
        said = [e for e in speech.events if isinstance(e, Utterance)]
        assert "Selamat datang! Kunjungan Anda tercatat." in [u.text for u in said]
        assert not any("Siti" in u.text for u in said)
    finally:
        k.close()


def test_private_audio_greets_by_name_even_without_voice_guidance(tmp_path: Path) -> None:
    k, speech = make(tmp_path, accessibility={"private_audio": True})
    try:
        k.vm.language = "en"
        k.vm.choose("guestbook")
        speech.clear()
        k.scan(SITI)
        said = [e for e in speech.events if isinstance(e, Utterance)]
        assert [u.text for u in said] == ["Welcome, Siti Nurhaliza! Your visit is recorded."]
        assert said[0].personal  # kept for this session only
    finally:
        k.close()


# ----- guests and groups -------------------------------------------------------------------------


def test_a_guest_by_touch_stores_every_answer_as_given(tmp_path: Path) -> None:
    k, speech = make(tmp_path)
    try:
        k.vm.start_voice()
        k.vm.choose("guestbook")
        press(k, "kind", "guest")
        typed(k, "Dewi Lestari")
        assert k.vm.screen == "guestbook.institution"
        press(k, "skip")  # optional for a guest
        assert k.vm.state_texts["question"] == "Apa tujuan kunjungan Anda?"
        assert [row["title"] for row in k.vm.state_rows["choices"]][:2] == [
            "Membaca", "Meminjam atau mengembalikan buku"]  # fmt: skip
        press(k, "pick", "study")
        press(k, "pick", "female")
        press(k, "pick", "-")  # age: prefer not to say
        press(k, "pick", "bachelor")
        press(k, "pick", "teacher")
        assert k.vm.screen == "guestbook.confirm"
        shown = {row["label"]: row["title"] or row["detail"] for row in k.vm.state_rows["answers"]}
        assert shown == {
            "Nama": "Dewi Lestari",
            "Instansi atau sekolah": "Dilewati",
            "Tujuan kunjungan": "Belajar atau mengerjakan tugas",
            "Jenis kelamin": "Perempuan",
            "Usia": "Tidak ingin menjawab",
            "Pendidikan": "S1",
            "Pekerjaan": "Guru/Dosen",
        }
        speech.clear()
        press(k, "save")
        assert k.vm.state_texts["welcome"] == "Terima kasih, Dewi Lestari! Kunjungan Anda tercatat."
        assert "Terima kasih! Kunjungan Anda tercatat." in speech.texts()  # no name aloud
        [visit] = stored(k)
        assert {key: visit[key] for key in ("kind", "name", "institution", "purpose", "sex",
                                            "age_band", "education", "occupation", "people")} == {
            "kind": "guest", "name": "Dewi Lestari", "institution": None, "purpose": "study",
            "sex": "female", "age_band": None, "education": "bachelor",
            "occupation": "teacher", "people": 1}  # fmt: skip
        [report] = reports(k)
        assert report["name"] is None  # names go to central only when the config says so
        assert k.session.service_data == {}
    finally:
        k.close()


def test_a_guest_by_keys_in_english(tmp_path: Path) -> None:
    k, _speech = make(tmp_path, guestbook={"ask": ["sex"]})
    try:
        k.vm.language = "en"
        typed(k, "4")
        typed(k, "2")
        assert k.vm.state_texts["question"] == "What is your name?"
        typed(k, "Budi Santoso")
        typed(k, "SMP Negeri 2")
        typed(k, "9")  # not a choice: told, nothing chosen
        assert k.vm.notice_text == "Choose one of the answers on the screen, or type its number."
        typed(k, "1")
        typed(k, "3")  # sex: 1 male, 2 female, 3 prefer not to say
        assert k.vm.screen == "guestbook.confirm"
        k.vm.submit()  # Enter saves
        k.settle()
        assert k.vm.state_texts["welcome"] == "Thank you, Budi Santoso! Your visit is recorded."
        [visit] = stored(k)
        assert (visit["name"], visit["institution"], visit["purpose"], visit["sex"]) == (
            "Budi Santoso", "SMP Negeri 2", "reading", None)  # fmt: skip
    finally:
        k.close()


def test_a_group_adds_up_by_sex(tmp_path: Path) -> None:
    k, _speech = make(tmp_path)
    try:
        k.vm.choose("guestbook")
        typed(k, "3")
        typed(k, "Pak Joko")
        typed(k, "")  # a group's institution is required
        assert k.vm.screen == "guestbook.institution" and k.vm.notice_text
        typed(k, "SD Negeri 1 Sleman")
        typed(k, "1")
        assert k.vm.notice_text == "Ketik jumlah orang dengan angka, dari 2 sampai 999."
        assert k.vm.entry_text == "1"  # kept in the field to correct
        k.vm.clear_entry()
        typed(k, "25")
        assert k.vm.state_texts["question"] == "Dari 25 orang, berapa yang laki-laki?"
        typed(k, "30")
        assert k.vm.notice_text == "Ketik jumlah laki-laki dengan angka, dari 0 sampai 25."
        k.vm.clear_entry()
        typed(k, "10")
        typed(k, "5")  # an event or activity
        shown = {row["label"]: row["title"] for row in k.vm.state_rows["answers"]}
        assert (shown["Laki-laki"], shown["Perempuan"]) == ("10", "15")
        press(k, "save")
        assert k.vm.state_texts["welcome"] == (
            "Terima kasih, Pak Joko! Kunjungan rombongan Anda (25 orang) tercatat."
        )
        [visit] = stored(k)
        assert (visit["kind"], visit["people"], visit["people_male"], visit["people_female"],
                visit["institution"], visit["purpose"]) == (
            "group", 25, 10, 15, "SD Negeri 1 Sleman", "event")  # fmt: skip
    finally:
        k.close()


def test_a_group_by_touch_in_english(tmp_path: Path) -> None:
    k, speech = make(tmp_path, guestbook={"ask": ["age_band"]})  # sex not asked: no split
    try:
        k.vm.choose("guestbook")
        k.vm.language = "en"
        k.vm.start_voice()
        press(k, "kind", "group")
        for char in "Bu Sri":  # the on-screen keyboard's keys call type_char
            k.clock.advance(0.3)
            k.vm.type_char(char)
        k.vm.submit()  # its Next key
        k.type("Komunitas Baca Sleman")
        assert k.vm.state_texts["question"] == "How many people are in the group, including you?"
        for digit in "12":  # the keypad
            k.clock.advance(0.3)
            k.vm.type_char(digit)
        k.vm.submit()
        assert k.vm.state_texts["question"] == "What is the purpose of your visit?"
        press(k, "pick", "research")
        shown = {row["label"]: row["title"] for row in k.vm.state_rows["answers"]}
        assert shown == {"Name": "Bu Sri", "Institution or school": "Komunitas Baca Sleman",
                         "Number of people": "12", "Purpose of the visit": "Research"}  # fmt: skip
        speech.clear()
        press(k, "save")
        assert k.vm.state_texts["welcome"] == (
            "Thank you, Bu Sri! Your group's visit (12 people) is recorded."
        )
        assert "Thank you! Your group's visit (12 people) is recorded." in speech.texts()
        [visit] = stored(k)
        assert (visit["kind"], visit["people"], visit["people_male"], visit["people_female"]) == (
            "group", 12, None, None)  # fmt: skip
    finally:
        k.close()


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_group_size_screens_name_the_keypads_ok_button(tmp_path: Path, language: str) -> None:
    """The numbers are typed on the keypad, whose button is OK: hint, help and the kept
    answer say OK, not the on-screen keyboard's Next."""
    k, _speech = make(tmp_path)
    try:
        if language == "en":
            k.vm.language = "en"
        ok, next_key = k.vm.texts["keypad.enter"], k.vm.texts["keyboard.next"]
        k.vm.choose("guestbook")
        typed(k, "3")
        typed(k, "Pak Joko")
        typed(k, "SD Negeri 1 Sleman")
        for screen, answer in (("guestbook.people", "25"), ("guestbook.people_male", "10")):
            assert k.vm.screen == screen
            seen = [k.vm.texts["guestbook.number_hint"]]
            k.vm.show_help()
            seen.append(k.vm.help_text)
            k.vm.close_help()
            for text in seen:
                assert f" {ok}" in text and next_key not in text, text
            typed(k, answer)
        typed(k, "5")
        press(k, "change")
        typed(k, "")
        typed(k, "")
        assert k.vm.screen == "guestbook.people"
        kept = k.vm.state_texts["kept"]
        assert "25" in kept and f" {ok} " in kept and next_key not in kept, kept
    finally:
        k.close()


def test_change_goes_back_with_the_answers_kept(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("guestbook")
    press(kiosk, "kind", "guest")
    typed(kiosk, "Ani")
    typed(kiosk, "Karang Taruna")
    press(kiosk, "pick", "internet")
    for code in ("male", "19_25", "senior_high", "university_student"):
        press(kiosk, "pick", code)
    press(kiosk, "change")
    assert kiosk.vm.screen == "guestbook.name"
    assert kiosk.vm.state_texts["kept"].startswith("Jawaban Anda tadi: Ani.")
    typed(kiosk, "")  # Enter keeps it
    typed(kiosk, "Karang Taruna Melati")  # a new answer
    marked = [row["key"] for row in kiosk.vm.state_rows["choices"] if row["tone"] == "done"]
    assert marked == ["internet"]
    for code in ("internet", "male", "19_25", "senior_high", "university_student"):
        press(kiosk, "pick", code)
    press(kiosk, "save")
    [visit] = stored(kiosk)
    assert (visit["name"], visit["institution"]) == ("Ani", "Karang Taruna Melati")


def test_cancel_and_the_idle_timeout_forget_what_was_typed(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("guestbook")
    press(kiosk, "kind", "guest")
    typed(kiosk, "Rahasia Sekali")
    kiosk.vm.cancel_or_close_help()  # Escape
    assert kiosk.vm.screen == "idle" and kiosk.session.service_data == {}
    kiosk.vm.choose("guestbook")
    press(kiosk, "kind", "guest")
    typed(kiosk, "Rahasia Sekali")
    kiosk.wait(200)
    assert kiosk.vm.screen == "idle" and kiosk.session.service_data == {}
    assert stored(kiosk) == []


def test_a_store_that_fails_sends_the_patron_to_the_paper_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from kiosk.storage import visits as visits_module

    def full_disk(*_args: object, **_kwargs: object) -> object:
        raise StorageFailed("database or disk is full")

    monkeypatch.setattr(visits_module.SqlVisitLog, "record_visit", full_disk)
    k, _speech = make(tmp_path)
    try:
        k.vm.choose("guestbook")
        press(k, "kind", "guest")
        typed(k, "Nama Sangat Rahasia")
        press(k, "skip")
        with caplog.at_level(logging.INFO):
            for choice in ("1", "1", "1", "1", "1"):
                typed(k, choice)
            press(k, "save")
        assert k.vm.screen == "error"
        assert "buku tamu kertas di meja petugas" in k.vm.error_text
        lines = [
            r.getMessage()
            for r in caplog.records
            if r.name.startswith("kiosk.core.services.guestbook")
        ]
        assert len(lines) == 1 and "\n" not in lines[0]
        assert "Rahasia" not in caplog.text
    finally:
        k.close()


# ----- what a guest may type ---------------------------------------------------------------------

STORED_AS_TYPED = [
    "Siti Nurhaliza-ÄÖ",
    "محمد عبد الله",  # right to left
    "王小明",
    "Ayu 😀🌸",  # emoji (a physical keyboard's)
    "Robert'); DROP TABLE visits;--",
    'O\'Brien & "Sons"',
    "x" * 80,  # exactly the limit
]


@pytest.mark.parametrize("name", STORED_AS_TYPED)
def test_any_name_within_the_rules_is_stored_exactly_as_typed(kiosk: FlowKiosk, name: str) -> None:
    kiosk.vm.choose("guestbook")
    press(kiosk, "kind", "guest")
    typed(kiosk, name)  # key by key on a keyboard, then Enter
    kiosk.driver.handle(TextEntered(name))  # the institution pasted in one go
    for _ in range(5):
        press(kiosk, "pick", "1")
    press(kiosk, "save")
    [visit] = stored(kiosk)
    assert (visit["name"], visit["institution"]) == (name, name)
    assert [row["title"] for row in kiosk.vm.state_rows["answers"]] == []  # gone with the form


def test_typing_stops_at_the_names_limit_and_what_is_shown_is_stored(kiosk: FlowKiosk) -> None:
    kiosk.vm.choose("guestbook")
    press(kiosk, "kind", "guest")
    for char in "Bunga " * 20:  # 120 characters on the keys
        kiosk.clock.advance(0.2)
        kiosk.vm.type_char(char)
    assert len(kiosk.vm.entry_text) == 80
    assert kiosk.vm.notice_text == "Terlalu panjang: paling banyak 80 karakter."  # not silent
    shown = kiosk.vm.entry_text
    kiosk.vm.submit()
    press(kiosk, "skip")
    for _ in range(5):
        press(kiosk, "pick", "1")
    press(kiosk, "save")
    assert [visit["name"] for visit in stored(kiosk)] == [shown.strip()]


REFUSED = [
    ("x" * 81, "80"),  # one past the limit: the message names it
    ("Siti\x07", ""),  # a control character
    ("Siti\u202eilam", ""),  # a bidi override: would reorder what staff read
    ("Siti\u2066x\u2069", ""),  # a bidi isolate
    ("   ", ""),  # nothing but spaces: the name is required
]


@pytest.mark.parametrize(("text", "named"), REFUSED)
def test_bad_text_is_refused_with_a_clear_message(kiosk: FlowKiosk, text: str, named: str) -> None:
    kiosk.vm.choose("guestbook")
    press(kiosk, "kind", "guest")
    kiosk.driver.handle(TextEntered(text))
    assert kiosk.vm.screen == "guestbook.name"
    assert kiosk.vm.notice_text and kiosk.session.notice is not None
    assert named in kiosk.vm.notice_text
    assert stored(kiosk) == []


def test_a_kiosk_without_the_guest_book_does_not_offer_it(tmp_path: Path) -> None:
    k, _speech = make(tmp_path, guestbook={"enabled": False, "groups": False})
    try:
        assert [entry["service"] for entry in k.vm.menu] == ["borrow", "return", "account"]
        k.vm.choose("guestbook")
        assert k.vm.screen == "idle"
    finally:
        k.close()


def test_without_group_visits_the_first_screen_offers_two_choices(tmp_path: Path) -> None:
    k, _speech = make(tmp_path, guestbook={"groups": False})
    try:
        k.vm.choose("guestbook")
        assert k.vm.state_texts["group"] == ""  # its button is hidden
        typed(k, "3")
        assert k.vm.screen == "guestbook.choose"
        typed(k, "2")
        assert k.vm.screen == "guestbook.name"
    finally:
        k.close()

"""Free text in a TEXT state, through the real view-model and session (no window).

GIVEN the throw-away ``form`` service (one 20-character field checked by
``kiosk.core.text_input``), WHEN a patron types (at a person's pace) and presses Enter,
THEN the field stops at the state's limit, a refusal is shown with its reason and leaves
the text to be corrected, and an accepted name is stored exactly as typed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import PERSON_KEY_GAP, FlowKiosk
from flows.text_form import FORM_SERVICES, LIMIT, STORED

from accessibility.speech.output import RecordingSpeech, Utterance
from kiosk.ui.viewmodel import MAX_ENTRY


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    STORED.clear()
    kiosk = FlowKiosk(tmp_path, services=FORM_SERVICES)
    kiosk.vm.choose("form")
    assert kiosk.vm.input_mode == "text"
    yield kiosk
    kiosk.close()


def _type(kiosk: FlowKiosk, text: str) -> None:
    for char in text:
        kiosk.clock.advance(PERSON_KEY_GAP)
        kiosk.vm.type_char(char)


def test_typing_stops_at_the_states_limit(kiosk: FlowKiosk) -> None:
    _type(kiosk, "x" * (LIMIT + 5))
    assert kiosk.vm.entry_text == "x" * LIMIT
    assert LIMIT < MAX_ENTRY  # the state's own limit, not the kiosk's default


def test_text_cut_by_the_limit_is_told_at_once_and_what_is_shown_is_stored(
    kiosk: FlowKiosk,
) -> None:
    _type(kiosk, "x" * LIMIT)
    assert kiosk.vm.notice_text == ""  # exactly the limit: nothing was cut
    _type(kiosk, "yz")
    assert kiosk.vm.entry_text == "x" * LIMIT
    assert kiosk.vm.notice_is_error
    assert kiosk.vm.notice_text == f"Terlalu panjang: paling banyak {LIMIT} karakter."
    kiosk.vm.submit()
    assert STORED == ["x" * LIMIT]


def test_a_too_long_typing_is_said_once_with_voice_on(
    heard: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    kiosk, speech = heard
    _type(kiosk, "x" * LIMIT)
    speech.clear()
    _type(kiosk, "y" * 30)  # a patron typing on: told once, not thirty times
    assert _said(speech) == [(f"Terlalu panjang: paling banyak {LIMIT} karakter.", False)]


def test_the_fields_error_notice_goes_with_the_first_key_typed(kiosk: FlowKiosk) -> None:
    kiosk.vm.submit()  # Enter on the empty field
    assert kiosk.vm.notice_text == "Kolom ini wajib diisi." and kiosk.vm.notice_is_error
    _type(kiosk, "B")
    assert kiosk.vm.notice_text == ""
    _type(kiosk, "udi\u202e")
    kiosk.vm.submit()
    assert kiosk.vm.notice_text.startswith("Isian berisi karakter tak terlihat")
    kiosk.clock.advance(PERSON_KEY_GAP)
    kiosk.vm.backspace()  # correcting, not typing: the reason stays in view
    assert kiosk.vm.notice_text.startswith("Isian berisi karakter tak terlihat")
    _type(kiosk, "!")
    assert kiosk.vm.notice_text == ""


def test_a_name_in_any_script_is_stored_exactly_as_typed(kiosk: FlowKiosk) -> None:
    name = "👩\u200d🏫 محمد 王"  # a ZWJ emoji, Arabic, Chinese: a physical keyboard's IME
    _type(kiosk, name)
    assert kiosk.vm.entry_text == name
    kiosk.vm.submit()
    kiosk.settle()
    assert [name] == STORED
    assert kiosk.vm.screen == "form.done"
    assert kiosk.vm.state_texts["heading"] == f"Halo, {name}"


def test_a_refusal_says_why_and_keeps_the_text_to_correct(kiosk: FlowKiosk) -> None:
    _type(kiosk, "Budi\u202e")  # a right-to-left override typed at the end
    kiosk.vm.submit()
    assert kiosk.vm.screen == "form.name" and STORED == []
    assert kiosk.vm.notice_is_error
    assert kiosk.vm.notice_text.startswith("Isian berisi karakter tak terlihat")
    assert kiosk.vm.entry_text == "Budi\u202e"  # left for the patron to correct
    kiosk.clock.advance(PERSON_KEY_GAP)
    kiosk.vm.backspace()
    kiosk.vm.submit()
    assert STORED == ["Budi"] and kiosk.vm.screen == "form.done"


def test_blank_is_refused_in_the_patrons_language(kiosk: FlowKiosk) -> None:
    kiosk.vm.toggle_language()
    _type(kiosk, "   ")
    kiosk.vm.submit()
    assert kiosk.vm.notice_text == "Please fill in this field."
    assert STORED == []


def test_control_characters_never_reach_the_field(kiosk: FlowKiosk) -> None:
    _type(kiosk, "Bu\x07d\x00i\x9b")
    assert kiosk.vm.entry_text == "Budi"


def test_what_was_typed_is_forgotten_with_the_state(kiosk: FlowKiosk) -> None:
    _type(kiosk, "Sit")
    kiosk.vm.cancel()
    kiosk.vm.choose("form")
    assert kiosk.vm.entry_text == ""


def test_a_card_scanned_by_a_wedge_on_the_field_is_a_scan_not_a_name(kiosk: FlowKiosk) -> None:
    kiosk.wedge("23171000000010")
    assert kiosk.vm.entry_text == "" and STORED == []


@pytest.fixture
def heard(tmp_path: Path) -> Iterator[tuple[FlowKiosk, RecordingSpeech]]:
    STORED.clear()
    speech = RecordingSpeech()
    kiosk = FlowKiosk(tmp_path, services=FORM_SERVICES, speech=speech)
    kiosk.vm.start_voice()
    kiosk.vm.choose("form")
    speech.clear()
    yield kiosk, speech
    kiosk.close()


def _said(speech: RecordingSpeech) -> list[tuple[str, bool]]:
    return [(event.text, event.personal) for event in speech.events if isinstance(event, Utterance)]


def test_each_typed_character_is_spoken_by_name_and_kept_personal(
    heard: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    kiosk, speech = heard
    _type(kiosk, "Bu d-'")
    kiosk.clock.advance(PERSON_KEY_GAP)
    kiosk.vm.backspace()
    assert _said(speech) == [
        ("huruf besar B", True),
        ("u", True),
        ("spasi", True),
        ("d", True),
        ("tanda hubung", True),
        ("apostrof", True),
        ("dihapus: apostrof", True),
    ]


def test_the_field_is_read_back_on_request_and_a_refusal_is_spoken(
    heard: tuple[FlowKiosk, RecordingSpeech],
) -> None:
    kiosk, speech = heard
    kiosk.vm.toggle_language()
    _type(kiosk, "x" * LIMIT)
    speech.clear()
    kiosk.parts.voice_guide.read_back()
    assert _said(speech) == [(f"Field: {'x' * LIMIT}", True)]
    speech.clear()
    _type(kiosk, "  ")  # the limit: nothing more is typed; the cut is said once
    assert _said(speech) == [(f"Too long: at most {LIMIT} characters.", False)]
    kiosk.vm.clear_entry()
    speech.clear()
    kiosk.vm.submit()
    assert _said(speech) == [("Please fill in this field.", False)]
    speech.clear()
    kiosk.parts.voice_guide.read_back()  # the repeat key: the field, then why
    assert _said(speech) == [
        ("The field is empty", False),
        ("Please fill in this field.", False),
    ]


def test_pin_digits_are_still_never_spoken(heard: tuple[FlowKiosk, RecordingSpeech]) -> None:
    kiosk, speech = heard
    kiosk.vm.cancel()  # the session ends, and voice mode with it
    kiosk.vm.start_voice()
    kiosk.scan("23171000000010")
    speech.clear()
    _type(kiosk, "1234")
    assert [text for text, _ in _said(speech)] == [
        "1 angka dimasukkan", "2 angka dimasukkan", "3 angka dimasukkan", "4 angka dimasukkan",
    ]  # fmt: skip

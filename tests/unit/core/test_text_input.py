"""Free text a patron types: any name is kept exactly as typed; only what cannot be stored
or read safely is refused, each time with a message (kiosk/core/text_input.py)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.i18n import LANGUAGES, Translator
from kiosk.core.text_input import (
    BIDI_CONTROLS,
    INVISIBLE,
    MESSAGES,
    ONLY_INVISIBLE,
    REQUIRED,
    TOO_LONG,
    check_text,
    clean_text,
    invisible_char,
)

NAMES = [
    "Budi Santoso",
    "Siti Nur'aini",  # an apostrophe
    "O'Brien & Sons",
    "محمد عبد الله",  # Arabic, right to left
    "王小明",  # Chinese
    "ꦧꦸꦢꦶ",  # Javanese script
    "Ngọc Ánh",  # Vietnamese, precomposed
    "👩‍🏫 Bu Guru",  # an emoji ZWJ sequence
    "Robert'); DROP TABLE visits;--",  # looks like SQL: it is only a name
    "SMA N 1 / Yogyakarta",
    "a\u00a0b",  # a no-break space inside
    "\u200fم\u200e",  # right-to-left and left-to-right marks: not overrides
]


@pytest.mark.parametrize("name", NAMES)
def test_any_name_is_accepted_exactly_as_typed(name: str) -> None:
    assert check_text(name, 60) is None
    assert clean_text(name) == name


def test_outer_whitespace_is_trimmed_and_the_text_composed() -> None:
    typed = "  Rene\u0301 \u3000"  # e + combining acute; an ideographic space at the end
    assert check_text(typed, 60) is None
    assert clean_text(typed) == "René"
    assert clean_text(typed) == unicodedata.normalize("NFC", "René")


@pytest.mark.parametrize(
    "typed",
    ["Bu\x00di", "Budi\n", "\tBudi", "Bu\x1bdi", "Bu\x7fdi", "Bu\x85di", "Bu\x9fdi", "\x1f"],
)
def test_control_characters_are_refused_not_trimmed(typed: str) -> None:
    notice = check_text(typed, 60)
    assert notice is not None and notice.key == INVISIBLE and notice.is_error


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_bidi_overrides_and_isolates_are_refused(control: str) -> None:
    # "Ahmad" shown reversed to staff, or a name that reads as another: never stored.
    notice = check_text(f"Ahmad{control}dam", 60)
    assert notice is not None and notice.key == INVISIBLE


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
@pytest.mark.parametrize("where", ["Bu{}di", "Budi{}", "{}Budi"])
def test_line_and_paragraph_separators_are_refused_as_controls(separator: str, where: str) -> None:
    # They break a line like a newline in every export; at either end they are not trimmed.
    notice = check_text(where.format(separator), 60)
    assert notice is not None and notice.key == INVISIBLE


@pytest.mark.parametrize(
    "typed",
    [
        "\u200b",  # zero-width space
        "\ufeff\u2060",  # BOM, word joiner
        "\U000e0041\U000e0042\U000e007f",  # tag characters
        "\u3164\u3164",  # Hangul filler (a "letter" drawn as nothing)
        " \u200b \u200d ",  # with spaces and a joiner
        "\ufe0f",  # a variation selector
    ],
)
@pytest.mark.parametrize("required", [True, False])
def test_text_of_only_invisible_characters_is_refused_with_its_own_message(
    typed: str, required: bool
) -> None:
    notice = check_text(typed, 60, required)
    assert notice is not None and notice.key == ONLY_INVISIBLE and notice.is_error


def test_a_joiner_inside_a_name_is_still_a_name() -> None:
    assert check_text("क्\u200dष Budi\u200cA", 60) is None


def test_a_lone_surrogate_is_refused() -> None:
    notice = check_text("Bu\ud800di", 60)
    assert notice is not None and notice.key == INVISIBLE


def test_too_long_names_the_limit() -> None:
    assert check_text("x" * 20, 20) is None
    notice = check_text("x" * 21, 20)
    assert notice is not None and notice.key == TOO_LONG
    assert dict(notice.params) == {"limit": 20}
    texts = {language: Translator(language).render(notice) for language in LANGUAGES}
    assert texts == {
        "id": "Terlalu panjang: paling banyak 20 karakter.",
        "en": "Too long: at most 20 characters.",
    }


def test_the_limit_counts_after_trimming() -> None:
    assert check_text("   " + "x" * 20 + "   ", 20) is None


def test_blank_is_refused_only_when_required() -> None:
    for blank in ("", "   ", "\u3000"):
        notice = check_text(blank, 20)
        assert notice is not None and notice.key == REQUIRED
        assert check_text(blank, 20, required=False) is None
        assert clean_text(blank) == ""


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", MESSAGES)
def test_every_message_is_in_both_catalogues(language: str, key: str) -> None:
    text = Translator(language)(key, limit=5)
    assert text != key and "{" not in text


SPACES = "".join(
    char
    for char in map(chr, range(0x110000))
    if char.isspace() and unicodedata.category(char) != "Cc"
)
"""The whitespace trimmed off the ends (Unicode spaces, not the control characters that
Python's isspace() also counts)."""


def _allowed(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cs", "Zl", "Zp") and char not in BIDI_CONTROLS


@settings(max_examples=400)
@given(st.text(), st.integers(min_value=1, max_value=80), st.booleans())
def test_any_string_is_accepted_as_cleaned_or_gets_one_of_the_messages(
    typed: str, limit: int, required: bool
) -> None:
    notice = check_text(typed, limit, required)
    cleaned = clean_text(typed)
    if notice is None:
        assert all(_allowed(char) for char in cleaned)
        assert len(cleaned) <= limit
        assert cleaned or not required
        assert not cleaned or not all(invisible_char(c) or c.isspace() for c in cleaned)
        assert cleaned == unicodedata.normalize("NFC", typed.strip(SPACES))
        cleaned.encode("utf-8")  # storable
    else:
        assert notice.key in MESSAGES and notice.is_error


NAME_CHARS = st.characters(blacklist_categories=("Cc", "Cs")).filter(
    lambda c: c not in BIDI_CONTROLS and not c.isspace()
)


@settings(max_examples=400)
@given(st.text(NAME_CHARS, min_size=1).filter(lambda t: not all(map(invisible_char, t))))
def test_any_text_without_controls_comes_back_exactly(typed: str) -> None:
    """Names are not ASCII: every script, symbol and emoji is kept (in form C)."""
    assert check_text(typed, len(typed) * 2) is None
    assert clean_text(typed) == unicodedata.normalize("NFC", typed)


@given(st.text(alphabet=st.sampled_from([*sorted(BIDI_CONTROLS), "\x00", "\x9b", "\n"]),
               min_size=1), st.text(), st.text())  # fmt: skip
def test_a_control_anywhere_inside_is_refused(controls: str, before: str, after: str) -> None:
    typed = f"x{before}{controls}{after}x"
    notice = check_text(typed, 10_000)
    assert notice is not None and notice.key == INVISIBLE

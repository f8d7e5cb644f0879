"""Spoken text: numbers, amounts, dates, times and codes read the way a patron says them.

Sample texts come from the real catalogues through the real Translator, so a change of
wording or format in a .po file that the normaliser no longer understands fails here.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accessibility.spoken import LANGUAGES, digit_groups, normalise, number_words
from kiosk.core.i18n import Translator, rupiah

LIMIT = 10**15

ID_UNITS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
}
ID_SCALES = {"ribu": 10**3, "juta": 10**6, "miliar": 10**9, "triliun": 10**12}
ID_SE = {"sepuluh": 10, "sebelas": 11, "seratus": 100}


def parse_indonesian(text: str) -> int:
    """Read Indonesian number words back, rejecting forms the rules forbid
    ("satu ribu", "satu ratus", "satu puluh", "satu belas", scales out of order)."""
    words = text.split()
    sign = 1
    if words[0] == "minus":
        sign, words = -1, words[1:]
    if words == ["nol"]:
        return 0
    total, group, pending = 0, 0, 0
    last_scale = LIMIT
    for word in words:
        assert word != "nol", f"nol inside a number: {text!r}"
        if word in ID_UNITS:
            assert pending == 0, f"two digits in a row: {text!r}"
            pending = ID_UNITS[word]
        elif word in ID_SE:
            assert pending == 0, text
            group += ID_SE[word]
        elif word in ("belas", "puluh", "ratus"):
            assert pending >= 2, f"'satu {word}' must be 'se{word}': {text!r}"
            group += {"belas": 10 + pending, "puluh": 10 * pending, "ratus": 100 * pending}[word]
            pending = 0
        elif word == "seribu":
            assert group == pending == 0 and last_scale > 1000, text
            total, last_scale = total + 1000, 1000
        elif word in ID_SCALES:
            scale = ID_SCALES[word]
            amount = group + pending
            assert scale < last_scale and 0 < amount < 1000, f"bad scale order: {text!r}"
            assert not (scale == 1000 and amount == 1), f"'satu ribu' must be 'seribu': {text!r}"
            total, group, pending, last_scale = total + amount * scale, 0, 0, scale
        else:
            raise AssertionError(f"unknown word {word!r} in {text!r}")
    return sign * (total + group + pending)


EN_SMALL = {
    w: i
    for i, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )
}
EN_SMALL |= {
    w: 10 + i
    for i, w in enumerate(
        [
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
EN_TENS = {
    w: 20 + 10 * i
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def parse_english(text: str) -> int:
    """Read English number words back (no "and"; tens and units joined by a hyphen)."""
    words = text.split()
    sign = 1
    if words[0] == "minus":
        sign, words = -1, words[1:]
    total, group = 0, 0
    for word in words:
        if word == "hundred":
            assert 0 < group < 10, text
            group *= 100
        elif word in EN_SCALES:
            total, group = total + group * EN_SCALES[word], 0
        elif "-" in word:
            tens, units = word.split("-")
            assert 0 < EN_SMALL[units] < 10, text
            group += EN_TENS[tens] + EN_SMALL[units]
        else:
            group += EN_TENS.get(word) or EN_SMALL[word]
    return sign * (total + group)


EDGES = {
    "id": {
        0: "nol",
        10: "sepuluh",
        11: "sebelas",
        19: "sembilan belas",
        100: "seratus",
        101: "seratus satu",
        1000: "seribu",
        1001: "seribu satu",
        12_500: "dua belas ribu lima ratus",
        101_000: "seratus satu ribu",
        1_000_000: "satu juta",
        1_001_000: "satu juta seribu",
        1_000_000_000: "satu miliar",
        1_000_000_000_000: "satu triliun",
        -3000: "minus tiga ribu",
    },
    "en": {
        0: "zero",
        10: "ten",
        11: "eleven",
        19: "nineteen",
        100: "one hundred",
        101: "one hundred one",
        1000: "one thousand",
        1001: "one thousand one",
        12_500: "twelve thousand five hundred",
        21_021: "twenty-one thousand twenty-one",
        1_000_000: "one million",
        1_000_000_000: "one billion",
        -3000: "minus three thousand",
    },
}


@pytest.mark.parametrize(
    ("language", "n", "words"),
    [(language, n, words) for language, table in EDGES.items() for n, words in table.items()],
)
def test_number_words_at_the_edges(language: str, n: int, words: str) -> None:
    assert number_words(n, language) == words


@given(st.integers(min_value=-(LIMIT - 1), max_value=LIMIT - 1))
def test_indonesian_number_words_follow_the_rules(n: int) -> None:
    words = number_words(n, "id")
    assert words and not re.search(r"[0-9]", words)
    assert parse_indonesian(words) == n


@given(st.integers(min_value=-(LIMIT - 1), max_value=LIMIT - 1))
def test_english_number_words_read_back(n: int) -> None:
    words = number_words(n, "en")
    assert words and not re.search(r"[0-9]", words)
    assert parse_english(words) == n


def test_numbers_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="too large"):
        number_words(LIMIT, "id")


@pytest.fixture(scope="module")
def t() -> dict[str, Translator]:
    return {language: Translator(language) for language in ("id", "en")}


DUE = dt.date(2026, 12, 5)


def catalogue_samples(t: dict[str, Translator], language: str) -> list[tuple[str, str]]:
    """(text as the screen shows it, as it must be spoken), built from the real catalogue."""
    tr = t[language]
    if language == "id":
        return [
            (
                tr("line.due_sentence", date=DUE),
                "Kembalikan paling lambat lima Desember dua ribu dua puluh enam.",
            ),
            (
                tr("summary.fines_owed", amount=rupiah(12_500)),
                "Denda Anda saat ini: dua belas ribu lima ratus rupiah.",
            ),
            (
                tr.plural("scan.progress", "scan.progress_plural", 5, done=3),
                "tiga dari lima buku dipinjam",
            ),
            (
                tr("timeout.warning", seconds=20),
                "Masih di sana? Sesi berakhir dalam dua puluh detik.",
            ),
            (tr("pin.card", last4="0042"), "Kartu berakhiran nol nol empat dua"),
            (tr("receipt.card", last4="1234"), "Kartu: satu dua tiga empat"),
            (
                tr("receipt.when", date=DUE, time="10:05"),
                "lima Desember dua ribu dua puluh enam, pukul sepuluh lewat lima menit",
            ),
            (
                tr("receipt.when", date=DUE, time="08:00"),
                "lima Desember dua ribu dua puluh enam, pukul delapan",
            ),
        ]
    return [
        (
            tr("line.due_sentence", date=DUE),
            "Return it by the fifth of December twenty twenty-six.",
        ),
        (
            tr("summary.fines_owed", amount=rupiah(75_500)),
            "Fines you owe now: seventy-five thousand five hundred rupiah.",
        ),
        (
            tr.plural("scan.progress", "scan.progress_plural", 5, done=3),
            "three of five books borrowed",
        ),
        (tr.plural("scan.progress", "scan.progress_plural", 1, done=1), "one of one book borrowed"),
        (tr("timeout.warning", seconds=20), "Still there? Your session ends in twenty seconds."),
        (tr("pin.card", last4="0042"), "Card ending in zero zero four two"),
        (
            tr("receipt.when", date=DUE, time="10:05"),
            "the fifth of December twenty twenty-six, ten oh five",
        ),
        (
            tr("receipt.when", date=DUE, time="14:30"),
            "the fifth of December twenty twenty-six, fourteen thirty",
        ),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_lines_are_spoken_naturally(t: dict[str, Translator], language: str) -> None:
    for shown, spoken in catalogue_samples(t, language):
        assert normalise(shown, language) == spoken


@pytest.mark.parametrize(
    ("language", "shown", "spoken"),
    [
        ("id", "Rp 12.500", "dua belas ribu lima ratus rupiah"),
        ("id", "Rp\u00a012.500", "dua belas ribu lima ratus rupiah"),
        ("id", "Denda: -Rp 3.000.", "Denda: minus tiga ribu rupiah."),
        ("id", "Rp 1.000.000", "satu juta rupiah"),
        ("id", "Rp 0", "nol rupiah"),
        ("en", "Rp 12.500", "twelve thousand five hundred rupiah"),
        ("en", "Rp 1.001.000, due now", "one million one thousand rupiah, due now"),
        ("id", "Halaman 2 dari 11", "Halaman dua dari sebelas"),
        ("en", "2 books", "two books"),
        ("en", "type 1 to 5 and press OK.", "type one to five and press OK."),
    ],
)
def test_amounts_and_counts(language: str, shown: str, spoken: str) -> None:
    assert normalise(shown, language) == spoken


@pytest.mark.parametrize(
    ("language", "shown", "spoken"),
    [
        ("en", "1 January 2026", "the first of January twenty twenty-six"),
        ("en", "2 February 2026", "the second of February twenty twenty-six"),
        ("en", "3 March 2026", "the third of March twenty twenty-six"),
        ("en", "12 April 2026", "the twelfth of April twenty twenty-six"),
        ("en", "20 May 2030", "the twentieth of May twenty thirty"),
        ("en", "21 June 2026", "the twenty-first of June twenty twenty-six"),
        ("en", "31 July 2005", "the thirty-first of July two thousand five"),
        ("en", "9 August 2100", "the ninth of August twenty-one hundred"),
        ("en", "9 August 1999", "the ninth of August nineteen ninety-nine"),
        ("en", "9 August 1905", "the ninth of August nineteen oh five"),
        ("en", "9 August 2000", "the ninth of August two thousand"),
        ("id", "1 Januari 2027", "satu Januari dua ribu dua puluh tujuh"),
        ("id", "31 Agustus 2026", "tiga puluh satu Agustus dua ribu dua puluh enam"),
    ],
)
def test_dates(language: str, shown: str, spoken: str) -> None:
    assert normalise(shown, language) == spoken


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("month", range(1, 13))
def test_every_catalogue_month_is_understood(
    t: dict[str, Translator], language: str, month: int
) -> None:
    shown = t[language].date(dt.date(2026, month, 17))
    spoken = normalise(shown, language)
    assert not re.search(r"[0-9]", spoken)
    assert shown.split()[1] in spoken.split()


@pytest.mark.parametrize(
    ("language", "shown", "spoken"),
    [
        (
            "id",
            "Barcode 33170012345678",
            "Barcode tiga tiga satu tujuh, nol nol satu dua, tiga empat lima enam, tujuh delapan",
        ),
        (
            "en",
            "33170012345678 is on loan.",
            "three three one seven, zero zero one two, three four five six, seven eight"
            " is on loan.",
        ),
        ("en", "Barcode 123", "Barcode one two three"),
        ("id", "kartu 12345678", "kartu satu dua tiga empat, lima enam tujuh delapan"),
        ("en", "code 0042", "code zero zero four two"),
    ],
)
def test_codes_are_read_digit_by_digit(language: str, shown: str, spoken: str) -> None:
    assert normalise(shown, language) == spoken


def test_digit_groups_refuses_non_digits() -> None:
    with pytest.raises(ValueError, match="digits"):
        digit_groups("12a4", "id")


@pytest.mark.parametrize(
    "text",
    [
        "Pindai kartu perpustakaan Anda untuk meminjam, atau pilih layanan:",
        "A4 paper, PS5: words with digits stay as they are.",
        "",
    ],
)
def test_words_and_punctuation_are_left_alone(text: str) -> None:
    assert normalise(text, "id") == text


@pytest.mark.parametrize("call", [lambda: normalise("3 buku", "fr"), lambda: number_words(3, "jv")])
def test_unknown_language_is_refused_clearly(call: object) -> None:
    with pytest.raises(ValueError, match="no spoken-text rules for language"):
        call()  # type: ignore[operator]

"""Symbology identification, check characters and ISBN conversion (devices.symbology)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import symbology
from devices.symbology import CODABAR, CODE39, CODE128, EAN13, UNKNOWN, Read, identify

LIBRARY = "30234000517861"
ISBN13 = "9789793062792"  # Laskar Pelangi (Bentang Pustaka)
ISBN10 = "9793062797"


@pytest.mark.parametrize(
    ("body", "check"),
    [("978979306279", 2), ("400638133393", 1), ("978030640615", 7), ("000000000000", 0)],
)
def test_ean13_check_digit_matches_published_examples(body: str, check: int) -> None:
    # 4006381333931: GS1's worked example; 9780306406157: the ISBN agency's.
    assert symbology.ean13_check_digit(body) == check
    assert symbology.is_valid_ean13(body + str(check))
    assert not symbology.is_valid_ean13(body + str((check + 1) % 10))


@pytest.mark.parametrize(
    ("isbn10", "isbn13"),
    [("0306406152", "9780306406157"), ("9793062797", ISBN13), ("080442957X", "9780804429573")],
)
def test_isbn10_and_isbn13_convert_both_ways(isbn10: str, isbn13: str) -> None:
    assert symbology.is_valid_isbn10(isbn10)
    assert symbology.isbn10_to_13(isbn10) == isbn13
    assert symbology.isbn13_to_10(isbn13) == isbn10


def test_a_979_isbn_has_no_isbn10_and_bad_input_is_refused() -> None:
    assert symbology.isbn13_to_10("9791032305690") is None
    with pytest.raises(ValueError, match="ISBN-10"):
        symbology.isbn10_to_13("0306406153")
    with pytest.raises(ValueError, match="ISBN-13"):
        symbology.isbn13_to_10("9780306406158")
    assert symbology.is_valid_isbn10("080442957x")
    assert not symbology.is_valid_isbn10("08044295XX")


def test_code39_mod43_check_character() -> None:
    # "CODE 39" -> R (12+24+13+14+38+3+9 = 113, 113 % 43 = 27, R).
    assert symbology.code39_check_char("CODE 39") == "R"
    with pytest.raises(ValueError, match="Code 39"):
        symbology.code39_check_char("abc")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("]F0A30234000517861B", Read(LIBRARY, CODABAR, "]F0")),
        ("]F030234000517862", Read("30234000517862", CODABAR, "]F0", "check digit does not match")),
        ("]A0P00123", Read("P00123", CODE39, "]A0")),
        ("]A1CODE 39R", Read("CODE 39", CODE39, "]A1")),
        ("]A1CODE 39X", Read("CODE 39X", CODE39, "]A1", "check character does not match")),
        ("]A3CODE 39", Read("CODE 39", CODE39, "]A3")),
        ("]C0P-0012/a", Read("P-0012/a", CODE128, "]C0")),
        ("]E0" + ISBN13, Read(ISBN13, EAN13, "]E0")),
        ("]E09789793062793", Read("9789793062793", EAN13, "]E0", "check digit does not match")),
        ("]E012345678", Read("12345678", EAN13, "]E0", "not a 13-digit EAN")),
        ("]E412345670", Read("12345670", "]E4", "]E4")),
        ("]d2ABC", Read("ABC", "]d2", "]d2")),
        (LIBRARY, Read(LIBRARY, CODABAR)),
        ("c" + LIBRARY + "d", Read(LIBRARY, CODABAR)),
        ("30234000517862", Read("30234000517862", CODABAR, "", "check digit does not match")),
        ("A12345B", Read("12345", CODABAR, "", "not a 14-digit library barcode")),
        (ISBN13, Read(ISBN13, EAN13)),
        (ISBN10, Read(ISBN13, EAN13)),
        ("BAD", Read("BAD", UNKNOWN)),
        ("P00123", Read("P00123", UNKNOWN)),
        ("9789793062793", Read("9789793062793", UNKNOWN)),
    ],
)
def test_identify_by_aim_identifier_then_by_shape(line: str, expected: Read) -> None:
    assert identify(line) == expected


def test_code39_check_is_only_read_when_the_library_says_so() -> None:
    assert identify("]A0CODE 39R") == Read("CODE 39R", CODE39, "]A0")
    assert identify("]A0CODE 39R", code39_check=True) == Read("CODE 39", CODE39, "]A0")
    assert identify("]A3CODE 39", code39_check=True) == Read("CODE 39", CODE39, "]A3")
    assert identify("CODE 39R", code39_check=True).symbology == UNKNOWN  # no AIM: not known


@given(st.text(max_size=40))
def test_identify_never_raises_and_keeps_the_data(text: str) -> None:
    read = identify(text)
    assert read.code in text or read.symbology in (CODABAR, EAN13)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_every_ean13_is_found_by_its_shape(body: str) -> None:
    code = body + str(symbology.ean13_check_digit(body))
    assert identify(code) == Read(code, EAN13)
    assert identify("]E0" + code) == Read(code, EAN13, "]E0")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_isbn10_round_trips(body: str) -> None:
    isbn10 = body + symbology.isbn10_check_char(body)
    assert symbology.isbn13_to_10(symbology.isbn10_to_13(isbn10)) == isbn10

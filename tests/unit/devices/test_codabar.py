"""Library Codabar barcodes: check digits, normalising, building."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import codabar


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("3023400051786", 1),  # JerseyCat barcode FAQ
        ("3319100010586", 4),  # Dynix barcode format note
    ],
)
def test_check_digit_matches_the_published_worked_examples(body: str, expected: int) -> None:
    assert codabar.check_digit(body) == expected
    assert codabar.is_valid(body + str(expected))


@pytest.mark.parametrize("body", ["", "302340005178", "30234000517861", "302340005178x"])
def test_check_digit_rejects_anything_but_13_digits(body: str) -> None:
    with pytest.raises(ValueError, match="13 digits"):
        codabar.check_digit(body)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("30234000517861", "30234000517861"),
        ("A30234000517861B", "30234000517861"),
        ("c30234000517861d", "30234000517861"),
        ("  A 30234000517861 B  ", "30234000517861"),
        ("A30234000517861", "A30234000517861"),  # start without stop is left alone
        ("", ""),
    ],
)
def test_normalise_strips_padding_and_start_stop_characters(raw: str, expected: str) -> None:
    assert codabar.normalise(raw) == expected


@pytest.mark.parametrize(
    "code",
    [
        "30234000517862",
        "3023400051786",
        "302340005178611",
        "3023400051786x",
        "",
        "３０２３４０００５１７８６１",
    ],
)
def test_is_valid_rejects_bad_codes(code: str) -> None:
    assert not codabar.is_valid(code)


def test_make_builds_the_worked_example() -> None:
    assert codabar.make(3, 3191, 10586) == "33191000105864"
    assert codabar.make(3, 234, 51786) == "30234000517861"


def test_make_puts_the_type_digit_first() -> None:
    for digit in range(10):
        code = codabar.make(digit, 234, 51786)
        assert code[0] == str(digit)
        assert codabar.is_valid(code)


@pytest.mark.parametrize(
    ("type_digit", "institution", "sequence"),
    [(-1, 0, 0), (10, 0, 0), (3, -1, 0), (3, 10_000, 0), (3, 0, -1), (3, 0, 10**8)],
)
def test_make_rejects_out_of_range_parts(type_digit: int, institution: int, sequence: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        codabar.make(type_digit, institution, sequence)


codes = st.builds(
    codabar.make,
    st.integers(0, 9),
    st.integers(0, 9999),
    st.integers(0, 99_999_999),
)


@given(codes)
def test_make_always_gives_a_valid_barcode(code: str) -> None:
    assert codabar.is_valid(code)
    assert len(code) == codabar.LENGTH


@given(codes, st.integers(0, codabar.LENGTH - 1), st.integers(1, 9))
def test_changing_any_single_digit_invalidates(code: str, position: int, delta: int) -> None:
    digit = (int(code[position]) + delta) % 10
    changed = code[:position] + str(digit) + code[position + 1 :]
    assert not codabar.is_valid(changed)

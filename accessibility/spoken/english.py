"""English spoken forms: numbers, dates and clock times as a patron hears them.

Numbers are read without "and" after hundreds ("one hundred one"), the international
style: it is one word shorter and never blurs into a list ("3 and 5"). Dates are read
day first, as the screen shows them ("the fifth of December"), and years in pairs
("twenty twenty-six"), the way English speakers say this century's years; 2000..2009
are "two thousand", "two thousand five".
"""

from __future__ import annotations

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
"""The word for each digit 0..9, also used to read codes digit by digit."""

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
"""Month names exactly as the catalogue's ``month.N`` entries spell them."""

MINUS = "minus"
CURRENCY = "rupiah"
CODE_CUES = ("ending in", "Barcode")
"""Words after which the catalogue puts a code (card ending, barcode): read digit by digit."""

_TEENS = (
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
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))
LIMIT = 10**15
"""Numbers must be smaller than this (up to 999 trillion ...)."""

_ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth"}
_ORDINAL.update({"eight": "eighth", "nine": "ninth", "twelve": "twelfth"})


def _below_hundred(n: int) -> str:
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return _TEENS[n - 10]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{DIGITS[ones]}" if ones else "")


def _below_thousand(n: int) -> list[str]:
    """Words for 1..999."""
    hundreds, rest = divmod(n, 100)
    words = [DIGITS[hundreds], "hundred"] if hundreds else []
    if rest:
        words.append(_below_hundred(rest))
    return words


def number_words(n: int) -> str:
    """``n`` in English words: 12500 -> ``twelve thousand five hundred``.

    Args:
        n: Any integer with ``abs(n) < LIMIT``.

    Returns:
        The words, lower case, tens and units joined by a hyphen ("twenty-six").

    Raises:
        ValueError: ``n`` is out of range.
    """
    if abs(n) >= LIMIT:
        raise ValueError(f"{n} is too large to read aloud; the limit is {LIMIT - 1}")
    if n < 0:
        return f"{MINUS} {number_words(-n)}"
    if n == 0:
        return DIGITS[0]
    words: list[str] = []
    for scale, name in _SCALES:
        count, n = divmod(n, scale)
        if count:
            words += [*_below_thousand(count), name]
    if n:
        words += _below_thousand(n)
    return " ".join(words)


def ordinal_words(n: int) -> str:
    """``n`` as an ordinal: 1 -> ``first``, 21 -> ``twenty-first``, 30 -> ``thirtieth``."""
    words = number_words(n)
    head, sep, last = words.rpartition("-") if "-" in words else words.rpartition(" ")
    if last in _ORDINAL:
        last = _ORDINAL[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def year_words(year: int) -> str:
    """A year in pairs (``twenty twenty-six``, ``nineteen oh five``, ``twenty-one hundred``);
    whole thousands and 2001..2009 in full (``two thousand five``), as English speakers
    say them."""
    century, rest = divmod(year, 100)
    if year % 1000 == 0 or century < 10 or (century == 20 and rest < 10):
        return number_words(year)
    if rest == 0:
        return f"{number_words(century)} hundred"
    if rest < 10:
        return f"{number_words(century)} oh {DIGITS[rest]}"
    return f"{number_words(century)} {number_words(rest)}"


def date_words(day: int, month: int, year: int) -> str:
    """A date as read aloud: (5, 12, 2026) -> ``the fifth of December twenty twenty-six``."""
    return f"the {ordinal_words(day)} of {MONTHS[month - 1]} {year_words(year)}"


def time_words(hour: int, minute: int) -> str:
    """A 24-hour clock time: 10:30 -> ``ten thirty``, 10:05 -> ``ten oh five``,
    10:00 -> ``ten o'clock``."""
    if minute == 0:
        return f"{number_words(hour)} o'clock"
    if minute < 10:
        return f"{number_words(hour)} oh {DIGITS[minute]}"
    return f"{number_words(hour)} {number_words(minute)}"

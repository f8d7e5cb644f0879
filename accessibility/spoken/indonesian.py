"""Indonesian spoken forms: numbers, dates and clock times as a patron hears them.

The rules are the ones taught in school and heard on the radio: ``se-`` replaces ``satu``
before ``puluh``, ``belas``, ``ratus`` and ``ribu`` (sepuluh, sebelas, seratus, seribu),
but not before ``juta``, ``miliar`` or ``triliun`` (satu juta). Years are read as plain
numbers ("dua ribu dua puluh enam"), which is how Indonesians read them aloud.
"""

from __future__ import annotations

DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
"""The word for each digit 0..9, also used to read codes digit by digit."""

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
"""Month names exactly as the catalogue's ``month.N`` entries spell them."""

MINUS = "minus"
CURRENCY = "rupiah"
CODE_CUES = ("berakhiran", "Barcode")
"""Words after which the catalogue puts a code (card ending, barcode): read digit by digit."""

_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu"))
LIMIT = 10**15
"""Numbers must be smaller than this (up to 999 triliun ...)."""


def _below_thousand(n: int) -> list[str]:
    """Words for 1..999."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [DIGITS[hundreds], "ratus"]
    tens, ones = divmod(rest, 10)
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif tens == 1:
        words += [DIGITS[ones], "belas"]
    else:
        if tens > 1:
            words += [DIGITS[tens], "puluh"]
        if ones:
            words.append(DIGITS[ones])
    return words


def number_words(n: int) -> str:
    """``n`` in Indonesian words: 12500 -> ``dua belas ribu lima ratus``.

    Args:
        n: Any integer with ``abs(n) < LIMIT``.

    Returns:
        The words, lower case, separated by single spaces.

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
        if count == 1 and scale == 1000:
            words.append("seribu")
        elif count:
            words += [*_below_thousand(count), name]
    if n:
        words += _below_thousand(n)
    return " ".join(words)


def date_words(day: int, month: int, year: int) -> str:
    """A date as read aloud: (5, 12, 2026) -> ``lima Desember dua ribu dua puluh enam``."""
    return f"{number_words(day)} {MONTHS[month - 1]} {number_words(year)}"


def time_words(hour: int, minute: int) -> str:
    """A 24-hour clock time after ``pukul``: 10:30 -> ``sepuluh lewat tiga puluh menit``.

    "lewat ... menit" is the form announcements use; it cannot be misheard as a number
    the way "sepuluh tiga puluh" can.
    """
    if minute == 0:
        return number_words(hour)
    return f"{number_words(hour)} lewat {number_words(minute)} menit"

"""Spoken text: rewrite what the screen shows into what a speech synthesiser should say.

A synthesiser such as espeak-ng reads "Rp 12.500" as "R P twelve point five hundred" and
a 14-digit barcode as trillions. :func:`normalise` rewrites, in running text exactly as the
kiosk's catalogue produces it, the formats the kiosk shows:

* amounts from ``kiosk.core.i18n.rupiah`` (``Rp 12.500``, ``-Rp 3.000``, a normal or
  no-break space, a dot between thousands in every language) -> words + "rupiah";
* dates from ``Translator.date`` (``5 Desember 2026`` / ``5 December 2026``);
* clock times ``10:30`` (receipts, ``%H:%M``);
* codes: digit strings of 8 or more (barcodes, card numbers), a digit string after a code
  cue ("Barcode 123", "ending in 1234", "berakhiran 1234"), after a mask (``****1234``)
  or with a leading zero -> digit by digit, in groups of four with a comma (a pause)
  between groups, never as a number;
* any other whole number (counts, seconds, pages) -> words.

Words and punctuation are left as they are: the commas and full stops give the pauses.
Indonesian (``id``) and English (``en``) are supported, as in ``kiosk.core.i18n``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from accessibility.spoken import english, indonesian

__all__ = ["LANGUAGES", "digit_groups", "normalise", "number_words"]

CODE_GROUP = 4
"""Digits per group when a code is read digit by digit."""
LONG_CODE = 8
"""A digit string at least this long is a code (barcode, card number), not a number."""


@dataclass(frozen=True)
class _Language:
    digits: tuple[str, ...]
    months: tuple[str, ...]
    currency: str
    code_cues: tuple[str, ...]
    limit: int
    number_words: Callable[[int], str]
    date_words: Callable[[int, int, int], str]
    time_words: Callable[[int, int], str]
    pattern: re.Pattern[str]


_SPACE = "[ \u00a0]"


def _pattern(months: tuple[str, ...], cues: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation, most specific first, so each piece of text is rewritten once."""
    month = "|".join(months)
    cue = "|".join(re.escape(c) for c in cues)
    return re.compile(
        rf"(?P<cue>\b(?i:{cue})){_SPACE}+(?P<code>[0-9]+)\b"
        rf"|\*+(?P<masked>[0-9]+)\b"
        rf"|(?P<negative>-)?Rp{_SPACE}?(?P<amount>[0-9]{{1,3}}(?:\.[0-9]{{3}})*)(?![0-9]|\.[0-9])"
        rf"|\b(?P<day>[1-9]|[12][0-9]|3[01]){_SPACE}(?P<month>{month}){_SPACE}(?P<year>[0-9]{{4}})\b"
        rf"|(?<![0-9:.])(?P<hour>[01]?[0-9]|2[0-3]):(?P<minute>[0-5][0-9])(?![0-9:])"
        rf"|(?<![0-9])(?P<long>[0-9]{{{LONG_CODE},}})(?![0-9])"
        rf"|\b(?P<zeros>0[0-9]+)\b"
        rf"|\b(?P<plain>[0-9]+)\b"
    )


def _language(module: ModuleType) -> _Language:
    months: tuple[str, ...] = module.MONTHS
    cues: tuple[str, ...] = module.CODE_CUES
    return _Language(
        digits=module.DIGITS,
        months=months,
        currency=module.CURRENCY,
        code_cues=cues,
        limit=module.LIMIT,
        number_words=module.number_words,
        date_words=module.date_words,
        time_words=module.time_words,
        pattern=_pattern(months, cues),
    )


_LANGUAGES = {"id": _language(indonesian), "en": _language(english)}
LANGUAGES = tuple(_LANGUAGES)
"""Language codes :func:`normalise` knows, the same as ``kiosk.core.i18n.LANGUAGES``."""


def _get(language: str) -> _Language:
    try:
        return _LANGUAGES[language]
    except KeyError:
        raise ValueError(
            f"no spoken-text rules for language {language!r}; choose one of {LANGUAGES}"
        ) from None


def number_words(n: int, language: str) -> str:
    """A whole number in words: ``number_words(12500, "id") == "dua belas ribu lima ratus"``.

    Args:
        n: The number; negative numbers start with "minus". At most 999 999 999 999 999
            in magnitude (the kiosk's amounts stay far below).
        language: ``"id"`` or ``"en"``.

    Returns:
        The number in words of that language, lower case, without digits.

    Raises:
        ValueError: Unknown language, or ``n`` out of range.
    """
    return _get(language).number_words(n)


def digit_groups(digits: str, language: str) -> str:
    """A code read digit by digit in groups of four: ``"33170012"`` ->
    ``"tiga tiga satu tujuh, nol nol satu dua"``.

    Args:
        digits: ASCII digits only.
        language: ``"id"`` or ``"en"``.

    Returns:
        The digit words, a space within a group and a comma (a pause) between groups.

    Raises:
        ValueError: Unknown language, or ``digits`` holds something other than 0-9.
    """
    words = _get(language).digits
    if not digits or not all("0" <= d <= "9" for d in digits):
        raise ValueError(f"expected a string of digits 0-9, got {digits!r}")
    groups = (digits[i : i + CODE_GROUP] for i in range(0, len(digits), CODE_GROUP))
    return ", ".join(" ".join(words[int(d)] for d in group) for group in groups)


def normalise(text: str, language: str) -> str:
    """Rewrite amounts, dates, times, codes and numbers in ``text`` into spoken words.

    Args:
        text: Patron-facing text as the kiosk shows it, in ``language``.
        language: ``"id"`` or ``"en"``, the screen's language.

    Returns:
        The same text with every number spoken out; words and punctuation unchanged.

    Raises:
        ValueError: Unknown language.
    """
    rules = _get(language)

    def spoken(match: re.Match[str]) -> str:
        found = match.groupdict()
        if found["cue"] is not None:
            return f"{found['cue']} {digit_groups(found['code'], language)}"
        if found["amount"] is not None:
            value = int(found["amount"].replace(".", ""))
            if value >= rules.limit:
                return match.group(0)
            sign = -1 if found["negative"] else 1
            return f"{rules.number_words(sign * value)} {rules.currency}"
        if found["day"] is not None:
            month = rules.months.index(found["month"]) + 1
            return rules.date_words(int(found["day"]), month, int(found["year"]))
        if found["hour"] is not None:
            return rules.time_words(int(found["hour"]), int(found["minute"]))
        if found["plain"] is not None:
            return rules.number_words(int(found["plain"]))
        code = found["masked"] or found["long"] or found["zeros"]
        return digit_groups(code, language)

    return rules.pattern.sub(spoken, text)

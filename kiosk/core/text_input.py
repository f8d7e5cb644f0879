"""Free text typed by a patron (a guest's name, a school, a group's size): checked, not judged.

A form field's handler calls :func:`check_text` on the text of a ``TextEntered`` and, when
it returns no notice, stores :func:`clean_text` of it. What is refused, and why:

- C0 and C1 control characters (U+0000-U+001F, U+007F-U+009F) and the line and paragraph
  separators U+2028/U+2029: nothing a person types on the kiosk, they cannot be shown, and
  a newline or a NUL in a name breaks every export;
- Unicode's bidirectional embedding, override and isolate controls (U+202A-U+202E,
  U+2066-U+2069): invisible, they reorder the characters around them, so staff would read
  something other than what is stored ("Trojan Source");
- lone surrogates (only Python strings can hold them): they are not text and no UTF-8
  store takes them;
- text that is only invisible characters (zero-width spaces and joiners, U+FEFF, U+2060,
  tag characters, variation selectors, Hangul fillers: Unicode's default-ignorable code
  points) and spaces: it looks blank on the screen yet would be stored as an answer;
- text longer than the field's limit (counted in code points, as the view-model caps
  typing), and blank text where the field is required.

Everything else is a name: Arabic, Chinese, Javanese script, emoji, apostrophes, text that
looks like SQL. It is kept exactly as typed, except that outer whitespace is trimmed and
the text is put in Unicode normal form C, so the same name typed on two keyboards (a
precomposed "é" or "e" + a combining accent) is stored, counted and found the same way.
"""

from __future__ import annotations

import unicodedata

from kiosk.core.session import Notice

TOO_LONG = "text.too_long"
"""Catalogue key: "too long, at most {limit} characters"."""
REQUIRED = "text.required"
"""Catalogue key: "please fill in this field"."""
INVISIBLE = "text.invisible"
"""Catalogue key: the text has invisible characters that cannot be stored."""
ONLY_INVISIBLE = "text.only_invisible"
"""Catalogue key: the text is only invisible characters (it looks blank)."""
MESSAGES = (TOO_LONG, REQUIRED, INVISIBLE, ONLY_INVISIBLE)
"""Every notice :func:`check_text` can return (its catalogue keys)."""

BIDI_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
"""LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI."""


_IGNORABLE_LETTERS = frozenset(
    chr(code)
    for code in (
        0x034F,  # combining grapheme joiner
        0x115F,  # Hangul choseong filler
        0x1160,  # Hangul jungseong filler
        0x3164,  # Hangul filler
        0xFFA0,  # half-width Hangul filler
        *range(0x180B, 0x1810),  # Mongolian variation selectors and vowel separator
        *range(0xFE00, 0xFE10),  # variation selectors
        *range(0xE0100, 0xE01F0),  # variation selectors supplement
    )
)
"""Default-ignorable code points whose category is not Cf (those are caught by category)."""


def refused_char(char: str) -> bool:
    """Whether ``char`` can never be part of a stored text (a control, a line or paragraph
    separator, a bidi control, a lone surrogate). The view-model uses it too, for what a
    key may put in the field."""
    if char in BIDI_CONTROLS:
        return True
    category = unicodedata.category(char)
    return category in ("Cc", "Cs", "Zl", "Zp")


def invisible_char(char: str) -> bool:
    """Whether ``char`` is drawn as nothing at all: a format character (zero-width space,
    joiners, U+FEFF, U+2060, tag characters, soft hyphen) or another default-ignorable
    code point (variation selectors, Hangul fillers). Such characters are kept inside a
    name (ZWJ and ZWNJ shape Indic and Arabic script), never as the whole of it."""
    return unicodedata.category(char) == "Cf" or char in _IGNORABLE_LETTERS


def _outer_space(char: str) -> bool:
    # Python's isspace() includes the separators U+001C-U+001F and the C0 tab/newline,
    # which are control characters, and the line/paragraph separators: those are refused,
    # not quietly trimmed away.
    return char.isspace() and unicodedata.category(char) not in ("Cc", "Zl", "Zp")


def clean_text(text: str) -> str:
    """``text`` as it is stored: outer whitespace trimmed, in Unicode normal form C.

    Args:
        text: what the patron typed.

    Returns:
        The text to store (only meaningful when :func:`check_text` returned None).
    """
    start, end = 0, len(text)
    while start < end and _outer_space(text[start]):
        start += 1
    while end > start and _outer_space(text[end - 1]):
        end -= 1
    trimmed = text[start:end]
    if any(unicodedata.category(char) == "Cs" for char in trimmed):
        return trimmed  # normalize() cannot take a lone surrogate; check_text refuses it
    return unicodedata.normalize("NFC", trimmed)


def check_text(text: str, max_chars: int, required: bool = True) -> Notice | None:
    """Why ``text`` cannot be stored in a field of ``max_chars`` characters, or None.

    Args:
        text: what the patron typed (the ``TextEntered`` text).
        max_chars: the field's limit, in characters (code points) after cleaning.
        required: blank text is refused (else it is accepted as "not answered").

    Returns:
        None when ``clean_text(text)`` may be stored; else an error notice to show (and
        speak) by one of the keys of :data:`MESSAGES` (``text.only_invisible`` even when
        the field is optional: the patron typed something that looks blank);
        ``text.too_long`` has the parameter ``limit``. Never raises for any string.
    """
    cleaned = clean_text(text)
    if any(refused_char(char) for char in cleaned):
        return Notice.of(INVISIBLE)
    if not cleaned:
        return Notice.of(REQUIRED) if required else None
    if all(invisible_char(char) or char.isspace() for char in cleaned):
        return Notice.of(ONLY_INVISIBLE)
    if len(cleaned) > max_chars:
        return Notice.of(TOO_LONG, limit=max_chars)
    return None

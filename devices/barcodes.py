"""What a barcode means to the library: a patron card, an item, or neither.

Pure, no I/O. The library decides (``[barcodes]`` in the kiosk's config); the scanner
only says which symbology it read (:mod:`devices.symbology`). Scanned lines with an AIM
identifier, scanned lines without one, keyboard-wedge input and digits typed by hand all
go through :meth:`BarcodeRules.classify`, so a number means the same however it arrived.

Rules, in order:

* **Codabar** (the 14-digit library barcode): a patron when Codabar is a patron symbology
  and the first digit is the patron type digit (2 by default), an item likewise with the
  item type digit (3). The mod-10 check digit must be right.
* **EAN-13** (a book's ISBN, or a product code stuck on an item): a patron or an item as
  the library lists ``ean13``; an ISBN-10, typed or scanned, arrives as its ISBN-13. The
  ILS gets the ISBN in the form it catalogues (``isbn_form``: ``isbn13`` or ``isbn10``;
  a 979 ISBN has no ISBN-10 and is sent as ISBN-13).
* **Code 39, Code 128**, and text whose symbology is unknown (no AIM identifier: typed,
  or a wedge): a patron when the line is of a patron symbology (unknown text counts as
  any Code 39 or Code 128 symbology listed) and matches the patron pattern (a regular
  expression over the whole text; none given: any text); then the same for items.
* Anything else (a wrong check digit, a symbology the library does not use, text that
  matches no pattern) is neither: the patron reads "not recognised, scan again".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from devices import symbology
from devices.symbology import CODABAR, CODE39, CODE128, EAN13, UNKNOWN


class Role(StrEnum):
    """What a barcode identifies."""

    PATRON = "patron"
    ITEM = "item"


ISBN_FORMS = ("isbn13", "isbn10")
_TEXT_SYMBOLOGIES = (CODE39, CODE128)


@dataclass(frozen=True)
class BarcodeRules:
    """The library's meaning of barcodes. The defaults are the demo library's.

    Attributes:
        patron_symbologies: symbologies patron cards carry (names of
            :data:`devices.symbology.SYMBOLOGIES`).
        item_symbologies: symbologies item labels carry.
        patron_type_digit: first digit of a patron's Codabar barcode.
        item_type_digit: first digit of an item's Codabar barcode.
        patron_pattern: regular expression a Code 39/128 patron id matches in full ('' any).
        item_pattern: the same for items.
        isbn_form: ``"isbn13"`` or ``"isbn10"``: the form of an ISBN sent to the ILS.
        code39_check: Code 39 labels end with a mod-43 check character.
    """

    patron_symbologies: frozenset[str] = frozenset({CODABAR})
    item_symbologies: frozenset[str] = frozenset({CODABAR})
    patron_type_digit: str = "2"
    item_type_digit: str = "3"
    patron_pattern: str = ""
    item_pattern: str = ""
    isbn_form: str = "isbn13"
    code39_check: bool = False
    _patterns: dict[Role, re.Pattern[str] | None] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        """Check the rules once.

        Raises:
            ValueError: an unknown symbology or ISBN form, a type digit that is not one
                digit, or a pattern that is not a regular expression (the message says
                which).
        """
        for name, chosen in (
            ("patron", self.patron_symbologies),
            ("item", self.item_symbologies),
        ):
            unknown = sorted(set(chosen) - set(symbology.SYMBOLOGIES))
            if unknown:
                raise ValueError(
                    f"{name} symbologies: unknown {', '.join(unknown)}; "
                    f"choose from {', '.join(symbology.SYMBOLOGIES)}"
                )
        for name, digit in (("patron", self.patron_type_digit), ("item", self.item_type_digit)):
            if len(digit) != 1 or not digit.isdigit() or not digit.isascii():
                raise ValueError(f"{name} type digit must be one digit 0-9, got {digit!r}")
        if self.isbn_form not in ISBN_FORMS:
            raise ValueError(f"isbn form must be isbn13 or isbn10, got {self.isbn_form!r}")
        for role, pattern in ((Role.PATRON, self.patron_pattern), (Role.ITEM, self.item_pattern)):
            try:
                self._patterns[role] = re.compile(pattern) if pattern else None
            except re.error as err:
                raise ValueError(f"{role} pattern is not a regular expression: {err}") from None

    @property
    def symbologies(self) -> frozenset[str]:
        """Every symbology that means something to this library."""
        return self.patron_symbologies | self.item_symbologies

    def accepts(self, read: symbology.Read) -> bool:
        """True when a scanner read of this symbology may mean something here."""
        if read.symbology == UNKNOWN:
            return any(name in self.symbologies for name in _TEXT_SYMBOLOGIES)
        return read.symbology in self.symbologies

    def classify(self, text: str) -> tuple[str, Role | None]:
        """What scanned or typed text is.

        Args:
            text: a line, with or without an AIM identifier.

        Returns:
            ``(code, role)``: the code as the ILS knows it, and PATRON, ITEM or None.
        """
        read = symbology.identify(text, code39_check=self.code39_check)
        if read.problem or not read.code:
            return read.code, None
        if read.symbology == CODABAR:
            return read.code, self._codabar_role(read.code)
        if read.symbology == EAN13:
            return self._isbn_form(read.code), self._ean_role()
        for role, chosen in (
            (Role.PATRON, self.patron_symbologies),
            (Role.ITEM, self.item_symbologies),
        ):
            if self._text_matches(read, role, chosen):
                return read.code, role
        return read.code, None

    def _codabar_role(self, code: str) -> Role | None:
        if CODABAR in self.patron_symbologies and code.startswith(self.patron_type_digit):
            return Role.PATRON
        if CODABAR in self.item_symbologies and code.startswith(self.item_type_digit):
            return Role.ITEM
        return None

    def _ean_role(self) -> Role | None:
        if EAN13 in self.patron_symbologies:
            return Role.PATRON
        if EAN13 in self.item_symbologies:
            return Role.ITEM
        return None

    def _isbn_form(self, code: str) -> str:
        if self.isbn_form == "isbn10" and code.startswith(symbology.ISBN_PREFIXES):
            return symbology.isbn13_to_10(code) or code
        return code

    def _text_matches(self, read: symbology.Read, role: Role, chosen: frozenset[str]) -> bool:
        if read.symbology == UNKNOWN:
            if not any(name in chosen for name in _TEXT_SYMBOLOGIES):
                return False
        elif read.symbology not in chosen:
            return False
        pattern = self._patterns.get(role)
        return pattern is None or pattern.fullmatch(read.code) is not None

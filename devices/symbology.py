"""Which barcode a scanned line is: AIM symbology identifiers, shapes and check characters.

Pure functions, no I/O. A scanner sends the decoded text of a barcode; set up to do so,
it puts an AIM symbology identifier (ISO/IEC 15424) in front::

    ]F0 A30234000517861B       ]  code character  modifier  data
    ]A0 P00123                 the code character names the symbology, the modifier
    ]C0 P00123                 says how its options were used (check characters, ...)
    ]E0 9789793062792

Identifiers this module knows (the ones a library meets; ISO/IEC 15424 table 1):

=======  ==================  =========================================================
code     symbology           modifiers read here
=======  ==================  =========================================================
``]F``   Codabar             any (0: standard; the start/stop characters may be sent)
``]A``   Code 39             0: no check character checked; 1: mod-43 check checked and
                             sent (the last character is removed here); 3: checked and
                             already removed; others: as 0
``]C``   Code 128            any (its mod-103 check character is never sent)
``]E0``  EAN-13 (and UPC-A   13 digits; EAN-8 (``]E4``) and add-ons are other
         sent as 13 digits)  identifiers, kept as their AIM code
=======  ==================  =========================================================

Any other ``]`` + letter + modifier is recognised, removed from the text and kept as the
read's symbology (``"]d2"`` for Data Matrix), so a library that labels with one can still
match it by that name.

Without an identifier (a scanner not set to send one, a keyboard wedge, typed digits) the
symbology is guessed from the shape, in this order:

1. Codabar: start/stop characters (A-D) around Codabar data characters, or 14 digits (a
   library barcode; its mod-10 check digit is then checked, :mod:`devices.codabar`).
2. EAN-13: 13 digits whose EAN check digit is right.
3. ISBN-10: 9 digits and a check character (digit or X) that is right; converted to its
   ISBN-13 (EAN-13) form, the form printed as a barcode on every book since 2007.
4. Anything else is ``"unknown"`` text (a Code 39 or Code 128 id cannot be told apart
   from other text by its shape; the library's patterns decide, see
   :mod:`devices.barcodes`).

Check characters and where their rules come from:

* EAN-13 (and so ISBN-13): weights 1, 3, 1, 3 ... from the left over the first 12
  digits; the check digit is ``(10 - sum % 10) % 10``. GS1 General Specifications,
  section 7.9 "Check digit calculations" (standard check digit, mod 10).
* ISBN-10: weights 10, 9, ... 2 over the first 9 digits; the check is
  ``(11 - sum % 11) % 11``, where 10 is written X. ISBN Users' Manual (International ISBN
  Agency), "check digit calculation". ISBN-10 -> ISBN-13: prefix 978, drop the old check
  character, add the EAN-13 check digit; only 978 ISBN-13s have an ISBN-10 (979 do not).
* Code 39 mod 43 (optional, a library's choice): each character's value (0-9 = 0-9, A-Z =
  10-35, then ``- . space $ / + %`` = 36-42), summed, mod 43, is the value of the check
  character that ends the text. ISO/IEC 16388 annex (Code 39 check character).
* Code 128's mod-103 check character is part of the bars, never of the text a scanner
  sends, so Code 128 text is taken as it is.

Quirks: scanners send Codabar start/stop characters in either case and sometimes pad with
spaces (removed); an EAN-13 that starts 978 or 979 is a book's ISBN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devices import codabar

CODABAR, CODE39, CODE128, EAN13, UNKNOWN = "codabar", "code39", "code128", "ean13", "unknown"
SYMBOLOGIES = (CODABAR, CODE39, CODE128, EAN13)
"""The symbologies a library can give a meaning to (``[barcodes]``)."""
AIM_IDS = {CODABAR: "]F0", CODE39: "]A0", CODE128: "]C0", EAN13: "]E0"}
"""Each symbology's identifier as a scanner sends it by default (modifier 0)."""
_AIM_CODES = {"F": CODABAR, "A": CODE39, "C": CODE128}
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_CODABAR_DATA = "0123456789-$:/.+"
_CODE39_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
ISBN_PREFIXES = ("978", "979")


@dataclass(frozen=True)
class Read:
    """One scanned line, identified.

    Attributes:
        code: the text without identifier, start/stop or check characters the scanner
            added; an ISBN-10 in its ISBN-13 form.
        symbology: one of :data:`SYMBOLOGIES`, ``"unknown"``, or an AIM identifier this
            module does not know (``"]d2"``).
        aim: the identifier the scanner sent, '' if none.
        problem: why the read is not a valid barcode of its symbology (a wrong check
            character), '' when it is.
    """

    code: str
    symbology: str
    aim: str = ""
    problem: str = ""


def split_aim(text: str) -> tuple[str, str]:
    """Split an AIM symbology identifier off the front of ``text``.

    Args:
        text: a scanned line.

    Returns:
        ``(identifier, rest)``; ``("", text)`` when it does not start with one.
    """
    if _AIM.match(text):
        return text[:3], text[3:]
    return "", text


def identify(text: str, *, code39_check: bool = False) -> Read:
    """Say which barcode a scanned or typed line is. Never raises.

    Args:
        text: the line, with or without an AIM identifier.
        code39_check: the library's Code 39 labels end with a mod-43 check character: it
            is checked and removed (only when the identifier says Code 39; text without
            one cannot be known to be Code 39).

    Returns:
        The identified :class:`Read`.
    """
    aim, rest = split_aim(text)
    if not aim:
        return _by_shape(text.strip())
    letter, modifier = aim[1], aim[2]
    body = rest.strip()
    symbology = EAN13 if (letter, modifier) == ("E", "0") else _AIM_CODES.get(letter, "")
    if symbology == CODABAR:
        code = codabar.normalise(body)
        return Read(code, CODABAR, aim, _codabar_problem(code))
    if symbology == EAN13:
        problem = "" if is_valid_ean13(body) else _ean_problem(body)
        return Read(body, EAN13, aim, problem)
    if symbology == CODE39:
        return _code39(body, aim, checked=modifier == "1" or (code39_check and modifier != "3"))
    if symbology == CODE128:
        return Read(body, CODE128, aim)
    return Read(body, aim, aim)


def _by_shape(text: str) -> Read:
    code = codabar.normalise(text)
    framed = code != text and all(char in _CODABAR_DATA for char in code)
    if framed or (len(code) == codabar.LENGTH and code.isascii() and code.isdigit()):
        return Read(code, CODABAR, "", _codabar_problem(code))
    if is_valid_ean13(text):
        return Read(text, EAN13)
    if is_valid_isbn10(text):
        return Read(isbn10_to_13(text), EAN13)
    return Read(text, UNKNOWN)


def _codabar_problem(code: str) -> str:
    if codabar.is_valid(code):
        return ""
    if len(code) == codabar.LENGTH and code.isascii() and code.isdigit():
        return "check digit does not match"
    return "not a 14-digit library barcode"


def _ean_problem(code: str) -> str:
    if len(code) == 13 and code.isascii() and code.isdigit():
        return "check digit does not match"
    return "not a 13-digit EAN"


def _code39(body: str, aim: str, *, checked: bool) -> Read:
    if not checked:
        return Read(body, CODE39, aim)
    if len(body) < 2 or not all(char in _CODE39_CHARS for char in body):
        return Read(body, CODE39, aim, "not Code 39 text with a check character")
    if code39_check_char(body[:-1]) != body[-1]:
        return Read(body, CODE39, aim, "check character does not match")
    return Read(body[:-1], CODE39, aim)


def ean13_check_digit(body: str) -> int:
    """The EAN-13 check digit of 12 digits (GS1 General Specifications 7.9).

    Args:
        body: exactly 12 ASCII digits.

    Raises:
        ValueError: ``body`` is not 12 digits.
    """
    if len(body) != 12 or not body.isascii() or not body.isdigit():
        raise ValueError(f"expected 12 digits, got {body!r}")
    total = sum(int(char) * (3 if index % 2 else 1) for index, char in enumerate(body))
    return (10 - total % 10) % 10


def is_valid_ean13(code: str) -> bool:
    """True when ``code`` is 13 digits whose last is the right EAN check digit."""
    if len(code) != 13 or not code.isascii() or not code.isdigit():
        return False
    return ean13_check_digit(code[:12]) == int(code[12])


def isbn10_check_char(body: str) -> str:
    """The ISBN-10 check character (0-9 or X) of 9 digits (ISBN Users' Manual).

    Args:
        body: exactly 9 ASCII digits.

    Raises:
        ValueError: ``body`` is not 9 digits.
    """
    if len(body) != 9 or not body.isascii() or not body.isdigit():
        raise ValueError(f"expected 9 digits, got {body!r}")
    total = sum(int(char) * weight for char, weight in zip(body, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def is_valid_isbn10(code: str) -> bool:
    """True when ``code`` is 9 digits and the right check character (X in either case)."""
    if len(code) != 10 or not code[:9].isascii() or not code[:9].isdigit():
        return False
    return isbn10_check_char(code[:9]) == code[9].upper()


def isbn10_to_13(isbn10: str) -> str:
    """The ISBN-13 of a valid ISBN-10: 978, its first 9 digits, a new check digit.

    Raises:
        ValueError: ``isbn10`` is not a valid ISBN-10.
    """
    if not is_valid_isbn10(isbn10):
        raise ValueError(f"not a valid ISBN-10: {isbn10!r}")
    body = "978" + isbn10[:9]
    return body + str(ean13_check_digit(body))


def isbn13_to_10(isbn13: str) -> str | None:
    """The ISBN-10 of a valid 978 ISBN-13; None for a 979 one or any other EAN-13.

    Raises:
        ValueError: ``isbn13`` is not a valid EAN-13.
    """
    if not is_valid_ean13(isbn13):
        raise ValueError(f"not a valid ISBN-13: {isbn13!r}")
    if not isbn13.startswith("978"):
        return None
    body = isbn13[3:12]
    return body + isbn10_check_char(body)


def code39_check_char(text: str) -> str:
    """The Code 39 mod-43 check character of ``text``.

    Raises:
        ValueError: ``text`` has a character Code 39 cannot encode.
    """
    try:
        total = sum(_CODE39_CHARS.index(char) for char in text)
    except ValueError:
        raise ValueError(f"not Code 39 text: {text!r}") from None
    return _CODE39_CHARS[total % 43]

"""Library Codabar barcodes: the 14-digit numbers on patron cards and item labels.

Layout (digit positions 1..14)::

    1      2-5           6-13                 14
    type   institution   sequence (8 digits)  check digit

The type digit says what the barcode is on. By the convention of the demo library (a
common one) 2 is a patron card and 3 an item label; which digit means what is the
library's configuration, not the device's, so this module only carries the digit.

Check digit ("mod-10, type 1", as Dynix/Ameritech and most ILSs use it): over digits
1-13, double each odd-positioned digit and subtract 9 if the product is 10 or more, add
each even-positioned digit as is; the check digit is (10 - total % 10) % 10.
Worked examples from the JerseyCat barcode FAQ and the Dynix barcode format note:
3 0234 00051786 -> 1, and 3 3191 00010586 -> 4.

Quirks of scanners in the field: many transmit the Codabar start/stop characters
(A, B, C or D, sometimes lower case) around the digits, and some pad with spaces.
:func:`normalise` removes both before validation.
"""

from __future__ import annotations

LENGTH = 14
_START_STOP = "ABCDabcd"


def check_digit(body: str) -> int:
    """Return the check digit for the first 13 digits of a library barcode.

    Args:
        body: exactly 13 ASCII digits.

    Raises:
        ValueError: ``body`` is not 13 digits.
    """
    if len(body) != LENGTH - 1 or not body.isascii() or not body.isdigit():
        raise ValueError(f"expected 13 digits, got {body!r}")
    total = 0
    for position, char in enumerate(body, start=1):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit >= 10:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def normalise(raw: str) -> str:
    """Strip whitespace and a matching pair of Codabar start/stop characters."""
    text = raw.strip()
    if len(text) >= 2 and text[0] in _START_STOP and text[-1] in _START_STOP:
        text = text[1:-1].strip()
    return text


def is_valid(code: str) -> bool:
    """True when ``code`` is 14 digits whose last digit is the right check digit."""
    if len(code) != LENGTH or not code.isascii() or not code.isdigit():
        return False
    return check_digit(code[:-1]) == int(code[-1])


def make(type_digit: int, institution: int, sequence: int) -> str:
    """Build a valid barcode, e.g. ``make(3, 3191, 10586)`` gives ``"33191000105864"``.

    Args:
        type_digit: first digit, 0..9; 2 is a patron and 3 an item by the convention of
            the demo library (which digit means what is the library's configuration).
        institution: institution number, 0..9999.
        sequence: sequence number, 0..99999999.

    Returns:
        14 digits, the last one the check digit.

    Raises:
        ValueError: type_digit not in 0..9, institution not in 0..9999 or sequence not in
            0..99999999.
    """
    if not 0 <= type_digit <= 9:
        raise ValueError(f"type digit must be 0..9, got {type_digit}")
    if not 0 <= institution <= 9999:
        raise ValueError(f"institution must be 0..9999, got {institution}")
    if not 0 <= sequence <= 99_999_999:
        raise ValueError(f"sequence must be 0..99999999, got {sequence}")
    body = f"{type_digit}{institution:04d}{sequence:08d}"
    return body + str(check_digit(body))

"""What a simulated scanner sends: line noise, frames cut in pieces, wrong check digits,
and each symbology's text (pure helpers of :mod:`devices.sim.scanner`)."""

from __future__ import annotations

import random

from devices import codabar, symbology

_NOISE_BYTES = bytes(b for b in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)) if b not in b"\r\n")


def noise(n: int = 8, *, rng: random.Random | None = None) -> bytes:
    """Return ``n`` random non-printable bytes, never CR or LF.

    Args:
        n: how many bytes.
        rng: random source, for repeatable noise.

    Returns:
        Bytes that a framer must report as line noise.
    """
    chooser = rng or random
    return bytes(chooser.choice(_NOISE_BYTES) for _ in range(n))


def split_evenly(data: bytes, pieces: int) -> list[bytes]:
    """Cut ``data`` into ``pieces`` non-empty parts of nearly equal size (fewer if short).

    Args:
        data: bytes to cut.
        pieces: wanted number of parts, at least 1.

    Returns:
        The parts, in order; joined they give ``data`` back.
    """
    pieces = max(1, min(pieces, len(data)))
    size, extra = divmod(len(data), pieces)
    parts, start = [], 0
    for index in range(pieces):
        end = start + size + (1 if index < extra else 0)
        parts.append(data[start:end])
        start = end
    return parts


def with_wrong_check_digit(code: str) -> str:
    """Return ``code`` with a check digit that does not match.

    Args:
        code: 13 digits (a body) or 14 digits (a full barcode).

    Returns:
        14 digits whose last digit is wrong.

    Raises:
        ValueError: ``code`` is not 13 or 14 ASCII digits.
    """
    body = code[: codabar.LENGTH - 1]
    wrong_length = len(code) not in (codabar.LENGTH - 1, codabar.LENGTH)
    if wrong_length or not code.isascii() or not code.isdigit():
        raise ValueError(f"expected 13 or 14 digits, got {code!r}")
    right = codabar.check_digit(body)
    return body + str((right + 1) % 10)


def encode_as(name: str, text: str) -> str:
    """The text a scanner sends for a barcode of symbology ``name`` (without identifier).

    Args:
        name: ``"ean13"`` (12 digits get their check digit, an ISBN-10 becomes its
            ISBN-13), ``"codabar"`` (start/stop A...B added around bare digits),
            ``"code39"`` or ``"code128"`` (as given).
        text: the barcode's data.

    Raises:
        ValueError: an unknown symbology.
    """
    if name == symbology.EAN13:
        if len(text) == 12 and text.isascii() and text.isdigit():
            return text + str(symbology.ean13_check_digit(text))
        if symbology.is_valid_isbn10(text):
            return symbology.isbn10_to_13(text)
        return text
    if name == symbology.CODABAR:
        return text if text[:1] in "ABCDabcd" else f"A{text}B"
    if name in (symbology.CODE39, symbology.CODE128):
        return text
    raise ValueError(f"unknown symbology {name!r}; choose from {', '.join(symbology.SYMBOLOGIES)}")

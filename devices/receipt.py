"""Receipts as plain data, and their ESC/POS bytes (made by python-escpos).

Layout: the title centred, bold and double height; then each line, left-aligned, bold
and/or double height as flagged; then a feed of six lines past the cutter and a full cut.
See :mod:`devices.printer` for the bytes on the wire.

Characters: Indonesian is written in the Latin alphabet without accents, so nearly all
text is ASCII; loanwords and names may carry Latin-1 accents (é, ü), which PC850 has.
The code page is selected explicitly after ESC @ (printers differ in their power-on
default). Typographic punctuation is folded to ASCII (– — to -, curly quotes to straight,
… to ...), other letters lose their accent (NFKD), and what is still not in PC850
prints as ``?``. Control characters in the text are dropped: a title can never inject
a printer command.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from escpos.printer import Dummy

__all__ = ["Receipt", "ReceiptLine", "fold_text", "render"]

_CODE_PAGE = "CP850"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FOLD = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "\u00a0": " "}
)


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a receipt and its emphasis."""

    text: str
    bold: bool = False
    double_height: bool = False


@dataclass(frozen=True)
class Receipt:
    """A receipt as plain data: printed as a centred bold double-height title, then the lines.

    The kiosk composes the text in the session's language; this layer only prints it.
    """

    title: str
    lines: tuple[ReceiptLine, ...] = ()

    @classmethod
    def of(cls, title: str, *lines: str | ReceiptLine) -> Receipt:
        """Build a receipt; plain strings become plain lines.

        Args:
            title: the first line.
            *lines: the body, in order.

        Returns:
            The receipt.
        """
        return cls(title, tuple(ReceiptLine(x) if isinstance(x, str) else x for x in lines))


def fold_text(text: str) -> str:
    """Make ``text`` printable in PC850: see the module docstring. Pure.

    Args:
        text: any text.

    Returns:
        Text every character of which PC850 has (``?`` for the rest), no control characters.
    """
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text).translate(_FOLD))
    out = []
    for char in text:
        if _encodable(char):
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if _encodable(c))
        out.append(base if base and not unicodedata.combining(base[0]) else "?")
    return "".join(out)


def _encodable(char: str) -> bool:
    try:
        char.encode("cp850")
    except UnicodeEncodeError:
        return False
    return not unicodedata.combining(char)


def render(receipt: Receipt) -> bytes:
    """The ESC/POS bytes of a receipt, made by python-escpos, ending with a cut.

    Args:
        receipt: what to print.

    Returns:
        The bytes to send.
    """
    out = Dummy()
    out.hw("INIT")
    out.magic.force_encoding(_CODE_PAGE)  # sends ESC t 2 and keeps to it
    out.set(align="center", bold=True, double_height=True)
    out.textln(fold_text(receipt.title))
    out.set(align="left", bold=False, normal_textsize=True)
    for line in receipt.lines:
        if line.double_height:
            out.set(bold=line.bold, double_height=True)
        else:
            out.set(bold=line.bold, normal_textsize=True)
        out.textln(fold_text(line.text))
    out.set(bold=False, normal_textsize=True)
    out.cut()
    return bytes(out.output)

"""The rows of the item list, made from the session's lines and kept between refreshes.

Each row is a plain dict the kv ``ItemList`` draws (title, detail, tone, label, key). A
line is translated again only when its ``revision`` changed, so a refresh with hundreds of
lines stays cheap; borrowed lines are always listed, and of the others only the newest
:data:`ROWS_SHOWN` are, older ones being summed up in one row per status ("and 940 more
not borrowed"), so a flood of scans stays a short list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.core.i18n import Translator
from kiosk.core.model import Refusal
from kiosk.core.session import ItemLine, LineStatus

ROWS_SHOWN = 30  # newest lines not borrowed (refused or pending) shown one by one


@dataclass(frozen=True)
class RowWords:
    """The catalogue keys of the words a service's rows and progress line use."""

    done: str = "line.label_done"  # "Dipinjam"
    refused: str = "line.label_refused"  # "Tidak dipinjam"
    more_refused: str = "line.more_refused"  # "and 940 more not borrowed" (+ "_plural")
    progress: str = "scan.progress"  # "7 of 9 books borrowed" (+ "_plural")


BORROW_WORDS = RowWords()
ROW_WORDS: dict[str, RowWords] = {
    "return": RowWords(
        "return.label_done", "return.label_refused", "return.more_refused", "return.progress"
    ),
}
"""Words by service name, for services whose rows do not say borrowed / not borrowed."""


def row_words(service: str | None) -> RowWords:
    """The row words of ``service`` (borrowing's for a service that names none)."""
    return ROW_WORDS.get(service or "", BORROW_WORDS)


class ItemRows:
    """The rows for the current lines, with a cache keyed by line identity and revision."""

    def __init__(self) -> None:
        # id(line) -> (line, its revision, its row)
        self._rows: dict[int, tuple[ItemLine, int, dict[str, Any]]] = {}
        self._more_rows: dict[LineStatus, dict[str, Any]] = {}
        self._words = BORROW_WORDS

    def forget(self) -> None:
        """Drop every cached row (the language changed)."""
        self._rows.clear()
        self._more_rows.clear()

    def update(
        self, lines: Sequence[ItemLine], t: Translator, words: RowWords = BORROW_WORDS
    ) -> tuple[list[dict[str, Any]], str]:
        """Rows for ``lines`` in ``words``: only new or changed lines are translated again.

        Borrowed lines are always listed. Of the others (refused or still pending), the
        newest :data:`ROWS_SHOWN` are; older ones are summed up in a row per status at the
        top ("and 940 more not borrowed"), so a flood of scans stays a short list.
        """
        if words != self._words:
            self.forget()  # another service's rows: other words
            self._words = words
        rows: dict[int, tuple[ItemLine, int, dict[str, Any]]] = {}
        shown: list[dict[str, Any]] = []
        counts = dict.fromkeys(LineStatus, 0)
        for line in lines:
            counts[line.status] += 1
        to_hide = max(0, len(lines) - counts[LineStatus.DONE] - ROWS_SHOWN)
        hidden = dict.fromkeys(LineStatus, 0)
        for line in lines:
            if to_hide and line.status is not LineStatus.DONE:
                to_hide -= 1
                hidden[line.status] += 1
                continue
            cached = self._rows.get(id(line))
            if cached is not None and cached[0] is line and cached[1] == line.revision:
                row = cached[2]
            else:
                row = _line(line, t, words)
            rows[id(line)] = (line, line.revision, row)
            shown.append(row)
        self._rows = rows
        more = []
        for status in (LineStatus.REFUSED, LineStatus.PENDING):
            if not hidden[status]:
                continue
            summed = self._more_rows.get(status)
            if summed is None or summed["count"] != hidden[status]:
                summed = self._more_rows[status] = _more_row(status, hidden[status], t, words)
            more.append(summed)
        return more + shown, (_progress(len(lines), counts, t, words) if lines else "")


# tone (how a row is drawn) and the word that says it, so colour never carries it alone
_TONES = {
    LineStatus.PENDING: ("pending", "line.label_pending"),
    LineStatus.DONE: ("done", "line.label_done"),
    LineStatus.REFUSED: ("refused", "line.label_refused"),
}


def _label(status: LineStatus, words: RowWords) -> tuple[str, str]:
    tone, label = _TONES[status]
    if status is LineStatus.DONE:
        label = words.done
    elif status is LineStatus.REFUSED:
        label = words.refused
    return tone, label


def _line(line: ItemLine, t: Translator, words: RowWords) -> dict[str, Any]:
    """One row of the item list. ``key`` stays the same for the line's whole life."""
    tone, label = _label(line.status, words)
    if line.status is LineStatus.REFUSED and line.refusal is Refusal.ALREADY_YOURS:
        tone, label = "info", "line.label_already_yours"  # not an error: it is on their card
    elif line.status is LineStatus.REFUSED and line.refusal is Refusal.FEE_REQUIRED:
        tone, label = "info", "line.label_fee_question"  # not refused: the patron decides
    word = t(label)
    detail = " — ".join(t.render(notice) for notice in line.details)
    return {
        "key": id(line),
        "title": line.title or t("line.unknown_title", barcode=line.barcode),
        "detail": "" if detail == word else detail,  # "Checking…" once is enough
        "status": line.status.value,
        "tone": tone,
        "label": word,
        "barcode": line.barcode,
    }


def _more_row(status: LineStatus, count: int, t: Translator, words: RowWords) -> dict[str, Any]:
    """The row that stands for ``count`` lines too old to be listed one by one."""
    tone, label = _label(status, words)
    key = words.more_refused if status is LineStatus.REFUSED else f"line.more_{status.value}"
    return {
        "key": f"more-{status.value}",
        "title": t.plural(key, f"{key}_plural", count),
        "detail": "",
        "status": status.value,
        "tone": tone,
        "label": t(label),
        "barcode": "",
        "count": count,
    }


def _progress(total: int, counts: dict[LineStatus, int], t: Translator, words: RowWords) -> str:
    """'7 of 9 books borrowed' (+ ', 1 still being checked'): a patron holding a stack
    compares the total with the books in hand and sees at once how many went through."""
    key = words.progress
    text = t.plural(key, f"{key}_plural", total, done=counts[LineStatus.DONE])
    pending = counts[LineStatus.PENDING]
    return t("scan.progress_checking", progress=text, pending=pending) if pending else text

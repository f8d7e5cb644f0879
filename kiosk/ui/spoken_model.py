"""What the voice says about a screen, built from the same state the screen shows.

The screens draw the session's state through the view-model; this module reads that very
state (the session's screen, texts, lines, rows and notice, the same catalogue entries in
the same language) and turns it into sentences. So a new screen speaks without any code
here: its ``voice.<screen>`` catalogue entry (a test requires one for every screen, as for
Help) says what it is for and what to do, and its texts, lines and rows follow.

Privacy. A patron's name, a book's title, an amount of money and the library system's own
message (which may mention either) are *personal*. With private audio (headphones or a
handset, ``[speech] private_audio``) they are spoken and marked personal (their audio is
kept only for the session). Without it the sentence is said with a neutral word in their
place ("the amount shown on the screen") and titles are left out, so a bystander hears
what happened but not to whom or what. PIN digits never reach this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from kiosk.core.i18n import Translator
from kiosk.core.model import Refusal
from kiosk.core.services import receipt
from kiosk.core.session import ItemLine, LineStatus, Notice, Row, Session
from kiosk.ui.item_rows import RowWords

PERSONAL_PARAMS = {
    "name": "",  # "Halo, Budi!" -> "Halo!": the greeting without the name
    "title": "voice.hidden.title",
    "amount": "voice.hidden.amount",
    "fee": "voice.hidden.amount",
    "message": "voice.hidden.message",
}
"""Notice parameters that carry a patron's data, and the catalogue key of the neutral
words said in their place without private audio ("" drops it)."""

_COMMA_BEFORE_END = re.compile(r"\s*,\s*(?=[!.?,]|$)")  # "Halo, !" once the name is gone
_SPACE_BEFORE_MARK = re.compile(r"\s+(?=[!.?,])")
_SPACES = re.compile(r"\s{2,}")


@dataclass(frozen=True)
class Spoken:
    """One sentence for the voice: its text and whether it holds a patron's data."""

    text: str
    personal: bool = False


class SpokenModel:
    """Sentences for screens, item lines, rows and notices in one language at a time.

    Args:
        private_audio: the kiosk has headphones or a handset: personal data is spoken.
    """

    def __init__(self, *, private_audio: bool) -> None:
        self.private_audio = private_audio

    # ----- notices -----------------------------------------------------------------------

    def notice(self, notice: Notice, t: Translator) -> Spoken:
        """A notice as spoken: as shown, or with its personal parts replaced."""
        personal = _has_personal(notice)
        if not personal:
            return Spoken(t.render(notice))
        if self.private_audio:
            return Spoken(t.render(notice), personal=True)
        return Spoken(_tidy(t.render(self._neutral(notice, t))))

    def _neutral(self, notice: Notice, t: Translator) -> Notice:
        params = tuple(
            (name, t(PERSONAL_PARAMS[name]) if PERSONAL_PARAMS[name] else "")
            if name in PERSONAL_PARAMS
            else (name, value)
            for name, value in notice.params
        )
        then = self._neutral(notice.then, t) if notice.then is not None else None
        return replace(notice, params=params, then=then)

    # ----- lines and rows ----------------------------------------------------------------

    def line(self, line: ItemLine, t: Translator, words: RowWords) -> Spoken:
        """A scanned item's result: "Laskar Pelangi. Borrowed. Due 5 December 2026."."""
        parts = [t(_line_label(line, words))]
        personal = False
        for detail in line.details:
            spoken = self.notice(detail, t)
            personal = personal or spoken.personal
            if spoken.text and spoken.text != parts[0]:
                parts.append(spoken.text)
        said_message = any(
            name == "message" for detail in line.details for name, _value in detail.params
        )
        if line.screen_message and not said_message:  # the ILS's words, unless a detail has
            if self.private_audio:
                parts.append(line.screen_message)
                personal = True
            else:
                parts.append(t("voice.hidden.message"))
        if self.private_audio:
            title = line.title or t("line.unknown_title", barcode=line.barcode)
            parts.insert(0, title)
            personal = True
        return Spoken(_sentences(parts), personal)

    def row(self, row: Row, t: Translator) -> Spoken:
        """A row of a state's list (a loan, a hold, a fine), title only with private audio."""
        parts: list[str] = []
        personal = False
        if self.private_audio and row.title:
            parts.append(row.title)
            personal = True
        if row.label is not None:
            parts.append(t.render(row.label))
        for detail in row.details:
            spoken = self.notice(detail, t)
            personal = personal or spoken.personal
            parts.append(spoken.text)
        if not parts:
            parts.append(t("voice.hidden.title"))
        return Spoken(_sentences(parts), personal)

    # ----- screens -----------------------------------------------------------------------

    def screen(
        self,
        session: Session,
        t: Translator,
        words: RowWords,
        *,
        progress: str,
        lines: Sequence[ItemLine] | None = None,
    ) -> list[Spoken]:
        """What a screen says when it appears: what it is for and what to do, its texts,
        the item lines given (``lines``; all of them by default), its rows and notice."""
        said = [Spoken(t(f"voice.{session.screen}"))]
        said += [self.notice(notice, t) for notice in session.texts().values()]
        shown = session.lines if lines is None else lines
        if shown and progress:
            said.append(Spoken(progress))
        said += [self.line(line, t, words) for line in shown if _settled(line)]
        said += self.rows(session.rows(), t)
        not_printed = receipt.notice(session)
        if not_printed is not None:
            said.append(self.notice(not_printed, t))
        if session.notice is not None:
            said.append(self.notice(session.notice, t))
        unique: list[Spoken] = []
        for spoken in said:  # an error's notice is also its text: say it once
            if spoken.text and spoken.text not in (u.text for u in unique):
                unique.append(spoken)
        return unique

    def rows(self, sections: Mapping[str, Sequence[Row]], t: Translator) -> list[Spoken]:
        """Every row of every section, in order."""
        return [self.row(row, t) for rows in sections.values() for row in rows]


def _tidy(text: str) -> str:
    """The punctuation a dropped name leaves behind, tidied: "Halo, !" -> "Halo!"."""
    text = _COMMA_BEFORE_END.sub("", text)
    text = _SPACE_BEFORE_MARK.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _has_personal(notice: Notice | None) -> bool:
    while notice is not None:
        if any(name in PERSONAL_PARAMS for name, _value in notice.params):
            return True
        notice = notice.then
    return False


def _settled(line: ItemLine) -> bool:
    return line.status is not LineStatus.PENDING


def _line_label(line: ItemLine, words: RowWords) -> str:
    """The same word the row shows (see ``item_rows``): borrowed, not borrowed, ..."""
    if line.status is LineStatus.DONE:
        return words.done
    if line.status is LineStatus.PENDING:
        return "line.label_pending"
    if line.refusal is Refusal.ALREADY_YOURS:
        return "line.label_already_yours"
    if line.refusal is Refusal.FEE_REQUIRED:
        return "line.label_fee_question"
    return words.refused


def _sentences(parts: Iterable[str]) -> str:
    """Parts joined as sentences: a full stop after each that has no end mark (a pause)."""
    out = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        out.append(part if part[-1] in ".!?…:" else f"{part}.")
    return " ".join(out)

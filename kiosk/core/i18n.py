"""Patron-facing text: gettext catalogues keyed by message ids, shared by screen and voice.

Message ids are stable keys (``attract.title``), not English sentences, so Indonesian and
English are two equal translations. Catalogues live in ``kiosk/locale/<lang>/LC_MESSAGES/
kiosk.po`` and are compiled to ``.mo`` with ``make catalogues`` (pybabel).
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.core.session import Notice

DOMAIN = "kiosk"
LANGUAGES = ("id", "en")
"""Supported languages, the first being the default (Bahasa Indonesia)."""
DEFAULT_LANGUAGE = LANGUAGES[0]
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

log = logging.getLogger(__name__)


class Translator:
    """Looks up patron-facing text in one language."""

    def __init__(self, language: str, locale_dir: Path = LOCALE_DIR) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; choose one of {LANGUAGES}")
        self.language = language
        self._catalogue = gettext.translation(DOMAIN, locale_dir, languages=[language])

    def __call__(self, key: str, **params: object) -> str:
        """Translate ``key`` and fill in ``{name}`` parameters."""
        return self._fill(key, self._catalogue.gettext(key), params)

    def plural(self, key: str, plural_key: str, count: int, **params: object) -> str:
        """Translate a message whose form depends on ``count`` (passed on as ``{count}``)."""
        text = self._catalogue.ngettext(key, plural_key, count)
        return self._fill(key, text, {"count": count, **params})

    def render(self, notice: Notice) -> str:
        """The text of a notice: its key and parameters, plural form chosen by its count."""
        params = dict(notice.params)
        if notice.plural_key is not None:
            text = self.plural(notice.key, notice.plural_key, notice.count, **params)
        else:
            text = self(notice.key, **params)
        return text if notice.then is None else f"{text} {self.render(notice.then)}"

    def texts(self) -> Texts:
        """A read-only view ``texts[key] -> text`` in this language, for kv screens."""
        return Texts(self)

    def fixed_texts(self) -> list[str]:
        """Every text of this language's catalogue that has no ``{placeholder}``, in key order.

        What the kiosk can say before any patron arrives: the voice pre-renders these.
        """
        catalogue: dict[object, str] = getattr(self._catalogue, "_catalog", {})
        keys = sorted(k for k in catalogue if isinstance(k, str) and k)  # "" is the header
        return [catalogue[k] for k in keys if catalogue[k].strip() and "{" not in catalogue[k]]

    def date(self, day: dt.date) -> str:
        """A date the way patrons read it: ``5 Desember 2026`` / ``5 December 2026``."""
        month = self(f"month.{day.month}")
        return self("date.long", day=day.day, month=month, year=day.year)

    def _fill(self, key: str, text: str, params: dict[str, object]) -> str:
        if text == key:
            log.warning("message %s has no %s translation", key, self.language)
        shown = {
            name: self.date(value) if isinstance(value, dt.date) else value
            for name, value in params.items()
        }
        try:
            return text.format(**shown)
        except (KeyError, IndexError, ValueError):
            log.warning(
                "message %s (%s) needs other parameters than %s", key, self.language, sorted(params)
            )
            return text


class Texts:
    """Static texts of one language by key; a new object per language switch, so screens
    bound to it refresh. Any key in the catalogue works: screens need no list of keys."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator

    def __getitem__(self, key: str) -> str:
        return self.translator(key)


def rupiah(amount: int) -> str:
    """An amount of money the Indonesian way in every language: ``Rp 3.000``, ``Rp 75.500``.

    Patrons pay in Rupiah at the desk whatever the screen's language, so the amount reads
    as on the library's receipts: a dot between thousands, no decimals.
    """
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


def translators(locale_dir: Path = LOCALE_DIR) -> dict[str, Translator]:
    """One translator per supported language, loaded once at start."""
    return {language: Translator(language, locale_dir) for language in LANGUAGES}

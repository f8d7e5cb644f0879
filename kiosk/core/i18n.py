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

    def date(self, day: dt.date) -> str:
        """A date the way patrons read it: ``5 Desember 2026`` / ``5 December 2026``."""
        month = self(f"month.{day.month}")
        return self("date.long", day=day.day, month=month, year=day.year)

    def _fill(self, key: str, text: str, params: dict[str, object]) -> str:
        if text == key:
            log.warning("message %s has no %s translation", key, self.language)
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            log.warning(
                "message %s (%s) needs other parameters than %s", key, self.language, sorted(params)
            )
            return text


def translators(locale_dir: Path = LOCALE_DIR) -> dict[str, Translator]:
    """One translator per supported language, loaded once at start."""
    return {language: Translator(language, locale_dir) for language in LANGUAGES}

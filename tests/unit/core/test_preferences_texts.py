"""The settings screen names every setting this kiosk has in words, in both languages.

Its entries are built from names (``settings.theme.<name>``), so the i18n test's search
for keys in the code cannot see them: this test goes through every name there is.
"""

from __future__ import annotations

import pytest

from accessibility.themes import TEXT_STEPS, THEMES
from kiosk.core.i18n import LANGUAGES, Translator


def names() -> list[str]:
    keys = [f"settings.language.{language}" for language in LANGUAGES]
    keys += [f"settings.text_size.{step.name}" for step in TEXT_STEPS]
    keys += [f"settings.theme.{name}" for name in THEMES]
    return [*keys, "settings.voice.on", "settings.voice.off"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", names())
def test_every_setting_has_its_words(language: str, key: str) -> None:
    assert Translator(language)(key) != key

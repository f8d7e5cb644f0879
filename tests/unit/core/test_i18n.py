"""Patron-facing text: the catalogues are complete, compiled, consistent, and used correctly."""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from kiosk.core import i18n
from kiosk.core.i18n import LANGUAGES, LOCALE_DIR, Translator, translators
from kiosk.core.model import FineReason, Refusal
from kiosk.core.services import navigation
from kiosk.core.services.account_view import RENEW_REFUSALS
from kiosk.core.services.borrow import ITEM_REFUSALS, SIGN_IN_REFUSALS

REPO = Path(__file__).resolve().parents[3]
PACKAGE = REPO / "kiosk"

# The same text in both languages is right for these (and never equal to the key).
SAME_IN_BOTH = {
    "common.ok",  # "OK"
    "receipt.ok_mark",  # " (OK)": the keypad's OK key, after the choice OK picks
    "keypad.enter",  # "Enter", the key's label
    "date.long",  # "{day} {month} {year}"
    "line.unknown_title",  # "Barcode {barcode}": the catalogue uses "barcode" in Indonesian
    "month.4",  # April
    "month.9",  # September
    "month.11",  # November
    "guestbook.purpose.internet",  # "Internet"
    "guestbook.education.diploma",  # "Diploma"
}

# How code names a message: the first argument(s) of these calls, and texts['key'].
KEY_CALLS = {"t": 1, "N_": 1, "Notice": 1, "of": 1, "counted": 2, "plural": 2}
KV_KEY = re.compile(r"""\b(?:texts\[|\bt\()\s*['"]([^'"]+)['"]""")


def _po(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "kiosk.po").open("rb") as f:
        return read_po(f, locale=language)


def _mo_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "kiosk.mo"


def _messages(catalog: Catalog) -> dict[str | tuple[str, ...], str | tuple[str, ...]]:
    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id}


def _keys(catalog: Catalog) -> set[str]:
    """Every message id, counting a plural message's singular and plural ids."""
    keys: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        keys.update(message.id if isinstance(message.id, tuple) else (message.id,))
    return keys


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return text if isinstance(text, tuple) else (text,)


def _placeholders(text: str | tuple[str, ...]) -> set[str]:
    return {
        field
        for form in _forms(text)
        for _, field, _, _ in string.Formatter().parse(form)
        if field is not None
    }


CATALOGS = {language: _po(language) for language in LANGUAGES}


def test_languages_are_indonesian_first_then_english() -> None:
    assert LANGUAGES == ("id", "en")
    assert i18n.DEFAULT_LANGUAGE == "id"


def test_both_languages_have_the_same_message_ids() -> None:
    ids = _messages(CATALOGS["id"]).keys()
    en = _messages(CATALOGS["en"]).keys()
    assert set(ids) - set(en) == set(), "only in Indonesian"
    assert set(en) - set(ids) == set(), "only in English"
    assert len(ids) > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_empty_or_its_own_key(language: str) -> None:
    for key, text in _messages(CATALOGS[language]).items():
        keys = key if isinstance(key, tuple) else (key,)
        for form in _forms(text):
            assert form.strip(), f"{language}: {key} is empty"
            assert form not in keys, f"{language}: {key} is untranslated"


@pytest.mark.parametrize("language", LANGUAGES)
def test_fixed_texts_are_the_catalogue_without_placeholders(language: str) -> None:
    translator = Translator(language)
    fixed = translator.fixed_texts()
    assert translator("attract.title") in fixed
    assert all("{" not in text and text.strip() for text in fixed)
    assert not any(text.startswith("Project-Id-Version") for text in fixed)
    # Every key, placeholder or not, is either pre-renderable or needs its parameters.
    catalogue = read_po((LOCALE_DIR / language / "LC_MESSAGES" / "kiosk.po").open("rb"))
    plain = [m for m in catalogue if m.id and isinstance(m.id, str) and "{" not in m.string]
    assert len(fixed) == len(plain)


def test_languages_differ_except_where_the_words_are_the_same() -> None:
    en = _messages(CATALOGS["en"])
    same = {key for key, text in _messages(CATALOGS["id"]).items() if en.get(key) == text}
    assert same == SAME_IN_BOTH


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_mo_matches_the_po(language: str) -> None:
    po = CATALOGS[language]
    with _mo_path(language).open("rb") as f:
        mo = read_mo(f)
    assert _messages(mo) == _messages(po), "run `make catalogues`"

    with _mo_path(language).open("rb") as f:
        loaded = gettext.GNUTranslations(f)
    plural_index = gettext.c2py(po.plural_expr)
    for message in po:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            for n in (0, 1, 2, 5, 21):
                expected = message.string[plural_index(n)]
                assert loaded.ngettext(singular, plural, n) == expected, (message.id, n)
        else:
            assert loaded.gettext(message.id) == message.string, message.id


def test_plural_forms_match_the_language() -> None:
    assert CATALOGS["en"].num_plurals == 2
    assert CATALOGS["id"].num_plurals == 1
    for language, catalog in CATALOGS.items():
        for message in catalog:
            if message.id and isinstance(message.id, tuple):
                assert len(message.string) == catalog.num_plurals, (language, message.id)


def test_placeholders_are_the_same_in_both_languages() -> None:
    en = _messages(CATALOGS["en"])
    for key, text in _messages(CATALOGS["id"]).items():
        assert _placeholders(text) == _placeholders(en[key]), key


def keys_in_python(source: str) -> set[str]:
    """Message keys a Python source names: ``t("k")``, ``Notice("k")``, ``Notice.of("k")``,
    ``Notice.counted("k", "k_plural", n)``, ``t.plural(...)`` and ``texts["k"]``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            for arg in node.args[: KEY_CALLS.get(name, 0)]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
        elif isinstance(node, ast.Subscript):
            target = node.value
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
            key = node.slice
            if name == "texts" and isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.add(key.value)
    return found


def keys_in_kv(source: str) -> set[str]:
    return set(KV_KEY.findall(source))


def _keys_used_in_code() -> set[str]:
    used = set()
    for path in PACKAGE.rglob("*.py"):
        used |= keys_in_python(path.read_text(encoding="utf-8"))
    for path in PACKAGE.rglob("*.kv"):
        used |= keys_in_kv(path.read_text(encoding="utf-8"))
    used |= {f"refusal.{refusal.value}" for refusal in Refusal}  # f"refusal.{...}" in code
    # refusal_notice(): every refusal is followed by what to do next, by where it happens
    used |= {f"next.card.{refusal.value}" for refusal in SIGN_IN_REFUSALS}
    used |= {f"next.item.{refusal.value}" for refusal in ITEM_REFUSALS}
    # account_view.renewal_refusal(): a refused renewal says what to do next
    used |= {f"next.renew.{refusal.value}" for refusal in RENEW_REFUSALS} | {"next.renew.other"}
    used |= {f"account.fine_reason.{reason.value}" for reason in FineReason}
    used |= {  # sign_in_states(): each service that signs a patron in names itself
        f"signin.service.{name}"
        for name, service in navigation().services.items()
        if f"{name}.pin" in service.states
    }
    # KioskViewModel.show_help(): every screen explains itself
    used |= {f"help.{screen}" for screen in navigation().screens}
    # SpokenModel.screen(): every screen says what it is for when voice guidance is on
    used |= {f"voice.{screen}" for screen in navigation().screens}
    return used


def test_keys_are_found_whatever_their_prefix() -> None:
    """A new service's keys (any prefix) are checked as soon as code uses them."""
    python = (
        'vm.t("return.title")\nNotice.of("guest.name_too_long", limit=80)\n'
        'Notice.counted("gate.count", "gate.count_plural", 3)\nt.plural("a.one", "a.many", 2)\n'
        'app.texts["account.fines"]\nNotice("x.y")\n"not.a_key"\nlog.info("kiosk.sqlite3")\n'
    )
    assert keys_in_python(python) == {
        "return.title", "guest.name_too_long", "gate.count", "gate.count_plural",
        "a.one", "a.many", "account.fines", "x.y",
    }  # fmt: skip
    kv = "text: app.vm.texts['return.prompt']\ntext: app.vm.state_texts['card']\n"
    assert keys_in_kv(kv) == {"return.prompt"}


def test_every_key_used_in_the_code_is_in_both_catalogues() -> None:
    used = _keys_used_in_code()
    assert len(used) > 40, "the scan for message keys found almost nothing"
    for language, catalog in CATALOGS.items():
        missing = used - _keys(catalog)
        assert missing == set(), f"{language} lacks {sorted(missing)}"


# --- Translator ------------------------------------------------------------------------


def test_translator_fills_parameters() -> None:
    assert Translator("en")("scan.greeting", name="Siti") == "Hello, Siti"
    assert Translator("en")("pin.card", last4="1234") == "Card ending in 1234"
    assert "Siti" in Translator("id")("scan.greeting", name="Siti")


def test_translator_languages_give_different_text() -> None:
    assert Translator("id")("attract.title") == "Selamat datang di perpustakaan"
    assert Translator("en")("attract.title") == "Welcome to the library"


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "You borrowed 1 book."),
        ("en", 3, "You borrowed 3 books."),
        ("en", 0, "You borrowed 0 books."),
        ("id", 1, "Anda meminjam 1 buku."),
        ("id", 3, "Anda meminjam 3 buku."),
    ],
)
def test_plural(language: str, count: int, expected: str) -> None:
    text = Translator(language).plural("summary.count", "summary.count_plural", count)
    assert text == expected


@pytest.mark.parametrize(
    ("language", "day", "expected"),
    [
        ("id", dt.date(2026, 12, 5), "5 Desember 2026"),
        ("en", dt.date(2026, 12, 5), "5 December 2026"),
        ("id", dt.date(2027, 1, 31), "31 Januari 2027"),
        ("en", dt.date(2026, 8, 17), "17 August 2026"),
        ("id", dt.date(2026, 8, 17), "17 Agustus 2026"),
    ],
)
def test_date(language: str, day: dt.date, expected: str) -> None:
    assert Translator(language).date(day) == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_month_has_a_name(language: str) -> None:
    t = Translator(language)
    names = [t(f"month.{month}") for month in range(1, 13)]
    assert len(set(names)) == 12
    assert not any(name.startswith("month.") for name in names)


@pytest.mark.parametrize("language", ["fr", "", "ID", "en_US"])
def test_unsupported_language_raises(language: str) -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        Translator(language)


def test_missing_parameter_shows_the_text_rather_than_crashing() -> None:
    assert Translator("en")("scan.greeting") == "Hello, {name}"


def test_unknown_key_comes_back_as_the_key() -> None:
    assert Translator("en")("attract.no_such_message") == "attract.no_such_message"


def test_translators_has_one_per_language() -> None:
    loaded = translators()
    assert set(loaded) == set(LANGUAGES)
    assert all(loaded[language].language == language for language in LANGUAGES)

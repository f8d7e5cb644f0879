"""[guestbook] and [guestbook.labels]: the policy the guest book and the store follow, and
one-line errors for codes, labels, ranges and the visitor key (never echoed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import config
from kiosk.core import visits

SECRET = "s3cret-visitor-key-0123456789abcdef"  # 35 characters


def _load(tmp_path: Path, text: str) -> config.Config:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return config.load(path)


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(config.ConfigError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults_offer_every_built_in_code_and_ask_every_list() -> None:
    policy = config.defaults().guestbook
    assert policy.enabled and policy.keep_names and policy.groups
    assert not policy.send_names
    assert (policy.retention_days, policy.repeat_window_minutes) == (90, 240)
    assert dict(policy.lists) == visits.DEFAULT_CODES
    assert policy.asked == frozenset(visits.ASKABLE)
    assert policy.visitor_key == ""
    assert policy == visits.default_policy()


@pytest.mark.parametrize(
    ("list_name", "code", "indonesian", "english"),
    [
        ("purpose", "study", "Belajar atau mengerjakan tugas", "Study or homework"),
        ("sex", "female", "Perempuan", "Female"),
        ("age_band", "0_12", "0-12 tahun", "0-12 years"),
        ("education", "senior_high", "SMA/SMK", "Senior high or vocational school"),
        ("occupation", "military_police", "TNI/Polri", "Military or police"),
    ],
)
def test_built_in_codes_read_from_both_catalogues(
    list_name: str, code: str, indonesian: str, english: str
) -> None:
    policy = config.defaults().guestbook
    assert policy.label(list_name, code, "id") == indonesian
    assert policy.label(list_name, code, "en") == english


def test_every_default_code_has_a_text_in_both_languages() -> None:
    policy = visits.default_policy()
    for language in ("id", "en"):
        for list_name, codes in visits.DEFAULT_CODES.items():
            for code in codes:
                text = policy.label(list_name, code, language)
                assert text and text != visits.catalogue_key(list_name, code)


def test_a_librarys_own_codes_lists_and_labels(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        "[guestbook]\n"
        'purposes = ["reading", "makerspace"]\nask = ["sex"]\nkeep_names = false\n'
        "retention_days = 30\nrepeat_window_minutes = 0\nsend_names = true\ngroups = false\n"
        f'visitor_key = "{SECRET}"\n'
        "[guestbook.labels]\n"
        '"purpose.makerspace" = { id = "Ruang kreasi", en = "Makerspace" }\n'
        '"sex.male" = { id = "Pria", en = "Man" }\n',
    )
    policy = cfg.guestbook
    assert policy.lists["purpose"] == ("reading", "makerspace")
    assert policy.lists["sex"] == ("male", "female")
    assert policy.asked == frozenset({"sex"})
    assert (policy.keep_names, policy.send_names, policy.groups) == (False, True, False)
    assert (policy.retention_days, policy.repeat_window_minutes) == (30, 0)
    assert policy.visitor_key == SECRET
    assert SECRET not in repr(policy) and SECRET not in repr(cfg)
    assert policy.label("purpose", "makerspace", "id") == "Ruang kreasi"
    assert policy.label("purpose", "makerspace", "en") == "Makerspace"
    assert policy.label("sex", "male", "id") == "Pria"  # the library's word wins
    assert policy.label("sex", "female", "id") == "Perempuan"


def test_example_labels_table_parses_once_its_code_is_offered() -> None:
    lines = config_example_lines()
    labels = [line[1:] for line in lines if line.startswith('#"') or line == "#[guestbook.labels]"]
    assert labels[0] == "[guestbook.labels]" and len(labels) == 2
    text = '[guestbook]\npurposes = ["reading", "makerspace"]\n' + "\n".join(labels)
    import tomllib

    cfg = config.from_mapping(tomllib.loads(text), source=None)
    assert cfg.guestbook.label("purpose", "makerspace", "en") == "Makerspace"


def config_example_lines() -> list[str]:
    example = Path(__file__).resolve().parents[2] / "deploy" / "kiosk.example.toml"
    return example.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'purposes = ["Reading"]',
            "[guestbook] purposes: use only codes of 1 to 32 lower-case letters, digits and '_'",
        ),
        (
            'sexes = ["male", "x y"]',
            "[guestbook] sexes: use only codes of 1 to 32 lower-case letters",
        ),
        ('age_bands = ["' + "a" * 33 + '"]', "[guestbook] age_bands: must be at most 32"),
        ("educations = []", "[guestbook] educations: give at least one code"),
        ('occupations = ["other", "other"]', "[guestbook] occupations: other is listed twice"),
        (
            'purposes = ["reading", "makerspace"]',
            '[guestbook] purposes: makerspace has no text; add "purpose.makerspace" = '
            '{ id = "...", en = "..." } to [guestbook.labels]',
        ),
        ('ask = ["purpose"]', "[guestbook] ask: expected some of sex, age_band,"),
        ("retention_days = 0", "[guestbook] retention_days: must be at least 1, got 0"),
        ("retention_days = 3651", "[guestbook] retention_days: must be at most 3650"),
        ("repeat_window_minutes = -1", "[guestbook] repeat_window_minutes: must be at least 0"),
        ("repeat_window_minutes = 1441", "[guestbook] repeat_window_minutes: must be at most 1440"),
        ('keep_names = "no"', "[guestbook] keep_names: expected true or false"),
        ("speed = 1", "unknown key [guestbook] speed; allowed keys: enabled,"),
    ],
)
def test_bad_guestbook_values_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    assert message in _error(tmp_path, f"[guestbook]\n{text}\n")


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (
            '"purpose.makerspace" = { id = "Ruang kreasi" }',
            '[guestbook.labels] \'purpose.makerspace\': expected { id = "...", en = "..." }, '
            "both languages",
        ),
        (
            '"purpose.makerspace" = { id = "Ruang kreasi", en = "" }',
            "[guestbook.labels] 'purpose.makerspace' en: expected the text",
        ),
        (
            '"purpose.makerspace" = { id = "Ruang\\u001bkreasi", en = "Makerspace" }',
            "[guestbook.labels] 'purpose.makerspace' id: must not contain control characters",
        ),
        (
            '"colour.red" = { id = "Merah", en = "Red" }',
            "[guestbook.labels] 'colour.red': name a code as \"<list>.<code>\"",
        ),
        (
            '"purpose.cinema" = { id = "Bioskop", en = "Cinema" }',
            "[guestbook.labels] 'purpose.cinema': cinema is not offered in [guestbook] purposes",
        ),
    ],
)
def test_bad_labels_are_one_line(tmp_path: Path, labels: str, message: str) -> None:
    text = f'[guestbook]\npurposes = ["reading", "makerspace"]\n[guestbook.labels]\n{labels}\n'
    assert message in _error(tmp_path, text)


def test_a_short_visitor_key_is_refused_without_showing_it(tmp_path: Path) -> None:
    message = _error(tmp_path, '[guestbook]\nvisitor_key = "short-secret-123"\n')
    assert "[guestbook] visitor_key: must be at least 32 characters (got 16" in message
    assert "short-secret-123" not in message


def test_a_visitor_key_with_a_control_character_is_refused_without_showing_it(
    tmp_path: Path,
) -> None:
    message = _error(tmp_path, f'[guestbook]\nvisitor_key = "{SECRET}\\u0007"\n')
    assert "[guestbook] visitor_key: must not contain control characters" in message
    assert SECRET not in message and "not shown: it is a secret" in message


def test_labels_must_be_a_table(tmp_path: Path) -> None:
    message = _error(tmp_path, '[guestbook]\nlabels = "x"\n')
    assert "guestbook.labels must be a [guestbook.labels] table" in message


def test_a_visitor_key_in_a_file_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[guestbook]\nvisitor_key = "{SECRET}"\n', encoding="utf-8")
    path.chmod(0o644)
    with pytest.raises(config.ConfigError) as caught:
        config.load(path)
    assert "holds the [guestbook] visitor_key but other users may read it (mode 644)" in str(
        caught.value
    )
    assert SECRET not in str(caught.value)

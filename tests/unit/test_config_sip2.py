"""[sip2]: presets, explicit keys over presets, credentials from the environment, and the
refusal of a config file that holds a password others can read."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import config
from kiosk.bootstrap import ILS_BACKENDS, sip2_settings


def load_text(tmp_path: Path, text: str, mode: int = 0o600) -> config.Config:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return config.load(path)


def test_defaults_are_sip2_standard() -> None:
    sip2 = config.defaults().sip2
    assert (sip2.preset, sip2.port, sip2.terminator, sip2.checksums) == ("", 6001, "CR", True)
    assert (sip2.encoding, sip2.patron_verification, sip2.fees) == ("utf-8", "pin", "ask")
    assert "sip2" in ILS_BACKENDS


@pytest.mark.parametrize("name", sorted(set(config.SIP2_PRESETS) - {""}))
def test_each_preset_fills_its_keys(tmp_path: Path, name: str) -> None:
    loaded = load_text(tmp_path, f'[sip2]\npreset = "{name}"\n').sip2
    for key, value in config.SIP2_PRESETS[name].items():
        assert getattr(loaded, key) == value


def test_folio_preset_and_explicit_keys_win(tmp_path: Path) -> None:
    folio = load_text(tmp_path, '[sip2]\npreset = "folio"\n').sip2
    assert (folio.port, folio.tls, folio.checksums, folio.encoding) == (6443, True, False, "cp850")
    mine = load_text(tmp_path, '[sip2]\npreset = "folio"\nport = 7000\nchecksums = true\n').sip2
    assert (mine.port, mine.tls, mine.checksums) == (7000, True, True)


def test_unknown_preset_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=r"\[sip2\] preset: expected one of"):
        load_text(tmp_path, '[sip2]\npreset = "alma"\n')


def test_a_password_readable_by_others_refuses_to_start(tmp_path: Path) -> None:
    text = '[sip2]\nuser = "kiosk"\npassword = "s3cret"\n'
    with pytest.raises(config.ConfigError, match="chmod 600") as refused:
        load_text(tmp_path, text, mode=0o644)
    assert "s3cret" not in str(refused.value)
    with pytest.raises(config.ConfigError, match="chmod 600"):
        load_text(tmp_path, text, mode=0o640)
    assert load_text(tmp_path, text, mode=0o600).sip2.user == "kiosk"
    assert load_text(tmp_path, '[sip2]\nuser = "kiosk"\n', mode=0o644).sip2.user == "kiosk"


def test_password_is_never_in_the_settings_repr(tmp_path: Path) -> None:
    loaded = load_text(tmp_path, '[sip2]\npassword = "s3cret"\n')
    assert "s3cret" not in repr(loaded)
    options, _ = sip2_settings(loaded)
    assert "s3cret" not in repr(options)


def test_credentials_from_the_environment_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_text(tmp_path, '[ils]\nbackend = "sip2"\n[sip2]\nuser = "file"\n')
    monkeypatch.setenv(config.SIP2_USER_ENV, "env-user")
    monkeypatch.setenv(config.SIP2_PASSWORD_ENV, "env-password")
    options, policy = sip2_settings(loaded)
    assert (options.user, options.password) == ("env-user", "env-password")
    assert policy.verify_pin is True


def test_sip2_backend_needs_a_host(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=r"\[sip2\] host"):
        load_text(tmp_path, '[ils]\nbackend = "sip2"\n[sip2]\nhost = " "\n')


@pytest.mark.parametrize("key", ["password", "terminal_password"])
@pytest.mark.parametrize(
    "written",
    ['"s3cr3tPW\\u0000"', '["s3cr3tPW"]', f'"s3cr3tPW{"x" * 300}"', '"s3cr3tPW\\u001b[2J"'],
    ids=["control character", "array", "too long", "escape sequence"],
)
def test_a_bad_password_is_named_but_never_echoed(tmp_path: Path, key: str, written: str) -> None:
    """Attack trial: a password with a NUL, or written as an array, came back in the
    error line the kiosk prints (and the journal keeps)."""
    with pytest.raises(config.ConfigError, match=rf"\[sip2\] {key}: ") as refused:
        load_text(tmp_path, f"[sip2]\n{key} = {written}\n")
    assert "s3cr3tPW" not in str(refused.value)
    assert "secret" in str(refused.value)


@pytest.mark.parametrize("name", ["ca_file", "client_cert"])
def test_a_missing_tls_file_is_named_at_start(tmp_path: Path, name: str) -> None:
    """Attack trial: a missing CA file started the kiosk, and the first patron found out."""
    missing = tmp_path / "nowhere" / "ca.pem"
    text = (
        f'[ils]\nbackend = "sip2"\n[sip2]\nhost = "sip.example"\ntls = true\n{name} = "{missing}"\n'
    )
    with pytest.raises(config.ConfigError, match=rf"\[sip2\] {name}: no such file") as refused:
        load_text(tmp_path, text)
    assert str(missing) in str(refused.value)

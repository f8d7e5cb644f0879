"""The start-up banner: the demo card and PIN are printed only with the demo library."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from kiosk import config
from kiosk.bootstrap import RunOptions, _print_banner


def banner(cfg: config.Config) -> str:
    out = io.StringIO()
    options = RunOptions(config=cfg, data_dir=Path("/var/lib/library-kiosk"))
    _print_banner(out, options, "/dev/ttyACM0", False, Path("/var/lib/library-kiosk/screens"))
    return out.getvalue()


def test_demo_library_gets_the_demo_hint() -> None:
    text = banner(config.defaults())
    assert "Demo: card 23171000000010, PIN 1234" in text
    assert "  library: the demo library, over SIP2 on 127.0.0.1" in text


def test_a_library_system_is_named_by_its_address_never_its_password(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[ils]\nbackend = "sip2"\n[sip2]\nhost = "sip.perpus.example"\nport = 6443\n'
        'tls = true\nuser = "sc1"\npassword = "rahasia-9"\n'
    )
    path.chmod(0o600)
    text = banner(config.load(path))
    assert "  library: SIP2 at sip.perpus.example:6443 (TLS)" in text
    assert "rahasia-9" not in text and "sc1" not in text


def test_another_library_system_gets_no_demo_card_or_pin(tmp_path: Path) -> None:
    """A production kiosk's journal must not invite anyone to try a card and PIN."""
    path = tmp_path / "kiosk.toml"
    path.write_text('[kiosk]\nid = "branch-7"\nlibrary_name = "Perpustakaan Kota Medan"\n')
    production = config.load(path)
    production = replace(production, ils=replace(production.ils, backend="sip2"))
    text = banner(production)
    assert "Perpustakaan Kota Medan (branch-7)" in text
    assert "Demo" not in text and "PIN" not in text and "23171000000010" not in text


def test_paths_and_values_are_printed_escaped_on_their_own_lines() -> None:
    """A --data-dir with an escape and a newline cannot forge a banner line (attack trial)."""
    hostile = "/x\x1b[31m\nFAKE"
    cfg = config.defaults()
    # Values built in Python skip the file's validation: the banner escapes them itself.
    cfg = replace(cfg, kiosk=replace(cfg.kiosk, library_name="Kota\x07", id="k\r1"))
    out = io.StringIO()
    options = RunOptions(config=cfg, data_dir=Path(hostile), scanner_url=None)
    _print_banner(out, options, "sim://x\x1b[2J", True, Path(hostile) / "screens")
    lines = out.getvalue().splitlines()
    assert not any(line.startswith("FAKE") for line in lines), lines
    assert all(line.isprintable() for line in lines), lines
    assert "Library kiosk" in lines[0] and "Kota\\x07 (k\\r1)" in lines[0]
    assert "  data:    /x\\x1b[31m\\nFAKE" in lines
    assert "  scanner: sim://x\\x1b[2J" in lines
    assert "/x\\x1b[31m\\nFAKE/screens/current-screen.png" in out.getvalue()

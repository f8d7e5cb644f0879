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


def test_another_library_system_gets_no_demo_card_or_pin(tmp_path: Path) -> None:
    """A production kiosk's journal must not invite anyone to try a card and PIN."""
    path = tmp_path / "kiosk.toml"
    path.write_text('[kiosk]\nid = "branch-7"\nlibrary_name = "Perpustakaan Kota Medan"\n')
    production = config.load(path)
    # SIP2 is the next backend; the config accepts only "local" until it arrives.
    production = replace(production, ils=replace(production.ils, backend="sip2"))
    text = banner(production)
    assert "Perpustakaan Kota Medan (branch-7)" in text
    assert "Demo" not in text and "PIN" not in text and "23171000000010" not in text

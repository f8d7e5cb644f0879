"""The README tells the truth: its commands are the ones CI runs, its demo cards are real."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.ils.local.demo_data import demo_cards_markdown

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_the_demo_cards_the_demo_library_has() -> None:
    assert demo_cards_markdown() in README


def test_ci_runs_exactly_the_readme_test_command() -> None:
    commands = re.findall(r"^(\./dev \w+)", README, flags=re.MULTILINE)
    assert commands[:2] == ["./dev run", "./dev test"]
    ci = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ci[-1] == "exec ./dev test"


def test_readme_screenshots_exist() -> None:
    for picture in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", README):
        assert (ROOT / picture).stat().st_size > 10_000, picture

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


def test_readme_barcode_examples_match_the_pattern_it_gives() -> None:
    """`!code39 P00123` did not match the README's own example pattern `P[0-9]{6}`."""
    pattern = re.search(r"with a pattern such as `([^`]+)`", README)
    assert pattern is not None
    examples = re.findall(r"`!code(?:39|128) (\S+)`", README)
    assert examples
    for example in examples:
        assert re.fullmatch(pattern.group(1), example), example


def test_readme_says_where_a_reset_cannot_be_told_from_a_wrap() -> None:
    """Each promise that a reset loses or doubles nobody names the documented limit."""
    text = " ".join(README.split())
    promises = [
        m.start()
        for m in re.finditer(r"without losing or doubling anyone|across a counter reset", text)
    ]
    assert promises
    for at in promises:
        assert "reads as a wrap" in text[at : at + 200], text[at : at + 200]

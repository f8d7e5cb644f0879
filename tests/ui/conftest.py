"""UI test settings: where the screenshot tour leaves its pictures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SCREENSHOT_DIR = Path(
    os.environ.get("KIOSK_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "screenshots")
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    pictures = sorted(SCREENSHOT_DIR.glob("*.png")) if SCREENSHOT_DIR.is_dir() else []
    if pictures:
        terminalreporter.write_line(f"screenshots: {len(pictures)} PNG files in {SCREENSHOT_DIR}")

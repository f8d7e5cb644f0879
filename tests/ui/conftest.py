"""UI test settings: where the screenshot tour leaves its pictures."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

SCREENSHOT_DIR = Path(
    os.environ.get("KIOSK_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "screenshots")
)
STARTED = time.time()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    found = SCREENSHOT_DIR.glob("*.png") if SCREENSHOT_DIR.is_dir() else []
    pictures = [picture for picture in found if picture.stat().st_mtime >= STARTED]
    if pictures:
        terminalreporter.write_line(f"screenshots: {len(pictures)} PNG files in {SCREENSHOT_DIR}")

"""Acceptance: however a session ends, nothing of its patron is left on the kiosk.

GIVEN Sutrisno signed in on the real offscreen kiosk and borrowed two books, WHEN the
session ends by Finish (summary, then Done), by the inactivity timeout, by Cancel, or by
the next patron's card, THEN no widget alive in the process (shown or not, cached or
not) and nothing reachable from the view-model holds his name, his card number or the
titles he borrowed. (See session_end_probe.py for how the search is done.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from ui.screen_probe import MARKER

PROBE = Path(__file__).with_name("session_end_probe.py")


def run_ending(ending: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kiosk-end-") as tmp:
        env = {**os.environ, "KIVY_HOME": str(Path(tmp) / "kivy")}
        env.pop("KIOSK_CONFIG", None)
        done = subprocess.run(
            [sys.executable, str(PROBE), f"end-{ending}", "--data", tmp],
            capture_output=True, text=True, env=env, timeout=180, check=False,
        )  # fmt: skip
    for line in done.stdout.splitlines():
        if line.startswith(MARKER):
            return dict(json.loads(line[len(MARKER) :]))
    raise AssertionError(f"probe end-{ending} failed ({done.returncode}):\n{done.stderr[-4000:]}")


@pytest.mark.parametrize(
    ("ending", "screen"),
    [("finish", "rate"), ("timeout", "idle"), ("cancel", "idle"), ("new_card", "borrow.scanning")],
)
def test_no_trace_of_the_previous_patron(ending: str, screen: str) -> None:
    found = run_ending(ending)
    assert found["screen"] == screen
    assert found["traces"] == []


def test_the_search_finds_the_patron_while_the_summary_is_shown() -> None:
    """The control: with his summary on screen, each secret is found in a widget and in
    the view-model, so an empty search above means gone, not unseen."""
    found = run_ending("summary_shown")
    assert found["screen"] == "borrow.summary"
    for secret in ("Sutrisno", "Laskar Pelangi", "The Little Prince"):
        assert any(
            f"{secret!r} in" in trace and not trace.startswith("vm") for trace in found["traces"]
        )
        assert any(
            f"{secret!r} in" in trace and trace.startswith("vm") for trace in found["traces"]
        )
    assert any("'23171000000010' in" in trace for trace in found["traces"])  # in the session


@pytest.mark.parametrize(
    ("ending", "screen"),
    [
        ("account_finish", "rate"),
        ("account_timeout", "idle"),
        ("account_cancel", "idle"),
        ("account_new_card", "borrow.scanning"),
    ],
)
def test_no_trace_of_the_previous_patrons_account(ending: str, screen: str) -> None:
    """Dewi's account (name, card, titles of her loans, her fines) is gone however her
    session ends; the control below shows the search finds each while it is shown."""
    found = run_ending(ending)
    assert found["screen"] == screen
    assert found["traces"] == []


def test_the_search_finds_the_account_while_it_is_shown() -> None:
    found = run_ending("account_shown")
    assert found["screen"] == "account.overview"
    for secret in ("Dewi Anggraini", "Hujan Bulan Juni", "Sang Pemimpi", "Rp 20.000"):
        assert any(
            f"{secret!r} in" in trace and not trace.startswith("vm") for trace in found["traces"]
        ), secret
        assert any(
            f"{secret!r} in" in trace and trace.startswith("vm") for trace in found["traces"]
        ), secret
    assert any("'23171000010019' in" in trace for trace in found["traces"])  # in the session

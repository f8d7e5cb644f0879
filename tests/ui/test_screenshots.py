"""The screenshot tour: every state of ``tour_states.STATES`` in both languages, at 100 %
and 150 % text size, at 1920x1080 and 1280x800, checked for text a patron cannot read.

One child process, one window (``screen_probe.py tour``): each state is reached once and
the window is resized and switched around it. A PNG of every state and variant goes to
``KIOSK_SCREENSHOT_DIR`` (default ``screenshots/`` in the checkout; the count is printed at
the end of the run). ``python tools/readme_screenshots.py`` copies the README's from there.
"""

from __future__ import annotations

from typing import Any

import pytest
from ui.conftest import SCREENSHOT_DIR
from ui.screen_probe import TOUR_LANGUAGES, TOUR_SIZES, run_probe
from ui.tour_states import STATES

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def tour() -> dict[str, Any]:
    """One probe per window size (a window made at its size draws true pictures)."""
    found: dict[str, Any] = {"visited": {}, "defects": []}
    for width, height in TOUR_SIZES:
        size = f"{width}x{height}"
        one = run_probe("tour", "--size", size, "--out", str(SCREENSHOT_DIR), timeout=1200)
        found["visited"][size] = one["visited"]
        found["defects"] += one["defects"]
    return found


def test_the_tour_reaches_every_state(tour: dict[str, Any]) -> None:
    """GIVEN the table of states WHEN the tour drives the kiosk THEN it reaches each one on
    the screen the table names (a reach that goes astray is a finding, not a skip)."""
    names = [state.name for state in STATES]
    assert tour["visited"] == {f"{w}x{h}": names for w, h in TOUR_SIZES}


def test_no_text_is_clipped_shortened_overlapping_or_off_the_window(
    tour: dict[str, Any],
) -> None:
    """GIVEN every state, both languages, both text sizes, both window sizes THEN every
    label and button shows its whole text inside its box and the window, without an
    ellipsis, not over another text, and the state's own words are on the screen."""
    assert tour["defects"] == []


def test_every_state_and_variant_is_saved_as_a_picture(tour: dict[str, Any]) -> None:
    variants = [
        f"{language}-{text}-{width}x{height}"
        for width, height in TOUR_SIZES
        for language in TOUR_LANGUAGES
        for text in ("normal", "large")
    ]
    names = [state.name for state in STATES]
    names += [f"{state.name}-help" for state in STATES if state.help]
    missing = [
        f"{name}-{variant}.png"
        for name in names
        for variant in variants
        if not (SCREENSHOT_DIR / f"{name}-{variant}.png").stat().st_size > 10_000
    ]
    assert missing == []


def test_the_check_finds_each_kind_of_unreadable_text() -> None:
    """GIVEN labels made wrong on purpose (cut short, too tall, on top of each other, half
    off the window) and buttons (half under the notice strip, half off the window, words
    touching the border) THEN the tour's check names each, and none on the clean screen."""
    found = run_probe("layout_faults", "--language", "en")
    assert found["clean"] == []
    faults = "\n".join(found["faults"])
    assert "shortened: 'cut short by an ellipsis'" in faults
    assert "clipped: 'taller than its box second line third line'" in faults
    assert "overlap: 'one on top' and 'of the other'" in faults
    assert "outside the window: 'half off the window'" in faults
    buttons = "\n".join(found["button_faults"])
    assert "covered: 'under the strip' under " in buttons
    assert "cut by the screen's edge: 'under the strip'" in buttons
    assert "cut by the window: 'off the right edge'" in buttons
    assert "cramped: 'touching its border'" in buttons


def test_a_hidden_overlay_is_not_drawn_and_a_shown_one_is_drawn_on_top() -> None:
    """GIVEN Help and the idle warning hidden THEN neither is in the drawing (each would
    cost a full-window blend every frame); Help shown is drawn after the screen, and the
    window's clear colour is the theme's background (no full-window rectangle)."""
    found = run_probe("overlay_drawing")
    assert found["hidden"] == [-1, -1]
    main, help_panel, warning = found["help_shown"]
    assert help_panel > main >= 0 and warning == -1
    assert found["help_closed"] == -1
    assert found["clear_colour"] == pytest.approx(found["background"])

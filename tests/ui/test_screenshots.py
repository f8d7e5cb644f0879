"""The screenshot tour: every state of ``tour_states.STATES`` at 1920x1080 and 1280x800,
checked for text a patron cannot read: its layout in both languages at 100, 150 and
200 % text size, and its contrast in each of the four themes.

Theme does not change layout (the same fonts and sizes in every theme) and the text step
does not change colour, so the two are split: layout per (state, step, size, language)
with the default colours, contrast per (state, theme) in Indonesian at 100 % (each
window size's probe takes two of the themes; contrast does not depend on the size).

One child process and one window per size (``screen_probe.py tour``), both sizes at once:
each state is reached once and the language, text step and theme are switched around it.
A PNG of every state and variant goes to ``KIOSK_SCREENSHOT_DIR`` (default
``screenshots/`` in the checkout). ``python tools/readme_screenshots.py`` copies the
README's from there.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from ui.conftest import SCREENSHOT_DIR
from ui.screen_probe import TOUR_LANGUAGES, TOUR_SIZES, TOUR_THEMES, run_probe
from ui.tour_states import STATES

pytestmark = pytest.mark.ui

PERCENTS = (100, 150, 200)


def _one_size(width: int, height: int) -> dict[str, Any]:
    themes = ",".join(TOUR_THEMES[(width, height)])
    return run_probe(
        "tour", "--size", f"{width}x{height}", "--themes", themes, "--out", str(SCREENSHOT_DIR),
        timeout=2400,
    )  # fmt: skip


@pytest.fixture(scope="module")
def tour() -> dict[str, Any]:
    """One probe per window size (a window made at its size draws true pictures), run side
    by side: each is one process drawing in software, so two cores halve the wait."""
    with ThreadPoolExecutor(max_workers=len(TOUR_SIZES)) as pool:
        runs = list(pool.map(lambda size: _one_size(*size), TOUR_SIZES))
    found: dict[str, Any] = {"visited": {}, "defects": [], "contrast": []}
    for (width, height), one in zip(TOUR_SIZES, runs, strict=True):
        found["visited"][f"{width}x{height}"] = one["visited"]
        found["defects"] += one["defects"]
        found["contrast"] += one["contrast"]
    return found


def test_the_tour_reaches_every_state(tour: dict[str, Any]) -> None:
    """GIVEN the table of states WHEN the tour drives the kiosk THEN it reaches each one on
    the screen the table names (a reach that goes astray is a finding, not a skip)."""
    names = [state.name for state in STATES]
    assert tour["visited"] == {f"{w}x{h}": names for w, h in TOUR_SIZES}


def test_no_text_is_clipped_shortened_overlapping_or_off_the_window(
    tour: dict[str, Any],
) -> None:
    """GIVEN every state, both languages, 100, 150 and 200 %, both window sizes THEN every
    label and button shows its whole text inside its box and the window, without an
    ellipsis, not over another text, and the state's own words are on the screen."""
    assert tour["defects"] == []


def test_every_text_and_the_focus_ring_stand_out_in_every_theme(tour: dict[str, Any]) -> None:
    """GIVEN every state in each of the four themes THEN every text reaches 7:1 against
    the pixels drawn behind it, and the focus ring 3:1 against the pixels just inside and
    just outside it (``contrast_check``)."""
    assert sorted(name for themes in TOUR_THEMES.values() for name in themes) == sorted(
        ["default", "yellow_black", "white_black", "black_cream"]
    )
    assert tour["contrast"] == []


def test_every_state_and_variant_is_saved_as_a_picture(tour: dict[str, Any]) -> None:
    variants = [
        f"{language}-{percent}-{width}x{height}"
        for width, height in TOUR_SIZES
        for language in TOUR_LANGUAGES
        for percent in PERCENTS
    ]
    names = [state.name for state in STATES]
    names += [f"{state.name}-help" for state in STATES if state.help]
    wanted = [f"{name}-{variant}" for name in names for variant in variants]
    wanted += [  # one picture per state and theme
        f"{state.name}-{theme}-{w}x{h}"
        for (w, h), themes in TOUR_THEMES.items()
        for theme in themes
        for state in STATES
    ]
    missing = [
        f"{picture}.png"
        for picture in wanted
        if not (SCREENSHOT_DIR / f"{picture}.png").stat().st_size > 10_000
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

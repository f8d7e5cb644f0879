"""Colour themes keep every text pair on screen at WCAG AAA contrast; text steps are sane."""

from __future__ import annotations

import pytest

from accessibility.themes import (
    DEFAULT,
    TEXT_STEPS,
    THEMES,
    contrast_ratio,
    hex_colour,
    text_step,
)

AAA = 7.0

# (foreground, background): every pair that carries text on a kiosk screen.
PAIRS_ON_SCREEN = [
    ("text", "background"),
    ("text", "surface"),
    ("muted_text", "background"),
    ("muted_text", "surface"),
    ("on_primary", "primary"),
    ("on_danger", "danger"),
    ("success", "surface"),
    ("danger", "surface"),
    ("primary", "surface"),  # quiet buttons
    ("text", "focus"),  # pressed button, "still there?" warning bar
]


@pytest.mark.parametrize("theme", THEMES.values(), ids=list(THEMES))
@pytest.mark.parametrize(
    ("fg", "bg"), PAIRS_ON_SCREEN, ids=[f"{f}-on-{b}" for f, b in PAIRS_ON_SCREEN]
)
def test_text_pairs_meet_aaa_contrast(theme, fg: str, bg: str) -> None:
    ratio = contrast_ratio(getattr(theme, fg), getattr(theme, bg))
    assert ratio >= AAA, f"{theme.name}: {fg} on {bg} is {ratio:.2f}:1, needs {AAA}:1"


def test_default_theme_is_registered() -> None:
    assert THEMES["default"] is DEFAULT


@pytest.mark.parametrize(
    ("fg", "bg", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#000000", 21.0),
        ("#777777", "#777777", 1.0),
        ("#0b5c4b", "#0b5c4b", 1.0),
        # WCAG's own example threshold: #767676 on white is just over 4.5:1.
        ("#767676", "#ffffff", 4.54),
    ],
)
def test_contrast_ratio_known_values(fg: str, bg: str, expected: float) -> None:
    assert contrast_ratio(hex_colour(fg), hex_colour(bg)) == pytest.approx(expected, abs=0.01)


def test_contrast_ratio_is_symmetric() -> None:
    a, b = DEFAULT.text, DEFAULT.focus
    assert contrast_ratio(a, b) == pytest.approx(contrast_ratio(b, a))


def test_hex_colour_parses() -> None:
    assert hex_colour("#ffffff") == (1.0, 1.0, 1.0, 1.0)
    assert hex_colour("000000", alpha=0.5) == (0.0, 0.0, 0.0, 0.5)
    r, g, b, a = hex_colour("#1f6f5c")
    assert (round(r * 255), round(g * 255), round(b * 255), a) == (0x1F, 0x6F, 0x5C, 1.0)


@pytest.mark.parametrize(
    "bad", ["", "#", "#fff", "#1234567", "#gggggg", "#12 456", "#+1+2+3", " 12345", "blue!!"]
)
def test_hex_colour_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        hex_colour(bad)


def test_text_steps_are_normal_and_large() -> None:
    assert [(s.name, s.scale) for s in TEXT_STEPS] == [("normal", 1.0), ("large", 1.5)]
    assert text_step("normal").scale == 1.0
    assert text_step("large").scale == 1.5


def test_unknown_text_step_raises_key_error() -> None:
    with pytest.raises(KeyError):
        text_step("huge")

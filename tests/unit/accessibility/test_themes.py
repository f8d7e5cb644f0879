"""Colour themes keep every text pair on screen at WCAG AAA contrast; text steps are sane."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from accessibility.themes import (
    DEFAULT,
    RING_CONTRAST,
    RINGED_BUTTONS,
    RINGED_ON,
    TEXT_PAIRS,
    TEXT_STEPS,
    THEMES,
    Theme,
    contrast_ratio,
    hex_colour,
    ring_band,
    text_step,
)

AAA = 7.0


@pytest.mark.parametrize("theme", THEMES.values(), ids=list(THEMES))
@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS, ids=[f"{f}-on-{b}" for f, b in TEXT_PAIRS])
def test_text_pairs_meet_aaa_contrast(theme: Theme, fg: str, bg: str) -> None:
    ratio = contrast_ratio(getattr(theme, fg), getattr(theme, bg))
    assert ratio >= AAA, f"{theme.name}: {fg} on {bg} is {ratio:.2f}:1, needs {AAA}:1"


@pytest.mark.parametrize("theme", THEMES.values(), ids=list(THEMES))
@pytest.mark.parametrize("neighbour", RINGED_ON + RINGED_BUTTONS)
def test_the_focus_ring_stands_out_against_each_neighbour(theme: Theme, neighbour: str) -> None:
    """GIVEN any colour beside a ringed button or under its ring THEN the ring's band
    drawn next to it reaches 3:1 against it."""
    colour = getattr(theme, neighbour)
    band = ring_band(theme, colour)
    assert contrast_ratio(band, colour) >= RING_CONTRAST, f"{theme.name}: ring on {neighbour}"


def test_the_ring_band_is_the_one_that_contrasts() -> None:
    assert ring_band(DEFAULT, DEFAULT.background) == DEFAULT.focus_edge  # dark on light
    assert ring_band(DEFAULT, DEFAULT.primary) == DEFAULT.focus  # amber on dark green


def test_there_are_four_themes_and_every_role_is_opaque_but_scrim_and_clear() -> None:
    assert list(THEMES) == ["default", "yellow_black", "white_black", "black_cream"]
    for theme in THEMES.values():
        for role in fields(Theme):
            if role.name in ("name", "scrim", "clear"):
                continue
            assert getattr(theme, role.name)[3] == 1.0, f"{theme.name}.{role.name}"
        assert 0 < theme.scrim[3] < 1 and theme.clear[3] == 0


def test_every_text_pair_names_real_roles_and_every_text_role_is_checked() -> None:
    roles = {role.name for role in fields(Theme)}
    used = {name for pair in TEXT_PAIRS for name in pair}
    assert used <= roles
    # A role a kv file draws text in, absent from the pairs, would go unchecked.
    text_roles = {"text", "muted_text", "on_primary", "attention", "on_strong", "on_danger",
                  "on_pressed", "success", "danger"}  # fmt: skip
    assert text_roles <= {fg for fg, _bg in TEXT_PAIRS}


def test_a_too_light_text_colour_fails_the_check() -> None:
    """The check can fail: a grey that passes AA (4.5:1) but not AAA."""
    pale = replace(DEFAULT, muted_text=hex_colour("#767676"))
    assert contrast_ratio(pale.muted_text, pale.surface) < AAA


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
    a, b = DEFAULT.text, DEFAULT.pressed
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


def test_text_steps_are_100_150_and_200_percent() -> None:
    assert [(s.name, s.percent) for s in TEXT_STEPS] == [("100", 100), ("150", 150), ("200", 200)]
    assert [text_step(name).scale for name in ("100", "150", "200")] == [1.0, 1.5, 2.0]


def test_older_config_names_still_work() -> None:
    assert text_step("normal") is TEXT_STEPS[0]
    assert text_step("large") is TEXT_STEPS[1]  # large print was 150 %


def test_unknown_text_step_raises_key_error() -> None:
    with pytest.raises(KeyError):
        text_step("huge")

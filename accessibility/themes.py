"""Colour themes and text-size steps for the kiosk screens.

Colours are RGBA tuples in 0..1, as Kivy wants them, but nothing here imports Kivy.
Text sizes are given at the 100 % step in density-independent points; a step multiplies
them. The default theme keeps body text and its background at a contrast ratio of at least
7:1 (WCAG 2.x AAA, "enhanced contrast"); ``test_themes`` checks every pair that carries text.
"""

from __future__ import annotations

from dataclasses import dataclass

Rgba = tuple[float, float, float, float]


def hex_colour(code: str, alpha: float = 1.0) -> Rgba:
    """``"#1f6f5c"`` -> (r, g, b, a) in 0..1."""
    code = code.lstrip("#")
    if len(code) != 6 or any(c not in "0123456789abcdefABCDEF" for c in code):
        raise ValueError(f"expected #rrggbb, got {code!r}")
    r, g, b = (int(code[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


@dataclass(frozen=True)
class Theme:
    """Colours of every kind of surface and text on the kiosk."""

    name: str
    background: Rgba
    surface: Rgba
    text: Rgba
    muted_text: Rgba
    primary: Rgba
    on_primary: Rgba
    success: Rgba
    danger: Rgba
    on_danger: Rgba
    focus: Rgba


DEFAULT = Theme(
    name="default",
    background=hex_colour("#f6f4ef"),
    surface=hex_colour("#ffffff"),
    text=hex_colour("#1b1b1b"),
    muted_text=hex_colour("#4a4a4a"),
    primary=hex_colour("#0b5c4b"),
    on_primary=hex_colour("#ffffff"),
    success=hex_colour("#1d5e20"),
    danger=hex_colour("#a4161a"),
    on_danger=hex_colour("#ffffff"),
    focus=hex_colour("#ffbf00"),
)

THEMES = {DEFAULT.name: DEFAULT}


@dataclass(frozen=True)
class TextStep:
    """One text-size step: a name for the config and a multiplier for every font size."""

    name: str
    scale: float


TEXT_STEPS = (TextStep("normal", 1.0), TextStep("large", 1.5))
"""The steps a patron can switch between, smallest first. Large print is 150 %."""


def text_step(name: str) -> TextStep:
    """Find a text step by name.

    Raises:
        KeyError: no such step.
    """
    for step in TEXT_STEPS:
        if step.name == name:
            return step
    raise KeyError(name)


def contrast_ratio(foreground: Rgba, background: Rgba) -> float:
    """WCAG 2.x contrast ratio between two opaque colours (1.0 .. 21.0)."""

    def luminance(colour: Rgba) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b, _ = colour
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)

"""Colour themes and text-size steps for the kiosk screens.

Colours are RGBA tuples in 0..1, as Kivy wants them, but nothing here imports Kivy.
Text sizes are given at the 100 % step in density-independent points; a step multiplies
them. Every theme keeps each text colour and the background it is drawn on at a contrast
ratio of at least 7:1 (WCAG 2.x AAA, "enhanced contrast"); ``test_themes`` checks every
pair in :data:`TEXT_PAIRS`, which lists each pair the kv files draw.

The focus ring is two bands (``focus`` and ``focus_edge``, one light and one dark): the
ring shows, next to each of its neighbours (the colour outside the ring and the button it
rings), the band that contrasts with it, so it reaches 3:1 against both on any surface
(:func:`ring_band`). No single colour can: the default theme's white buttons and dark
green ones would need it both lighter and darker than 3:1 allows.
"""

from __future__ import annotations

from dataclasses import dataclass

Rgba = tuple[float, float, float, float]

CLEAR: Rgba = (0.0, 0.0, 0.0, 0.0)
"""Nothing drawn (a hidden notice strip, a hidden button's border)."""


def hex_colour(code: str, alpha: float = 1.0) -> Rgba:
    """``"#1f6f5c"`` -> (r, g, b, a) in 0..1."""
    code = code.lstrip("#")
    if len(code) != 6 or any(c not in "0123456789abcdefABCDEF" for c in code):
        raise ValueError(f"expected #rrggbb, got {code!r}")
    r, g, b = (int(code[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


@dataclass(frozen=True)
class Theme:
    """Colours of every kind of surface and text on the kiosk.

    ``on_x`` is the text drawn on ``x``. ``strong`` is the button that ends a step
    (Finish), apart from the keypad's ``primary``; ``pressed`` a button under a finger;
    ``attention`` "please wait" in the top bar (on ``primary``); ``scrim`` the dimming
    behind Help and the idle warning; ``clear`` draws nothing.
    """

    name: str
    background: Rgba
    surface: Rgba
    text: Rgba
    muted_text: Rgba
    primary: Rgba
    on_primary: Rgba
    strong: Rgba
    on_strong: Rgba
    success: Rgba
    danger: Rgba
    on_danger: Rgba
    pressed: Rgba
    on_pressed: Rgba
    attention: Rgba
    focus: Rgba
    focus_edge: Rgba
    scrim: Rgba
    clear: Rgba = CLEAR

    def ring_band(self, neighbour: Rgba) -> Rgba:
        """The focus ring's band to draw next to ``neighbour`` (see :func:`ring_band`)."""
        return ring_band(self, neighbour)


DEFAULT = Theme(
    name="default",
    background=hex_colour("#f6f4ef"),
    surface=hex_colour("#ffffff"),
    text=hex_colour("#1b1b1b"),
    muted_text=hex_colour("#4a4a4a"),
    primary=hex_colour("#0b5c4b"),
    on_primary=hex_colour("#ffffff"),
    strong=hex_colour("#1b1b1b"),
    on_strong=hex_colour("#ffffff"),
    success=hex_colour("#1d5e20"),
    danger=hex_colour("#a4161a"),
    on_danger=hex_colour("#ffffff"),
    pressed=hex_colour("#ffbf00"),
    on_pressed=hex_colour("#1b1b1b"),
    attention=hex_colour("#ffff00"),
    focus=hex_colour("#ffbf00"),
    focus_edge=hex_colour("#1b1b1b"),
    scrim=hex_colour("#000000", 0.55),
)

YELLOW_BLACK = Theme(
    name="yellow_black",
    background=hex_colour("#000000"),
    surface=hex_colour("#1c1c1c"),
    text=hex_colour("#ffff00"),
    muted_text=hex_colour("#e8e800"),
    primary=hex_colour("#ffff00"),
    on_primary=hex_colour("#000000"),
    strong=hex_colour("#ffffff"),
    on_strong=hex_colour("#000000"),
    success=hex_colour("#7cfc00"),
    danger=hex_colour("#ff9a9a"),
    on_danger=hex_colour("#000000"),
    pressed=hex_colour("#00ffff"),
    on_pressed=hex_colour("#000000"),
    attention=hex_colour("#000000"),
    focus=hex_colour("#00ffff"),
    focus_edge=hex_colour("#000000"),
    scrim=hex_colour("#000000", 0.75),
)

WHITE_BLACK = Theme(
    name="white_black",
    background=hex_colour("#000000"),
    surface=hex_colour("#1c1c1c"),
    text=hex_colour("#ffffff"),
    muted_text=hex_colour("#e0e0e0"),
    primary=hex_colour("#ffffff"),
    on_primary=hex_colour("#000000"),
    strong=hex_colour("#9e9e9e"),
    on_strong=hex_colour("#000000"),
    success=hex_colour("#a8ffa8"),
    danger=hex_colour("#ffb0b0"),
    on_danger=hex_colour("#000000"),
    pressed=hex_colour("#ffff00"),
    on_pressed=hex_colour("#000000"),
    attention=hex_colour("#000000"),
    focus=hex_colour("#00ffff"),
    focus_edge=hex_colour("#000000"),
    scrim=hex_colour("#000000", 0.75),
)

BLACK_CREAM = Theme(
    name="black_cream",
    background=hex_colour("#fff8dc"),
    surface=hex_colour("#fffdf3"),
    text=hex_colour("#000000"),
    muted_text=hex_colour("#333333"),
    primary=hex_colour("#000000"),
    on_primary=hex_colour("#fff8dc"),
    strong=hex_colour("#4a3000"),
    on_strong=hex_colour("#fff8dc"),
    success=hex_colour("#1d5e20"),
    danger=hex_colour("#8b0000"),
    on_danger=hex_colour("#fff8dc"),
    pressed=hex_colour("#ffbf00"),
    on_pressed=hex_colour("#000000"),
    attention=hex_colour("#ffff00"),
    focus=hex_colour("#ffbf00"),
    focus_edge=hex_colour("#000000"),
    scrim=hex_colour("#000000", 0.55),
)

THEMES = {theme.name: theme for theme in (DEFAULT, YELLOW_BLACK, WHITE_BLACK, BLACK_CREAM)}
"""Every theme, in the order the theme button cycles them; the default first."""

TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "background"),  # every label on a screen
    ("text", "surface"),  # rows, Help, the idle warning
    ("muted_text", "background"),  # hints
    ("muted_text", "surface"),  # a list's empty row, Help's keys
    ("on_primary", "primary"),  # buttons, the menu, the top bar, the notice strip
    ("attention", "primary"),  # "please wait" in the top bar
    ("on_strong", "strong"),  # Finish, Done, Decline
    ("on_danger", "danger"),  # an error notice
    ("on_pressed", "pressed"),  # a button under a finger
    ("primary", "surface"),  # quiet buttons, the rows' "info" word
    ("primary", "background"),  # the service's name above the sign-in title
    ("success", "surface"),  # "Dipinjam" on a row
    ("danger", "surface"),  # "Tidak dipinjam" on a row
    ("danger", "background"),  # "not borrowed" lines, the error title, no receipt
)
"""(text colour, background) of every text the kv files draw; all must reach 7:1."""

RINGED_ON: tuple[str, ...] = ("background", "surface", "primary")
"""What lies outside a ringed button: a screen, a row or an overlay card, the top bar."""
RINGED_BUTTONS: tuple[str, ...] = ("primary", "surface", "strong", "pressed")
"""The fills of a button that can be ringed (``pressed`` while Enter holds it)."""
RING_CONTRAST = 3.0  # WCAG 2.x non-text contrast (1.4.11), focus appearance (2.4.13)


@dataclass(frozen=True)
class TextStep:
    """One text-size step: a name for the config and a multiplier for every font size."""

    name: str
    scale: float

    @property
    def percent(self) -> int:
        """The step as a patron reads it on its button: 100, 150, 200."""
        return round(self.scale * 100)


TEXT_STEPS = (TextStep("100", 1.0), TextStep("150", 1.5), TextStep("200", 2.0))
"""The steps the text-size button cycles through, smallest first."""

STEP_ALIASES = {"normal": "100", "large": "150"}
"""Config values from before the three steps: large print was 150 %."""


def text_step(name: str) -> TextStep:
    """Find a text step by name ("100", "150", "200", or the older "normal" / "large").

    Raises:
        KeyError: no such step.
    """
    name = STEP_ALIASES.get(name, name)
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


def ring_band(theme: Theme, neighbour: Rgba) -> Rgba:
    """The focus ring's band to draw next to ``neighbour``: ``focus`` or ``focus_edge``,
    whichever contrasts more with it."""
    light, dark = theme.focus, theme.focus_edge
    return light if contrast_ratio(light, neighbour) >= contrast_ratio(dark, neighbour) else dark

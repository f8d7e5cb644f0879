"""The on-screen keyboard drawn offscreen in a real window: fits, contrasts, types.

Each test runs a scenario of ``keyboard_probe.py`` in a child process (one Kivy window
per process) with the throw-away ``form`` service's TEXT state (tests/flows/text_form.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ui.screen_probe import run_probe

pytestmark = pytest.mark.ui

PROBE = str(Path(__file__).with_name("keyboard_probe.py"))


@pytest.mark.parametrize(
    ("size", "language", "step", "themes"),
    [
        ("1280x800", "id", "100", "default,yellow_black"),
        ("1280x800", "en", "200", "white_black,black_cream"),
        ("1920x1080", "en", "100", ""),
        ("1920x1080", "id", "200", ""),
    ],
)
def test_the_keyboard_fits_and_contrasts(size: str, language: str, step: str, themes: str) -> None:
    """GIVEN a TEXT state with the keyboard WHEN drawn at this size, language and text step
    THEN nothing is clipped or overlapping, every key is a finger's size with a readable
    glyph, its words are the catalogue's, and text and ring keep their contrast (Shift on
    included)."""
    found = run_probe(
        "layout", "--size", size, "--language", language, "--text-size", step,
        "--themes", themes, script=PROBE,
    )  # fmt: skip
    assert found["screen"] == "form.name"
    assert found["defects"] == []
    assert found["contrast"] == []
    assert found["inside_window"] is True
    width, height = found["smallest_key"]
    assert width >= 80 and height >= 80  # px: well above a 9 mm finger at 1280x800
    assert found["smallest_glyph"] >= 30
    if step == "200":  # the word keys' words are large print too, not a third of the key
        assert found["smallest_word_font"] >= 0.75 * found["char_font"], found
    assert (
        found["words"]
        == {
            "id": {
                "shift": "Huruf besar",
                "space": "Spasi",
                "backspace": "Hapus",
                "next": "Lanjut",
            },
            "en": {"shift": "Shift", "space": "Space", "backspace": "Delete", "next": "Next"},
        }[language]
    )


@pytest.fixture(scope="module")
def typing() -> dict:
    return run_probe("typing", script=PROBE)


def test_touches_type_with_a_one_shot_shift(typing: dict) -> None:
    """GIVEN the keyboard WHEN Shift, b, u, d, i, Space, Shift twice and x are tapped THEN
    the field reads "Budi x": Shift capitalised one letter and a second tap took it off."""
    assert typing["after_taps"] == [
        "", "B", "Bu", "Bud", "Budi", "Budi ", "Budi ", "Budi ", "Budi x",
    ]  # fmt: skip
    assert typing["shift_words"] == ["Huruf besar aktif", "Huruf besar"]
    assert typing["letter_shown_while_shift"] == "Q"
    assert typing["after_delete"] == "Budi "


def test_a_physical_keyboard_types_into_the_same_field(typing: dict) -> None:
    # "é" typed, Backspace, "s" typed on the window's keyboard.
    assert typing["after_physical"] == "Budi s"


def test_the_ring_reaches_every_key_in_reading_order(typing: dict) -> None:
    order = typing["ring_order"]
    keys = order[order.index("1") :]
    assert keys == [
        *"1234567890", "tanda hubung", "Hapus", *"qwertyuiop", "apostrof", "dan",
        *"asdfghjkl", "Lanjut", "Huruf besar", *"zxcvbnm", "koma", "titik", "garis miring",
        "Spasi",
    ]  # fmt: skip
    assert typing["spoken_marks"] == [
        "tanda hubung", "apostrof", "titik", "koma", "garis miring", "dan",
    ]  # fmt: skip


def test_enter_presses_the_ringed_key_and_next_sends_the_field(typing: dict) -> None:
    assert typing["after_enter_on_a"] == "Budi sa"  # not sent: the ringed "a" was pressed
    assert typing["ring_after_typing"] is False  # a physical key took the ring away
    assert typing["screen_after_next"] == "form.done"
    assert typing["stored"] == ["Budi sah"]
    assert typing["done_text"] == "Halo, Budi sah"


def test_which_scripts_the_bundled_font_draws() -> None:
    """Roboto draws Latin names; other scripts are stored exactly but drawn as boxes (see
    docs/architecture.md, The screens: a fallback font is not bundled)."""
    drawn = run_probe("glyphs", script=PROBE)["drawn"]
    assert drawn["latin"] is True
    assert drawn["arabic"] is False  # the probe tells a box from a glyph

"""The loan-fee question drawn offscreen: readable, two large answers apart, Yes lends.

GIVEN the real kiosk screens in an offscreen window (``screen_probe.py fee``), WHEN a
signed-in patron scans the demo DVD with a loan fee, THEN the question with the amount is
on the screen, no text is cut off, the two answers are large and well apart, and pressing
Yes returns to scanning with the DVD borrowed and its fee on its line.
"""

from __future__ import annotations

import pytest
from ui.screen_probe import run_probe

pytestmark = pytest.mark.ui

MIN_TARGET = 44  # px: about 11 mm on a 1080p kiosk screen


@pytest.mark.parametrize(
    ("language", "size", "question", "borrowed"),
    [
        ("id", "1280x800", "dikenai biaya pinjam Rp 5.000", "Biaya pinjam Rp 5.000"),
        ("en", "1920x1080", "has a loan fee of Rp 5.000", "Loan fee Rp 5.000"),
    ],
)
def test_fee_question_is_readable_and_its_answers_are_large(
    language: str, size: str, question: str, borrowed: str
) -> None:
    found = run_probe("fee", "--language", language, "--size", size, "--large")
    assert found["screen"] == "borrow.fee"
    assert any(question in text for text in found["texts"]), found["texts"]
    assert found["clipped"] == []
    (yes_x, _yes_y, yes_w, yes_h), (no_x, _no_y, no_w, no_h) = found["yes_box"], found["no_box"]
    assert min(yes_w, yes_h, no_w, no_h) >= MIN_TARGET
    assert no_x - (yes_x + yes_w) >= MIN_TARGET  # far enough apart not to hit the wrong one
    assert found["after_yes_screen"] == "borrow.scanning"
    assert any(borrowed in text for text in found["after_yes_texts"]), found["after_yes_texts"]

"""The services menu and the return screens, drawn offscreen: sizes, places, words, leftovers.

GIVEN the real kiosk in a child process (``screen_probe.py returns``), WHEN the attract
screen shows its menu, a finger touches Return and five books are scanned (returned late,
for the hold shelf, for another branch, not on loan, unknown), THEN the choices are large
separate targets whose text fits, each line says what happened in words, the controls
stay on screen and apart, and after Done, Cancel or the timeout no title is left in any
screen's widgets.
"""

from __future__ import annotations

from typing import Any

import pytest
from ui.screen_probe import run_probe

pytestmark = pytest.mark.ui

MIN_TARGET = 44  # px: about 11 mm at 1080p


@pytest.fixture(scope="module", params=[("id", False), ("en", True)], ids=["id", "en-large"])
def drawn(request: pytest.FixtureRequest) -> dict[str, Any]:
    language, large = request.param
    return run_probe("returns", "--language", language, *(["--large"] if large else []))


def test_the_menu_is_large_separate_choices_with_room_for_a_fourth(drawn: dict[str, Any]) -> None:
    # The guest book is the fourth service (the place kept free for it): home.kv gives four
    # services two columns of two rows at every text size (four full-width rows do not
    # fit a 1280x800 screen at 150 %), so the large-print run is a 2x2 grid as well.
    assert [entry[0] for entry in drawn["menu"]] == ["borrow", "return", "account", "guestbook"]
    assert drawn["menu_places"] == 4
    boxes = drawn["menu_boxes"]
    assert len({x for x, _y, _w, _h in boxes}) == 2 and len({y for _x, y, _w, _h in boxes}) == 2
    for _x, _y, width, height in boxes:
        # wide and tall targets, in large print too
        assert width >= 4 * MIN_TARGET and height >= 2 * MIN_TARGET, boxes
    assert not drawn["menu_overlaps"]
    assert drawn["menu_text_fits"]  # name, key and hint inside the button, in large print too
    assert drawn["hint_below_menu"]  # the keyboard hint does not cover a choice


def test_touching_return_starts_it(drawn: dict[str, Any]) -> None:
    assert drawn["after_touch"] == "return.scanning"


def test_each_returned_book_says_what_happened_in_words(drawn: dict[str, Any]) -> None:
    words = [row[0] for row in drawn["rows"]]
    done, refused = (
        ("Dikembalikan", "Tidak dikembalikan")
        if "Pinjam" in str(drawn["menu"])
        else ("Returned", "Not returned")
    )
    assert words == [done, done, done, refused, refused]
    assert "Rp 5.000" in drawn["rows"][0][2]
    assert drawn["row_text_fits"]
    assert [row[0] for row in drawn["summary_rows"]] == words
    assert drawn["summary_screen"] == "return.summary"


def test_cancel_finish_and_ok_are_on_screen_and_apart(drawn: dict[str, Any]) -> None:
    assert drawn["controls_inside"] and not drawn["controls_overlap"]
    for _x, _y, width, height in drawn["controls"]:
        assert width >= MIN_TARGET and height >= MIN_TARGET


def test_no_title_is_left_in_any_screen_after_the_session_ends(drawn: dict[str, Any]) -> None:
    assert drawn["after_done"] == "rate"
    assert drawn["titles_left_after_done"] == []
    assert (drawn["screen_after_cancel"], drawn["titles_left_after_cancel"]) == ("idle", [])
    assert (drawn["screen_after_timeout"], drawn["titles_left_after_timeout"]) == ("idle", [])

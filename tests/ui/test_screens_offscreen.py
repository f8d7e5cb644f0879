"""The real screens, drawn offscreen: what a patron sees and where their finger lands.

Each test runs a scenario of ``screen_probe.py`` in a child process (one Kivy window per
process) and checks what it found on the drawn screen.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from ui.screen_probe import run_probe

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def banners() -> dict[str, Any]:
    return run_probe("banners")


def test_pin_mask_is_drawn_by_the_bundled_font() -> None:
    """GIVEN the kiosk's font WHEN the PIN mask character is drawn THEN it is a real glyph,
    not the font's missing-glyph box (U+25CF, the old mask, is shown to be one)."""
    found = run_probe("glyphs")
    assert found["u25cf_differs_from_missing"] is False  # the test can tell tofu apart
    assert found["mask_differs_from_missing"] is True
    assert found["mask_drawn"] is True


def test_buttons_stay_put_when_notices_please_wait_and_warning_show(
    banners: dict[str, Any],
) -> None:
    """GIVEN the scanning screen WHEN a notice, 'please wait' or the idle warning shows
    THEN Finish, the keypad keys and OK are exactly where they were."""
    assert banners["notice_text"] and banners["spinner"] and banners["warning_text"]
    assert banners["notice"] == banners["plain"]
    assert banners["busy"] == banners["plain"]
    assert banners["warning"] == banners["plain"]


def test_idle_warning_is_a_large_button_that_keeps_the_session(banners: dict[str, Any]) -> None:
    """GIVEN the idle warning WHEN the patron touches 'I need more time' (or presses Enter)
    THEN the warning goes and the session stays; a touch where Finish lies under the
    warning does not finish the session, the same touch without the warning does."""
    _x, _y, width, height = banners["more_time_box"]
    assert width >= 600 and height >= 90 and banners["more_time_font"] >= 30
    assert re.search(r"dalam \d+ detik", banners["warning_text"])  # the seconds left
    assert banners["after_touch_warning"] == ""
    assert banners["after_touch_screen"] == "borrow.scanning"
    assert banners["warning_before_enter"] and banners["after_enter_warning"] == ""
    assert banners["after_enter_notice"] == ""
    assert banners["touch_on_finish_screen"] == "borrow.scanning"
    assert banners["touch_on_finish_later"] == "borrow.summary"  # no layer left over it


def test_text_scales_with_the_window() -> None:
    """GIVEN body text at 1280x800 WHEN the window is 1920x1080 (from the start, or by a
    resize while running) THEN the text is about 1.35 times as tall."""
    small = run_probe("text_size")
    large = run_probe("text_size", "--size", "1920x1080")
    ratio = large["body_height"] / small["body_height"]
    assert 1.25 <= ratio <= 1.45, (small, large)
    assert large["font_size"] == pytest.approx(small["font_size"] * 1.35)
    assert small["resized_body_height"] == large["body_height"]  # live on resize


def test_item_list_follows_the_newest_line_and_touches_only_new_rows() -> None:
    """GIVEN a patron who borrowed a book WHEN 60 more (refused) books are scanned THEN the
    newest line is in view with a wide, coloured scroll bar and an 'n of m' line, the
    first row is the same widget with the same texture, one widget was made per line,
    and refused lines past the bound are summed up in one row."""
    found = run_probe("flood")
    assert found["newest_title"] == "Barcode 39999900000595"
    assert found["newest_visible"] and found["scroll_y"] == 0.0 and found["scrollable"]
    assert found["bar_width"] >= 12 and min(found["bar_colour_alpha"]) >= 0.6
    assert found["progress"] == "1 dari 61 buku dipinjam"
    assert found["first_row_kept"] and found["first_row_texture_kept"]
    assert found["first_row_title"] == "Laskar Pelangi"
    assert found["rows_made"] == 61 + 1  # one per line, plus the "and 30 more" row
    # Only the screen shown builds rows: the summary's and the return screens' lists,
    # bound to the same lines, made none (five lists made five times the work).
    assert found["rows_made_everywhere"] == found["rows_made"]
    assert found["top_row_title"] == "dan 30 buku lain tidak dipinjam"
    assert found["rows_shown"] == 1 + 30 + 1
    assert found["labels"] == ["Dipinjam", "Tidak dipinjam"]


def test_a_new_row_moves_no_other_row_and_only_rows_in_sight_are_drawn() -> None:
    """GIVEN 62 rows WHEN one more book is scanned THEN no row already listed moves (with
    rows laid out from the bottom, each new row moved every row and each re-laid its
    labels: 0.6 s a scan at 500 rows) and only the rows in the view are drawn, the newest
    among them (Kivy draws every widget in the tree, in sight or not)."""
    found = run_probe("flood")
    assert found["rows_moved_by_a_new_row"] == 0
    assert found["newest_drawn"] and found["drawn_in_sight"]
    assert 0 < found["rows_drawn"] < found["rows_shown"] / 2


def test_an_idle_list_is_not_redrawn_and_its_bar_keeps_its_colour() -> None:
    """GIVEN a long list just scrolled to its newest row WHEN nothing happens for a second
    and a half THEN no frame is drawn and the bar is still in its full colour (Kivy faded it
    over 30 frames, each a full software redraw that the next scan's frame waited for)."""
    found = run_probe("flood")
    assert found["frames_while_idle"] <= 2
    assert found["bar_colour_idle"] == found["bar_colour"]


def test_a_scanned_book_is_shown_as_checking_before_the_ils_is_asked() -> None:
    """GIVEN the UI wired as ``kiosk run`` wires it WHEN a book is scanned THEN the frame
    showing its "checking…" row is drawn before the ILS is asked to lend it (the ILS call
    no longer competes with that frame), and the book is then lent."""
    found = run_probe("row_before_ils")
    assert found["status_at_scan"] == ["pending"]
    assert found["row_drawn_in"] is not None
    assert found["asked_after"] and found["asked_after"][0] >= found["row_drawn_in"]
    assert found["status"] == ["done"]
    # The app started its collection policy: start-up frozen, no full collection in a scan.
    assert found["collector"] == [True, True]


def test_the_scroll_bar_stays_long_enough_to_see_in_a_long_large_print_list() -> None:
    """GIVEN large print and 60 lines (rows far taller than the view) THEN the scroll bar is
    still long enough to notice and grab, not Kivy's 1 % sliver."""
    found = run_probe("flood", "--large")
    assert found["scrollable"] and found["bar_length"] >= 40


def test_summary_lists_every_line_with_its_word() -> None:
    """GIVEN one book borrowed and one refused WHEN the patron finishes THEN the summary
    lists both, each with the word that says what happened to it."""
    found = run_probe("summary", "--language", "en")
    assert found["screen"] == "borrow.summary"
    assert abs(found["gap_above_rows"]) <= 1  # a short list starts at the top
    assert found["rows"] == [
        ["Borrowed", "Laskar Pelangi"],
        ["Not borrowed", "Barcode 39999900000017"],
    ]
    assert found["drawn"] == [True, True]  # both in sight, so both drawn (not culled)


def test_a_summary_longer_than_the_screen_starts_at_the_first_book() -> None:
    """GIVEN large print, where the summary's lines overflow their view WHEN the patron
    finishes THEN the list shows its first book at the top (read from the top down), not
    scrolled to the newest line as while scanning."""
    found = run_probe("summary", "--language", "en", "--large")
    assert found["screen"] == "borrow.summary"
    assert abs(found["gap_above_rows"]) <= 1
    # ... and the rest is read with taps on large Up and Down buttons, not by dragging.
    assert found["can_scroll"]
    for _x, _y, width, height in found["scroll_buttons"]:
        assert width >= 44 and height >= 44
    assert found["last_row_in_sight_after_taps"]


@pytest.mark.parametrize("options", [(), ("--large",)], ids=["normal", "large"])
def test_every_row_of_a_long_summary_is_drawn_when_tapped_into_sight(
    options: tuple[str, ...],
) -> None:
    """GIVEN a summary of 9 books, longer than its view WHEN the patron taps Down to its
    end THEN every row that comes into sight is drawn, the last one included (rows out of
    sight are not drawn, and scrolling must bring them back)."""
    found = run_probe("summary_long", "--language", "en", *options)
    assert found["can_scroll"] and found["at_bottom"]
    assert found["undrawn_in_sight"] == []
    assert found["last_title"] == "Barcode 39999900000082" and found["last_drawn"]


def test_keypad_words_and_finish_stand_apart_from_ok(banners: dict[str, Any]) -> None:
    """GIVEN the scanning screen in Indonesian THEN the backspace key says it deletes
    ('Hapus', not 'Mundur'), the send key is 'OK' (not the English 'Enter'), and Finish
    differs from OK in colour (a clear distance in RGB) and is well apart from it."""
    assert banners["key_words"] == ["Hapus", "Kosongkan", "OK"]
    finish, ok = banners["finish_ok_colours"]
    assert sum(abs(a - b) for a, b in zip(finish[:3], ok[:3], strict=True)) >= 0.3
    assert banners["finish_ok_gap"] >= 16


@pytest.mark.parametrize("args", [(), ("--language", "en", "--large")], ids=["id", "en-large"])
def test_the_receipt_is_one_tap_and_a_failed_print_keeps_the_summary(args: tuple[str, ...]) -> None:
    """GIVEN the demo's simulated printer WHEN the patron taps "Print receipt" THEN the
    printing screen shows and then the rating, and the receipt was printed; the choice is
    two large buttons, the configured default (printed) filled in, no Done beside them.
    GIVEN the printer out of paper WHEN the next patron taps it THEN the same summary comes
    back, says (fully drawn) that the receipt could not be printed, and offers Done alone."""
    found = run_probe("receipt", *args)
    assert found["offer"] == "printed" and found["done_buttons"] == 0
    for box in (found["print_box"], found["none_box"], found["done_box"]):
        assert box[2] >= 44 and box[3] >= 44, box  # 11 mm at 1080p and more
    print_box, none_box = found["print_box"], found["none_box"]
    assert none_box[0] - (print_box[0] + print_box[2]) >= 16  # apart, not touching
    filled, plain = found["colours"]
    assert sum(abs(a - b) for a, b in zip(filled[:3], plain[:3], strict=True)) >= 0.3
    # ... and not by colour alone: the default's words say it is what OK does.
    assert found["receipt_words"] in (
        ["Cetak struk (OK)", "Tanpa struk"],
        ["Print receipt (OK)", "No receipt"],
    )
    assert found["after_tap"] == "printing" and found["printing_text"]
    assert found["after_print"] == "rate"
    for trace in ("Sutrisno", "Laskar", "0010"):  # nothing of the patron after printing
        assert trace not in found["texts_after_print"], trace
    [receipt] = found["receipts"]
    assert "Laskar Pelangi" in receipt and "Sutrisno" not in " ".join(receipt)
    assert found["failed_screen"] == "borrow.summary"
    assert found["failed_rows"] == ["The Little Prince"]
    # the hidden print / no-print buttons give their room back to the countdown and Done
    assert found["hidden_receipt_widths"] == [0, 0]
    assert found["failed_text"].startswith(("Maaf, struk tidak", "Sorry, the receipt could not"))
    assert found["failed_text_fits"]
    assert found["print_buttons_after"] == 0
    assert found["after_done"] == "rate"


MIN_TARGET = 44  # px at 1280x800: about 11 mm on a kiosk screen


@pytest.mark.parametrize(
    "options", [(), ("--large",), ("--size", "1920x1080", "--language", "en")],
    ids=["1280x800", "large-print", "1920x1080-en"],
)  # fmt: skip
def test_account_screen_has_large_tap_targets_and_nothing_clipped(options: tuple[str, ...]) -> None:
    """GIVEN Dewi's account WHEN it is drawn, a loan's Renew is tapped, then Renew all
    THEN each loan has its own large Renew button, tapping works (the row says the
    outcome in words), no text is clipped, and Rizki's five loans page with a large Next."""
    found = run_probe("account", *options)
    assert found["loan_titles"] == ["Bumi", "Hujan Bulan Juni", "Matahari", "Sang Pemimpi"]
    for _x, _y, width, height in found["renew_buttons"] + list(found["controls"].values()):
        assert width >= MIN_TARGET and height >= MIN_TARGET
    # Cancel at the bottom left, Finish at the bottom right, as on every other screen.
    cancel, finish = found["controls"]["cancel"], found["controls"]["finish"]
    assert cancel[0] + cancel[2] < finish[0] and cancel[0] < 100
    assert abs(cancel[1] - finish[1]) < 40  # on the same bottom line
    assert found["first_after_tap"] in ("Tidak diperpanjang", "Not renewed")
    assert len(found["labels_after_all"]) == 1  # every loan answered, none left pending
    assert found["clipped"] == [] and found["summary_clipped"] == []
    if found["loans_scroll"]:  # the answers made the rows taller than the list: tap Down
        for _x, _y, width, height in found["scroll_buttons"]:
            assert width >= MIN_TARGET and height >= MIN_TARGET
        assert found["scrolled_by_tap"]
    assert found["summary_screen"] == "account.summary"
    _x, _y, width, height = found["page_next"]
    assert width >= MIN_TARGET and height >= MIN_TARGET
    assert found["page_before"] in ("Halaman 1 dari 2", "Page 1 of 2")
    assert found["page_after"] in ("Halaman 2 dari 2", "Page 2 of 2")
    assert found["pages_clipped"] == []


def test_overdue_loans_say_so_in_words_on_the_drawn_screen() -> None:
    found = run_probe("account")
    assert found["loans_scroll"]  # at 1280x800 the refusals' texts need the Down button
    # ... and its scroll bar is one a patron notices: wide, in the theme's colour, no fading.
    width, colour, inactive = found["loans_bar"]
    assert width >= 12 and colour == inactive and colour[3] == 1.0
    assert len({round(channel, 2) for channel in colour[:3]}) > 1  # a colour, not a grey
    assert "Terlambat 12 hari" in found["visible"] and "Terlambat 5 hari" in found["visible"]
    assert "Jumlah: Rp 20.000" in found["visible"]


def test_every_button_is_reached_and_pressed_by_keys() -> None:
    """GIVEN a patron with a keyboard only WHEN Tab rings the buttons one by one and Enter
    presses the ringed one THEN they can choose Return, finish, refuse the receipt, and
    renew all on their account: no button needs a finger."""
    found = run_probe("keys", "--language", "en")
    assert found["ringed_return"] and found["after_menu"] == "return.scanning"
    assert found["ringed_finish"] and found["after_finish"] == "return.summary"
    assert found["ringed_done"] and found["after_no_receipt"] == "rate"
    assert found["account_screen"] == "account.overview"
    assert found["ringed_renew_all"]
    assert "renewed" in found["renewed_count"], found["renewed_count"]
    assert not found["ring_on_a_dead_button"]


def test_the_focus_ring_follows_its_button_when_text_size_and_colours_change() -> None:
    """GIVEN Return's Cancel ringed by keys at 150 % WHEN the patron goes to 200 % (the notice strip
    grows and the screen moves; Cancel keeps its size and its place within the screen) and
    changes the colours THEN the ring is around Cancel where it is now, in the new theme's
    ring colours."""
    found = run_probe("ring_follows")
    for moment in ("before", "after"):
        x, y, width, height = found[moment]["button"]
        left, bottom, right, top = found[moment]["band"]
        # The inner band hugs the button: 2 dp (2 px here) outside each edge.
        assert left == pytest.approx(x - 2, abs=0.5) and bottom == pytest.approx(y - 2, abs=0.5)
        assert right == pytest.approx(x + width + 2, abs=0.5), moment
        assert top == pytest.approx(y + height + 2, abs=0.5), moment
    assert found["before"]["button"] != found["after"]["button"]  # it did move
    theme = found["theme"]
    assert all(c in (theme["focus"], theme["edge"]) for c in found["after"]["colours"])


def test_f3_cycles_the_text_size_and_f4_the_colours() -> None:
    """GIVEN the attract screen WHEN F3, F3, F4, F3 are pressed THEN 150 %, 200 %, yellow on
    black, 100 %, each shown on the top bar's text-size button."""
    found = run_probe("f_keys")
    assert found["seen"] == [
        [150, "default", "Teks 150 %"],
        [200, "default", "Teks 200 %"],
        [200, "yellow_black", "Teks 200 %"],
        [100, "yellow_black", "Teks 100 %"],
    ]

"""The headless terminal console refuses what no keyboard or scanner would type.

GIVEN the headless kiosk read from its terminal, WHEN a 2 MB line, a line with control
characters or bytes that are not UTF-8 are typed, THEN each is refused with one line on
the terminal and never reaches the screen, and the console goes on reading: the next
touch and card are handled.
"""

from __future__ import annotations

from pathlib import Path

from ui.piped_kiosk import PipedKiosk

from kiosk.ui.console import MAX_LINE, NOT_TEXT, TOO_LONG

CARD = "23171000000010"


def _then_the_console_still_works(kiosk: PipedKiosk) -> None:
    kiosk.type(":lang")
    kiosk.wait_for_output("Scan your library card")  # the echo of the English screen
    screen = kiosk.screen_text()
    assert "language: en\n" in screen
    assert "not recognised" not in screen, screen  # nothing refused was typed
    assert "tidak dikenali" not in kiosk.output()


def test_a_2mb_line_is_refused_before_it_reaches_the_screen(tmp_path: Path) -> None:
    kiosk = PipedKiosk(tmp_path)
    try:
        kiosk.wait_for_output("Type a card or book barcode")  # the console is reading
        kiosk.type_bytes(b"9" * 2_000_000 + b"\n")  # held the screen ~12 s when typed
        kiosk.type_bytes(b"9" * (MAX_LINE + 1) + b"\n")  # just past the bound
        _then_the_console_still_works(kiosk)
        kiosk.type_bytes(b"9" * MAX_LINE + b"\n")  # at the bound: typed, not a card
        kiosk.wait_for_output("not recognised")
        kiosk.type(CARD)
        kiosk.wait_for_output("-- screen: borrow.pin")
    finally:
        assert kiosk.stop() == 0, kiosk.output()
    output = kiosk.output()
    assert output.count(TOO_LONG) == 2, output
    assert "Traceback" not in output


def test_control_characters_and_bytes_not_utf8_are_refused(tmp_path: Path) -> None:
    # A strict UTF-8 terminal: its text layer raises on a bad byte (as under en_US.UTF-8).
    kiosk = PipedKiosk(tmp_path, env={"PYTHONIOENCODING": "utf-8:strict"})
    try:
        kiosk.wait_for_output("Type a card or book barcode")  # the console is reading
        kiosk.type_bytes(b"\xff\xfe\xc3\x28 bad\n")
        kiosk.type_bytes(b"2317\x1b[2J1000000010\n")
        _then_the_console_still_works(kiosk)
        kiosk.type(CARD)
        kiosk.wait_for_output("-- screen: borrow.pin")
    finally:
        assert kiosk.stop() == 0, kiosk.output()
    output = kiosk.output()
    assert output.count(NOT_TEXT) == 2, output
    assert "Traceback" not in output


def test_large_cycles_the_text_size_and_theme_the_colours(tmp_path: Path) -> None:
    """GIVEN the headless console WHEN ':large' is typed twice and ':theme' once THEN the
    screen is at 200 % in yellow on black (the top bar's buttons say so)."""
    kiosk = PipedKiosk(tmp_path)
    try:
        kiosk.wait_for_output("Type a card or book barcode")
        kiosk.type(":large")
        kiosk.wait_for_output("Teks 150 %")
        kiosk.type(":large")
        kiosk.wait_for_output("Teks 200 %")
        kiosk.type(":theme")
        kiosk.wait_for_output("kuning-hitam")
        screen = kiosk.screen_text()
        assert "text_size: 200 %\n" in screen and "theme: yellow_black\n" in screen, screen
    finally:
        assert kiosk.stop() == 0, kiosk.output()

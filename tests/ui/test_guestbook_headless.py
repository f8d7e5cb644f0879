"""The guest book on the headless kiosk, driven from its terminal: names stay on the screen.

GIVEN the headless demo kiosk (``kiosk run --headless``) and its terminal console, WHEN a
guest types a name (half, then whole), an institution with a joiner in it, saves, and a
member then scans a card at the guest book, THEN each line typed on a free-text field is
typed text (not a wedge scan), ``:keys`` keeps its leading space, the screen and
current-screen.txt show the names word for word, and the terminal (the journal, under
systemd) never shows the guest's, the typed or the member's name.
"""

from __future__ import annotations

from pathlib import Path

from ui.kiosk_process import KioskProcess

SUTRISNO = "23171000000010"
WORDS = ("Zubaidah", "Zuba", "Sari", "Sutrisno")


def test_guest_and_member_names_stay_on_the_screen_only(tmp_path: Path) -> None:
    kiosk = KioskProcess(tmp_path)
    try:
        kiosk.wait_for_screen("idle")
        kiosk.type(":choose guestbook")
        kiosk.wait_for_screen("guestbook.choose")
        kiosk.type(":act kind guest")
        kiosk.wait_for_screen("guestbook.name")
        kiosk.type(":keys Zuba")  # half typed: on screen, not on the terminal
        kiosk.wait_for(lambda text: "\nZuba\n" in text, "the half-typed name")
        kiosk.type(":keys idah")
        kiosk.type(":keys  Sari")  # the space after ":keys " is typed too
        kiosk.wait_for(lambda text: "\nZubaidah Sari\n" in text, "the name with its space")
        kiosk.type(":key enter")
        kiosk.wait_for_screen("guestbook.institution")
        kiosk.type("Karang\u200dTaruna Melati")  # a plain line, a joiner in it, then Enter
        kiosk.wait_for_screen("guestbook.choice")
        for _ in range(5):
            kiosk.type(":act pick 1")
        kiosk.wait_for_screen("guestbook.confirm", "Karang\u200dTaruna Melati")
        kiosk.type(":act save")
        screen = kiosk.wait_for_screen("guestbook.done", "Terima kasih, Zubaidah Sari!")
        assert "Zubaidah Sari" in screen  # the 0600 mirror of the screen keeps it
        kiosk.type(":ok")
        kiosk.wait_for_screen("idle")
        kiosk.type(":choose guestbook")
        kiosk.wait_for_screen("guestbook.choose")
        kiosk.type(":act kind member")
        kiosk.wait_for_screen("guestbook.member")
        kiosk.type(SUTRISNO)  # typed as a wedge scanner types it: a scan
        kiosk.wait_for_screen("guestbook.done", "Selamat datang, Sutrisno!")
    finally:
        assert kiosk.stop() == 0
    output = kiosk.log_path.read_text(encoding="utf-8")

    assert "-- screen: guestbook.done" in output  # the echo is there, masked
    assert "Terima kasih, [name] [name]!" in output
    assert "Selamat datang, [name]!" in output
    assert "  | [name]\n" in output  # the field being typed into
    assert "Karang" in output  # not a name: the echo still shows what happened
    assert SUTRISNO not in output.partition("Ctrl-D stops reading")[2]  # the demo banner has it
    for word in WORDS:
        for shown in (word, word.upper()):
            assert shown not in output, shown

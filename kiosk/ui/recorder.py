"""Headless companion: keeps a screenshot and a text copy of the current screen on disk.

On a machine with no display the kiosk renders offscreen; after every change on screen
this writes ``current-screen.png`` and ``current-screen.txt`` into a folder (both replaced
atomically, so a reader never sees half a file; the folder is 0700 and both files 0600,
since they show patrons' names and loans) and prints the text to the terminal, so a
technician can follow and drive the kiosk from a shell. Text that does not fit its box is
listed at the end of the text file as ``clipped: <text>`` lines.

The text file is the screen, word for word (names included): it is a private mirror for
technicians and tests, no more revealing than the PNG beside it. The terminal echo is not
private (it ends up in the journal), so it is masked: card and item numbers to their last
4 digits, and the names ``names()`` returns (the current patron's) replaced.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.widget import Widget

from kiosk.core.privacy import mask_personal
from kiosk.ui.screen_text import clipped_texts, visible_texts
from kiosk.ui.viewmodel import KioskViewModel

PNG_NAME = "current-screen.png"
TEXT_NAME = "current-screen.txt"
SETTLE = 0.15  # seconds: let a burst of changes settle and the frame be drawn first
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600  # the screen shows patrons' names and loans


class ScreenRecorder:
    """Writes the current screen to ``folder`` whenever the view-model changes."""

    def __init__(
        self,
        vm: KioskViewModel,
        root: Widget,
        folder: Path,
        echo: Callable[[str], None] | None = print,
        names: Callable[[], Sequence[str]] = tuple,
    ) -> None:
        self._vm = vm
        self._root = root
        self.folder = folder
        self._echo = echo
        self._names = names
        self._last_text = ""
        folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        _make_private(folder, PRIVATE_DIR)
        self._trigger = Clock.create_trigger(self.capture, SETTLE)
        # Every property of the view-model: a screen added later is recorded without a list.
        vm.bind(**{name: self._trigger for name in vm.properties()})
        self._trigger()

    @property
    def png_path(self) -> Path:
        return self.folder / PNG_NAME

    def capture(self, *_args: object) -> None:
        """Write the screenshot, then the text (tests wait for the text)."""
        shot = Window.screenshot(name=str(self.folder / ".capture.png"))
        if shot:
            _make_private(Path(shot), PRIVATE_FILE)
            os.replace(shot, self.png_path)
        lines = [
            f"screen: {self._vm.screen}",
            f"language: {self._vm.language}",
            f"large_print: {'on' if self._vm.large_print else 'off'}",
            "",
            *visible_texts(self._root),
            *(f"clipped: {text}" for text in clipped_texts(self._root)),
        ]
        text = "\n".join(lines) + "\n"
        tmp = self.folder / f".{TEXT_NAME}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, PRIVATE_FILE)
        with open(fd, "w", encoding="utf-8") as file:
            os.fchmod(fd, PRIVATE_FILE)  # a leftover temporary may be loose
            file.write(text)
        os.replace(tmp, self.folder / TEXT_NAME)
        if self._echo is not None and text != self._last_text:
            # The echo goes to a terminal or the journal: no names, card numbers' last 4 only.
            body = "\n".join(f"  | {line}" for line in lines[4:])
            echoed = f"-- screen: {self._vm.screen} ({self.png_path})\n{body}"
            self._echo(mask_personal(echoed, self._names()))
        self._last_text = text


def _make_private(path: Path, mode: int) -> None:
    """chmod ``path`` to ``mode`` when this user owns it (a shared folder is left alone)."""
    st = path.lstat()
    if st.st_uid == os.geteuid() and not stat.S_ISLNK(st.st_mode):
        os.chmod(path, mode)

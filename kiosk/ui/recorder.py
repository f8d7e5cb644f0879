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
4 digits, the names ``names()`` returns replaced (the signed-in patron's, the guest book's
guest or group leader and the member it greets: ``kiosk.core.privacy.shown_names``), and
the text being typed into a free-text field (a name, half typed) replaced whole.

The recorder is a companion, never a reason to stop: a full disk or a folder gone is one
logged line (once, until writing works again) while the kiosk goes on serving the patron.
Nothing in the folder is followed: the text's temporary file is created afresh with
O_EXCL|O_NOFOLLOW, and Kivy draws the PNG into a private folder of its own made with
``mkdtemp``, so a symlink planted in a shared ``--screenshot-dir`` cannot redirect a write.
A folder the kiosk did not create is not re-moded (it may be shared on purpose).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.screenmanager import ScreenManager
from kivy.uix.widget import Widget

from kiosk.core.navigation import InputMode
from kiosk.core.privacy import NAME_MASK, mask_personal
from kiosk.ui.screen_text import clipped_texts, visible_texts
from kiosk.ui.viewmodel import KioskViewModel

log = logging.getLogger(__name__)

PNG_NAME = "current-screen.png"
TEXT_NAME = "current-screen.txt"
WORK_PREFIX = ".capture-"  # mkdtemp folders Kivy draws the PNG into (one per run)
SETTLE = 0.15  # seconds: let a burst of changes settle and the frame be drawn first
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600  # the screen shows patrons' names and loans
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the empty IEND chunk every PNG ends with
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class ScreenRecorder:
    """Writes the current screen to ``folder`` whenever the view-model changes.

    Args:
        vm: the view-model whose every change triggers a capture.
        root: the widget tree whose texts are written.
        folder: where ``current-screen.png`` and ``.txt`` go; created if missing.
        echo: prints the masked text of each new screen (None: no echo).
        names: the names to mask in the echo (the current patron's).
        own_folder: the folder is the kiosk's own (inside its data folder), so an existing
            one is made 0700 too; a folder given by the technician is made 0700 only if
            the kiosk creates it.
    """

    def __init__(
        self,
        vm: KioskViewModel,
        root: Widget,
        folder: Path,
        echo: Callable[[str], None] | None = print,
        names: Callable[[], Sequence[str]] = tuple,
        *,
        own_folder: bool = True,
    ) -> None:
        self._vm = vm
        self._root = root
        self.folder = folder
        self._echo = echo
        self._names = names
        self._own_folder = own_folder
        self._last_text = ""
        self._work: Path | None = None
        self._failing = False
        self._trigger = Clock.create_trigger(self._after_next_frame, SETTLE)
        self._waiting_for_frame = False
        # Every property of the view-model: a screen added later is recorded without a list.
        vm.bind(**{name: self._trigger for name in vm.properties()})
        self._trigger()

    @property
    def png_path(self) -> Path:
        return self.folder / PNG_NAME

    def _after_next_frame(self, *_args: object) -> None:
        """Capture once the next frame has been drawn, not from inside this clock tick.

        A timer fires in the middle of a tick: a screen placed earlier in the same tick
        (the first time it is shown, or after the text size changed the strips around it)
        has its new position, but Kivy moves its drawing (kv canvas expressions) and
        lays out its text only before the frame. Drawn now, the picture showed the screen
        a strip's height too low and cut off at the bottom. At the frame's end (on_flip,
        before the buffers are swapped) all of that has been done.
        """
        if not self._waiting_for_frame:
            self._waiting_for_frame = True
            Window.fbind("on_flip", self._frame_drawn)
        Window.canvas.ask_update()  # a frame even when nothing else changes

    def _frame_drawn(self, *_args: object) -> None:
        Window.funbind("on_flip", self._frame_drawn)
        self._waiting_for_frame = False
        self.capture()

    def capture(self, *_args: object) -> None:
        """Write the screenshot, then the text (tests wait for the text), then echo it.

        A failed write (full disk, folder removed, read-only) is logged once and the
        frame is skipped; the echo and the kiosk go on.
        """
        if _switching(self._root):
            # A screen change keeps the old screen drawn until the next frame; captured now,
            # the picture and text would show both, and no later change would replace them.
            self._trigger()
            return
        lines = [
            f"screen: {self._vm.screen}",
            f"language: {self._vm.language}",
            f"text_size: {self._vm.text_percent} %",
            f"theme: {self._vm.theme_name}",
            "",
            *visible_texts(self._root),
            *(f"clipped: {text}" for text in clipped_texts(self._root)),
        ]
        text = "\n".join(lines) + "\n"
        try:
            self._write(text)
        except OSError as err:
            if not self._failing:
                log.warning(
                    "cannot save the current screen in %s (%s); the kiosk goes on without "
                    "it: free some disk space or check the folder",
                    _shown(self.folder),
                    err.strerror or err,
                )
            self._failing = True
        else:
            if self._failing:
                log.warning("saving the current screen in %s again", _shown(self.folder))
            self._failing = False
        if self._echo is not None and text != self._last_text:
            # The echo goes to a terminal or the journal: no names, card numbers' last 4 only.
            # What is being typed into a free-text field is a name, even one letter of it.
            typed = self._vm.entry_text if self._vm.input_mode == InputMode.TEXT.value else ""
            body = "\n".join(
                f"  | {NAME_MASK if typed and line == typed else line}" for line in lines[4:]
            )
            echoed = f"-- screen: {self._vm.screen} ({_shown(self.png_path)})\n{body}"
            self._echo(mask_personal(echoed, self._names()))
        self._last_text = text

    def _write(self, text: str) -> None:
        work = self._work_folder()
        # Kivy reads the back buffer, which after a buffer swap holds an older frame (say,
        # the one drawn mid screen change): draw the widget tree into it first.
        Window.dispatch("on_draw")
        shot = Window.screenshot(name=str(work / "screen.png"))
        if shot:
            try:
                _check_whole_png(Path(shot))
                _make_private(Path(shot), PRIVATE_FILE)
                os.replace(shot, self.png_path)
            finally:
                # A failed write leaves it behind; Kivy would number the next one 0002.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(shot)
        tmp = self.folder / f".{TEXT_NAME}.tmp"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # a stale one (or a planted link) is removed, never followed
        fd = os.open(tmp, _NEW_FILE, PRIVATE_FILE)
        try:
            with open(fd, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(tmp, self.folder / TEXT_NAME)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _work_folder(self) -> Path:
        """The folder (created if needed) and this run's private folder for Kivy's PNG."""
        if self._work is not None and self._work.is_dir():
            return self._work
        existed = self.folder.is_dir()
        self.folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        if self._own_folder or not existed:
            _make_private(self.folder, PRIVATE_DIR)
        _remove_stale_work_folders(self.folder)
        self._work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=self.folder))
        return self._work


def _check_whole_png(path: Path) -> None:
    """Raise OSError unless ``path`` ends with a PNG's IEND chunk.

    SDL does not report a failed write: on a full disk it leaves an empty or cut file,
    which must not replace the last whole picture.
    """
    with open(path, "rb") as file:
        size = file.seek(0, os.SEEK_END)
        file.seek(max(0, size - len(_PNG_END)))
        if size < len(_PNG_END) or file.read() != _PNG_END:
            raise OSError(errno.EIO, "the screenshot was written incomplete; is the disk full?")


def _remove_stale_work_folders(folder: Path) -> None:
    """Remove the PNG folders of earlier runs (a killed kiosk leaves its own behind)."""
    for entry in folder.glob(f"{WORK_PREFIX}*"):
        st = entry.lstat()
        if stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid():
            shutil.rmtree(entry, ignore_errors=True)


def _make_private(path: Path, mode: int) -> None:
    """chmod ``path`` to ``mode`` when this user owns it (a shared folder is left alone)."""
    st = path.lstat()
    if st.st_uid == os.geteuid() and not stat.S_ISLNK(st.st_mode):
        os.chmod(path, mode)


def _switching(root: Widget) -> bool:
    """A ScreenManager is between two screens (both are still in the tree)."""
    return any(isinstance(w, ScreenManager) and len(w.children) > 1 for w in root.walk())


def _shown(path: Path) -> str:
    """A path for the terminal or the journal: control characters escaped."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in str(path)
    )

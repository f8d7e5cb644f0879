"""The real kiosk app in a child process, offscreen, driven through its terminal console.

Kivy allows one window per process, so each UI test starts ``kiosk run --headless`` and
reads what is on screen from the ``current-screen.txt`` the headless recorder keeps next
to ``current-screen.png``. Waiting is bounded polling of that file; nothing is timed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

WAIT_SECONDS = 60.0  # generous: CI machines are slow to create a GL context


class KioskProcess:
    """``kiosk run`` in a subprocess, with its data and screenshots under ``folder``.

    ``umask``: the umask the kiosk is started with (default: this process's).
    """

    def __init__(
        self,
        folder: Path,
        *,
        scanner: str = "",
        config: Path | None = None,
        umask: int | None = None,
    ) -> None:
        self.folder = folder
        self.data_dir = folder / "data"
        self.screens = folder / "screens"
        self.log_path = folder / "kiosk.log"
        args = [
            sys.executable, "-m", "kiosk.cli", "run", "--headless",
            "--data-dir", str(self.data_dir), "--screenshot-dir", str(self.screens),
            "--scanner", scanner,
        ]  # fmt: skip
        if config is not None:
            args += ["--config", str(config)]
        env = {**os.environ, "KIVY_HOME": str(folder / "kivy-home")}
        env.pop("KIOSK_CONFIG", None)
        self._log = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=self._log, stderr=subprocess.STDOUT, text=True,
            env=env, umask=-1 if umask is None else umask,
        )  # fmt: skip

    def type(self, line: str) -> None:
        """Type a line on the kiosk's terminal (keystrokes + Enter, or a :touch)."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def screen_text(self) -> str:
        try:
            return (self.screens / "current-screen.txt").read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def wait_for(self, predicate: Callable[[str], bool], what: str) -> str:
        """Poll the screen text until ``predicate`` holds; fail with the screen and log."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            text = self.screen_text()
            if predicate(text):
                return text
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(
            f"waited for {what}; screen was:\n{self.screen_text()}\n--- kiosk log ---\n"
            f"{self.log_path.read_text(encoding='utf-8')[-4000:]}"
        )

    def wait_for_screen(self, screen: str, *also: str) -> str:
        """Wait until the named screen shows, with every string of ``also`` on it."""
        return self.wait_for(
            lambda text: f"screen: {screen}\n" in text and all(s in text for s in also),
            f"screen {screen} showing {also}",
        )

    def stop(self) -> int:
        """Stop the kiosk as systemd would (SIGTERM) and return its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdin:
            self.process.stdin.close()
        self._log.close()
        return self.process.returncode

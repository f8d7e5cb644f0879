"""``kiosk run --headless`` with its terminal in a pipe, read line by line as it comes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from ui.kiosk_process import WAIT_SECONDS


class PipedKiosk:
    """``kiosk run --headless`` with its output in a pipe, not a file.

    A file would be hit by the full-disk stand-in (RLIMIT_FSIZE) too and end the test's own
    view of the kiosk; a pipe is not a file, so the terminal keeps working as it would
    under systemd's journal.
    """

    def __init__(
        self, folder: Path, screens: Path | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.screens = screens or folder / "screens"
        env = {**os.environ, "KIVY_HOME": str(folder / "kivy-home"), **(env or {})}
        env.pop("KIOSK_CONFIG", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "run", "--headless", "--data-dir",
             str(folder / "data"), "--screenshot-dir", str(self.screens), "--scanner", ""],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.decode("utf-8", errors="replace").rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    def type(self, line: str) -> None:
        self.type_bytes(line.encode() + b"\n")

    def type_bytes(self, data: bytes) -> None:
        """Write raw bytes to the kiosk's terminal (a line ends with its own b"\\n")."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def screen_text(self) -> str:
        try:
            return (self.screens / "current-screen.txt").read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def wait_for_output(self, text: str, count: int = 1) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if self.output().count(text) >= count:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"waited for {text!r} x{count}; output:\n{self.output()[-4000:]}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        return self.process.returncode

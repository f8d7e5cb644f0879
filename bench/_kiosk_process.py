"""The real kiosk as a subprocess, for the kill -9 benches (``kill_checkouts.py``,
``kill_returns.py``).

:class:`Kiosk` starts ``python -m kiosk.cli run --headless`` on a private data folder with
a serial scanner on a pseudo-terminal (``devices.sim.PtyScannerSimulator``), types console
lines on its stdin and waits for screens by reading the headless recorder's
``current-screen.txt``. :func:`query` reads either database from outside while the kiosk
may be writing it or has just been killed.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from devices.sim import PtyScannerSimulator

REPO = Path(__file__).resolve().parents[1]
WAIT = 60.0  # seconds to wait for a screen; generous for a loaded machine
ILS_FILE = "demo-library.sqlite3"
STORE_FILE = "kiosk.sqlite3"


class Kiosk:
    """One ``kiosk run --headless`` process on ``data_dir``, scanning from ``scanner``."""

    def __init__(self, data_dir: Path, scanner: PtyScannerSimulator, log: Path) -> None:
        self.screens = data_dir / "screens"
        shutil.rmtree(self.screens, ignore_errors=True)  # a killed kiosk leaves its last screen
        env = {**os.environ, "KIVY_HOME": str(data_dir.parent / "kivy-home")}
        env.pop("KIOSK_CONFIG", None)
        self._log = log.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "run", "--headless", "--data-dir", str(data_dir),
             "--screenshot-dir", str(self.screens), "--scanner", scanner.port_path],
            stdin=subprocess.PIPE, stdout=self._log, stderr=subprocess.STDOUT, text=True,
            env=env, cwd=REPO,
        )  # fmt: skip

    def type(self, line: str) -> None:
        """Type one console line (a PIN, or a touch such as ``:finish``)."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def screen(self) -> str:
        """The text of the screen shown now ("" before the first one is saved)."""
        try:
            return (self.screens / "current-screen.txt").read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def wait_for(self, screen: str, showing: str = "") -> bool:
        """Wait until the named screen shows (with ``showing`` in its text, if given).

        Returns False if the process ended or time ran out.
        """
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and self.process.poll() is None:
            text = self.screen()
            if f"screen: {screen}\n" in text and showing in text:
                return True
            time.sleep(0.02)
        return False

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed."""
        self.process.send_signal(signal.SIGKILL)
        self._finish()

    def stop(self) -> int:
        """SIGTERM, the normal stop. Returns the exit code."""
        self.process.terminate()
        return self._finish()

    def _finish(self) -> int:
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        if self.process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        self._log.close()
        return code


def query(path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    """A read on a database the kiosk may be writing (WAL or rollback journal).

    Read-write mode although it only reads: after a kill -9 the demo library's hot journal
    must be rolled back by the first reader, as the ILS itself would on its next open.
    """
    with sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30) as db:
        return db.execute(sql, args).fetchall()


def first_start(data: Path, scanner: PtyScannerSimulator, log: Path) -> bool:
    """Start the kiosk once on an empty ``data`` folder, so it creates and seeds the demo
    library and migrates its store, then stop it. False (log printed) if it did not start."""
    kiosk = Kiosk(data, scanner, log)
    if not kiosk.wait_for("idle"):
        print(f"the kiosk did not start; log:\n{log.read_text()[-3000:]}", file=sys.stderr)
        kiosk.kill()
        return False
    kiosk.stop()
    return True


def wait_settled(kiosk: Kiosk, store: Path, open_sql: str) -> None:
    """Wait (at most :data:`WAIT`) until ``open_sql`` counts no open intents in ``store``."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and query(store, open_sql)[0][0]:
        time.sleep(0.1)


KILL_SPANS = [(0.0, 0.05), (0.02, 0.3), (0.02, 0.3), (0.02, 0.3), (0.3, 1.0)]
"""Seconds after the round's requests start, ranges a random kill lands in: most while the
ILS calls run, a few before they start or after they end."""


def kill_timer(rng: random.Random) -> Callable[[], float]:
    """A random delay for each killed round, drawn from :data:`KILL_SPANS`."""

    def kill_after() -> float:
        low, high = rng.choice(KILL_SPANS)
        return rng.uniform(low, high)

    return kill_after

"""`kiosk run` that cannot open what it needs says so in one line and exits 1.

GIVEN a data folder where the demo library's file is a directory (the same for a local
store that is a directory), WHEN the kiosk starts, THEN a technician reads one line naming
the file and what to do, and no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_kiosk(data_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy"), "SDL_VIDEODRIVER": "offscreen"}
    env.pop("KIOSK_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--headless", "--data-dir", str(data_dir),
         "--scanner", ""],
        capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL,
        check=False,
    )  # fmt: skip


def test_a_library_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "demo-library.sqlite3").mkdir(parents=True)
    result = run_kiosk(data, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith("kiosk:")]
    assert line.startswith("kiosk: cannot open the library system: demo library at ")
    assert "move the file aside" in line


def test_a_store_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "kiosk.sqlite3").mkdir(parents=True)
    result = run_kiosk(data, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "kiosk: cannot open the local database: Kiosk store" in result.stderr

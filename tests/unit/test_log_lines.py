"""Log lines a hostile path cannot break: one record, one line, no terminal escapes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_a_data_folder_named_with_a_newline_and_an_escape_is_logged_escaped(
    tmp_path: Path,
) -> None:
    data = tmp_path / "x\x1b[31m\nFAKE"
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen"}
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "-v", "run", "--headless", "--exit-after-first-frame",
         "--data-dir", str(data)],
        capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "kiosk store ready at" in result.stderr  # the line that names the folder
    assert "\x1b" not in result.stderr
    assert not any(line.startswith("FAKE") for line in result.stderr.splitlines())
    assert "x\\x1b[31m\\nFAKE" in result.stderr

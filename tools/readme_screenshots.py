"""Refresh the README's screenshots from the screenshot tour.

Runs the tour (``tests/ui/screen_probe.py tour``, the real screens offscreen) for the
attract screen, borrowing, the summary, my account after a renewal and returning, and
copies its 1280x800 pictures at 100 %
text size, in Indonesian and English, to ``docs/screenshots/<state>-<language>.png``:

    python tools/readme_screenshots.py

The full tour (every state, both sizes, every text size and theme) is ``./dev test tests/ui/
test_screenshots.py``; this is the small set the README shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "screenshots"
SHOWN = {
    "idle": "attract",
    "borrow.scanning": "scanning",
    "borrow.summary": "summary",
    "account.overview-renewed": "account",
    "return.scanning": "returning",
}
VARIANT = "100-1280x800"  # 100 % text at the kiosk's default window ([display] in the config)
LANGUAGES = ("id", "en")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kiosk-readme-shots-") as tmp:
        out = Path(tmp) / "shots"
        env = {**os.environ, "PROBE_STATES": ",".join(SHOWN), "KIVY_HOME": f"{tmp}/kivy"}
        env.pop("KIOSK_CONFIG", None)
        done = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "ui" / "screen_probe.py"), "tour",
             "--data", tmp, "--out", str(out)],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            print(f"the tour failed ({done.returncode}):\n{done.stderr[-3000:]}", file=sys.stderr)
            return 1
        TARGET.mkdir(parents=True, exist_ok=True)
        for state, name in SHOWN.items():
            for language in LANGUAGES:
                source = out / f"{state}-{language}-{VARIANT}.png"
                target = TARGET / f"{name}-{language}.png"
                shutil.copyfile(source, target)
                print(f"{target.relative_to(ROOT)} <- {state} ({language}, {VARIANT})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Start-up benchmark: cold start to first frame, and resident memory after it.

Runs ``kiosk run --headless --exit-after-first-frame`` (demo library, simulated scanner)
in fresh processes and prints, for each run, the wall time from process start to the
first frame the kiosk drew and the kiosk's resident memory (VmRSS) at that moment.
The first run uses an empty data directory, so it includes creating and seeding the demo
library and migrating the local store; later runs start on existing data, as a kiosk
does every morning. Where allowed (root on Linux), the OS page cache is dropped before
each run so that "cold" means cold.

    python bench/startup.py [--runs 5]

Targets (issue 2): cold start <= 2.5 s, RSS <= 250 MB.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 2.5
TARGET_RSS_MB = 250.0
LINE = re.compile(r"first-frame seconds=(?P<inner>[\d.]+) rss_mb=(?P<rss>[\d.]+)")


def drop_page_cache() -> bool:
    """Ask Linux to drop clean caches; False when not permitted (not root, container)."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def one_run(data_dir: Path, kivy_home: Path) -> tuple[float, float, float]:
    """Start the kiosk once; return (wall seconds, seconds seen by the kiosk, RSS MB)."""
    env = {**os.environ, "KIVY_HOME": str(kivy_home)}
    env.pop("KIOSK_CONFIG", None)
    command = [
        sys.executable, "-m", "kiosk.cli", "run", "--headless", "--exit-after-first-frame",
        "--data-dir", str(data_dir),
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = LINE.search(line)
        if match:
            wall = time.perf_counter() - started
            process.wait(timeout=60)
            return wall, float(match["inner"]), float(match["rss"])
    process.wait(timeout=60)
    raise SystemExit(f"kiosk exited with {process.returncode} before its first frame:\n"
                     f"{process.stderr.read() if process.stderr else ''}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs on existing data (default 5)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        data_dir, kivy_home = Path(tmp) / "data", Path(tmp) / "kivy"
        dropped = drop_page_cache()
        print(f"page cache dropped before each run: {'yes' if dropped else 'no (not permitted)'}")
        print(f"{'run':<22}{'wall to first frame':>22}{'inside kiosk':>15}{'RSS':>11}")
        results = []
        for index in range(args.runs + 1):
            drop_page_cache()
            wall, inner, rss = one_run(data_dir, kivy_home)
            label = "first (seeds data)" if index == 0 else f"existing data #{index}"
            print(f"{label:<22}{wall:>20.3f} s{inner:>13.3f} s{rss:>8.1f} MB")
            if index > 0:
                results.append((wall, rss))

    walls = [wall for wall, _ in results]
    worst_rss = max(rss for _, rss in results)
    median = statistics.median(walls)
    print(f"cold start to first frame: median {median:.3f} s, worst {max(walls):.3f} s "
          f"(target <= {TARGET_SECONDS} s)")  # fmt: skip
    print(f"RSS after first frame: worst {worst_rss:.1f} MB (target <= {TARGET_RSS_MB:.0f} MB)")
    ok = max(walls) <= TARGET_SECONDS and worst_rss <= TARGET_RSS_MB
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

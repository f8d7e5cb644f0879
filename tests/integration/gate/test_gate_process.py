"""``kiosk gate`` as a real process over simulated counters on ptys: totals end exact.

Acceptance 2 of issue 11: two line-protocol counters (one 32-bit, one 16-bit) are read by
the real drivers in a real ``kiosk gate`` subprocess; people cross, the totals wrap, one
counter is reset (a power cut), one is unplugged and plugged back, and the daemon is
killed with SIGKILL while people keep crossing, then started again. The sum of the stored
intervals must equal, exactly, the crossings the simulators made.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devices.sim.counter import LineCounterSimulator
from devices.sim.links import PtyLink

WAIT = 30.0  # seconds a condition may take on a loaded 2-core machine before we give up


def _gate(config: Path, data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "gate",
            "--config",
            str(config),
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _totals(data_dir: Path) -> dict[str, tuple[int, int]]:
    path = data_dir / "kiosk.sqlite3"
    if not path.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            rows = db.execute(
                "SELECT device_id, SUM(entered), SUM(left) FROM gate_intervals GROUP BY device_id"
            ).fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        return {}
    return {device: (entered, left) for device, entered, left in rows}


def _baselines(data_dir: Path) -> set[str]:
    path = data_dir / "kiosk.sqlite3"
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return {row[0] for row in db.execute("SELECT device_id FROM counter_state")}
    except sqlite3.OperationalError:
        return set()


def _wait(condition: Callable[[], bool], what: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if proc.poll() is not None:
            pytest.fail(
                f"kiosk gate exited ({proc.returncode}) while waiting for {what}: "
                f"{proc.stderr.read() if proc.stderr else ''}"
            )
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


class Crossings:
    """The simulators and the people they counted, by device."""

    def __init__(self, simulators: dict[str, LineCounterSimulator]) -> None:
        self.simulators = simulators
        self.made = {device: [0, 0] for device in simulators}
        self._lock = threading.Lock()

    def cross(self, device: str, direction: str, n: int = 1) -> None:
        with self._lock:
            self.simulators[device].cross(direction, n)
            self.made[device][0 if direction == "in" else 1] += n

    def expected(self) -> dict[str, tuple[int, int]]:
        with self._lock:
            return {device: (ins, outs) for device, (ins, outs) in self.made.items()}

    def walk(self, stop: threading.Event) -> None:
        """People crossing both counters every 10 ms until ``stop``."""
        step = 0
        while not stop.wait(0.01):
            step += 1
            self.cross("a" if step % 2 else "b", "in" if step % 3 else "out")


@pytest.fixture
def counters() -> Iterator[Crossings]:
    with (
        LineCounterSimulator(PtyLink, mode="push", counter_id="a", heartbeat=1.0) as a,
        LineCounterSimulator(PtyLink, mode="push", counter_id="b", bits=16, heartbeat=1.0) as b,
    ):
        yield Crossings({"a": a, "b": b})


def test_totals_are_exact_through_wrap_reset_replug_and_a_kill_9(
    tmp_path: Path, counters: Crossings
) -> None:
    sims = counters.simulators
    config = tmp_path / "gate.toml"
    config.write_text(
        '[gate]\nid = "gate-test"\ninterval_minutes = 1\n'
        f'[counters.a]\nurl = "{sims["a"].url}"\naddress = "a"\n'
        f'[counters.b]\nurl = "{sims["b"].url}"\naddress = "b"\nbits = 16\n',
        encoding="utf-8",
    )
    data = tmp_path / "data"
    proc = _gate(config, data)
    try:
        # First start: each counter's first reading only sets its baseline.
        _wait(lambda: _baselines(data) == {"a", "b"}, "both baselines", proc)
        for _ in range(5):
            counters.cross("a", "in")
            counters.cross("b", "in")
        counters.cross("a", "out", 2)
        _wait(lambda: _totals(data) == counters.expected(), "the first crossings", proc)

        # Wrap: both counters jump to 3 below their wrap point (a new baseline), then count past it.
        for device in ("a", "b"):
            sims[device].near_wrap()
        _wait(lambda: _totals(data) == counters.expected(), "the jump", proc)
        for device in ("a", "b"):
            counters.cross(device, "in", 4)
            counters.cross(device, "out", 5)
        assert sims["a"].total_in == 1 and sims["b"].total_out == 2  # really wrapped
        _wait(lambda: _totals(data) == counters.expected(), "the wrap", proc)

        # A power cut resets counter a to 0; people keep coming.
        sims["a"].reset()
        counters.cross("a", "in", 3)
        counters.cross("a", "out")
        _wait(lambda: _totals(data) == counters.expected(), "the reset", proc)

        # Counter b unplugged while people pass, then plugged back in.
        sims["b"].unplug()
        counters.cross("b", "in", 6)
        counters.cross("b", "out", 2)
        sims["b"].replug()
        _wait(lambda: _totals(data) == counters.expected(), "the replug", proc)

        # kill -9 in mid-stream: people keep crossing before, during and after.
        stop = threading.Event()
        walker = threading.Thread(target=counters.walk, args=(stop,))
        walker.start()
        try:
            _wait(lambda: sum(map(sum, _totals(data).values())) > 60, "the walk", proc)
            proc.send_signal(signal.SIGKILL)
            _out, first_log = proc.communicate(timeout=10)
            at_kill = _people(counters.expected())
            time.sleep(0.3)  # people crossing while the gate is dead
            at_restart = _people(counters.expected())
            proc = _gate(config, data)
            time.sleep(0.5)
        finally:
            stop.set()
            walker.join()
        _wait(lambda: _totals(data) == counters.expected(), "the restart", proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    expected = counters.expected()
    assert _totals(data) == expected
    assert at_restart > at_kill  # people really crossed while the gate was dead
    # The unplug was one technician line naming the counter, and one when it came back.
    b_lines = [line for line in first_log.splitlines() if f"counter b ({sims['b'].url})" in line]
    assert len(b_lines) == 2, first_log
    assert "device lost: " in b_lines[0] and b_lines[1].endswith("back, counting again")
    assert "Traceback" not in first_log


def _people(totals: dict[str, tuple[int, int]]) -> int:
    return sum(ins + outs for ins, outs in totals.values())


def test_a_config_without_counters_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "gate.toml"
    config.write_text("[gate]\ninterval_minutes = 7\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "gate", "--config", str(config)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"kiosk: config error: {config}: [gate] interval_minutes: must divide an hour "
        "(1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60), got 7"
    ]
    config.write_text("[gate]\ninterval_minutes = 5\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "gate", "--config", str(config)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1
    assert "the gate has no visitor counter; add a [counters.<id>] table" in done.stderr


def test_without_a_config_the_demo_counts_simulated_visitors(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "gate", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        assert banner.startswith("kiosk gate demo: two simulated counters (entrance-a, entrance-b)")
        counted = proc.stdout.readline()  # the first reading that counted someone
        assert counted.startswith(("entrance-a: +", "entrance-b: +")), counted
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert sum(map(sum, _totals(tmp_path).values())) >= 1

"""`kiosk sim counter --protocol modbus` in a real subprocess, read by the real driver."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from integration.devices.modbus_harness import QUICK, TIMEOUT, WAIT, Events

from devices.counters.modbus import ModbusCounter
from devices.counters.settings import CounterSettings
from devices.events import DeviceLost, DeviceReady


class Console:
    """The simulator's process: type into it, wait for the lines it prints."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "sim", "counter", "--protocol", "modbus", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def wait_line(self, text: str) -> str:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                pytest.fail(f"the simulator never printed {text!r}; it printed {seen}")
            seen.append(line)
            if text in line:
                return line

    def end(self) -> tuple[int, str]:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            code = self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail("the simulator did not end at end of input")
        assert self.process.stderr is not None
        return code, self.process.stderr.read()


def test_script_then_console_drive_a_real_driver(tmp_path: Path) -> None:
    link = tmp_path / "kiosk-counter"
    script = tmp_path / "start.txt"
    script.write_text("# near the wrap, then five people in\n0 !wrap\n0.1 in 5\n", encoding="utf-8")
    console = Console("--link", str(link), "--script", str(script), "--width", "16")
    events = Events()
    counter = ModbusCounter(
        CounterSettings("main", str(link), "modbus", width=16, interval=0.05),
        events,
        timeout=TIMEOUT,
        backoff=QUICK,
    )
    try:
        assert console.wait_line("Modbus counter simulator").endswith(f"on {link}")
        console.wait_line("in: IN 2, OUT 65533")  # the script ran: wrapped at 16 bits
        counter.start()
        events.wait_for("first reading", lambda: bool(events.readings()))
        assert (events.readings()[0].total_in, events.readings()[0].total_out) == (2, 65533)
        console.type("out 4")
        console.type("in 1")
        events.wait_people(1, 4)
        console.type("!unplug")
        console.wait_line("unplugged")
        events.wait_count(DeviceLost, 1)
        console.type("in 2")
        console.type("!replug")
        events.wait_count(DeviceReady, 2)
        events.wait_people(3, 4)
    finally:
        counter.stop()
        code, errors = console.end()
    assert code == 0, errors
    assert not os.path.lexists(link)


def test_a_bad_script_line_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    script = tmp_path / "bad.txt"
    script.write_text("0.5 in 2\n1 out\nsoon !reset\n", encoding="utf-8")
    console = Console("--script", str(script))
    code, errors = console.end()
    assert code == 2
    assert errors.strip().splitlines() == [
        f"kiosk: {script}:3: the time must be seconds (0 .. 86400) or +seconds, got 'soon'"
    ]

"""`kiosk sim counter` as a technician runs it: a real subprocess, read by the real drivers."""

from __future__ import annotations

import io
import queue
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serial.urlhandler.protocol_spy import FormatHexdump

from devices.counters import CounterReading, open_counter
from devices.counters.events import CounterEvent
from devices.counters.line_protocol import format_frame
from devices.counters.settings import CounterSettings
from devices.events import DeviceReady
from devices.sim.counter_console import parse_script
from devices.sim.script import ScriptError

pytestmark = pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated")
WAIT = 15.0


def _start(*args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sim", "counter", *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    first = process.stdout.readline()
    match = re.search(r" on (\S+)$| at (\S+)$", first.strip())
    assert match, first
    return match.group(1) or match.group(2)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.communicate(timeout=10)


def _readings_until(
    events: queue.Queue[CounterEvent], totals: tuple[int, int]
) -> list[CounterReading]:
    seen = []
    deadline = time.monotonic() + WAIT  # overall: polled readings never stop coming
    while True:
        try:
            event = events.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"no reading with totals {totals} within {WAIT} s; saw {seen}")
        if isinstance(event, CounterReading):
            seen.append(event)
            if (event.total_in, event.total_out) == totals:
                return seen


@pytest.mark.parametrize("transport", [(), ("--tcp", "0")])
def test_scripted_line_counter_in_poll_mode_is_read_by_the_driver(
    tmp_path: Path, processes: list[subprocess.Popen[str]], transport: tuple[str, ...]
) -> None:
    script = tmp_path / "opening.txt"
    script.write_text(
        "# opening time (the driver has 3 s to connect first)\n"
        "3 in 3\n+0.5 out 1\n+0.5 !wrap\n+0.5 in 4\n+60 !status\n"
    )
    process = _start("--mode", "poll", "--bits", "16", "--id", "gate1", "--script",
                     str(script), *transport)  # fmt: skip
    processes.append(process)
    url = _url(process)
    if transport:
        assert url.startswith("socket://127.0.0.1:")
    events: queue.Queue[CounterEvent] = queue.Queue()
    settings = CounterSettings(
        "gate1", url, "line", mode="poll", interval=0.1, address="gate1", bits=16,
        baseline_in=0, baseline_out=0,
    )  # fmt: skip
    counter = open_counter(settings, events.put)
    counter.start()
    try:
        readings = _readings_until(events, (1, 65533))  # 65533 + 4, wrapped at 16 bits
    finally:
        counter.stop()
    entered = sum(r.entered for r in readings)
    # Polls may or may not catch the totals between steps; either way what is counted
    # is people: the !wrap jump sets a new baseline (counts nothing).
    assert entered in (4, 7)
    assert all(r.device_id == "gate1" for r in readings)


def test_beams_simulator_console_drives_the_beams_driver(
    processes: list[subprocess.Popen[str]],
) -> None:
    process = _start("--protocol", "beams", stdin=subprocess.PIPE)
    processes.append(process)
    url = _url(process)
    assert url.startswith("rfc2217://127.0.0.1:")
    events: queue.Queue[CounterEvent] = queue.Queue()
    counter = open_counter(CounterSettings("door", url, "beams", beam_b="dsr"), events.put)
    counter.start()
    try:
        events.get(timeout=WAIT)  # DeviceReady
        assert process.stdin is not None
        process.stdin.write("in 2\nout 1\n!turnback\n")
        process.stdin.flush()
        readings = _readings_until(events, (2, 1))
    finally:
        counter.stop()
    assert [(r.entered, r.left) for r in readings] == [(1, 0), (1, 0), (0, 1)]


def test_replay_of_a_spy_log_reaches_the_driver(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    log = io.StringIO()
    spy = FormatHexdump(log, color=False)
    spy.rx(format_frame(10, 2) + b"\x00\x07\r\n" + format_frame(12, 2)[:7])
    spy.tx(b"?\r\n")
    spy.rx(format_frame(12, 2)[7:] + format_frame(15, 3))
    (tmp_path / "spy.log").write_text(log.getvalue(), encoding="latin-1")
    process = _start("--tcp", "0", "--replay", str(tmp_path / "spy.log"), stdin=subprocess.PIPE)
    processes.append(process)
    events: queue.Queue[CounterEvent] = queue.Queue()
    counter = open_counter(CounterSettings("gate1", _url(process), "line"), events.put)
    counter.start()
    try:
        assert isinstance(events.get(timeout=WAIT), DeviceReady)
        assert process.stdin is not None
        process.stdin.write("\n")
        process.stdin.flush()
        readings = _readings_until(events, (15, 3))
    finally:
        counter.stop()
    assert [(r.total_in, r.entered, r.left, r.note) for r in readings] == [
        (10, 0, 0, "first"), (12, 2, 0, ""), (15, 3, 1, ""),
    ]  # fmt: skip


def test_console_prints_one_line_per_action_and_refuses_unknown_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "sim", "counter", "--tcp", "0"],
        input="in 3\n!reset\n!bogus\nout 0\n!status\n!turnback\n",
        capture_output=True,
        text=True,
        timeout=30,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert "3 in; totals IN=3 OUT=0" in lines
    assert "power cut: totals back to 0" in lines
    assert any(line.startswith("unknown command '!bogus'") for line in lines)
    assert "a count is 1 to 100000, got 0" in lines
    assert any(line.startswith("push mode, IN=0 OUT=0") for line in lines)
    assert "!turnback is for beams only, not for the line protocol" in lines


def test_a_bad_script_line_is_one_line_with_file_and_number(tmp_path: Path) -> None:
    script = tmp_path / "bad.txt"
    script.write_text("0 in 1\nsoon out 2\n")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "sim", "counter", "--tcp", "0", "--script", str(script)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"kiosk: {script}:2: the time must be seconds (0 .. 86400) or +seconds, got 'soon'"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 in 2\n0.5 out 1\n", "x:2: 0.5 s is before the step before (1 s)"),
        ("1 !explode\n", "x:1: unknown command '!explode'"),
    ],
)
def test_script_errors(text: str, message: str) -> None:
    with pytest.raises(ScriptError, match=re.escape(message)):
        parse_script(text, "x")


def test_script_times_are_absolute_or_relative() -> None:
    assert parse_script("0.5\tin 3  # doors open\n+1 out 1\n\n2 !unplug\n", "x") == [
        (0.5, "in 3"), (1.5, "out 1"), (2.0, "!unplug"),
    ]  # fmt: skip


def test_replay_waits_until_the_kiosk_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kiosk's connect() returns before the simulator accept()s it (under load, long
    before): the replay used to start then, and its first bytes went nowhere."""
    import socket

    from devices.counters.sim_command import _replay
    from devices.sim.counter import LineCounterSimulator
    from devices.sim.links import TcpLink

    accept = TcpLink._accept

    def slow_accept(self: TcpLink, server: socket.socket) -> None:
        time.sleep(0.5)  # a loaded simulator gets round to accept() late
        accept(self, server)

    monkeypatch.setattr(TcpLink, "_accept", slow_accept)
    log = tmp_path / "spy.log"
    with log.open("w") as out:
        FormatHexdump(out, color=False).rx(format_frame(1, 0))  # 18 bytes: two rows
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    with LineCounterSimulator(TcpLink, heartbeat=3600) as sim:
        kiosk = socket.create_connection(("127.0.0.1", sim.link.port))  # type: ignore[attr-defined]
        kiosk.settimeout(WAIT)
        try:
            _replay(sim, log)
            assert kiosk.recv(100) == format_frame(1, 0)
        finally:
            kiosk.close()
    assert "replayed 1 reads" in capsys.readouterr().out


def _config_lines(process: subprocess.Popen[str]) -> list[str]:
    """The lines after the first: the printed config table, then the line after it."""
    assert process.stdout is not None
    lines = [process.stdout.readline()]  # "Read it with this table ..."
    while (line := process.stdout.readline()).startswith("  "):
        lines.append(line)
    return [*lines, line]


def test_the_printed_table_is_toml_the_kiosk_config_loads(
    processes: list[subprocess.Popen[str]],
) -> None:
    import tomllib

    from kiosk.config import from_mapping

    process = _start("--mode", "poll", "--id", "gate1", "--bits", "16")
    processes.append(process)
    url = _url(process)
    lines = _config_lines(process)
    assert lines[0] == "Read it with this table in the kiosk's config:\n"
    table = "".join(line.strip() + "\n" for line in lines[1:-1])
    counter = from_mapping(tomllib.loads(table), None).counters["gate1"]
    assert (counter.url, counter.protocol, counter.mode, counter.bits) == (url, "line", "poll", 16)
    assert counter.address == "gate1"


@pytest.mark.parametrize("device_id", ["gate2", "door.east"])
def test_the_printed_table_is_named_after_the_counters_id(
    processes: list[subprocess.Popen[str]], device_id: str
) -> None:
    import tomllib

    from kiosk.config import from_mapping

    # It once said [counters.gate1] whatever --id was given.
    process = _start("--mode", "push", "--id", device_id)
    processes.append(process)
    _url(process)
    lines = _config_lines(process)
    table = "".join(line.strip() + "\n" for line in lines[1:-1])
    assert list(from_mapping(tomllib.loads(table), None).counters) == [device_id]


def test_a_script_on_a_pty_waits_until_the_kiosk_has_read_it_all(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """The simulator quit (closing its pty) the moment the last line was sent: the kiosk
    lost what it had not read yet."""
    import serial

    script = tmp_path / "s.txt"
    script.write_text("2 in 2\n+0.1 out 1\n")  # 2 s for this test to open the port
    process = _start("--heartbeat", "3600", "--script", str(script))
    processes.append(process)
    url = _url(process)
    assert process.stdout is not None
    port = serial.Serial(url, timeout=WAIT)  # opened, not read: a busy kiosk
    try:
        for line in iter(process.stdout.readline, ""):
            if "1 out" in line:
                break
        time.sleep(1.0)  # the kiosk gets round to reading late
        expected = format_frame(2, 0) + format_frame(2, 1)
        assert port.read(len(expected)) == expected
    finally:
        port.close()
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 0, err
    assert "the kiosk has read everything sent; ending" in out


def test_a_script_over_tcp_waits_for_the_kiosk(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """A script started before the kiosk connected: its first crossings went nowhere and
    the kiosk took the later totals as its starting point (counting nobody)."""
    script = tmp_path / "s.txt"
    script.write_text("0 in 3\n+0.5 out 1\n")
    process = _start("--tcp", "0", "--heartbeat", "3600", "--script", str(script))
    processes.append(process)
    url = _url(process)
    assert _config_lines(process)[-1] == "waiting for the kiosk to connect…\n"
    events: queue.Queue[CounterEvent] = queue.Queue()
    counter = open_counter(CounterSettings("gate1", url, "line"), events.put)
    counter.start()
    try:
        readings = _readings_until(events, (3, 1))
    finally:
        counter.stop()
    # The kiosk asks on connect (the baseline before anyone passed), then the script runs.
    assert [(r.total_in, r.total_out) for r in readings] == [(0, 0), (3, 0), (3, 1)]
    assert (sum(r.entered for r in readings), sum(r.left for r in readings)) == (3, 1)


def test_a_replay_sends_only_the_captured_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In push mode the simulator's own heartbeat ($IN=0,OUT=0) came between the replayed
    frames: the kiosk counted a phantom reset (IN 5 / OUT 1 replayed read as in 10, out 2)."""
    import socket

    from devices.counters.sim_command import _replay
    from devices.sim.counter import LineCounterSimulator
    from devices.sim.links import TcpLink

    log = tmp_path / "spy.log"
    frames = [format_frame(3, 1), format_frame(5, 1)]
    log.write_text(  # pyserial's hexdump: 16 bytes a row, the offset counting on
        "".join(
            f"{at:010.3f} RX   {offset:04X}  {frame[offset : offset + 16].hex(' ').upper()}\n"
            for at, frame in zip((0.0, 0.3), frames, strict=True)
            for offset in range(0, len(frame), 16)
        )
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    with LineCounterSimulator(TcpLink, heartbeat=0.05) as sim:
        kiosk = socket.create_connection(("127.0.0.1", sim.link.port))  # type: ignore[attr-defined]
        kiosk.settimeout(WAIT)
        try:
            assert sim.link.wait_for_client(WAIT)  # type: ignore[attr-defined]
            _replay(sim, log)
            sim.close()
            received = b""
            while chunk := kiosk.recv(4096):
                received += chunk
        finally:
            kiosk.close()
    assert received == b"".join(frames)

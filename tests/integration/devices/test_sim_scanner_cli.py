"""`kiosk sim scanner` as a technician runs it: a real subprocess, the real reader."""

from __future__ import annotations

import queue
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from devices.events import DeviceLost, DeviceReady, DeviceStatus
from devices.scanner import BadScan, BarcodeRead, ScanEvent, open_scanner
from devices.sim import PtyScannerSimulator
from devices.symbology import EAN13

WAIT = 10.0
ITEM, CARD = "33171000000018", "23171000000010"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sim(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sim", "scanner", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def collect(url: str, count: int, **options: object) -> list[ScanEvent | DeviceStatus]:
    events: queue.Queue[ScanEvent | DeviceStatus] = queue.Queue()
    reader = open_scanner(url, events.put, **options)
    reader.start(wait_for_device=True)
    got: list[ScanEvent | DeviceStatus] = []
    try:
        while len([e for e in got if not isinstance(e, DeviceLost | DeviceReady)]) < count:
            try:
                got.append(events.get(timeout=WAIT))
            except queue.Empty:
                pytest.fail(f"only {got} within {WAIT} s")
    finally:
        reader.stop()
    return got


def test_a_script_over_tcp_reaches_the_kiosks_reader(tmp_path: Path) -> None:
    script = tmp_path / "scan.txt"
    script.write_text(
        f"# two scans, noise, an ISBN with its AIM identifier\n0 {CARD}\n+0.1 !noise\n"
        f"+0.1 !aim on\n+0.1 !ean13 978979306279\n+0.1 !split {ITEM}\n"
    )
    port = free_port()
    process = sim("--tcp", str(port), "--script", str(script))
    try:
        got = collect(f"socket://127.0.0.1:{port}", 4, symbologies=("codabar", EAN13))
        scans = [e for e in got if not isinstance(e, DeviceReady | DeviceLost)]
        assert scans[0] == BarcodeRead(CARD)
        assert isinstance(scans[1], BadScan)
        assert scans[2:] == [BarcodeRead("9789793062792", EAN13), BarcodeRead(ITEM)]
        out, err = process.communicate(timeout=WAIT)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "sent 9789793062792 as ean13" in out


def test_a_spy_capture_is_replayed(tmp_path: Path) -> None:
    import serial

    capture = tmp_path / "field.log"
    with PtyScannerSimulator() as field:  # "the field": a scanner captured through spy://
        spied = serial.serial_for_url(f"spy://{field.port_path}?file={capture}", timeout=2)
        for code in (ITEM, CARD):
            field.send(code)
            assert spied.read(15) == code.encode() + b"\r"
        spied.close()
    port = free_port()
    process = sim("--tcp", str(port), "--replay", str(capture))
    try:
        got = collect(f"socket://127.0.0.1:{port}", 2)
        assert [e for e in got if isinstance(e, BarcodeRead)] == [
            BarcodeRead(ITEM),
            BarcodeRead(CARD),
        ]
        out, _ = process.communicate(timeout=WAIT)
    finally:
        process.kill()
    assert "replayed 2 reads, 30 bytes" in out


@pytest.mark.parametrize(
    ("content", "option", "expected"),
    [
        ("1 ok\nlater 30234000517861\n", "--script", "scan.txt:2: the time must be seconds"),
        ("not a capture\n", "--replay", "no received (RX) bytes"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2(
    tmp_path: Path, content: str, option: str, expected: str
) -> None:
    path = tmp_path / ("scan.txt" if option == "--script" else "empty.log")
    path.write_text(content if option == "--script" else "")
    process = sim(option, str(path))
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 2
    assert len(err.strip().splitlines()) == 1
    assert expected in err
    assert out == ""  # nothing was started


def test_a_script_on_a_pty_waits_until_the_kiosk_has_read_its_last_scan(tmp_path: Path) -> None:
    """The README's worked example lost its last scan: the simulator closed the pty the
    moment the last line was written, taking back the bytes the kiosk had not read."""
    import time

    import serial

    script = tmp_path / "scan.txt"
    script.write_text(f"0 {CARD}\n+0.1 {ITEM}\n")
    link = tmp_path / "scanner"
    process = sim("--link", str(link), "--script", str(script))
    try:
        assert process.stdout is not None
        assert "Scanner simulator on" in process.stdout.readline()
        port = serial.Serial(str(link), timeout=WAIT)  # opened, not read: a busy kiosk
        try:
            for line in iter(process.stdout.readline, ""):
                if f"sent {ITEM}" in line:
                    break
            time.sleep(1.0)  # the kiosk gets round to reading late
            assert port.read(30) == f"{CARD}\r{ITEM}\r".encode()
        finally:
            port.close()
        out, err = process.communicate(timeout=WAIT)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "the kiosk has read everything sent; ending" in out


def test_a_replay_over_tcp_keeps_a_first_read_of_one_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The field capture's first scan was two reads, '2' then the rest 1 ms later; the
    replay sent '2' the instant the kiosk connected, and pyserial's socket:// open
    discards what has arrived by then: the kiosk read a 13-digit 'bad scan'."""
    import io
    import time

    from serial.urlhandler import protocol_socket
    from serial.urlhandler.protocol_spy import FormatHexdump

    discard = protocol_socket.Serial.reset_input_buffer

    def busy_kiosk_discard(self: protocol_socket.Serial) -> None:
        time.sleep(0.2)  # a kiosk busy starting up gets from connect() to the discard late
        discard(self)

    monkeypatch.setattr(protocol_socket.Serial, "reset_input_buffer", busy_kiosk_discard)

    log = io.StringIO()
    spy = FormatHexdump(log, color=False)
    spy.rx(CARD[:1].encode())
    spy.rx(CARD[1:].encode() + b"\r")
    capture = tmp_path / "field.log"
    capture.write_text(log.getvalue(), encoding="latin-1")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sim", "scanner", "--tcp", str(port), "--replay",
         str(capture)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None and process.stdin is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert "2 reads to replay; start the kiosk, then press Enter" in lines[2]
        process.stdin.write("\n")
        process.stdin.flush()
        got = collect(f"socket://127.0.0.1:{port}", 1)
        assert [e for e in got if not isinstance(e, DeviceReady | DeviceLost)] == [
            BarcodeRead(CARD)
        ]
        out, err = process.communicate(timeout=WAIT)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "waiting for the kiosk to connect" in out

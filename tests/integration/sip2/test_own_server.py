"""`kiosk sip2-server` as a real process: serving, kill -9 and restart, one-line errors."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from integration.sip2.own_server import OwnServer, start_own_server
from unit.ils.sip2.server_support import checkout, item_information, login, patron_status

from kiosk.ils.local import LocalIls
from kiosk.ils.local import demo_data as demo
from kiosk.ils.sip2 import FrameReader, Message, decode, encode


class _Machine:
    def __init__(self, server: OwnServer) -> None:
        self.sock = socket.create_connection((server.host, server.port), 10)
        self.sock.settimeout(10)
        self.reader = FrameReader()
        self.sequence = 0

    def ask(self, message: Message) -> Message:
        self.sequence = (self.sequence + 1) % 10
        self.sock.sendall(encode(message, sequence=self.sequence))
        frames: list[bytes] = []
        while not frames:
            data = self.sock.recv(4096)
            assert data, "the server closed the connection"
            frames = self.reader.feed(data)
        return decode(frames[0])


def test_serves_the_demo_library_and_survives_kill_9(tmp_path: Path) -> None:
    server = start_own_server(tmp_path)
    try:
        machine = _Machine(server)
        assert machine.ask(login(server.user, server.password)).fixed["ok"] == "1"
        assert machine.ask(patron_status(demo.SUTRISNO.barcode, "1234")).get("CQ") == "Y"
        lent = machine.ask(checkout(demo.SUTRISNO.barcode, demo.AVAILABLE.barcode))
        assert lent.fixed["ok"] == "1"
        port = server.port
        server.kill()
        server.restart()
        assert server.port == port  # a machine reconnects to the same address
        machine = _Machine(server)
        machine.ask(login(server.user, server.password))
        info = machine.ask(item_information(demo.AVAILABLE.barcode))
        assert (info.fixed["circulation_status"], info.get("AH")) == ("04", lent.get("AH"))
        again = machine.ask(checkout(demo.SUTRISNO.barcode, demo.AVAILABLE.barcode))
        assert again.fixed["ok"] == "0" and again.get("AH") == lent.get("AH")  # not lent twice
    finally:
        server.kill()
    ils = LocalIls.open(server.library_path)
    try:
        status = ils.item_status(demo.AVAILABLE.barcode)
        assert status is not None and status.borrower_barcode == demo.SUTRISNO.barcode
    finally:
        ils.close()


def test_sigterm_stops_it_cleanly(tmp_path: Path) -> None:
    server = start_own_server(tmp_path)
    assert server.stop() == 0
    assert "Traceback" not in server.output


def _kiosk(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "sip2-server", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = _kiosk("--port", str(port), data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        f"kiosk: cannot listen on 127.0.0.1:{port} (Address already in use); "
        "choose another with --port"
    )


def test_bad_tls_files_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "cert.pem"
    bad.write_text("not a certificate\n")
    result = _kiosk("--port", "0", "--tls-cert", str(bad), "--tls-key", str(bad),
                    data_dir=tmp_path / "data")  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"kiosk: cannot use TLS certificate {bad} with key {bad} (")
    )
    alone = _kiosk("--port", "0", "--tls-cert", str(bad), data_dir=tmp_path / "data")
    assert alone.returncode == 2
    assert alone.stderr.strip() == "kiosk: TLS needs both --tls-cert and --tls-key"


def test_the_commands_demo_login_is_the_servers() -> None:
    from kiosk import cli
    from kiosk.ils.sip2.server import demo as server_demo

    assert (cli.SIP2_DEMO_USER, cli.SIP2_DEMO_PASSWORD) == (
        server_demo.DEMO_USER,
        server_demo.DEMO_PASSWORD,
    )


def test_a_bad_idle_timeout_is_bad_usage(tmp_path: Path) -> None:
    result = _kiosk("--idle-timeout", "0", data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert "more than 0" in result.stderr and "Traceback" not in result.stderr

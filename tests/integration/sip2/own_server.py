"""Our own SIP2 server as a real process, for the interop suites (``sip2_server`` = "own").

``start_own_server(tmp_path)`` runs ``python -m kiosk sip2-server`` on a demo library file
in ``tmp_path`` and returns a handle with ``host``, ``port``, ``library_path``, ``user``,
``password``, ``kill()`` (SIGKILL: nothing is flushed or closed, as in a crash) and
``restart()`` (the same file, the same port). Import it as
``from integration.sip2.own_server import start_own_server`` (``tests`` is on the path).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

USER = "kiosk"
PASSWORD = "kiosk-demo"
START_SECONDS = 30.0
_LISTENING = re.compile(r"^SIP2 server for .* listening on (?P<host>[0-9.]+):(?P<port>\d+)", re.M)


class OwnServerError(RuntimeError):
    """The server process did not start; the message has its output."""


class OwnServer:
    """Handle on a ``kiosk sip2-server`` process. Build it with :func:`start_own_server`."""

    def __init__(self, data_dir: Path, *, idle_timeout: float = 300.0) -> None:
        self.data_dir = data_dir
        self.library_path = data_dir / "demo-library.sqlite3"
        self.host = "127.0.0.1"
        self.port = 0
        self.user = USER
        self.password = PASSWORD
        self._idle_timeout = idle_timeout
        self.log_path = data_dir.with_name(data_dir.name + ".log")
        self._process: subprocess.Popen[str] | None = None
        self._starts = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the process and wait for the line saying where it listens."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        command = [
            sys.executable, "-m", "kiosk", "sip2-server",
            "--data-dir", str(self.data_dir),
            "--host", self.host,
            "--port", str(self.port),
            "--idle-timeout", str(self._idle_timeout),
        ]  # fmt: skip
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Its output goes to a file, never a pipe nobody reads (a full pipe would hang it).
        with self.log_path.open("a") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, text=True, env=env
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            found = list(_LISTENING.finditer(text))
            if len(found) > self._starts:
                self._starts = len(found)
                self.port = int(found[-1]["port"])
                return
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        self.kill()
        raise OwnServerError(f"kiosk sip2-server did not start: {self.output}")

    @property
    def output(self) -> str:
        """Everything the server printed and logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the server (a crash: no socket closed politely, nothing flushed)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
        self._process.wait(10)
        self._process = None

    def restart(self) -> None:
        """Start it again on the same library file and the same port (after :meth:`kill`)."""
        self.kill()
        self.start()

    def stop(self) -> int | None:
        """Stop it as a service manager would (SIGTERM); its exit code."""
        if self._process is None:
            return None
        process = self._process
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(10)
        finally:
            self._process = None


def start_own_server(tmp_path: Path, *, idle_timeout: float = 300.0) -> OwnServer:
    """Start our SIP2 server on a fresh demo library in ``tmp_path``; call ``kill()`` after.

    Args:
        tmp_path: the test's folder; the data folder is ``tmp_path / "own-sip2"``.
        idle_timeout: seconds after which the server closes an idle connection.
    """
    server = OwnServer(tmp_path / "own-sip2", idle_timeout=idle_timeout)
    server.start()
    return server

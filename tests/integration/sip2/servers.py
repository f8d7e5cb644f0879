"""SIP2 servers for the interop tests, each in its own process, and a fault-injecting proxy.

:class:`ServerHandle` is what the ``sip2_server`` fixture gives a test, whichever server
runs behind it: ``host``, ``port``, ``library_path`` (the demo library's file, to check
what the ILS stored), ``kill()`` (SIGKILL) and ``restart()`` (on the same port).

:class:`FaultProxy` sits between the client and a server and breaks the link on purpose:
corrupt the next reply's checksum, drop the connection, or run a hook when a reply of a
given code passes (the kill-during-check-out test kills and restarts the server there).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.ils.sip2.codec import FrameReader

ACS_SCRIPT = Path(__file__).with_name("pysip2_acs.py")
START_TIMEOUT = 60.0  # seconds a server process may take to listen (a slow shared machine)


class ServerHandle:
    """A SIP2 server process serving the demo library at ``library_path``."""

    def __init__(self, library_path: Path, work: Path) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.library_path = library_path
        self._work = work
        self._process: subprocess.Popen[bytes] | None = None
        self._log = work / "server.log"

    def start(self) -> ServerHandle:
        port_file = self._work / "port"
        port_file.unlink(missing_ok=True)
        command = [sys.executable, str(ACS_SCRIPT), str(self.library_path), str(port_file)]
        if self.port:
            command += ["--port", str(self.port)]
        with open(self._log, "ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while not port_file.exists():
            if self._process.poll() is not None:
                raise RuntimeError(f"SIP2 test server exited: {self._log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("SIP2 test server did not start in time")
            time.sleep(0.02)
        self.port = int(port_file.read_text())
        return self

    def kill(self) -> None:
        """SIGKILL the server process (nothing it has not committed survives)."""
        process = self._process
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self._process = None

    def restart(self) -> None:
        """Kill (if running) and start again on the same port."""
        self.kill()
        for _ in range(50):  # the port may linger a moment after the kill
            try:
                self.start()
                return
            except RuntimeError:
                time.sleep(0.1)
        self.start()


class FaultProxy:
    """A TCP proxy on 127.0.0.1 forwarding to ``target()`` (host, port), breaking on demand.

    Client to server bytes pass as they come; server to client bytes are split into frames
    (so one reply can be corrupted or acted on) and forwarded with a CR.
    """

    def __init__(self, target: Callable[[], tuple[str, int]]) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = "127.0.0.1", self._listener.getsockname()[1]
        self._corrupt = 0
        self._on_reply: dict[str, Callable[[], None]] = {}
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def corrupt_replies(self, count: int = 1) -> None:
        """Flip a byte in the next ``count`` replies (their checksum no longer matches)."""
        with self._lock:
            self._corrupt += count

    def on_reply(self, code: str, action: Callable[[], None]) -> None:
        """Once: when a reply ``code`` comes from the server, run ``action`` and drop the
        client's connection without forwarding the reply (its answer is lost)."""
        with self._lock:
            self._on_reply[code] = action

    def drop(self) -> None:
        """Close every connection now (as a server's idle timeout or a network fault)."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        self._closed = True
        self.drop()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self._target(), timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._upstream, args=(client, server), daemon=True).start()
            threading.Thread(target=self._downstream, args=(client, server), daemon=True).start()

    def _upstream(self, client: socket.socket, server: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                server.sendall(data)
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_WR)

    def _downstream(self, client: socket.socket, server: socket.socket) -> None:
        reader = FrameReader()
        try:
            while data := server.recv(65536):
                for frame in reader.feed(data):
                    code = frame[:2].decode("ascii", "replace")
                    with self._lock:
                        action = self._on_reply.pop(code, None)
                        corrupt = self._corrupt > 0 and action is None
                        if corrupt:
                            self._corrupt -= 1
                    if action is not None:
                        action()
                        client.close()
                        server.close()
                        return
                    if corrupt:
                        frame = frame[:2] + bytes([frame[2] ^ 0x01]) + frame[3:]
                    client.sendall(frame + b"\r")
        except OSError:
            pass
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_WR)

"""Where a counter simulator's bytes go: a pseudo-terminal under a stable path, or TCP.

Both can be unplugged and plugged back in, like a USB cable:

* :class:`PtyLink` makes a raw pseudo-terminal pair and a symbolic link to its slave
  (like udev's ``/dev/kiosk-counter``). Unplugging closes the pair (the reader gets
  ``EIO``) and removes the link; replugging makes a fresh pair and points the link at it,
  so the kiosk reopens the same path, as it would a re-enumerated USB device.
* :class:`TcpLink` listens on a loopback TCP port, which the kiosk opens as
  ``socket://127.0.0.1:PORT``; one client at a time (a new one replaces the old).
  Unplugging closes the client and stops listening (connections are refused);
  replugging listens again on the same port.

Bytes sent while nothing is connected are dropped, as on a real line. Incoming bytes
(a poll query) go to ``on_data`` on the link's reader thread.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from devices.sim.terminal import close_fds, hang_up, open_raw_pty, unread_on_pty, unsent_on_socket


class PtyLink:
    """A raw pseudo-terminal reachable under a stable symbolic link."""

    def __init__(self, on_data: Callable[[bytes], None], link: Path | None = None) -> None:
        """Create the pty and the link.

        Args:
            on_data: called with bytes the kiosk writes (on this link's thread).
            link: where to make the symbolic link; a fresh temporary path if None.

        Raises:
            OSError: the link cannot be made (e.g. its folder does not exist).
        """
        self._on_data = on_data
        if link is None:
            self._tmpdir: Path | None = Path(tempfile.mkdtemp(prefix="kiosk-counter-"))
            link = self._tmpdir / "counter"
        else:
            self._tmpdir = None
        self.link = link
        self._lock = threading.Lock()
        self._fds: tuple[int, int] | None = None
        self._closed = threading.Event()
        self.replug()
        self._thread = threading.Thread(target=self._read_loop, name="counter-sim-pty", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The path the kiosk opens."""
        return str(self.link)

    @property
    def plugged(self) -> bool:
        """True while the pty exists."""
        return self._fds is not None

    def send(self, data: bytes) -> bool:
        """Write bytes for the kiosk; False if unplugged or nobody reads (dropped)."""
        with self._lock:
            if self._fds is None:
                return False
            master = self._fds[0]
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(master, view) :]
            except BlockingIOError:
                return False  # the kiosk is not reading: the line drops them
            except OSError:
                return False
        return True

    def unread(self) -> int:
        """Bytes sent that the kiosk has not read yet (0 while unplugged)."""
        with self._lock:
            return 0 if self._fds is None else unread_on_pty(self._fds[1])

    def unplug(self) -> None:
        """Close the pty and remove the link: the kiosk's reads fail with EIO."""
        with self._lock:
            fds, self._fds = self._fds, None
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
        if fds is not None:
            close_fds(fds)

    def replug(self) -> None:
        """A fresh pty, with the link pointing at it. Does nothing if plugged."""
        with self._lock:
            if self._fds is not None:
                return
            master, slave = open_raw_pty()
            os.set_blocking(master, False)
            temporary = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            temporary.symlink_to(os.ttyname(slave))
            temporary.replace(self.link)  # atomic: the path never points nowhere
            self._fds = (master, slave)

    def close(self) -> None:
        """Unplug for good and remove the temporary folder."""
        self._closed.set()
        self.unplug()
        self._thread.join(1.0)
        if self._tmpdir is not None:
            with contextlib.suppress(OSError):
                self._tmpdir.rmdir()

    def _read_loop(self) -> None:
        while not self._closed.is_set():
            fds = self._fds
            if fds is None:
                self._closed.wait(0.05)
                continue
            try:
                ready, _, _ = select.select([fds[0]], [], [], 0.1)
                data = os.read(fds[0], 4096) if ready else b""
            except (OSError, ValueError):
                self._closed.wait(0.05)  # unplugged under us
                continue
            if data:
                self._on_data(data)


class TcpLink:
    """A loopback TCP port, one client at a time."""

    def __init__(
        self,
        on_data: Callable[[bytes], None],
        port: int = 0,
        *,
        on_connect: Callable[[], None] | None = None,
        name: str = "counter-sim-tcp",
    ) -> None:
        """Listen on 127.0.0.1.

        Args:
            on_data: called with bytes the kiosk writes (on this link's thread).
            port: TCP port; 0 picks a free one.
            on_connect: called when a kiosk is accepted, before its first bytes are read
                (on this link's thread).
            name: the link thread's name.

        Raises:
            OSError: the port is in use or not allowed.
        """
        self._on_data = on_data
        self._on_connect = on_connect
        self._lock = threading.Lock()
        self._client: socket.socket | None = None
        self._server: socket.socket | None = None
        self._closed = threading.Event()
        self._has_client = threading.Event()
        self.port = port
        self.replug()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The URL the kiosk opens."""
        return f"socket://127.0.0.1:{self.port}"

    @property
    def plugged(self) -> bool:
        """True while listening."""
        return self._server is not None

    def wait_for_client(self, timeout: float) -> bool:
        """Wait until a kiosk is connected (accepted, not just queued); False on timeout."""
        return self._has_client.wait(timeout)

    def send(self, data: bytes) -> bool:
        """Send bytes to the connected kiosk; False if none (dropped)."""
        with self._lock:
            client = self._client
            if client is None:
                return False
            try:
                client.sendall(data)
            except OSError:
                return False
        return True

    def unread(self) -> int:
        """Bytes sent that the kiosk's side has not acknowledged yet (0 with no client)."""
        with self._lock:
            return 0 if self._client is None else unsent_on_socket(self._client)

    def unplug(self) -> None:
        """Drop the client and stop listening: the kiosk sees the line go dead."""
        with self._lock:
            client, self._client = self._client, None
            server, self._server = self._server, None
            self._has_client.clear()
        hang_up(client, server)

    def replug(self) -> None:
        """Listen again on the same port. Does nothing if plugged."""
        with self._lock:
            if self._server is not None:
                return
            server = socket.create_server(("127.0.0.1", self.port), backlog=1)
            server.settimeout(0.1)
            self.port = server.getsockname()[1]
            self._server = server

    def close(self) -> None:
        """Stop for good."""
        self._closed.set()
        self.unplug()
        self._thread.join(1.0)

    def _serve(self) -> None:
        while not self._closed.is_set():
            server, client = self._server, self._client
            if server is None:
                self._closed.wait(0.05)
                continue
            try:
                ready, _, _ = select.select([server] + ([client] if client else []), [], [], 0.1)
            except (OSError, ValueError):
                continue  # a socket closed by unplug()
            if server in ready:
                self._accept(server)
            if client is not None and client in ready:
                try:
                    data = client.recv(4096)
                except OSError:
                    data = b""
                if data:
                    self._on_data(data)
                else:
                    self._drop(client)

    def _accept(self, server: socket.socket) -> None:
        try:
            client, _ = server.accept()
        except OSError:
            return
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            old, self._client = self._client, client
            self._has_client.set()
        if old is not None:
            old.close()
        if self._on_connect is not None:
            self._on_connect()

    def _drop(self, client: socket.socket) -> None:
        with self._lock:
            if self._client is client:
                self._client = None
                self._has_client.clear()
        client.close()

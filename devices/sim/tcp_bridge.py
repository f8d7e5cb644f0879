"""A serial device's path served on a loopback TCP port, for ``socket://`` URLs.

An RS-485-to-Ethernet gateway in transparent mode passes a device's bytes to a TCP
connection unchanged; the kiosk reads it with pyserial's ``socket://host:port`` URL.
:class:`TcpBridge` plays that gateway for a simulator on a pseudo-terminal: each
connection accepted opens the simulator's kiosk-side path and relays bytes both ways
until either side closes, one connection at a time. A path that cannot be opened (the
simulated cable is out) closes the connection at once, as a gateway with nothing
behind it would; whatever the path's own relay does (faults, unplug) applies to TCP too.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import termios
import threading
import tty

from devices.sim.terminal import ClosedOnExit, close_fds

_READ_SIZE = 4096


class TcpBridge(ClosedOnExit):
    """Relays one TCP connection at a time to a serial path.

    Attributes:
        port: the TCP port it listens on.
        url: ``socket://127.0.0.1:<port>``, the pyserial URL that reaches it.
    """

    def __init__(self, path: str, port: int = 0, host: str = "127.0.0.1") -> None:
        """Listen and start the bridge's thread.

        Args:
            path: the serial path each connection is relayed to.
            port: TCP port; 0 for any free one.
            host: address to listen on (loopback by default).

        Raises:
            OSError: the port cannot be listened on.
        """
        self._path = path
        self._server = socket.create_server((host, port))
        self.port = self._server.getsockname()[1]
        self.url = f"socket://{host}:{self.port}"
        self._closed = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(
            target=self._serve, name=f"tcp-bridge:{self.port}", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop listening and end the connection in progress. Idempotent."""
        if self._closed.is_set():
            return
        self._closed.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")
        self._thread.join(2.0)
        self._server.close()
        close_fds((self._wake_read, self._wake_write))

    def _serve(self) -> None:
        while not self._closed.is_set():
            readable, _, _ = select.select([self._server.fileno(), self._wake_read], [], [])
            if self._wake_read in readable:
                return
            try:
                connection, _ = self._server.accept()
            except OSError:
                continue
            with connection:
                try:
                    fd = os.open(self._path, os.O_RDWR | os.O_NOCTTY)
                except OSError:
                    continue  # nothing behind the gateway: the client sees the close
                try:
                    tty.setraw(fd)
                    termios.tcflush(fd, termios.TCIFLUSH)  # as a port's open discards
                    self._relay(connection, fd)
                except (OSError, termios.error):
                    pass  # unplugged between open and relay: the client sees the close
                finally:
                    close_fds((fd,))

    def _relay(self, connection: socket.socket, fd: int) -> None:
        """Copy bytes both ways until either side closes or the bridge does."""
        while True:
            readable, _, _ = select.select([connection.fileno(), fd, self._wake_read], [], [])
            if self._wake_read in readable:
                return
            try:
                if connection.fileno() in readable:
                    data = connection.recv(_READ_SIZE)
                    if not data:
                        return
                    _write_all(fd, data)
                if fd in readable:
                    data = os.read(fd, _READ_SIZE)
                    if not data:
                        return
                    connection.sendall(data)
            except OSError:  # the path went away (unplugged) or the client did
                return


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]

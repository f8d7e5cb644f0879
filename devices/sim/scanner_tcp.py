"""A barcode scanner on a TCP port: the kiosk opens it as ``socket://127.0.0.1:PORT``.

Wire format: exactly a serial scanner's (:mod:`devices.sim.scanner`), one scan per line,
over a TCP connection instead of a serial line. Serial-to-Ethernet converters (Moxa
NPort, USR-TCP232 and the like in "TCP server" mode) present a scanner this way, and a
technician can reach a kiosk's simulator from another machine.

Behaviour, as such a converter's:

* **One client at a time.** A second connection while one is open is closed at once
  (the converter's "max connections 1"); the first keeps working.
* **Unplug** (:meth:`TcpScannerSimulator.unplug`) closes the client's connection (the
  kiosk's pyserial ``socket://`` port then fails to read) and stops listening, so
  reconnecting is refused until :meth:`replug`, which listens again on the same port.
* Bytes sent while no client is connected go nowhere.
"""

from __future__ import annotations

import socket
import threading

from devices.sim.scanner import _FaultsMixin
from devices.sim.terminal import ClosedOnExit, hang_up, unsent_on_socket

ACCEPT_POLL = 0.1  # seconds: how soon the accept loop notices unplug() and close()


class TcpScannerSimulator(_FaultsMixin, ClosedOnExit):
    """A scanner served on a loopback (or given) TCP port.

    Example:
        >>> with TcpScannerSimulator() as sim:
        ...     scanner = open_scanner(sim.url, events.put)
        ...     scanner.start()
        ...     sim.send("30234000517861")
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", terminator: bytes = b"\r"):
        """Listen at once.

        Args:
            port: TCP port; 0 picks a free one (see :attr:`port`).
            host: address to listen on; loopback by default.
            terminator: bytes appended to each scan.

        Raises:
            OSError: the port cannot be listened on (in use, no permission).
        """
        self.terminator = terminator
        self.host = host
        self._lock = threading.Lock()
        self._client: socket.socket | None = None
        self._connected = threading.Condition(self._lock)
        self._listener: socket.socket | None = None
        self._closed = False
        self.port = port
        self._listen()

    @property
    def url(self) -> str:
        """The pyserial URL the kiosk opens."""
        return f"socket://{self.host}:{self.port}"

    port_path = url  # the name every simulator gives the kiosk

    @property
    def plugged(self) -> bool:
        """True while listening (between :meth:`replug` and :meth:`unplug`)."""
        return self._listener is not None

    def _listen(self) -> None:
        listener = socket.create_server((self.host, self.port), backlog=1)
        listener.settimeout(ACCEPT_POLL)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(
            target=self._accept, args=(listener,), name="scanner-sim-tcp", daemon=True
        ).start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by unplug() or close()
            with self._lock:
                if self._client is not None or self._listener is not listener:
                    connection.close()  # one client at a time
                    continue
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._client = connection
                self._connected.notify_all()

    def wait_for_client(self, timeout: float) -> bool:
        """Wait until a client is connected.

        Args:
            timeout: longest wait, in seconds.

        Returns:
            True if one is connected.
        """
        with self._lock:
            return self._connected.wait_for(lambda: self._client is not None, timeout)

    def send_raw(self, data: bytes) -> None:
        """Send bytes to the connected client; nowhere when none is (a dropped client is
        forgotten, and the next one to connect gets what follows).

        Args:
            data: bytes to deliver.
        """
        with self._lock:
            client = self._client
            if client is None:
                return
            try:
                client.sendall(data)
            except OSError:
                client.close()
                self._client = None

    def unread(self) -> int:
        """Bytes sent that the kiosk's side has not acknowledged yet (0 with no client)."""
        with self._lock:
            return 0 if self._client is None else unsent_on_socket(self._client)

    def unplug(self) -> None:
        """Close the client and stop listening: connecting is refused until :meth:`replug`."""
        with self._lock:
            listener, self._listener = self._listener, None
            client, self._client = self._client, None
        hang_up(client, listener)

    def replug(self) -> None:
        """Listen again on the same port. Idempotent.

        Raises:
            OSError: closed, or the port was taken meanwhile.
        """
        if self._closed:
            raise OSError(f"scanner simulator on {self.url} is closed")
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        """Unplug for good. Idempotent."""
        self._closed = True
        self.unplug()

"""A receipt printer simulator: ESC/POS over a pseudo-terminal and a loopback TCP port.

It receives the same bytes a real printer does, decodes them into readable lines (one
:class:`devices.sim.escpos_decoder.PrintedReceipt` per cut, see
:mod:`devices.sim.escpos_decoder`) and answers real-time status requests (``DLE EOT n``)
from its paper sensor, which can be set to ok, near end or out.

Reached three ways, all speaking the same bytes:

* :attr:`PrinterSimulator.port_path`: a pty, opened like a serial printer's
  ``/dev/ttyUSB0``; with ``link`` it is a stable symlink that survives :meth:`disconnect`
  (which replaces the pty, as an unplugged USB adapter comes back as a new device node);
* :attr:`PrinterSimulator.url`: ``socket://127.0.0.1:<port>``, like a network receipt
  printer on port 9100;
* ``sim://printer[/<name>]``: the in-process simulator of that name
  (:func:`devices.sim.get_printer`), reached over its TCP port.

Faults: :meth:`set_paper`, :meth:`disconnect` (drop every connection now) and
:meth:`disconnect_after` (drop the connection after ``n`` more bytes: a cable pulled
mid-print). While out of paper nothing is printed, as on a real printer.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

from devices.sim.escpos_decoder import EscPosDecoder, Paper, PrintedReceipt
from devices.sim.terminal import ClosedOnExit, close_fds, open_raw_pty

__all__ = ["Paper", "PrintedReceipt", "PrinterSimulator"]

_POLL = 0.1


class PrinterSimulator(ClosedOnExit):
    """A simulated ESC/POS receipt printer on a pty and/or a loopback TCP port.

    Example:
        >>> with PrinterSimulator() as sim:
        ...     printer = ReceiptPrinter(sim.url)
        ...     printer.print(receipt)
        ...     sim.wait_for_receipts(1)[0].texts
    """

    def __init__(
        self,
        *,
        tcp: bool = True,
        pty: bool = True,
        port: int = 0,
        link: Path | None = None,
        on_receipt: Callable[[PrintedReceipt], None] | None = None,
    ) -> None:
        """Start listening; threads are daemons and end at :meth:`close`.

        Args:
            tcp: listen on 127.0.0.1.
            pty: open a pseudo-terminal.
            port: TCP port, 0 for any free one.
            link: a path to keep pointing at the current pty.
            on_receipt: called (on a simulator thread) with each decoded receipt.
        """
        self._on_receipt = on_receipt
        self._condition = threading.Condition()
        self._paper = Paper.OK
        self._receipts: list[PrintedReceipt] = []
        self._drop_after: int | None = None
        self._closed = False
        self._clients: set[socket.socket] = set()
        self._link = link
        self._pty: tuple[int, int] | None = None
        self._pty_generation = 0
        self._pty_replace = False
        self._threads: list[threading.Thread] = []
        self._server: socket.socket | None = None
        self.received = 0  # bytes received, all connections
        if tcp:
            self._server = socket.create_server(("127.0.0.1", port))
            self._server.settimeout(_POLL)
            self._thread(self._accept_loop, "tcp")
        if pty:
            self._open_pty()
            self._thread(self._pty_loop, "pty")

    # -- where it listens -----------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """The TCP (host, port).

        Raises:
            RuntimeError: the simulator was made without TCP.
        """
        if self._server is None:
            raise RuntimeError("this printer simulator does not listen on TCP")
        host, port = self._server.getsockname()[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        """``socket://127.0.0.1:<port>``."""
        host, port = self.address
        return f"socket://{host}:{port}"

    @property
    def port_path(self) -> str:
        """The pty path for a serial connection (the link when one was given).

        Raises:
            RuntimeError: the simulator was made without a pty.
        """
        if self._pty is None:
            raise RuntimeError("this printer simulator has no pseudo-terminal")
        return str(self._link) if self._link is not None else os.ttyname(self._pty[1])

    # -- state and faults -------------------------------------------------------------

    @property
    def paper(self) -> Paper:
        """What the paper sensor reports now."""
        return self._paper

    def set_paper(self, paper: Paper) -> None:
        """Set the paper sensor (and so what is printed: nothing while OUT).

        Args:
            paper: the new state.
        """
        with self._condition:
            self._paper = paper

    def disconnect(self) -> None:
        """Drop every connection now: TCP clients are closed, the pty is replaced.

        Returns once the pty was replaced (by its own thread, within a poll interval).
        """
        with self._condition:
            clients = list(self._clients)
            if self._pty is not None and not self._closed:
                self._pty_replace = True
                wanted = self._pty_generation + 1
                self._condition.wait_for(lambda: self._pty_generation >= wanted, 5.0)
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)

    def disconnect_after(self, n: int) -> None:
        """Drop the connection once ``n`` more bytes have arrived (the rest is lost).

        Args:
            n: bytes to accept first, at least 1.
        """
        with self._condition:
            self._drop_after = max(1, n)

    def set_on_receipt(self, on_receipt: Callable[[PrintedReceipt], None] | None) -> None:
        """Call ``on_receipt`` (on a simulator thread) with each receipt decoded from now on.

        Args:
            on_receipt: the callback, or None for none.
        """
        with self._condition:
            self._on_receipt = on_receipt

    @property
    def receipts(self) -> list[PrintedReceipt]:
        """A copy of the receipts decoded so far, oldest first."""
        with self._condition:
            return list(self._receipts)

    def wait_for_receipts(self, count: int, timeout: float = 5.0) -> list[PrintedReceipt]:
        """Wait until at least ``count`` receipts were decoded (or ``timeout`` s passed).

        Args:
            count: receipts wanted.
            timeout: longest wait in seconds.

        Returns:
            The receipts so far, however many there are.
        """
        with self._condition:
            self._condition.wait_for(lambda: len(self._receipts) >= count, timeout)
            return list(self._receipts)

    def close(self) -> None:
        """Stop listening and drop every connection. Idempotent."""
        with self._condition:
            if self._closed:
                return
            self._closed = True
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)  # wakes accept()
        # Descriptors are closed only after the threads using them ended: a closed number
        # is soon reused (by the next simulator's pty) and an old select() would read it.
        for thread in self._threads:
            thread.join(5.0)
        if self._server is not None:
            self._server.close()
        if self._pty is not None:
            close_fds(self._pty)
        if self._link is not None:
            with contextlib.suppress(OSError):
                self._link.unlink()

    # -- receiving ----------------------------------------------------------------------

    def _thread(self, target: Callable[..., None], kind: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=f"printer-sim-{kind}", daemon=True)
        if kind != "client":
            self._threads.append(thread)
        thread.start()

    def _receipt(self, receipt: PrintedReceipt) -> None:
        with self._condition:
            self._receipts.append(receipt)
            self._condition.notify_all()
        on_receipt = self._on_receipt  # read once: set_on_receipt may change it meanwhile
        if on_receipt is not None:
            on_receipt(receipt)

    def _take(self, data: bytes) -> tuple[bytes, bool]:
        """Count ``data`` in; return the part accepted and whether to drop the line now."""
        with self._condition:
            self.received += len(data)
            if self._drop_after is None:
                return data, False
            if len(data) < self._drop_after:
                self._drop_after -= len(data)
                return data, False
            accepted, self._drop_after = data[: self._drop_after], None
            return accepted, True

    def _new_decoder(self) -> EscPosDecoder:
        return EscPosDecoder(self._receipt, lambda: self._paper)

    def _accept_loop(self) -> None:
        server = self._server
        assert server is not None
        while not self._closed:
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._condition:
                self._clients.add(client)
            self._thread(self._serve, "client", client)

    def _serve(self, client: socket.socket) -> None:
        decoder = self._new_decoder()
        try:
            while True:
                data = client.recv(4096)
                if not data:
                    break
                accepted, drop = self._take(data)
                answers = decoder.feed(accepted)
                if answers and not drop:
                    client.sendall(answers)
                if drop:
                    break
        except OSError:
            pass
        finally:
            with self._condition:
                self._clients.discard(client)
            # SO_LINGER 0: close with a reset, as a pulled cable or a power cut looks.
            with contextlib.suppress(OSError):
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            decoder.connection_lost()

    # -- pseudo-terminal ----------------------------------------------------------------

    def _open_pty(self) -> None:
        master, slave = open_raw_pty()
        self._pty = (master, slave)
        if self._link is not None:
            temporary = self._link.with_name(self._link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            temporary.symlink_to(os.ttyname(slave))
            temporary.replace(self._link)

    def _replace_pty(self) -> None:
        """Close the pty and open a new one; only on the pty thread, which owns the fds."""
        with self._condition:
            old = self._pty
            self._open_pty()
            self._pty_generation += 1
            self._pty_replace = False
            self._condition.notify_all()
        if old is not None:
            close_fds(old)

    def _pty_loop(self) -> None:
        generation, decoder = -1, self._new_decoder()
        while not self._closed:
            if self._pty_replace:
                self._replace_pty()
            with self._condition:
                fds, current = self._pty, self._pty_generation
            if fds is None:
                return
            if current != generation:
                if generation >= 0:
                    decoder.connection_lost()
                generation, decoder = current, self._new_decoder()
            master = fds[0]
            try:
                ready, _, _ = select.select([master], [], [], _POLL)
                if not ready:
                    continue
                data = os.read(master, 4096)
            except OSError:
                time.sleep(_POLL)  # EIO while no one has the port open: wait for one
                continue
            accepted, drop = self._take(data)
            answers = decoder.feed(accepted)
            if drop:
                self._replace_pty()
            elif answers:
                with contextlib.suppress(OSError):
                    os.write(master, answers)

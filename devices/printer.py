"""ESC/POS receipt printers on a serial port, a TCP port or the simulator.

The printer is a URL, like the scanner's: a serial device path or pyserial URL
(``/dev/ttyUSB0``, ``/dev/serial/by-id/...``), ``socket://host:9100`` (network receipt
printers, raw TCP "JetDirect" port) or ``sim://printer[/<name>]`` (the in-process
simulator, :func:`devices.sim.get_printer`). It is opened on the first print, kept open,
closed after any error and opened again on the next print.

Wire format, the ESC/POS subset sent (bytes produced by python-escpos)::

    ESC @                 initialise: modes off, buffer cleared
    ESC t 2               code page PC850 (multilingual Latin-1), see below
    ESC a n               align (0 left, 1 centre)
    ESC ! n / ESC E n     print mode: 0x10 double height; ESC E 1 / 0 bold on / off
    text LF               one line; the printer wraps lines longer than its width
    ESC d 6  GS V 0       feed six lines (past the cutter) and cut
    DLE EOT 4             real-time status, paper roll sensor; the printer answers one
                          byte at once: 0x12 paper ok, bits 0x0C near end, 0x60 out;
                          bits 1 and 4 are always 1, bits 0 and 7 always 0 (so a
                          byte that is not, e.g. 'H' from a web server, is no printer)

Characters: see :mod:`devices.receipt` (PC850, folded, control characters dropped).

Printing, bounded in time (``budget``, 3 s by default, for the whole call): open (TCP
connect timeout), ask DLE EOT 4 before printing (no answer within the status timeout:
no printer; roll end: out of paper, nothing sent), send the receipt, then ask DLE EOT 4
again: a printer answers status requests in the order it receives bytes, so an answer
proves the whole receipt arrived; no answer means it failed mid-print.

Known quirks:

* pyserial's own ``socket://`` handler waits up to 5 s to connect; TCP is therefore
  opened here with the remaining budget instead.
* python-escpos's ``paper_status()`` reports "paper adequate" when nothing answers; the
  status byte is read and interpreted here instead, and silence is an error.
* Printers without real-time status (some one-way serial cables, a few cheap models)
  cannot be used: every print reports no printer.
* A network printer may close an idle connection: the first status request on a kept
  connection that fails is retried once on a fresh one.
* Bytes waiting in the input buffer (a late answer, a printer's automatic status) are
  discarded before each status request.
* pyserial lets ``termios.error`` (not an OSError) out of ``flush()`` and
  ``reset_input_buffer()`` on a serial device that is gone; it is caught as a lost
  printer. ``flush()`` (tcdrain) is not called at all: it has no timeout.
* The result is not logged here: the caller logs :attr:`PrintResult.technician` once.
"""

from __future__ import annotations

import contextlib
import enum
import socket
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import serial

from devices.receipt import Receipt, ReceiptLine, render

__all__ = [
    "PaperStatus",
    "PrintOutcome",
    "PrintResult",
    "Receipt",
    "ReceiptLine",
    "ReceiptPrinter",
]

STATUS_PAPER = b"\x10\x04\x04"  # DLE EOT 4
_ROLL_END = 0x60
_NEAR_END = 0x0C
# Every real-time status byte has bits 1 and 4 set and bits 0 and 7 clear (Epson ESC/POS
# reference, DLE EOT n: "fixed to 1" / "fixed to 0"); anything else is not a printer.
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12


def _is_status(byte: int) -> bool:
    return byte & _FIXED_MASK == _FIXED_BITS


class PrintOutcome(enum.Enum):
    """What became of a print."""

    PRINTED = "printed"
    OUT_OF_PAPER = "out of paper"
    NO_PRINTER = "no printer"
    FAILED = "failed mid-print"


@dataclass(frozen=True)
class PrintResult:
    """The outcome and one line for a technician (what, where, what to do)."""

    outcome: PrintOutcome
    technician: str

    @property
    def printed(self) -> bool:
        """True when the receipt came out."""
        return self.outcome is PrintOutcome.PRINTED


@dataclass(frozen=True)
class PaperStatus:
    """What the printer's paper sensor says, without printing (``kiosk doctor``).

    Attributes:
        ready: the printer answered and has paper (perhaps near its end).
        near_end: the roll is nearly used up.
        technician: one line: what was found, where, what to do.
    """

    ready: bool
    near_end: bool
    technician: str


class _Link(Protocol):
    def send(self, data: bytes, timeout: float) -> None: ...

    def read_byte(self, timeout: float) -> bytes: ...

    def discard_input(self) -> None: ...

    def close(self) -> None: ...


class _SocketLink:
    """A raw TCP connection to a network printer."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._socket = socket.create_connection((host, port), timeout=timeout)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data: bytes, timeout: float) -> None:
        self._socket.settimeout(timeout)
        self._socket.sendall(data)

    def read_byte(self, timeout: float) -> bytes:
        self._socket.settimeout(timeout)
        try:
            data = self._socket.recv(1)
        except TimeoutError:
            return b""
        if not data:
            raise ConnectionError("the printer closed the connection")
        return data

    def discard_input(self) -> None:
        self._socket.setblocking(False)
        try:
            while self._socket.recv(256):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            self._socket.setblocking(True)

    def close(self) -> None:
        self._socket.close()


class _SerialLink:
    """A serial port (or other pyserial URL) to a printer.

    pyserial lets ``termios.error`` (not an OSError) out of ``flush()`` and
    ``reset_input_buffer()`` on a device that is gone; it is turned into OSError here.
    """

    def __init__(self, url: str, baudrate: int, timeout: float) -> None:
        self._port = serial.serial_for_url(
            url, baudrate=baudrate, timeout=timeout, write_timeout=timeout
        )

    def send(self, data: bytes, timeout: float) -> None:
        with _termios_as_os_error():
            self._port.write_timeout = timeout
            self._port.write(data)  # no flush(): tcdrain has no timeout; the status read waits

    def read_byte(self, timeout: float) -> bytes:
        with _termios_as_os_error():
            self._port.timeout = timeout
            return bytes(self._port.read(1))

    def discard_input(self) -> None:
        with _termios_as_os_error():
            self._port.reset_input_buffer()

    def close(self) -> None:
        self._port.close()


@contextlib.contextmanager
def _termios_as_os_error() -> Iterator[None]:
    try:
        yield
    except termios.error as exc:
        raise OSError(*exc.args) from exc


class _Failure(Exception):
    """A step failed; carries the outcome and the technician's line."""

    def __init__(self, outcome: PrintOutcome, line: str) -> None:
        super().__init__(line)
        self.outcome = outcome


class ReceiptPrinter:
    """An ESC/POS receipt printer on a URL, opened lazily; thread-safe, one print at a time.

    Example:
        >>> printer = ReceiptPrinter("socket://192.168.1.50:9100")
        >>> result = printer.print(Receipt.of("Perpustakaan Kota", "Dikembalikan: 2"))
        >>> result.outcome, result.technician
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 9600,
        budget: float = 3.0,
        status_timeout: float = 0.5,
    ) -> None:
        """Configure; nothing is opened until the first :meth:`print`.

        Args:
            url: device path, pyserial URL, ``socket://host:port`` or ``sim://printer[/name]``.
            baudrate: serial speed (ignored by USB and network printers).
            budget: longest a :meth:`print` call takes, in seconds.
            status_timeout: longest wait for one status answer, in seconds.

        Raises:
            ValueError: an empty URL or a budget or timeout not above 0.
        """
        if not url.strip():
            raise ValueError("the printer URL is empty")
        if not (budget > 0 and status_timeout > 0):
            raise ValueError("budget and status_timeout must be above 0")
        self.url = url
        self._baudrate = baudrate
        self._budget = budget
        self._status_timeout = status_timeout
        self._lock = threading.Lock()
        self._link: _Link | None = None

    def print(self, receipt: Receipt) -> PrintResult:
        """Print a receipt if the printer is there and has paper; never raises for the device.

        Args:
            receipt: what to print.

        Returns:
            The outcome, with one line for a technician.
        """
        data = render(receipt)
        with self._lock:
            deadline = time.monotonic() + self._budget
            try:
                paper = self._status_before(deadline)
                if paper & _ROLL_END:
                    raise _Failure(
                        PrintOutcome.OUT_OF_PAPER,
                        f"receipt printer {self.url}: out of paper "
                        f"(DLE EOT 4 = 0x{paper:02x}): load a new roll",
                    )
                link = self._require_link()
                try:
                    link.send(data + STATUS_PAPER, _left(deadline))
                    after = link.read_byte(min(self._status_timeout, _left(deadline)))
                    if not after:
                        raise OSError("no status answer after the receipt")
                except (OSError, serial.SerialException) as exc:
                    raise _Failure(
                        PrintOutcome.FAILED,
                        f"receipt printer {self.url}: connection lost while printing "
                        f"({_one_line(exc)}): check the cable, power and paper",
                    ) from exc
            except _Failure as failure:
                if failure.outcome is not PrintOutcome.OUT_OF_PAPER:
                    self._drop()
                return PrintResult(failure.outcome, str(failure))
        if not _is_status(after[0]):
            self._drop()
            return PrintResult(
                PrintOutcome.FAILED,
                f"receipt printer {self.url}: answered 0x{after[0]:02x} after printing, not an "
                "ESC/POS status byte: check the printer and its URL in the config",
            )
        if after[0] & _ROLL_END:
            return PrintResult(
                PrintOutcome.FAILED,
                f"receipt printer {self.url}: paper ran out while printing: load a new roll",
            )
        if paper & _NEAR_END or after[0] & _NEAR_END:
            return PrintResult(
                PrintOutcome.PRINTED,
                f"receipt printer {self.url}: printed; paper near end: replace the roll soon",
            )
        return PrintResult(PrintOutcome.PRINTED, f"receipt printer {self.url}: printed")

    def paper_status(self) -> PaperStatus:
        """Open the printer if needed and ask its paper sensor (DLE EOT 4); nothing is printed.

        The same first step as :meth:`print`, bounded by the same budget; never raises for
        the device.

        Returns:
            Whether a receipt could be printed now, with one line for a technician.
        """
        with self._lock:
            deadline = time.monotonic() + self._budget
            try:
                paper = self._status_before(deadline)
            except _Failure as failure:
                return PaperStatus(False, False, str(failure))
        if paper & _ROLL_END:
            return PaperStatus(
                False,
                False,
                f"receipt printer {self.url}: out of paper (DLE EOT 4 = 0x{paper:02x}): "
                "load a new roll",
            )
        if paper & _NEAR_END:
            return PaperStatus(
                True,
                True,
                f"receipt printer {self.url}: ready; paper near end: replace the roll soon",
            )
        return PaperStatus(True, False, f"receipt printer {self.url}: ready, paper ok")

    def close(self) -> None:
        """Close the connection, if open; the next print opens it again.

        Waits for a print in progress (at most its budget).
        """
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            with contextlib.suppress(OSError, serial.SerialException):
                link.close()

    # -- steps ------------------------------------------------------------------

    def _require_link(self) -> _Link:
        if self._link is None:
            raise _Failure(PrintOutcome.FAILED, f"receipt printer {self.url}: not open")
        return self._link

    def _status_before(self, deadline: float) -> int:
        """Open if needed and read the paper sensor; a stale kept connection is retried once."""
        fresh = self._link is None
        while True:
            if self._link is None:
                self._link = self._open(deadline)
            try:
                self._link.discard_input()
                self._link.send(STATUS_PAPER, _left(deadline))
                answer = self._link.read_byte(min(self._status_timeout, _left(deadline)))
            except (OSError, serial.SerialException) as exc:
                self._drop()
                if not fresh and _left(deadline) > 0.01:
                    fresh = True
                    continue
                raise _Failure(
                    PrintOutcome.NO_PRINTER,
                    f"receipt printer {self.url}: status request failed ({_one_line(exc)}): "
                    "check the cable, power and the printer URL in the config",
                ) from exc
            if not answer:
                raise _Failure(
                    PrintOutcome.NO_PRINTER,
                    f"receipt printer {self.url}: no answer to the paper status request "
                    "(DLE EOT 4): check that it is on and the cable; printers without "
                    "real-time status are not supported",
                )
            if not _is_status(answer[0]):
                self._drop()
                raise _Failure(
                    PrintOutcome.NO_PRINTER,
                    f"receipt printer {self.url}: answered 0x{answer[0]:02x} to the paper "
                    "status request (DLE EOT 4), not an ESC/POS status byte: check that the "
                    "printer URL in the config leads to a receipt printer",
                )
            return answer[0]

    def _open(self, deadline: float) -> _Link:
        try:
            parts = urlsplit(self.url)
            scheme = parts.scheme.lower()
            if scheme == "socket":
                if parts.hostname is None or parts.port is None:
                    raise ValueError("expected socket://host:port")
                return _SocketLink(parts.hostname, parts.port, _left(deadline))
            if scheme == "sim":
                from devices.sim import get_printer

                if parts.netloc.lower() != "printer" or parts.path.strip("/").count("/"):
                    raise ValueError("expected sim://printer or sim://printer/<name>")
                host, port = get_printer(parts.path.strip("/") or "printer").address
                return _SocketLink(host, port, _left(deadline))
            return _SerialLink(self.url, self._baudrate, _left(deadline))
        except (OSError, ValueError, serial.SerialException) as exc:
            raise _Failure(
                PrintOutcome.NO_PRINTER,
                f"receipt printer {self.url}: cannot open ({_one_line(exc)}): check that "
                "it is on and plugged in, and the printer URL in the config",
            ) from exc


def _left(deadline: float) -> float:
    """Seconds left before ``deadline``; a small positive floor so a step fails, not blocks."""
    return max(deadline - time.monotonic(), 0.001)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__

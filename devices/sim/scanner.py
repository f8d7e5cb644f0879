"""Barcode scanner simulators that speak the real scanner wire protocol.

Wire format (as a real scanner sends it)::

    <barcode digits> <terminator>          e.g. b"30234000517861\\r"

Two simulators:

* :class:`PtyScannerSimulator` makes a pseudo-terminal pair. The kiosk opens
  :attr:`PtyScannerSimulator.port_path` (``/dev/pts/N``) exactly like a USB scanner's
  ``/dev/ttyACM0``, so the whole serial stack is exercised. Closing the simulator is
  what unplugging a scanner looks like to the reader (``EIO`` on read).
* :class:`SimulatedScanner` lives in-process, with no pty, and is reached through the
  ``sim://scanner[/<name>]`` pyserial URL (see :mod:`devices.sim.urlhandler.protocol_sim`).

Fault injection for technicians and tests: line noise (:meth:`send_noise`), frames split
over several writes (:meth:`send_split`), arbitrary bytes (:meth:`send_raw`), and for the
in-process simulator :meth:`SimulatedScanner.unplug` / :meth:`SimulatedScanner.replug`.

Quirks reproduced on purpose: both ends of the pty are raw at once (a cooked pty would
echo and translate CR to LF); as with a real port, bytes sent before the reader opens
the port are discarded by the open.
"""

from __future__ import annotations

import os
import random
import threading
import time
from types import TracebackType

from serial import SerialException

from devices import codabar
from devices.sim.terminal import close_fds, open_raw_pty

_NOISE_BYTES = bytes(b for b in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)) if b not in b"\r\n")


def noise(n: int = 8, *, rng: random.Random | None = None) -> bytes:
    """Return ``n`` random non-printable bytes, never CR or LF.

    Args:
        n: how many bytes.
        rng: random source, for repeatable noise.

    Returns:
        Bytes that a framer must report as line noise.
    """
    chooser = rng or random
    return bytes(chooser.choice(_NOISE_BYTES) for _ in range(n))


def split_evenly(data: bytes, pieces: int) -> list[bytes]:
    """Cut ``data`` into ``pieces`` non-empty parts of nearly equal size (fewer if short).

    Args:
        data: bytes to cut.
        pieces: wanted number of parts, at least 1.

    Returns:
        The parts, in order; joined they give ``data`` back.
    """
    pieces = max(1, min(pieces, len(data)))
    size, extra = divmod(len(data), pieces)
    parts, start = [], 0
    for index in range(pieces):
        end = start + size + (1 if index < extra else 0)
        parts.append(data[start:end])
        start = end
    return parts


def with_wrong_check_digit(code: str) -> str:
    """Return ``code`` with a check digit that does not match.

    Args:
        code: 13 digits (a body) or 14 digits (a full barcode).

    Returns:
        14 digits whose last digit is wrong.

    Raises:
        ValueError: ``code`` is not 13 or 14 ASCII digits.
    """
    body = code[: codabar.LENGTH - 1]
    wrong_length = len(code) not in (codabar.LENGTH - 1, codabar.LENGTH)
    if wrong_length or not code.isascii() or not code.isdigit():
        raise ValueError(f"expected 13 or 14 digits, got {code!r}")
    right = codabar.check_digit(body)
    return body + str((right + 1) % 10)


class _FaultsMixin:
    """Fault commands built on ``send_raw`` and ``terminator``."""

    terminator: bytes

    def send_raw(self, data: bytes) -> None:
        raise NotImplementedError

    def send(self, code: str) -> None:
        """Send one scan: ``code`` then the terminator.

        Args:
            code: text the scanner reads, normally 14 digits.
        """
        self.send_raw(code.encode("latin-1") + self.terminator)

    def send_noise(self, n: int = 8) -> None:
        """Send ``n`` random non-printable bytes then the terminator (line noise).

        Args:
            n: number of noise bytes.
        """
        self.send_raw(noise(n) + self.terminator)

    def send_split(self, code: str, pieces: int = 3, gap: float = 0.05) -> None:
        """Send one scan in several writes with a pause between them.

        Args:
            code: text the scanner reads.
            pieces: number of writes.
            gap: seconds between writes.
        """
        parts = split_evenly(code.encode("latin-1") + self.terminator, pieces)
        for index, part in enumerate(parts):
            if index:
                time.sleep(gap)
            self.send_raw(part)


class PtyScannerSimulator(_FaultsMixin):
    """A scanner on a pseudo-terminal: the reader opens :attr:`port_path`.

    Example:
        >>> with PtyScannerSimulator() as sim:
        ...     scanner = open_scanner(sim.port_path, events.put)
        ...     scanner.start()
        ...     sim.send("30234000517861")
        ...     scanner.stop()
    """

    def __init__(self, terminator: bytes = b"\r") -> None:
        """Create the pty pair, both ends raw.

        Args:
            terminator: bytes appended to each scan.
        """
        self.terminator = terminator
        self._master, self._slave = open_raw_pty()
        self.port_path = os.ttyname(self._slave)
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    def send_raw(self, data: bytes) -> None:
        """Write bytes exactly as given to the reader's side.

        Args:
            data: bytes to deliver.

        Raises:
            OSError: the simulator is closed.
        """
        with self._lock:
            if self._closed:
                raise OSError(f"scanner simulator on {self.port_path} is closed")
            view = memoryview(data)
            while view:
                written = os.write(self._master, view)
                view = view[written:]

    def close(self) -> None:
        """Close both ends: the reader sees the device disappear. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            close_fds((self._master, self._slave))

    def __enter__(self) -> PtyScannerSimulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class SimulatedScanner(_FaultsMixin):
    """An in-process scanner read through ``sim://scanner/<name>``.

    One reader at a time: bytes go to whichever open port reads them first.
    """

    def __init__(self, name: str = "scanner", terminator: bytes = b"\r") -> None:
        """Create a plugged-in scanner with nothing to read.

        Args:
            name: registry name, the ``<name>`` of ``sim://scanner/<name>``.
            terminator: bytes appended to each scan.
        """
        self.name = name
        self.terminator = terminator
        self.received = bytearray()  # what the host wrote to the scanner
        self._buffer = bytearray()
        self._plugged = True
        self._generation = 0
        self.condition = threading.Condition()

    @property
    def plugged(self) -> bool:
        """False between :meth:`unplug` and :meth:`replug`."""
        return self._plugged

    def send_raw(self, data: bytes) -> None:
        """Make bytes available to the reader (dropped while unplugged).

        Args:
            data: bytes to deliver.
        """
        with self.condition:
            if self._plugged:
                self._buffer += data
                self.condition.notify_all()

    def unplug(self) -> None:
        """Pull the cable: open ports fail on their next read, opening fails."""
        with self.condition:
            self._plugged = False
            self._generation += 1
            self._buffer.clear()
            self.condition.notify_all()

    def replug(self) -> None:
        """Plug the cable back in: the port can be opened again (old ports stay dead)."""
        with self.condition:
            self._plugged = True

    # -- used by the sim:// port ---------------------------------------------------

    def attach(self) -> int:
        """Open a port on this scanner; returns the connection generation.

        Raises:
            SerialException: the scanner is unplugged.
        """
        with self.condition:
            if not self._plugged:
                raise SerialException(f"could not open sim://scanner/{self.name}: unplugged")
            self._buffer.clear()  # as a real open discards bytes already waiting
            return self._generation

    def check(self, generation: int) -> None:
        """Raise if the connection of ``generation`` is gone. Call with the condition held.

        Raises:
            SerialException: unplugged since that port was opened.
        """
        if not self._plugged or generation != self._generation:
            raise SerialException(f"sim://scanner/{self.name} was unplugged")

    def waiting(self) -> int:
        """Number of bytes ready to read. Call with the condition held."""
        return len(self._buffer)

    def take(self, size: int) -> bytes:
        """Remove and return up to ``size`` bytes. Call with the condition held."""
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def discard_input(self) -> None:
        """Drop bytes not yet read."""
        with self.condition:
            self._buffer.clear()

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

(:class:`devices.sim.scanner_tcp.TcpScannerSimulator` serves the same on a TCP port, for
``socket://``.)

Fault injection for technicians and tests: line noise (:meth:`send_noise`), frames split
over several writes (:meth:`send_split`), arbitrary bytes (:meth:`send_raw`), a slow
device that dribbles its bytes (:attr:`slow`), a silent one that sends nothing
(:attr:`silent`), AIM identifiers on or off (:attr:`aim`), a chosen symbology
(:meth:`send_as`: EAN-13, Code 39, Code 128, Codabar), and unplug / replug
(:meth:`unplug`, :meth:`replug`) on every simulator.

Unplugging the pty simulator closes the pty (the reader gets ``EIO``, as from a USB
scanner pulled out) and removes its stable link if it has one; replugging makes a fresh
pty, whose ``/dev/pts/N`` differs, and points the link at it, as udev re-creates
``/dev/kiosk-scanner`` for a replugged scanner. So a kiosk configured with the link's
path reopens the same URL and finds the scanner back.

Quirks reproduced on purpose: both ends of the pty are raw at once (a cooked pty would
echo and translate CR to LF); as with a real port, bytes sent before the reader opens
the port are discarded by the open; bytes "sent" while unplugged go nowhere.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from serial import SerialException

from devices import symbology
from devices.sim.scan_text import encode_as, noise, split_evenly, with_wrong_check_digit
from devices.sim.terminal import ClosedOnExit, close_fds, open_raw_pty, unread_on_pty

__all__ = [
    "PtyScannerSimulator",
    "SimulatedScanner",
    "encode_as",
    "noise",
    "split_evenly",
    "with_wrong_check_digit",
]


class _FaultsMixin:
    """Fault commands built on ``send_raw`` and ``terminator``.

    Attributes:
        aim: put the AIM symbology identifier before each barcode (``]F0``, ``]E0`` ...).
        slow: seconds between bytes (a slow device dribbles them); 0 sends at once.
        silent: send nothing at all (the port stays open: a scanner that is powered but
            does not read, or a wrong baud rate at the far end).
    """

    terminator: bytes
    aim: bool = False
    slow: float = 0.0
    silent: bool = False

    def send_raw(self, data: bytes) -> None:
        raise NotImplementedError

    def transmit(self, data: bytes) -> None:
        """Send bytes as the device would now: nothing when silent, dribbled when slow."""
        if self.silent:
            return
        if self.slow <= 0:
            self.send_raw(data)
            return
        for index in range(len(data)):
            if index:
                time.sleep(self.slow)
            self.send_raw(data[index : index + 1])

    def send(self, code: str) -> None:
        """Send one scan: ``code`` (with its AIM identifier when :attr:`aim`) and the terminator.

        Args:
            code: text the scanner reads, normally 14 digits.
        """
        self.transmit(self._framed(code, symbology.identify(code).symbology))

    def send_as(self, name: str, text: str) -> str:
        """Send a barcode of the given symbology (its AIM identifier when :attr:`aim`).

        Args:
            name: a symbology of :data:`devices.symbology.SYMBOLOGIES`.
            text: its data (see :func:`encode_as`).

        Returns:
            The text sent, identifier excluded.

        Raises:
            ValueError: an unknown symbology.
        """
        sent = encode_as(name, text)
        self.transmit(self._framed(sent, name))
        return sent

    def _framed(self, text: str, name: str) -> bytes:
        prefix = symbology.AIM_IDS.get(name, symbology.AIM_IDS[symbology.CODE128])
        return ((prefix if self.aim else "") + text).encode("latin-1") + self.terminator

    def send_noise(self, n: int = 8) -> None:
        """Send ``n`` random non-printable bytes then the terminator (line noise).

        Args:
            n: number of noise bytes.
        """
        self.transmit(noise(n) + self.terminator)

    def send_split(self, code: str, pieces: int = 3, gap: float = 0.05) -> None:
        """Send one scan in several writes with a pause between them.

        Args:
            code: text the scanner reads.
            pieces: number of writes.
            gap: seconds between writes.
        """
        if self.silent:
            return
        parts = split_evenly(self._framed(code, symbology.identify(code).symbology), pieces)
        for index, part in enumerate(parts):
            if index:
                time.sleep(gap)
            self.send_raw(part)


class PtyScannerSimulator(_FaultsMixin, ClosedOnExit):
    """A scanner on a pseudo-terminal: the reader opens :attr:`port_path`.

    Example:
        >>> with PtyScannerSimulator(link="/tmp/kiosk-scanner") as sim:
        ...     scanner = open_scanner(sim.port_path, events.put)
        ...     scanner.start()
        ...     sim.send("30234000517861")
        ...     sim.unplug(); sim.replug()   # the reader finds it again at the link
        ...     scanner.stop()
    """

    def __init__(self, terminator: bytes = b"\r", *, link: str | os.PathLike[str] | None = None):
        """Create the pty pair, both ends raw, and the link to it if asked.

        Args:
            terminator: bytes appended to each scan.
            link: a path to keep pointing at the current pty (a stable name, like udev's
                ``/dev/kiosk-scanner``); an existing symlink there is replaced.

        Raises:
            FileExistsError: ``link`` exists and is not a symlink.
        """
        self.terminator = terminator
        self.link = Path(link) if link is not None else None
        if self.link is not None and self.link.exists() and not self.link.is_symlink():
            raise FileExistsError(f"{self.link} exists and is not a link; choose another path")
        self._lock = threading.Lock()
        self._closed = False
        self._plugged = False
        self._master = self._slave = -1
        self.tty_path = ""
        self._plug()

    @property
    def port_path(self) -> str:
        """The path the kiosk opens: the stable link if there is one, else ``/dev/pts/N``."""
        return str(self.link) if self.link is not None else self.tty_path

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    @property
    def plugged(self) -> bool:
        """False after :meth:`unplug` until :meth:`replug`."""
        return self._plugged

    def _plug(self) -> None:
        self._master, self._slave = open_raw_pty()
        self.tty_path = os.ttyname(self._slave)
        if self.link is not None:
            temporary = self.link.with_name(f".{self.link.name}.{os.getpid()}.new")
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            temporary.symlink_to(self.tty_path)
            os.replace(temporary, self.link)  # atomic: the link is never missing mid-swap
        self._plugged = True

    def send_raw(self, data: bytes) -> None:
        """Write bytes exactly as given to the reader's side (nothing while unplugged).

        Args:
            data: bytes to deliver.

        Raises:
            OSError: the simulator is closed.
        """
        with self._lock:
            if self._closed:
                raise OSError(f"scanner simulator on {self.port_path} is closed")
            if not self._plugged:
                return
            view = memoryview(data)
            while view:
                written = os.write(self._master, view)
                view = view[written:]

    def unread(self) -> int:
        """Bytes sent that the kiosk has not read yet (0 while unplugged)."""
        with self._lock:
            return unread_on_pty(self._slave) if self._plugged else 0

    def unplug(self) -> None:
        """Pull the cable: the pty closes (the reader reads ``EIO``), the link goes."""
        with self._lock:
            if not self._plugged:
                return
            self._plugged = False
            close_fds((self._master, self._slave))
            if self.link is not None and self.link.is_symlink():
                with contextlib.suppress(FileNotFoundError):
                    self.link.unlink()

    def replug(self) -> None:
        """Plug it back in: a fresh pty, the link pointed at it. Idempotent.

        Raises:
            OSError: the simulator is closed.
        """
        with self._lock:
            if self._closed:
                raise OSError(f"scanner simulator on {self.port_path} is closed")
            if not self._plugged:
                self._plug()

    def close(self) -> None:
        """Unplug for good: the reader sees the device disappear. Idempotent."""
        self.unplug()
        with self._lock:
            self._closed = True


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

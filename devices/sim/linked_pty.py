"""Two pseudo-terminals joined by a relay thread, with line faults on demand.

A simulator that opens a serial port by path (pymodbus's server does) cannot sit on the
master side of a pty, so :class:`LinkedPtys` makes two pty pairs and copies bytes
between their masters, as ``socat pty,link=DEVICE pty,link=KIOSK`` would::

    simulated device -> device_path (pts A) <-> relay thread <-> (pts B) <- kiosk_path <- kiosk
                                                    |
                                           LineFaults: answers garbled, late, dropped

The kiosk side is reached through a symbolic link (``--link PATH``, or one in a private
temporary folder), so pulling the cable (:meth:`LinkedPtys.unplug`: pts B is closed and
the link removed; the kiosk's open port fails) and plugging it back in
(:meth:`LinkedPtys.replug`: a new pts B under the same link) look to the kiosk exactly
like a USB adapter leaving and coming back as ``/dev/kiosk-counter``.

The relay cuts what the device sends into frames the way an RTU line is cut: by
silence (``frame_gap`` seconds without a byte end a frame), and applies the faults to
whole frames: a wrong CRC (the frame's last byte inverted), a delay, or dropping it.
Bytes from the kiosk go to the device at once, unchanged. The relay holds both slaves
open itself, so neither master reads EIO while the device or the kiosk reopens.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import select
import shutil
import tempfile
import threading
import time

from devices.sim.terminal import ClosedOnExit, close_fds, open_raw_pty

_READ_SIZE = 4096


class LineFaults:
    """Faults applied to the device's answers; safe to change from any thread.

    Each fault lasts until :meth:`clear`, or for the next ``count`` answers when a count
    is given.
    """

    def __init__(self) -> None:
        """No fault: answers pass unchanged."""
        self._lock = threading.Lock()
        self._corrupt: int | None = 0  # answers left to garble; None = until clear()
        self._silent: int | None = 0
        self._delay = 0.0

    def corrupt(self, count: int | None = None) -> None:
        """Garble answers (invert their last byte, so the CRC is wrong).

        Args:
            count: how many answers; None for every answer until :meth:`clear`.
        """
        with self._lock:
            self._corrupt = count

    def silent(self, count: int | None = None) -> None:
        """Drop answers: the device seems to say nothing.

        Args:
            count: how many answers; None for every answer until :meth:`clear`.
        """
        with self._lock:
            self._silent = count

    def slow(self, seconds: float) -> None:
        """Deliver every answer ``seconds`` late (0 for on time).

        Raises:
            ValueError: a negative delay.
        """
        if seconds < 0:
            raise ValueError(f"a delay cannot be negative, got {seconds}")
        with self._lock:
            self._delay = seconds

    def clear(self) -> None:
        """Answers pass unchanged again."""
        with self._lock:
            self._corrupt, self._silent, self._delay = 0, 0, 0.0

    def describe(self) -> str:
        """One line: the faults in force, or ``"none"``."""
        with self._lock:
            parts = []
            for name, left in (("wrong CRC", self._corrupt), ("silent", self._silent)):
                if left is None:
                    parts.append(name)
                elif left:
                    parts.append(f"{name} ({left} more)")
            if self._delay:
                parts.append(f"slow ({self._delay:g} s)")
        return ", ".join(parts) or "none"

    def apply(self, frame: bytes) -> tuple[bytes | None, float]:
        """What to deliver for one answer frame and how late.

        Args:
            frame: the answer as the device sent it.

        Returns:
            ``(bytes to deliver or None to drop, delay in seconds)``.
        """
        with self._lock:
            delay = self._delay
            if self._silent is None or self._silent > 0:
                if self._silent:
                    self._silent -= 1
                return None, delay
            if frame and (self._corrupt is None or self._corrupt > 0):
                if self._corrupt:
                    self._corrupt -= 1
                return frame[:-1] + bytes([frame[-1] ^ 0xFF]), delay
        return frame, delay


class LinkedPtys(ClosedOnExit):
    """A device-side pty and a kiosk-side pty (behind a link), relayed with faults.

    Example:
        >>> with LinkedPtys() as line:
        ...     start_device(line.device_path)
        ...     open_port(line.kiosk_path)
        ...     line.faults.corrupt(1)
        ...     line.unplug(); line.replug()

    Attributes:
        device_path: the pts the simulated device opens.
        kiosk_path: the link the kiosk opens (stable across unplug and replug).
        faults: the :class:`LineFaults` applied to the device's answers.
    """

    def __init__(
        self, link: str | os.PathLike[str] | None = None, *, frame_gap: float = 0.005
    ) -> None:
        """Create both pty pairs and the link, and start the relay thread.

        Args:
            link: path of the kiosk side's symbolic link; by default ``counter`` in a new
                private temporary folder (removed by :meth:`close`).
            frame_gap: seconds of silence that end an answer frame.

        Raises:
            FileExistsError: ``link`` exists and is not a symbolic link.
        """
        self._tmpdir: str | None = None
        if link is None:
            self._tmpdir = tempfile.mkdtemp(prefix="kiosk-sim-")
            link = os.path.join(self._tmpdir, "counter")
        self.kiosk_path = os.fspath(link)
        if os.path.lexists(self.kiosk_path) and not os.path.islink(self.kiosk_path):
            raise FileExistsError(
                f"{self.kiosk_path} exists and is not a link; choose another path"
            )
        self.faults = LineFaults()
        self._frame_gap = frame_gap
        self._lock = threading.Lock()
        self._device_master, self._device_slave = open_raw_pty()
        self.device_path = os.ttyname(self._device_slave)
        self._kiosk: tuple[int, int] | None = None  # (master, slave) while plugged in
        self._generation = 0
        self._closed = False
        self._wake_read, self._wake_write = os.pipe()
        self.replug()
        self._thread = threading.Thread(
            target=self._relay, name=f"linked-ptys:{self.kiosk_path}", daemon=True
        )
        self._thread.start()

    @property
    def plugged(self) -> bool:
        """True unless :meth:`unplug` was the last call of the two."""
        return self._kiosk is not None

    def unplug(self) -> None:
        """Pull the cable: the kiosk's open port fails, the link disappears. Idempotent."""
        with self._lock:
            if self._kiosk is None:
                return
            close_fds(self._kiosk)
            self._kiosk = None
            self._generation += 1
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.kiosk_path)
        self._wake()

    def replug(self) -> None:
        """Plug the cable back in: a new pty behind the same link. Idempotent."""
        with self._lock:
            if self._closed or self._kiosk is not None:
                return
            master, slave = open_raw_pty()
            temporary = f"{self.kiosk_path}.{os.getpid()}.new"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            os.symlink(os.ttyname(slave), temporary)
            os.replace(temporary, self.kiosk_path)  # atomic: never a missing link mid-swap
            self._kiosk = (master, slave)
            self._generation += 1
        self._wake()

    def close(self) -> None:
        """Stop the relay, close every pty, remove the link. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake()
        self._thread.join(2.0)
        self.unplug()
        close_fds((self._device_master, self._device_slave, self._wake_read, self._wake_write))
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    # -- relay thread -----------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    def _relay(self) -> None:
        answer = bytearray()  # device bytes of the frame being received
        last_byte = 0.0
        queue: list[tuple[float, int, int, bytes]] = []  # (due, order, generation, frame)
        order = itertools.count()
        last_due = 0.0
        while not self._closed:
            with self._lock:
                generation, kiosk = self._generation, self._kiosk
            now = time.monotonic()
            timeouts = [queue[0][0] - now] if queue else []
            if answer:
                timeouts.append(last_byte + self._frame_gap - now)
            timeout = max(0.0, min(timeouts)) if timeouts else None
            watched = [self._wake_read, self._device_master] + ([kiosk[0]] if kiosk else [])
            try:
                readable, _, _ = select.select(watched, [], [], timeout)
            except (OSError, ValueError):  # a descriptor closed under us by unplug/close
                continue
            with self._lock:
                if self._closed:
                    return
                if self._wake_read in readable:
                    with contextlib.suppress(OSError):
                        os.read(self._wake_read, _READ_SIZE)
                current = self._kiosk if self._generation == generation else None
                if current is not None and current[0] in readable:
                    data = _read(current[0])
                    if data:
                        _write(self._device_master, data)
                if self._device_master in readable:
                    data = _read(self._device_master)
                    if data:
                        answer += data
                        last_byte = time.monotonic()
                now = time.monotonic()
                if answer and now - last_byte >= self._frame_gap:
                    frame, delay = self.faults.apply(bytes(answer))
                    answer.clear()
                    if frame is not None:
                        last_due = max(now + delay, last_due)  # frames never overtake
                        heapq.heappush(queue, (last_due, next(order), self._generation, frame))
                while queue and queue[0][0] <= now:
                    _, _, sent_to, frame = heapq.heappop(queue)
                    if self._kiosk is not None and sent_to == self._generation:
                        _write(self._kiosk[0], frame)  # else unplugged since: the answer is lost


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, _READ_SIZE)
    except OSError:
        return b""


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    with contextlib.suppress(OSError):
        while view:
            view = view[os.write(fd, view) :]

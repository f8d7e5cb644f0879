"""A visitor counter simulator speaking the kiosk's ASCII line protocol, with faults.

Wire format: :mod:`devices.counters.line_protocol` (``$IN=12,OUT=3,ID=gate1*XXXX\\r\\n``),
built with its own :func:`~devices.counters.line_protocol.format_frame`. The bytes go
over a :class:`devices.sim.links.PtyLink` (a pseudo-terminal under a stable path) or a
:class:`devices.sim.links.TcpLink` (``socket://127.0.0.1:PORT``).

Modes: **push** sends a frame on every change and every ``heartbeat`` seconds; **poll**
answers each query (``?`` or ``?<id>``) with a frame and sends nothing else. Totals
count like a real device's: modulo ``2**bits``, back to 0 on ``reset()`` (a power cut).

Faults, each named like its console command: ``wrap`` (jump to 3 below the wrap point),
``reset``, ``noise`` (random non-printable bytes and a line end), ``split`` (the next
frame in three writes), ``badsum`` (the next frame with a wrong checksum), ``slow``
(toggle: bytes dribbled one every 20 ms), ``silent`` (toggle: sends and answers
nothing), ``unplug``/``replug``. :meth:`LineCounterSimulator.send_raw` sends any bytes
(spy log replay; with :attr:`~LineCounterSimulator.replaying` set, no heartbeat or poll
answer of its own comes between them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from devices.counters.line_protocol import format_frame
from devices.sim.scanner import noise, split_evenly
from devices.sim.terminal import ClosedOnExit

SLOW_GAP = 0.02
SPLIT_GAP = 0.05


class Link(Protocol):
    """A simulator's wire: :class:`devices.sim.links.PtyLink` or ``TcpLink``."""

    @property
    def url(self) -> str:
        """What the kiosk opens."""

    @property
    def plugged(self) -> bool:
        """False while unplugged."""

    def send(self, data: bytes) -> bool:
        """Send bytes; False if dropped."""

    def unplug(self) -> None:
        """Pull the cable."""

    def unread(self) -> int:
        """Bytes sent that the kiosk has not read yet."""

    def replug(self) -> None:
        """Plug it back in."""

    def close(self) -> None:
        """Stop for good."""


class LineCounterSimulator(ClosedOnExit):
    """A counter on a link: its totals, its mode and its faults."""

    def __init__(
        self,
        make_link: Callable[[Callable[[bytes], None]], Link],
        *,
        mode: str = "push",
        bits: int = 32,
        counter_id: str = "",
        heartbeat: float = 5.0,
        answer_queries: bool = True,
    ) -> None:
        """Create the counter and its link, and start (pushing, or listening for polls).

        Args:
            make_link: makes the link, given the callback for incoming bytes.
            mode: "push" or "poll".
            bits: the totals wrap at 2**bits (16 or 32).
            counter_id: the ID field of each frame ("" = none); a poll for another ID is
                not answered.
            heartbeat: push mode: seconds between repeats of an unchanged frame.
            answer_queries: False to ignore ``?`` (while replaying another device's output).

        Raises:
            ValueError: bad mode or bits.
            OSError: the link cannot be made.
        """
        if mode not in ("push", "poll"):
            raise ValueError(f"mode must be push or poll, got {mode!r}")
        if bits not in (16, 32):
            raise ValueError(f"bits must be 16 or 32, got {bits}")
        self.mode, self.bits, self.counter_id = mode, bits, counter_id
        self.modulus = 2**bits
        self.total_in = self.total_out = 0
        self.silent = self.slow = False
        self.polls = 0  # queries answered
        # A replay sends a capture's bytes and nothing of its own: a heartbeat of these
        # totals between them would read as a reset of the captured counter.
        self.replaying = False
        self.answer_queries = answer_queries
        self._badsum_next = self._split_next = False
        self._lock = threading.RLock()  # totals, flags and the order of bytes on the wire
        self._query = bytearray()
        self._stopping = threading.Event()
        self.link = make_link(self._received)
        self._heartbeat: threading.Thread | None = None
        if mode == "push":
            self._heartbeat = threading.Thread(
                target=self._beat, args=(heartbeat,), name="counter-sim-heartbeat", daemon=True
            )
            self._heartbeat.start()

    @property
    def url(self) -> str:
        """What the kiosk opens (the pty's stable path, or socket://...)."""
        return self.link.url

    # -- what people and faults do ----------------------------------------------------

    def cross(self, direction: str, n: int = 1) -> None:
        """``n`` people pass in ("in") or out ("out"); push mode sends the new totals.

        Raises:
            ValueError: direction not "in"/"out", or n below 1.
        """
        if direction not in ("in", "out") or n < 1:
            raise ValueError(f"expected in/out and a count of at least 1, got {direction} {n}")
        with self._lock:
            if direction == "in":
                self.total_in = (self.total_in + n) % self.modulus
            else:
                self.total_out = (self.total_out + n) % self.modulus
            self._push()

    def near_wrap(self) -> None:
        """Jump both totals to 3 below the wrap point (2**bits - 3)."""
        with self._lock:
            self.total_in = self.total_out = self.modulus - 3
            self._push()

    def reset(self) -> None:
        """A power cut: both totals back to 0."""
        with self._lock:
            self.total_in = self.total_out = 0
            self._push()

    def send_noise(self, n: int = 8) -> None:
        """Random non-printable bytes, then CR LF."""
        self.send_raw(noise(n) + b"\r\n")

    def split_next(self) -> None:
        """Send the next frame in three writes."""
        self._split_next = True

    def badsum_next(self) -> None:
        """Send the next frame with a wrong checksum."""
        self._badsum_next = True

    def send_raw(self, data: bytes) -> None:
        """Send bytes as they are (honours slow and silent)."""
        with self._lock:
            if self.silent:
                return
            if self.slow:
                for index in range(len(data)):
                    self.link.send(data[index : index + 1])
                    time.sleep(SLOW_GAP)
            else:
                self.link.send(data)

    def frame(self) -> bytes:
        """The frame for the current totals, without faults."""
        with self._lock:
            return format_frame(self.total_in, self.total_out, self.counter_id)

    def send_frame(self) -> None:
        """Send the current totals now, applying a pending split or bad checksum."""
        with self._lock:
            data = self.frame()
            if self._badsum_next:
                self._badsum_next = False
                star = data.rindex(b"*")
                wrong = int(data[star + 1 : star + 5], 16) ^ 0x0001
                data = data[: star + 1] + f"{wrong:04X}".encode() + b"\r\n"
            if self._split_next:
                self._split_next = False
                for index, part in enumerate(split_evenly(data, 3)):
                    if index:
                        time.sleep(SPLIT_GAP)
                    self.send_raw(part)
                return
            self.send_raw(data)

    def unplug(self) -> None:
        """Pull the cable."""
        self.link.unplug()

    def replug(self) -> None:
        """Plug it back in."""
        self.link.replug()

    def close(self) -> None:
        """Stop the heartbeat and close the link."""
        self._stopping.set()
        if self._heartbeat is not None:
            self._heartbeat.join(1.0)
        self.link.close()

    # -- internals ------------------------------------------------------------------

    def _push(self) -> None:
        if self.mode == "push":
            self.send_frame()

    def _beat(self, every: float) -> None:
        while not self._stopping.wait(every):
            if not self.replaying:
                self.send_frame()

    def _received(self, data: bytes) -> None:
        """Bytes from the kiosk: answer each query for us (poll mode, or push too)."""
        for byte in data:
            if byte not in b"\r\n":
                if len(self._query) < 32:
                    self._query.append(byte)
                continue
            query, self._query = bytes(self._query), bytearray()
            if not query.startswith(b"?"):
                continue
            wanted = query[1:].decode("ascii", "replace")
            if wanted and wanted != self.counter_id:
                continue  # asked for another counter on the bus
            if not self.silent and not self.replaying and self.answer_queries:
                self.polls += 1
                self.send_frame()

"""What the technician screen shows about the kiosk's parts, and the port it reads it from.

The technician service (``kiosk/core/services/technician.py``) asks the
:class:`Diagnostics` port for a :class:`DiagnosticsSnapshot` about once a second, on the
worker thread (the outbox is counted in the store); the composition root implements the
port on the real parts. Everything here is plain data: masked barcodes, counts, one-line
technician texts, never a patron's name or whole card number.

:class:`FrameLog` keeps the last frames the scanner sent. The scanner's reader thread
adds to it and the worker reads it, so it takes a lock; it holds only masked codes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from kiosk.core.model import PrintReport

FRAMES_KEPT = 8
"""Scanner frames the technician screen lists (the newest first)."""


class Verdict(StrEnum):
    """What the kiosk made of a frame from the scanner."""

    PATRON = "patron"  # a library card
    ITEM = "item"  # a book (or other item)
    STAFF = "staff"  # a staff card (``[technician] staff_cards``)
    BAD = "bad"  # a line, but not a barcode of this library (check digit, length, kind)
    NOISE = "noise"  # bytes that were not a line at all (line noise, a partial frame)


@dataclass(frozen=True)
class ScannerFrame:
    """One frame the scanner sent, as the technician screen lists it.

    Attributes:
        at: when it arrived (aware; shown in the library's time zone).
        masked: the code with all but its last 4 characters hidden.
        verdict: what the kiosk made of it.
        symbology: the AIM symbology the scanner named (``]F0`` Codabar ...), '' if none.
    """

    at: dt.datetime
    masked: str
    verdict: Verdict
    symbology: str = ""


@dataclass(frozen=True)
class CounterRow:
    """One visitor counter: its id, whether it is connected, its totals since start."""

    device: str
    ready: bool
    entered: int
    left: int
    detail: str = ""  # the last fault's technician line, "" if none yet
    total_in: int | None = None  # the device's own cumulative totals, None before a reading
    total_out: int | None = None
    detail_at: dt.datetime | None = None  # when that fault was seen


@dataclass(frozen=True)
class IlsState:
    """The library system as the kiosk's calls found it.

    Attributes:
        backend: ``[ils] backend`` (demo, local, sip2).
        online: the last call got an answer (False: offline mode).
        last_failure: the technician's line of the last call that failed, '' if none.
        failed_at: when that was.
    """

    backend: str
    online: bool
    last_failure: str = ""
    failed_at: dt.datetime | None = None


@dataclass(frozen=True)
class DiagnosticsSnapshot:
    """Everything the technician screen shows that the session does not know itself.

    Attributes:
        scanner_url: the serial scanner's URL, '' with none (keyboard-wedge only).
        frames: the last frames from the scanner, newest first.
        counters: the visitor counters; empty when none is configured.
        ils: the library system's state.
        outbox: reports not yet sent to central; None when the store cannot be read.
        offline_waiting: transactions taken offline, not yet replayed; None likewise.
        printer_url: the receipt printer's URL, '' with none.
        last_print: how the last print went (a receipt or a test), None before any.
    """

    scanner_url: str
    frames: tuple[ScannerFrame, ...]
    counters: tuple[CounterRow, ...]
    ils: IlsState
    outbox: int | None
    offline_waiting: int | None
    printer_url: str = ""
    last_print: PrintReport | None = None


@dataclass(frozen=True)
class VoiceCheck:
    """Whether speech works (``SpeechOutput.status()``), and if not, the technician's line."""

    working: bool
    reason: str = ""


class Diagnostics(Protocol):
    """The kiosk's parts as the technician screen sees them. Called on the worker thread."""

    def snapshot(self) -> DiagnosticsSnapshot:
        """The state of every part now (reads the store: not on the UI thread)."""
        ...

    def test_voice(self, text: str, language: str) -> VoiceCheck:
        """Say ``text`` in ``language`` through the speech output, whatever the patron's
        voice mode, and tell whether speech works."""
        ...


class FrameLog:
    """The last :data:`FRAMES_KEPT` scanner frames; safe from any thread."""

    def __init__(self, size: int = FRAMES_KEPT) -> None:
        self._lock = threading.Lock()
        self._frames: deque[ScannerFrame] = deque(maxlen=size)

    def add(self, frame: ScannerFrame) -> None:
        """Keep ``frame`` (its code must already be masked); the oldest goes when full."""
        with self._lock:
            self._frames.append(frame)

    def frames(self) -> tuple[ScannerFrame, ...]:
        """The frames kept, newest first."""
        with self._lock:
            return tuple(reversed(self._frames))


def no_counters() -> Sequence[CounterRow]:
    """The counters of a kiosk that has none."""
    return ()

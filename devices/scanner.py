"""Serial barcode scanners (USB-CDC or RS-232): library Codabar, EAN-13/ISBN, Code 39/128.

Wire format: one scan per line, printable ASCII, ended by the terminator (CR by default,
the factory setting of most scanners; LF, CRLF, TAB or ETX as configured)::

    [prefix] [AIM id] data [suffix] terminator
             ]F0      A30234000517861B         CR      Codabar, start/stop sent
                      30234000517861           CR      no identifier: by its shape
             ]E0      9789793062792            CR      EAN-13 (an ISBN)
    S:       ]C0      P00123             #     CR      Code 128 with a programmed prefix, suffix

Serial framing (baud, 7 or 8 data bits, parity N/E/O, 1 or 2 stop bits) is pyserial's;
USB-CDC scanners ignore it. The identifier and the check characters are read by
:mod:`devices.symbology`; what a code means (patron, item) is the library's, in
:mod:`devices.barcodes`, not here.

Shape: :class:`BarcodeProtocol` is a :class:`devices.serial_reader.ByteProtocol`: it is
fed bytes and turns them into :data:`ScanEvent`. Framing is done by
:class:`devices.framing.LineFramer`; validation by :mod:`devices.codabar`. The port,
the thread and reconnecting belong to :class:`devices.serial_reader.SerialReader`;
:func:`open_scanner` puts the two together. The device is a pyserial URL:
``/dev/ttyACM0``, ``socket://host:port``, ``loop://``, ``sim://scanner[/<name>]``
(in-process simulator, registered automatically when such a URL is used).

Known quirks:

* Opening the port discards bytes already waiting, so a scan made while the kiosk was
  starting or reconnecting is lost; the patron simply scans again.
* An unplugged USB scanner shows up as ``SerialException`` or ``OSError`` on read; its
  device node may come back under the same name when replugged, so the reader retries
  the URL. A line cut in half by the unplug is dropped: every connection gets a fresh
  :class:`BarcodeProtocol`, and the framer is also reset on connect and disconnect.
* ``readline()`` reads one byte per call; the reader uses bulk reads instead.
* Scanners configured for CR sometimes send CRLF and vice versa: tolerated by the framer.
* Barcodes on patron cards are personal data: they are logged at DEBUG only, masked
  except for the last four digits.
* A scanner in presentation mode reads a book lying under it again and again: the same
  code within ``duplicate_window`` of the last read of it is dropped (the kiosk: 800 ms).
* A lost scanner is looked for again after 0.25, 0.5, 1, 1, ... s (:data:`SCANNER_BACKOFF`).

Threading: the reader thread only moves bytes into :meth:`BarcodeProtocol.data_received`,
which does the parsing and calls ``on_event`` on the reader thread. The app hands events
to its UI thread itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from devices import symbology
from devices.events import DeviceStatus
from devices.framing import FramingError, LineFramer
from devices.serial_reader import Backoff, SerialReader
from devices.symbology import CODABAR, CODE39, CODE128, UNKNOWN
from devices.throttle import ThrottledFaults

log = logging.getLogger(__name__)

_EXCERPT_LENGTH = 20


@dataclass(frozen=True)
class BarcodeRead:
    """A valid, normalised barcode was scanned.

    Attributes:
        code: the barcode's text without AIM identifier, start/stop or check characters
            (an ISBN-10 as its ISBN-13).
        symbology: ``"codabar"`` (the library barcode), ``"ean13"``, ``"code39"``,
            ``"code128"``, ``"unknown"`` or an AIM identifier (:mod:`devices.symbology`).
    """

    code: str
    symbology: str = CODABAR

    @property
    def text(self) -> str:
        """The code as the kiosk's classifier reads it: with its AIM identifier, so
        "Code 128" survives the trip; text of unknown symbology as it is."""
        aim = symbology.AIM_IDS.get(self.symbology, "")
        if self.symbology == CODE39:
            aim = "]A3"  # its check character, if any, is already checked and removed
        elif self.symbology.startswith("]"):
            aim = self.symbology
        return aim + self.code


@dataclass(frozen=True)
class BadScan:
    """A line arrived but is not a usable barcode.

    Attributes:
        excerpt: the start of what was received, printable.
        reason: short English phrase for a technician, e.g. "check digit does not match".
    """

    excerpt: str
    reason: str


ScanEvent = BarcodeRead | BadScan


def mask(code: str) -> str:
    """Hide all but the last four characters of a barcode, for logs.

    Args:
        code: a barcode or any scanned text.

    Returns:
        The text with every character but the last four replaced by ``*``.
    """
    visible = code[-4:] if len(code) > 4 else ""
    return "*" * (len(code) - len(visible)) + visible


def check_scan(
    line: str,
    *,
    check_digits: bool = True,
    symbologies: Collection[str] = (CODABAR,),
    code39_check: bool = False,
) -> BarcodeRead | BadScan | None:
    """Turn one framed line (prefix and suffix already removed) into an event. Pure.

    Args:
        line: a line from the framer, terminator removed; an AIM identifier is read.
        check_digits: when False, any non-empty line is accepted as a barcode.
        symbologies: the symbologies the library uses; a read of another is a bad scan
            (Code 39 or Code 128 listed: text of unknown symbology is accepted too).
        code39_check: Code 39 labels end with a mod-43 check character.

    Returns:
        BarcodeRead or BadScan, or None when the line holds nothing but padding.
    """
    read = symbology.identify(line, code39_check=code39_check)
    code = read.code
    if not code:
        return None
    if not check_digits:
        return BarcodeRead(code, read.symbology)
    excerpt = code[:_EXCERPT_LENGTH]
    if read.problem:
        return BadScan(excerpt, read.problem)
    if read.symbology in symbologies or (
        read.symbology == UNKNOWN and any(name in symbologies for name in (CODE39, CODE128))
    ):
        return BarcodeRead(code, read.symbology)
    if tuple(symbologies) == (CODABAR,):
        return BadScan(excerpt, "not a 14-digit library barcode")
    return BadScan(excerpt, f"not a barcode this library uses ({read.symbology})")


class BarcodeProtocol:
    """Turns the bytes a scanner sends into :data:`ScanEvent`. No I/O, no thread.

    A :class:`devices.serial_reader.ByteProtocol`; tests feed it bytes directly.

    Example:
        >>> events = []
        >>> scanner = BarcodeProtocol(events.append)
        >>> scanner.data_received(b"3023400051")
        >>> scanner.data_received(b"7861\\r")
        >>> events
        [BarcodeRead(code='30234000517861')]
    """

    def __init__(
        self,
        on_event: Callable[[ScanEvent], None],
        *,
        terminator: bytes = b"\r",
        max_length: int = 64,
        check_digits: bool = True,
        symbologies: Collection[str] = (CODABAR,),
        code39_check: bool = False,
        prefix: str = "",
        suffix: str = "",
        duplicate_window: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create a protocol with an empty framer.

        Args:
            on_event: called with each event (on the reader thread when a reader feeds
                it); its exceptions are logged, and the next events are still delivered.
            terminator: line terminator the scanner is configured for.
            max_length: longest accepted line.
            check_digits: reject barcodes whose check digit is wrong.
            symbologies: the symbologies the library uses (:func:`check_scan`).
            code39_check: Code 39 labels end with a mod-43 check character.
            prefix: text the scanner is set to send before each barcode; removed.
            suffix: text it sends after each barcode (before the terminator); removed.
            duplicate_window: seconds within which the same code read again is dropped
                (a scanner in presentation mode reads a book lying under it over and
                over); each repeat starts the window again. 0 keeps every read.
            monotonic: the clock for ``duplicate_window``.

        Raises:
            ValueError: empty terminator, max_length below 1 or a negative window.
        """
        if duplicate_window < 0:
            raise ValueError(f"duplicate window must not be negative, got {duplicate_window}")
        self.on_event = on_event
        self.check_digits = check_digits
        self.symbologies = tuple(symbologies)
        self.code39_check = code39_check
        self.prefix, self.suffix = prefix, suffix
        self.duplicate_window = duplicate_window
        self.url = ""
        self._monotonic = monotonic
        self._last: tuple[str, float] | None = None  # the last code read, and when
        # A loose cable or a wrong baud rate makes a bad scan every few ms: one line a
        # minute with a count, not a line each (made at the first, once the URL is known).
        self._bad_lines: ThrottledFaults | None = None
        self._framer = LineFramer(terminator, max_length)

    def connection_made(self, reader: SerialReader) -> None:
        """A port was opened: start from an empty framer.

        Args:
            reader: the reader feeding this protocol; its URL is used in logs.
        """
        self.url = reader.url
        self._framer.reset()

    def data_received(self, data: bytes) -> None:
        """Parse bytes from the scanner and emit the events they complete.

        Args:
            data: raw bytes as read from the port, any chunking.
        """
        for item in self._framer.feed(data):
            if isinstance(item, FramingError):
                self._emit(BadScan(item.excerpt, item.reason))
                continue
            event = check_scan(
                self._unwrap(item),
                check_digits=self.check_digits,
                symbologies=self.symbologies,
                code39_check=self.code39_check,
            )
            if event is None:
                log.debug("ignored a blank scan")
            elif not self._repeated(event):
                self._emit(event)

    def _unwrap(self, line: str) -> str:
        """The line without the configured prefix and suffix (each only where present)."""
        if self.prefix and line.startswith(self.prefix):
            line = line[len(self.prefix) :]
        if self.suffix and line.endswith(self.suffix):
            line = line[: -len(self.suffix)]
        return line

    def _repeated(self, event: ScanEvent) -> bool:
        """True for a read of the code read last, within the duplicate window."""
        if not isinstance(event, BarcodeRead) or not self.duplicate_window:
            return False
        now = self._monotonic()
        last, self._last = self._last, (event.code, now)
        if last is not None and last[0] == event.code and now - last[1] < self.duplicate_window:
            log.debug("dropped a repeated read of %s", mask(event.code))
            return True
        return False

    def connection_lost(self, exc: BaseException | None) -> None:
        """The port was closed: a partial line is meaningless now, forget it.

        Args:
            exc: the error that closed the port, or None after a stop.
        """
        self._framer.reset()

    def _emit(self, event: ScanEvent) -> None:
        if isinstance(event, BarcodeRead):
            log.debug("barcode read: %s", mask(event.code))
        else:
            if self._bad_lines is None:
                label = f"bad scan on {self.url or 'scanner'}"
                self._bad_lines = ThrottledFaults(
                    label, monotonic=self._monotonic, logger=log, level=logging.INFO
                )
            self._bad_lines.report(event.reason)
            log.debug("bad scan excerpt: %s", mask(event.excerpt))
        try:
            self.on_event(event)
        except Exception:
            log.exception("scanner event handler failed on %s", type(event).__name__)


SCANNER_BACKOFF = Backoff(initial=0.25, maximum=1.0)
"""How often a lost scanner is looked for: from a quarter second, doubling, to once a
second. The reader's general default backs off to 8 s, which would leave a patron up to
8 s without scanning after the cable is back; opening a missing port costs one failed
``open()``, so once a second is cheap and keeps replug-to-ready within 2 s (issue 10)."""


def open_scanner(
    url: str,
    on_event: Callable[[ScanEvent | DeviceStatus], None],
    *,
    baudrate: int = 9600,
    bytesize: int = 8,
    parity: str = "N",
    stopbits: float = 1,
    backoff: Backoff = SCANNER_BACKOFF,
    **protocol_options: Any,
) -> SerialReader:
    """Build (but do not start) a reader for a barcode scanner.

    Example:
        >>> scanner = open_scanner("/dev/ttyACM0", events.put, duplicate_window=0.8)
        >>> scanner.start(wait_for_device=True)
        >>> scanner.stop()

    Args:
        url: pyserial URL or device path.
        on_event: called on the reader thread with scans (:data:`ScanEvent`) and with
            :class:`devices.events.DeviceReady` / :class:`devices.events.DeviceLost`.
        baudrate: serial speed (ignored by USB-CDC scanners).
        bytesize: data bits, 7 or 8 (RS-232 scanners; 7 with even parity is common).
        parity: ``"N"``, ``"E"`` or ``"O"``.
        stopbits: 1 or 2.
        backoff: delays between attempts to reopen a lost scanner.
        **protocol_options: :class:`BarcodeProtocol`'s options (terminator, max_length,
            check_digits, symbologies, code39_check, prefix, suffix, duplicate_window).

    Returns:
        A :class:`devices.serial_reader.SerialReader` that makes a fresh
        :class:`BarcodeProtocol` for every connection; call ``start()`` on it.

    Raises:
        ValueError: a bad option (checked now, not on the reader thread).
        TypeError: an option :class:`BarcodeProtocol` does not have.
    """

    def make_protocol() -> BarcodeProtocol:
        return BarcodeProtocol(on_event, **protocol_options)

    make_protocol()  # a bad setting raises here, where the caller can see it
    return SerialReader(
        url,
        make_protocol,
        on_event,
        baudrate=baudrate,
        bytesize=bytesize,
        parity=parity,
        stopbits=stopbits,
        backoff=backoff,
    )

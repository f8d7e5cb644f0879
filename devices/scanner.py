"""Serial barcode scanners (USB-CDC or RS-232) reading library Codabar barcodes.

Wire format: one scan per line, printable ASCII, ended by CR (factory default of most
scanners), LF or CRLF::

    [A] 3 0234 00051786 1 [B] CR        start/stop characters are optional

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

Threading: the reader thread only moves bytes into :meth:`BarcodeProtocol.data_received`,
which does the parsing and calls ``on_event`` on the reader thread. The app hands events
to its UI thread itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from devices import codabar
from devices.events import DeviceStatus
from devices.framing import FramingError, LineFramer
from devices.serial_reader import Backoff, SerialReader

log = logging.getLogger(__name__)

_EXCERPT_LENGTH = 20


@dataclass(frozen=True)
class BarcodeRead:
    """A valid, normalised barcode was scanned."""

    code: str


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


def check_scan(line: str, *, check_digits: bool = True) -> BarcodeRead | BadScan | None:
    """Turn one framed line into an event. Pure.

    Args:
        line: a line from the framer, terminator removed.
        check_digits: when False, any non-empty line is accepted as a barcode.

    Returns:
        BarcodeRead or BadScan, or None when the line holds nothing but padding.
    """
    code = codabar.normalise(line)
    if not code:
        return None
    if not check_digits or codabar.is_valid(code):
        return BarcodeRead(code)
    excerpt = code[:_EXCERPT_LENGTH]
    if len(code) == codabar.LENGTH and code.isascii() and code.isdigit():
        return BadScan(excerpt, "check digit does not match")
    return BadScan(excerpt, "not a 14-digit library barcode")


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
    ) -> None:
        """Create a protocol with an empty framer.

        Args:
            on_event: called with each event (on the reader thread when a reader feeds
                it); its exceptions are logged, and the next events are still delivered.
            terminator: line terminator the scanner is configured for.
            max_length: longest accepted line.
            check_digits: reject barcodes whose check digit is wrong.

        Raises:
            ValueError: empty terminator or max_length below 1.
        """
        self.on_event = on_event
        self.check_digits = check_digits
        self.url = ""
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
            event = check_scan(item, check_digits=self.check_digits)
            if event is None:
                log.debug("ignored a blank scan")
            else:
                self._emit(event)

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
            log.info("bad scan on %s: %s", self.url or "scanner", event.reason)
            log.debug("bad scan excerpt: %s", mask(event.excerpt))
        try:
            self.on_event(event)
        except Exception:
            log.exception("scanner event handler failed on %s", type(event).__name__)


def open_scanner(
    url: str,
    on_event: Callable[[ScanEvent | DeviceStatus], None],
    *,
    terminator: bytes = b"\r",
    max_length: int = 64,
    check_digits: bool = True,
    baudrate: int = 9600,
    backoff: Backoff = Backoff(),  # noqa: B008 - a frozen dataclass, safe to share
) -> SerialReader:
    """Build (but do not start) a reader for a barcode scanner.

    Example:
        >>> scanner = open_scanner("/dev/ttyACM0", events.put)
        >>> scanner.start(wait_for_device=True)
        >>> scanner.stop()

    Args:
        url: pyserial URL or device path.
        on_event: called on the reader thread with scans (:data:`ScanEvent`) and with
            :class:`devices.events.DeviceReady` / :class:`devices.events.DeviceLost`.
        terminator: line terminator the scanner is configured for.
        max_length: longest accepted line.
        check_digits: reject barcodes whose check digit is wrong.
        baudrate: serial speed (ignored by USB-CDC scanners).
        backoff: delays between attempts to reopen a lost scanner.

    Returns:
        A :class:`devices.serial_reader.SerialReader` that makes a fresh
        :class:`BarcodeProtocol` for every connection; call ``start()`` on it.

    Raises:
        ValueError: empty terminator or max_length below 1 (checked now, not on the
            reader thread).
    """

    def make_protocol() -> BarcodeProtocol:
        return BarcodeProtocol(
            on_event, terminator=terminator, max_length=max_length, check_digits=check_digits
        )

    make_protocol()  # a bad setting raises here, where the caller can see it
    return SerialReader(url, make_protocol, on_event, baudrate=baudrate, backoff=backoff)

"""Serial barcode scanners (USB-CDC or RS-232) reading library Codabar barcodes.

Wire format: one scan per line, printable ASCII, ended by CR (factory default of most
scanners), LF or CRLF::

    [A] 3 0234 00051786 1 [B] CR        start/stop characters are optional

Framing is done by :class:`devices.framing.LineFramer`; validation by
:mod:`devices.codabar`. The device is a pyserial URL: ``/dev/ttyACM0``,
``socket://host:port``, ``loop://``, ``sim://scanner[/<name>]`` (in-process simulator,
registered automatically when such a URL is used).

Known quirks:

* Opening the port discards bytes already waiting, so a scan made while the kiosk was
  starting is lost; the patron simply scans again.
* An unplugged USB scanner shows up as ``SerialException`` or ``OSError`` on read; its
  device node may come back under the same name when replugged, so we retry the URL.
* ``readline()`` reads one byte per call; the reader uses bulk reads instead.
* Scanners configured for CR sometimes send CRLF and vice versa: tolerated by the framer.
* Barcodes on patron cards are personal data: they are logged at DEBUG only, masked
  except for the last four digits.

Threading: the reader thread only moves bytes into :meth:`SerialScanner.feed`, which
does the parsing and calls ``on_event`` on the reader thread. The app hands events to
its UI thread itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import serial

from devices import codabar
from devices.framing import FramingError, LineFramer

log = logging.getLogger(__name__)

READ_TIMEOUT = 0.2
THREAD_NAME = "scanner-reader"
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


@dataclass(frozen=True)
class DeviceLost:
    """The scanner stopped answering (unplugged, cable, simulator closed)."""

    url: str
    reason: str


@dataclass(frozen=True)
class DeviceReady:
    """The scanner port is open and being read (at start and after a reconnect)."""

    url: str


ScannerEvent = BarcodeRead | BadScan | DeviceLost | DeviceReady


class ScannerError(Exception):
    """The scanner could not be opened; the message says what to check."""


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


class SerialScanner:
    """Reads a barcode scanner on a pyserial URL and reports :data:`ScannerEvent`.

    Example:
        >>> scanner = SerialScanner("/dev/ttyACM0", events.put)
        >>> scanner.start()      # raises ScannerError if the port cannot be opened
        >>> scanner.stop()
    """

    def __init__(
        self,
        url: str,
        on_event: Callable[[ScannerEvent], None],
        *,
        terminator: bytes = b"\r",
        max_length: int = 64,
        check_digits: bool = True,
        baudrate: int = 9600,
        reconnect_interval: float = 2.0,
    ) -> None:
        """Configure a scanner; nothing is opened until :meth:`start`.

        Args:
            url: pyserial URL or device path.
            on_event: called on the reader thread with each event.
            terminator: line terminator the scanner is configured for.
            max_length: longest accepted line.
            check_digits: reject barcodes whose check digit is wrong.
            baudrate: serial speed (ignored by USB-CDC scanners).
            reconnect_interval: seconds between attempts to reopen a lost port.
        """
        self.url = url
        self.on_event = on_event
        self.check_digits = check_digits
        self.baudrate = baudrate
        self.reconnect_interval = reconnect_interval
        self._framer = LineFramer(terminator, max_length)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: serial.SerialBase | None = None

    @property
    def running(self) -> bool:
        """True while the reader thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, *, wait_for_device: bool = False) -> None:
        """Open the port and start the reader thread.

        Args:
            wait_for_device: if the port cannot be opened now, log why, report
                :class:`DeviceLost` and keep trying every ``reconnect_interval`` (as after an
                unplug) instead of raising. A kiosk starts this way, so a scanner plugged in
                after boot still works.

        Raises:
            ScannerError: the port cannot be opened (message names the URL and what to check)
                and ``wait_for_device`` is false.
            RuntimeError: already started.
        """
        if self.running:
            raise RuntimeError(f"scanner {self.url} is already started")
        port: serial.SerialBase | None
        try:
            port = self._open()
        except (serial.SerialException, OSError, ValueError) as exc:
            error = ScannerError(
                f"cannot open barcode scanner {self.url!r} ({_one_line(exc)}): check that it is "
                "plugged in, that the device path in the config is right and that this user "
                "may use it (group dialout)"
            )
            if not wait_for_device:
                raise error from exc
            log.error("%s; retrying every %g s", error, self.reconnect_interval)
            self._notify(DeviceLost(self.url, _one_line(exc)))  # logged just above
            port = None
        self._stop.clear()
        self._framer.reset()
        self._port = port
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the reader thread and close the port. Safe to call more than once."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
            self._thread = None

    def feed(self, data: bytes) -> None:
        """Parse bytes from the scanner and emit the events they complete.

        The reader thread calls this; tests call it directly.

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

    def _open(self) -> serial.SerialBase:
        if self.url.lower().startswith("sim://"):
            from devices.sim import register_url_handler

            register_url_handler()
        return serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=READ_TIMEOUT)

    def _emit(self, event: ScannerEvent) -> None:
        if isinstance(event, BarcodeRead):
            log.debug("barcode read: %s", mask(event.code))
        elif isinstance(event, BadScan):
            log.info("bad scan on %s: %s", self.url, event.reason)
            log.debug("bad scan excerpt: %s", mask(event.excerpt))
        elif isinstance(event, DeviceLost):
            log.warning("scanner %s lost: %s", self.url, event.reason)
        else:
            log.info("scanner %s ready", self.url)
        self._notify(event)

    def _notify(self, event: ScannerEvent) -> None:
        try:
            self.on_event(event)
        except Exception:
            log.exception("scanner event handler failed on %s", type(event).__name__)

    def _run(self) -> None:
        port = self._port
        if port is not None:
            self._emit(DeviceReady(self.url))
        try:
            while not self._stop.is_set():
                if port is None:
                    port = self._reopen()
                    continue
                try:
                    data = port.read(port.in_waiting or 1)
                except (serial.SerialException, OSError) as exc:
                    _close_quietly(port)
                    port = self._port = None
                    self._emit(DeviceLost(self.url, _one_line(exc)))
                    continue
                if data:
                    self.feed(data)
        finally:
            if port is not None:
                _close_quietly(port)
            self._port = None

    def _reopen(self) -> serial.SerialBase | None:
        if self._stop.wait(self.reconnect_interval):
            return None
        try:
            port = self._open()
        except (serial.SerialException, OSError, ValueError) as exc:
            log.debug("scanner %s still unavailable: %s", self.url, _one_line(exc))
            return None
        self._framer.reset()  # a partial line from before the loss is meaningless now
        self._port = port
        self._emit(DeviceReady(self.url))
        return port


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _close_quietly(port: serial.SerialBase) -> None:
    try:
        port.close()
    except (serial.SerialException, OSError) as exc:
        log.debug("closing scanner port failed: %s", _one_line(exc))

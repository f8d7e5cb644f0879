"""A serial port reader that survives unplugging: moves bytes to a protocol object.

Shape: pyserial's ``serial.threaded.ReaderThread(serial, protocol_factory)``, plus
reconnecting. A device driver is a *protocol*, a plain object fed bytes
(:class:`ByteProtocol`); the reader owns the port and the thread. Scanners, visitor
counters and receipt printers differ only in their protocol::

    reader = SerialReader("/dev/ttyACM0", lambda: MyProtocol(on_event), on_status)
    reader.start(wait_for_device=True)
    ...
    reader.write(b"\\x1b@")       # from any thread
    reader.stop()

Thread model: one daemon thread per device, named ``serial-reader:<url>``. It only
moves bytes: it opens the port, reads, and hands each chunk to
:meth:`ByteProtocol.data_received`. Every protocol callback and ``on_status`` runs on
that thread; parsing belongs to the protocol, which is therefore testable without a
thread or a port. The app hands events over to its UI thread itself. Exceptions
raised by callbacks are logged with their traceback and the thread carries on.

Life of one connection::

    open port -> protocol = protocol_factory()      a fresh one on every open, so a
              -> protocol.connection_made(reader)   framer never sees half a line
              -> on_status(DeviceReady(url))        from before a reconnect
    read      -> protocol.data_received(chunk) ...
    error     -> close port -> protocol.connection_lost(exc) -> on_status(DeviceLost(...))
              -> wait, reopen (see below)
    stop()    -> close port -> protocol.connection_lost(None)

Reconnecting: after a read or write error the port is closed, :class:`DeviceLost` is
reported exactly once, and opening is retried after delays from :class:`Backoff`
(0.5, 1, 2, 4, 8, 8, ... s by default), reset after each successful open.
:meth:`SerialReader.stop` interrupts a wait at once. Retries are logged at DEBUG, a
loss at WARNING, a (re)connection at INFO.

Known quirks:

* Opening the port discards bytes already waiting (pyserial resets the input buffer on
  open), so whatever a device sent while the kiosk was starting or reconnecting is
  lost.
* An unplugged USB device shows up as ``SerialException`` or ``OSError`` on read or
  write; its device node may come back under the same name when replugged, so the
  same URL is retried.
* ``readline()`` reads one byte per call; the reader bulk-reads
  ``port.read(port.in_waiting or 1)`` instead: everything waiting, or one byte with
  the read timeout so that :meth:`SerialReader.stop` is noticed within that timeout.
* A port is only ever closed on the reader thread (or by :meth:`SerialReader.stop`
  after the thread failed to end in time): closing a POSIX port under a read in
  progress can make that read use a file descriptor that now belongs to another file.
  A write error therefore marks the connection broken and wakes the reader, which
  closes the port.
* ``sim://`` URLs (the in-process simulators of :mod:`devices.sim`) are registered
  with pyserial automatically before opening.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import serial

from devices.events import DeviceLost, DeviceReady, DeviceStatus

log = logging.getLogger(__name__)

_CHECK = (
    "check that it is plugged in, the device path in the config and that this user may "
    "use it (group dialout)"
)
_NETWORK_CHECK = "check that the device (or its simulator) listens at that address"
_NETWORK_SCHEMES = ("socket://", "rfc2217://")
_OPEN_ERRORS = (serial.SerialException, OSError, ValueError)


class ByteProtocol(typing.Protocol):
    """What a :class:`SerialReader` feeds; called on the reader thread only."""

    def connection_made(self, reader: SerialReader) -> None:
        """The port is open; ``reader`` can be kept to :meth:`SerialReader.write` to it."""

    def data_received(self, data: bytes) -> None:
        """Bytes arrived, in any chunking: part of a message or several messages."""

    def connection_lost(self, exc: BaseException | None) -> None:
        """The port is closed: ``exc`` is the error, or None after :meth:`SerialReader.stop`."""


class _Port(typing.Protocol):
    """The part of a pyserial port the reader uses."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Backoff:
    """Delays between attempts to reopen a lost port: exponential, capped.

    Attributes:
        initial: seconds before the first attempt after a loss.
        maximum: longest delay, in seconds.
        factor: each delay is the previous one times this.
    """

    initial: float = 0.5
    maximum: float = 8.0
    factor: float = 2.0

    def __post_init__(self) -> None:
        """Refuse settings that would spin or shrink.

        Raises:
            ValueError: ``initial`` not above 0, ``maximum`` below ``initial`` or
                ``factor`` below 1.
        """
        if not self.initial > 0:
            raise ValueError(f"initial delay must be above 0, got {self.initial}")
        if not self.maximum >= self.initial:
            raise ValueError(f"maximum {self.maximum} is below initial {self.initial}")
        if not self.factor >= 1:
            raise ValueError(f"factor must be at least 1, got {self.factor}")

    def delays(self) -> Iterator[float]:
        """Yield the delays, without end.

        Yields:
            ``initial``, ``initial * factor``, ... each capped at ``maximum``:
            0.5, 1, 2, 4, 8, 8, ... seconds with the defaults.
        """
        delay = self.initial
        while True:
            yield min(delay, self.maximum)
            delay = min(delay * self.factor, self.maximum)


class DeviceUnavailable(Exception):
    """The device cannot be used now; the message names the URL and what to check."""


class SerialReader:
    """Reads a serial device on a pyserial URL, reconnecting, and feeds a protocol.

    Example:
        >>> reader = SerialReader("/dev/ttyACM0", lambda: Printer(events.put), events.put)
        >>> reader.start()      # raises DeviceUnavailable if the port cannot be opened
        >>> reader.write(b"\\x1b@")
        >>> reader.stop()

    Attributes:
        url: the pyserial URL or device path, as given.
    """

    def __init__(
        self,
        url: str,
        protocol_factory: Callable[[], ByteProtocol],
        on_status: Callable[[DeviceStatus], None],
        *,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: float = 1,
        read_timeout: float = 0.2,
        backoff: Backoff = Backoff(),
    ) -> None:
        """Configure a reader; nothing is opened until :meth:`start`.

        Args:
            url: pyserial URL (``socket://``, ``loop://``, ``sim://scanner/<name>``) or a
                device path such as ``/dev/ttyACM0``.
            protocol_factory: makes the protocol for one connection; called on every
                successful open.
            on_status: called on the reader thread with :class:`DeviceReady` and
                :class:`DeviceLost`.
            baudrate: serial speed (ignored by USB-CDC devices).
            bytesize: data bits (5-8), as pyserial takes them.
            parity: ``"N"``, ``"E"``, ``"O"``, ``"M"`` or ``"S"``.
            stopbits: 1, 1.5 or 2.
            read_timeout: longest a read waits, in seconds; bounds how long
                :meth:`stop` waits for a port that cannot cancel a read.
            backoff: delays between attempts to reopen a lost port.
        """
        self.url = url
        self._protocol_factory = protocol_factory
        self._on_status = on_status
        self._baudrate = baudrate
        self._bytesize, self._parity, self._stopbits = bytesize, parity, stopbits
        self._read_timeout = read_timeout
        self._backoff = backoff
        # _lock guards _port, _protocol and _write_failure, and is held while writing,
        # closing and cancelling a read, so a port is never closed under a write.
        self._lock = threading.Lock()
        self._port: _Port | None = None
        self._protocol: ByteProtocol | None = None
        self._write_failure: BaseException | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._status: DeviceStatus | None = None  # last reported, only on the reader thread

    @property
    def running(self) -> bool:
        """True while the reader thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def connected(self) -> bool:
        """True while a port is open and no write to it has failed."""
        return self._port is not None and self._write_failure is None

    def start(self, *, wait_for_device: bool = False) -> None:
        """Open the port and start the reader thread.

        Args:
            wait_for_device: if the port cannot be opened now, log why once at ERROR,
                report :class:`DeviceLost` and keep trying (as after an unplug) instead
                of raising. A kiosk starts this way, so a device plugged in after boot
                still works.

        Raises:
            DeviceUnavailable: the port cannot be opened and ``wait_for_device`` is
                false; the message names the URL, the reason and what to check.
            RuntimeError: already started.
        """
        if self.running:
            raise RuntimeError(f"serial reader for {self.url} is already started")
        port: _Port | None = None
        failure: BaseException | None = None
        try:
            port = self._open()
        except _OPEN_ERRORS as exc:
            error = DeviceUnavailable(
                f"cannot open {self.url!r} ({_one_line(exc)}): {_advice(self.url)}"
            )
            if not wait_for_device:
                raise error from exc
            log.error("%s; retrying in the background", error)
            failure = exc
        with self._lock:
            self._port, self._protocol, self._write_failure = port, None, None
        self._status = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(self._stopping, failure),
            name=f"serial-reader:{self.url}",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the reader thread, close the port, end the protocol's connection.

        Safe to call more than once, before :meth:`start`, and from a protocol callback
        (then the thread ends as soon as the callback returns).

        Args:
            timeout: longest wait for the reader thread, in seconds. If it has not ended
                by then (a callback that blocks), the port is closed and
                ``connection_lost(None)`` called from here, and a warning is logged.
        """
        self._stopping.set()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        with self._lock:
            if self._port is not None:
                _cancel_read(self._port)
        thread.join(timeout)
        if thread.is_alive():
            log.warning(
                "reader thread of %s did not end within %g s; closing the port anyway",
                self.url,
                timeout,
            )
            self._disconnect(None)
        else:
            self._thread = None

    def write(self, data: bytes) -> int:
        """Send bytes to the device; may be called from any thread.

        Writes are serialised. A write error is a lost device: the connection is marked
        broken, the reader thread closes the port, reports :class:`DeviceLost` and
        reconnects as after a read error.

        Args:
            data: bytes to send.

        Returns:
            The number of bytes written.

        Raises:
            DeviceUnavailable: no port is open, or the write failed.
        """
        with self._lock:
            port = self._port
            if port is None or self._write_failure is not None:
                raise DeviceUnavailable(f"{self.url!r} is not connected: {_advice(self.url)}")
            try:
                written = port.write(data)
            except (serial.SerialException, OSError) as exc:
                self._write_failure = exc
                _cancel_read(port)
                raise DeviceUnavailable(
                    f"writing to {self.url!r} failed ({_one_line(exc)}): {_advice(self.url)}"
                ) from exc
        return len(data) if written is None else written

    # -- reader thread ------------------------------------------------------------

    def _open(self) -> _Port:
        if self.url.lower().startswith("sim://"):
            from devices.sim import register_url_handler

            register_url_handler()
        return serial.serial_for_url(
            self.url,
            baudrate=self._baudrate,
            bytesize=self._bytesize,
            parity=self._parity,
            stopbits=self._stopbits,
            timeout=self._read_timeout,
        )

    def _run(self, stopping: threading.Event, failure: BaseException | None) -> None:
        delays = self._backoff.delays()
        try:
            if failure is None:
                self._connect()
            else:
                self._report(DeviceLost(self.url, _one_line(failure)))  # logged by start()
            while not stopping.is_set():
                if self._port is None:
                    delay = next(delays)
                    if stopping.wait(delay):
                        break
                    if self._reopen(delay):
                        delays = self._backoff.delays()
                else:
                    self._read(stopping)
        finally:
            self._disconnect(None)

    def _reopen(self, delay: float) -> bool:
        """Try to open the port again; True if it opened."""
        try:
            port = self._open()
        except _OPEN_ERRORS as exc:
            log.debug("%s still unavailable after %g s: %s", self.url, delay, _one_line(exc))
            return False
        except Exception:
            log.exception("unexpected error opening %s; will retry", self.url)
            return False
        with self._lock:
            self._port = port
        self._connect()
        return True

    def _connect(self) -> None:
        """Give the freshly opened port a fresh protocol and report it ready."""
        try:
            protocol = self._protocol_factory()
        except Exception as exc:
            log.exception("cannot make the protocol for %s", self.url)
            self._lose(exc)
            return
        with self._lock:
            self._protocol = protocol
        _call(protocol.connection_made, self)
        log.info("%s ready", self.url)
        self._report(DeviceReady(self.url))

    def _read(self, stopping: threading.Event) -> None:
        port, protocol = self._port, self._protocol
        if port is None:  # closed by stop() after it gave up waiting for this thread
            return
        try:
            data = port.read(port.in_waiting or 1)
        except Exception as exc:
            if stopping.is_set():
                return
            if not isinstance(exc, serial.SerialException | OSError):
                log.exception("unexpected error reading %s; reopening it", self.url)
            self._lose(self._write_failure or exc)
            return
        if data and protocol is not None:
            _call(protocol.data_received, data)
        if self._write_failure is not None and not stopping.is_set():
            self._lose(self._write_failure)

    def _lose(self, exc: BaseException) -> None:
        """Close the port and report the loss (once, however many errors follow)."""
        self._disconnect(exc)
        reason = _one_line(exc)
        if not isinstance(self._status, DeviceLost):
            log.warning("%s lost: %s; reconnecting", self.url, reason)
        self._report(DeviceLost(self.url, reason))

    def _disconnect(self, exc: BaseException | None) -> None:
        """Close the port and end the protocol's connection, if there is one."""
        with self._lock:
            port, protocol = self._port, self._protocol
            self._port, self._protocol, self._write_failure = None, None, None
            if port is not None:
                _close(port)
        if protocol is not None:
            _call(protocol.connection_lost, exc)

    def _report(self, status: DeviceStatus) -> None:
        if isinstance(status, DeviceLost) and isinstance(self._status, DeviceLost):
            return  # still the same loss
        self._status = status
        _call(self._on_status, status)


_Arg = typing.TypeVar("_Arg")


def _call(callback: Callable[[_Arg], None], arg: _Arg) -> None:
    """Call a protocol or status callback; its exceptions are logged, not raised."""
    try:
        callback(arg)
    except Exception:
        name = getattr(callback, "__qualname__", repr(callback))
        log.exception("serial device callback %s failed", name)


def _advice(url: str) -> str:
    # A network device has no cable, group or device path on this machine to check.
    return _NETWORK_CHECK if url.lower().startswith(_NETWORK_SCHEMES) else _CHECK


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _cancel_read(port: _Port) -> None:
    """Wake a read in progress, where the port can (pyserial POSIX, loop://, sim://)."""
    cancel = getattr(port, "cancel_read", None)
    if cancel is not None:
        with contextlib.suppress(Exception):
            cancel()


def _close(port: _Port) -> None:
    try:
        port.close()
    except (serial.SerialException, OSError) as exc:
        log.debug("closing a serial port failed: %s", _one_line(exc))

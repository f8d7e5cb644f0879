"""Modbus RTU people counters: poll IN and OUT totals, report exact deltas.

:class:`ModbusCounter` is the ``"modbus"`` driver of :func:`devices.counters.open_counter`.
One daemon thread per counter (``modbus-counter:<id>``) asks the device for its IN and
OUT registers every ``interval`` seconds through pymodbus's ``ModbusSerialClient`` (any
pyserial URL: ``/dev/kiosk-counter``, ``socket://host:port`` for an RS-485 gateway that
passes RTU frames through), decodes them (:mod:`devices.counters.registers`), turns the
totals into exact deltas with one :class:`~devices.counters.totals.TotalsTracker` per
direction and calls ``on_event`` with a :class:`~devices.counters.events.CounterReading`.

Wire format (Modbus RTU, as on the RS-485 pair; every number big-endian except the CRC)::

    request   unit  func  start      count      CRC-16/MODBUS
              01    03    00 00      00 04      44 09
    answer    unit  func  bytes  IN (2 regs)   OUT (2 regs)   CRC
              01    03    08     00 01 11 70   00 01 00 04    97 9E

* unit: the device's address on the bus, 1..247 (``unit`` in the config).
* func: 03 reads holding registers, 04 input registers (``register_type``); an error
  answer sets the function's high bit (83 or 84) and carries one exception code
  (02 = illegal data address: the register does not exist on this device).
* start, count: the first register (0-based, as on the wire: a manual's "40001" or
  "30001" is 0) and how many; at most 125. IN and OUT are read in one request when
  they are close together, so the two totals are one snapshot.
* bytes: 2 per register; each register high byte first.
* CRC-16/MODBUS (polynomial 0xA001 reflected, initial 0xFFFF) over every byte before
  it, sent LOW byte first: the CRC of ``01 03 00 00 00 04`` is 0x0944, sent ``44 09``;
  of the answer above 0x9E97, sent ``97 9E``.
* The answer above, 32-bit values with word order "big": IN = 0x0001_1170 = 70000,
  OUT = 0x0001_0004 = 65540.

Quirks:

* Word order of 32-bit values differs by vendor (high word first or last); a wrong
  ``word_order`` shows as totals that jump by 65536 at a time. 16-bit counters wrap at
  65535 after a few busy weeks; the tracker absorbs the wrap (``bits`` is the smaller of
  the config's ``bits`` and ``width``).
* Frames are delimited by silence, not by a byte: 3.5 character times (4 ms at 9600
  baud) end a frame, so a device or USB adapter that pauses inside a frame is read as
  two broken frames. pymodbus waits for the bytes to stop coming before decoding.
* pymodbus retries a request that gets no valid answer (``retries`` times, each waiting
  ``timeout``) and drops frames with a bad CRC silently, so a wrong CRC looks like
  silence to it; the driver tells the two apart by whether any bytes came back.
* A device that answers later than ``timeout`` has its late answer taken for a later
  request's (RTU frames carry no transaction id). Answers still come in order, so the
  totals lag but nobody is counted twice; each failed poll closes and reopens the port,
  which discards what had already arrived. With IN and OUT more than 125 registers
  apart (two requests a poll) a late answer could be taken for the other total's, so
  such polls are not retried: a late answer fails the poll and the port is reopened.
* pymodbus logs its own errors with a multi-line frame dump; the driver keeps them out
  of the log unless the ``pymodbus`` logger is enabled for DEBUG (``kiosk -v``) and
  logs one line per fault episode itself.

Events (on the driver's thread): :class:`~devices.events.DeviceReady` when the device
answers (at start and after a loss), :class:`~devices.events.DeviceLost` once per fault
episode (port gone, no answer, bad CRC, an error answer), and a ``CounterReading`` at
the first answer after each (re)connection and whenever a total changed. The trackers
live as long as the driver: a reconnect does not restart the device's totals.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import serial
from pymodbus.client import ModbusSerialClient
from pymodbus.constants import ExcCodes
from pymodbus.exceptions import ConnectionException, ModbusException
from pymodbus.framer import FramerType

from devices.counters.events import CounterReading
from devices.counters.registers import ReadPlan, Totals
from devices.counters.settings import CounterSettings
from devices.counters.totals import TotalsTracker
from devices.events import DeviceLost, DeviceReady
from devices.serial_reader import Backoff, DeviceUnavailable

log = logging.getLogger(__name__)

CounterEvent = CounterReading | DeviceReady | DeviceLost

REPLUG_BACKOFF = Backoff(initial=0.25, maximum=1.0)
"""Retry delays after a fault: capped at 1 s so a replugged counter answers within ~2 s."""

_PORT_ADVICE = "check the cable, the device path in the config and the dialout group"
_SILENT_ADVICE = "check the unit address, baud rate and parity, and the RS-485 wiring (A/B)"
_CRC_ADVICE = (
    "check the baud rate and parity, the RS-485 termination, and that nothing else polls the bus"
)
_REFUSED_ADVICE = "check register_type, in_register and out_register against the manual"
_NOTE_PRIORITY = ("reset", "wrapped", "first")


class _PollFailed(Exception):
    """One poll failed; the message is a technician's line: what, and what to check."""


@dataclass
class _Heard:
    """Whether any byte came back since :meth:`clear` (pymodbus's receive trace)."""

    count: int = 0

    def clear(self) -> None:
        self.count = 0

    def trace(self, sending: bool, data: bytes) -> bytes:
        if not sending:
            self.count += len(data)
        return data


class ModbusCounter:
    """A Modbus RTU people counter, polled on its own thread.

    Example:
        >>> counter = ModbusCounter(settings, events.put)
        >>> counter.start()           # waits for the device in the background
        >>> counter.stop()

    Attributes:
        device_id: the counter's id from the config.
        url: its pyserial URL.
    """

    def __init__(
        self,
        settings: CounterSettings,
        on_event: Callable[[CounterEvent], None],
        *,
        timeout: float = 0.5,
        retries: int = 1,
        backoff: Backoff = REPLUG_BACKOFF,
    ) -> None:
        """Configure the driver; nothing is opened until :meth:`start`.

        Args:
            settings: the counter's ``[counters.<id>]`` settings (protocol "modbus").
            on_event: called on the driver's thread with each reading and status.
            timeout: seconds to wait for one answer.
            retries: pymodbus's extra attempts per request before a poll fails, so a
                silent device is reported after ``(retries + 1) * timeout`` seconds.
            backoff: delays between attempts after a fault.

        Raises:
            ValueError: the registers cannot be read as configured (overlap, out of range).
        """
        self.device_id = settings.device_id
        self.url = settings.url
        self._settings = settings
        self._on_event = on_event
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._plan = ReadPlan(
            settings.in_register, settings.out_register, settings.width, settings.word_order
        )
        bits = min(settings.bits, settings.width)
        self._in = TotalsTracker(bits=bits, max_step=settings.max_step, last=settings.baseline_in)
        self._out = TotalsTracker(bits=bits, max_step=settings.max_step, last=settings.baseline_out)
        self._heard = _Heard()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: ModbusSerialClient | None = None
        self._connected = False
        self._fault: str | None = None  # the current fault episode's line, on the thread
        keep_pymodbus_quiet()

    @property
    def connected(self) -> bool:
        """True while the device answers (since its last good poll, until a fault)."""
        return self._connected

    @property
    def running(self) -> bool:
        """True while the polling thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, *, wait_for_device: bool = True) -> None:
        """Start polling on a daemon thread.

        Args:
            wait_for_device: if false, first open the port here and raise if it cannot
                be opened; if true (a kiosk starting), a missing device is reported as
                :class:`DeviceLost` and retried in the background.

        Raises:
            DeviceUnavailable: the port cannot be opened and ``wait_for_device`` is false.
            RuntimeError: already started.
        """
        if self.running:
            raise RuntimeError(f"modbus counter {self.device_id} is already started")
        if not wait_for_device:
            client = self._new_client()
            if not client.connect():
                raise DeviceUnavailable(
                    f"cannot open {self.url!r} for counter {self.device_id}: {_PORT_ADVICE}"
                )
            self._client = client
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(self._stopping,),
            name=f"modbus-counter:{self.device_id}",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop polling and close the port. Safe to call more than once.

        Args:
            timeout: longest wait for a poll in progress to end, in seconds.
        """
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning(
                    "counter %s (%s) did not stop within %g s", self.device_id, self.url, timeout
                )
                return
            self._thread = None
        self._close()

    # -- polling thread -------------------------------------------------------------

    def _run(self, stopping: threading.Event) -> None:
        delays = self._backoff.delays()
        next_poll = time.monotonic()
        try:
            while not stopping.is_set():
                try:
                    totals = self._poll()
                except Exception as exc:  # a pymodbus or pyserial surprise too: stay alive
                    self._close()
                    if isinstance(exc, _PollFailed):
                        self._lose(str(exc))
                    else:
                        self._lose(f"unexpected error ({type(exc).__name__}: {_one_line(exc)})")
                    if stopping.wait(next(delays)):
                        break
                    next_poll = time.monotonic()
                    continue
                delays = self._backoff.delays()
                if stopping.is_set():
                    break
                self._answered(totals)
                next_poll += self._settings.interval
                now = time.monotonic()
                if next_poll < now:  # a slow poll: do not try to catch up with a burst
                    next_poll = now
                if stopping.wait(next_poll - now):
                    break
        finally:
            self._close()
            self._connected = False

    def _new_client(self) -> ModbusSerialClient:
        s = self._settings
        return ModbusSerialClient(
            s.url,
            framer=FramerType.RTU,
            baudrate=s.baudrate,
            bytesize=s.bytesize,
            parity=s.parity,
            stopbits=s.stopbits,
            timeout=self._timeout,
            # RTU answers carry no request id: with IN and OUT read by two requests, a
            # retried request's late first answer would be taken for the other total's.
            # So a two-request poll is never retried: it fails, and closing and reopening
            # the port throws away whatever answer arrives late.
            retries=self._retries if len(self._plan.requests) == 1 else 0,
            name=f"counter-{s.device_id}",
            trace_packet=self._heard.trace,
        )

    def _poll(self) -> Totals:
        """Read IN and OUT once, opening the port if needed.

        Raises:
            _PollFailed: the port, the line or the device failed; the message says which.
        """
        client = self._client
        if client is None:
            client = self._client = self._new_client()
        if not client.connect():
            raise _PollFailed(f"cannot open the port: {_PORT_ADVICE}")
        if self._fault is not None:
            self._wait_for_silence(client)
        answers = [self._read(client, start, count) for start, count in self._plan.requests]
        try:
            return self._plan.totals(answers)
        except ValueError as exc:
            raise _PollFailed(f"short answer ({exc}): {_SILENT_ADVICE}") from exc

    def _wait_for_silence(self, client: ModbusSerialClient) -> None:
        """After a failed poll, throw away late answers before asking again.

        A device that answers later than ``timeout`` may still be sending when the port
        is reopened, and an RTU answer carries no request id: read as the answer to the
        next request, OUT's late total would be taken for IN's. So the port is read and
        discarded until it has been silent for twice the timeout (at most eight).
        """
        port = client.socket
        if port is None:
            return
        quiet = 2 * self._timeout
        give_up = time.monotonic() + 8 * self._timeout
        silent_until = time.monotonic() + quiet
        while (now := time.monotonic()) < silent_until and now < give_up:
            try:
                waiting = port.in_waiting
                if waiting:
                    port.read(waiting)
                    silent_until = time.monotonic() + quiet
            except (serial.SerialException, OSError) as exc:
                raise _PollFailed(f"the port failed ({_one_line(exc)}): {_PORT_ADVICE}") from exc
            time.sleep(0.01)

    def _read(self, client: ModbusSerialClient, start: int, count: int) -> Sequence[int]:
        unit = self._settings.unit
        read = (
            client.read_holding_registers
            if self._settings.register_type == "holding"
            else client.read_input_registers
        )
        self._heard.clear()
        try:
            response = read(start, count=count, device_id=unit)
        except ConnectionException as exc:  # its text is pymodbus's repr of the client
            raise _PollFailed(f"the port failed or closed: {_PORT_ADVICE}") from exc
        except ModbusException as exc:
            if self._heard.count:
                raise _PollFailed(
                    f"answers from unit {unit} are garbled (wrong CRC): {_CRC_ADVICE}"
                ) from exc
            raise _PollFailed(f"no answer from unit {unit}: {_SILENT_ADVICE}") from exc
        except (serial.SerialException, OSError) as exc:
            raise _PollFailed(f"the port failed ({_one_line(exc)}): {_PORT_ADVICE}") from exc
        if response.isError():
            raise _PollFailed(
                f"unit {unit} refused to read {count} {self._settings.register_type} "
                f"register(s) at {start} ({_exception_name(response.exception_code)}): "
                f"{_REFUSED_ADVICE}"
            )
        return list(response.registers)

    def _answered(self, totals: Totals) -> None:
        """A good poll: report ready after a fault, and the reading if it says anything."""
        first_after_connect = not self._connected
        if first_after_connect:
            self._connected = True
            again = " again" if self._fault is not None else ""
            log.info("counter %s (%s) answers%s", self.device_id, self.url, again)
            self._fault = None
            self._emit(DeviceReady(self.url))
        entered, in_note = self._in.update(totals.total_in)
        left, out_note = self._out.update(totals.total_out)
        note = next((n for n in _NOTE_PRIORITY if n in (in_note, out_note)), "")
        if first_after_connect or entered or left or note:
            self._emit(
                CounterReading(
                    device_id=self.device_id,
                    url=self.url,
                    total_in=totals.total_in,
                    total_out=totals.total_out,
                    entered=entered,
                    left=left,
                    note=note,
                )
            )

    def _lose(self, reason: str) -> None:
        """A failed poll: one log line and one DeviceLost per fault episode."""
        self._connected = False
        if self._fault is None:
            log.warning("counter %s (%s): %s", self.device_id, self.url, reason)
            self._fault = reason
            self._emit(DeviceLost(self.url, reason))
        else:
            log.debug("counter %s (%s) still failing: %s", self.device_id, self.url, reason)

    def _emit(self, event: CounterEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("counter %s: the event handler failed", self.device_id)

    def _close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()  # type: ignore[no-untyped-call]  # pymodbus leaves it bare
            except (serial.SerialException, OSError) as exc:
                log.debug("closing %s failed: %s", self.url, _one_line(exc))


def _exception_name(code: int) -> str:
    try:
        return ExcCodes(code).name.lower().replace("_", " ")
    except ValueError:
        return f"exception code {code}"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


class _PymodbusDebugOnly(logging.Filter):
    """Let pymodbus's own records through only when its logger is enabled for DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        return logging.getLogger("pymodbus").isEnabledFor(logging.DEBUG)


_QUIET = _PymodbusDebugOnly()


def keep_pymodbus_quiet() -> None:
    """Keep pymodbus's multi-line error dumps out of the log (idempotent)."""
    logger = logging.getLogger("pymodbus.logging")
    if _QUIET not in logger.filters:
        logger.addFilter(_QUIET)

"""A Modbus RTU people counter: pymodbus's server on a pseudo-terminal, faults on demand.

The simulator is a real Modbus RTU slave: pymodbus's ``ModbusSerialServer`` answers
function 03 (holding registers) or 04 (input registers), whichever the layout says, on
the device side of a :class:`~devices.sim.linked_pty.LinkedPtys`; the kiosk opens the
kiosk side (a stable link) with the real driver, so every byte on the wire is Modbus
RTU with its CRC (see :mod:`devices.counters.modbus` for the frames).

Its IN and OUT totals live at the layout's registers, 16 or 32 bits wide, in the
layout's word order (:mod:`devices.counters.registers` encodes them), and change as a
real counter's do: people crossing (:meth:`cross_in`, :meth:`cross_out`; totals wrap at
``2**width``), :meth:`wrap` (jump to just below ``2**width``, to see a wrap soon) and
:meth:`reset` (back to 0, as after a power cut). Line faults (wrong CRC, slow, silent)
and unplug/replug are the link's (:attr:`faults`, :meth:`unplug`, :meth:`replug`).
With ``tcp_port`` the kiosk side is also served over TCP (:attr:`tcp_url`, a
``socket://`` URL) through :class:`~devices.sim.tcp_bridge.TcpBridge`, faults included.

The server runs its own asyncio event loop on a daemon thread (``modbus-counter-sim``);
the totals are kept here under a lock and copied into the server's registers each time
the kiosk reads them (pymodbus's ``SimDevice.action`` hook), so no call crosses into
the event loop. Other registers read as 0; writes are refused (illegal data address),
and so is the other function (04 on a holding-register layout, and the reverse), as on
counters that expose one table only. A request for another unit gets no answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from dataclasses import dataclass

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.framer import FramerType
from pymodbus.server import ModbusSerialServer
from pymodbus.simulator import DataType, SimData, SimDevice
from pymodbus.simulator.simcore import SimCore

from devices.counters.modbus import keep_pymodbus_quiet
from devices.counters.registers import ReadPlan, encode, registers_per_value
from devices.sim.linked_pty import LineFaults, LinkedPtys
from devices.sim.tcp_bridge import TcpBridge
from devices.sim.terminal import ClosedOnExit

_FUNCTION = {"holding": 3, "input": 4}
_WRAP_MARGIN = 3
"""How far below 2**width :meth:`ModbusCounterSimulator.wrap` puts the totals."""


@dataclass(frozen=True)
class CounterLayout:
    """Where a simulated counter keeps its totals: the same keys as ``[counters.<id>]``.

    Attributes:
        unit: Modbus unit address, 1..247.
        register_type: "holding" (read with 03) or "input" (04).
        in_register: address of IN's first register.
        out_register: address of OUT's first register.
        width: 16 or 32 bits per total.
        word_order: "big" (high word first) or "little".
    """

    unit: int = 1
    register_type: str = "holding"
    in_register: int = 0
    out_register: int = 2
    width: int = 32
    word_order: str = "big"

    def __post_init__(self) -> None:
        """Refuse a layout no counter could have.

        Raises:
            ValueError: one line naming the bad value.
        """
        if not 1 <= self.unit <= 247:
            raise ValueError(f"unit must be 1..247, got {self.unit}")
        if self.register_type not in _FUNCTION:
            raise ValueError(f"register type must be holding or input, got {self.register_type!r}")
        ReadPlan(self.in_register, self.out_register, self.width, self.word_order)

    def describe(self) -> str:
        """One line, e.g. ``unit 1, holding registers: IN at 0, OUT at 2, 32-bit big``."""
        order = f" {self.word_order} word order" if self.width == 32 else ""
        return (
            f"unit {self.unit}, {self.register_type} registers: IN at {self.in_register}, "
            f"OUT at {self.out_register}, {self.width}-bit{order}"
        )


class _OneUnit(SimCore):
    """pymodbus's device store, answering only its own unit, as a real slave on a bus.

    pymodbus's own :class:`SimCore` fails a request for an unknown unit with a "device
    failure" exception reply, so a wrong ``unit`` in the kiosk's config read as a refusal
    instead of the silence a real counter at another address gives; raising
    :class:`NoSuchIdException` here, with the server's ``ignore_missing_devices``, sends
    nothing.
    """

    async def async_getValues(  # pymodbus's name
        self, device_id: int, func_code: int, address: int, count: int = 1
    ) -> list[int] | list[bool] | ExcCodes:
        self._check(device_id)
        return await super().async_getValues(device_id, func_code, address, count)

    async def async_setValues(  # pymodbus's name
        self, device_id: int, func_code: int, address: int, values: list[int] | list[bool]
    ) -> ExcCodes | None:
        self._check(device_id)
        return await super().async_setValues(device_id, func_code, address, values)

    def _check(self, device_id: int) -> None:
        if device_id not in self.devices:
            raise NoSuchIdException(f"unit {device_id}")


class ModbusCounterSimulator(ClosedOnExit):
    """A Modbus RTU people counter on a pseudo-terminal.

    Example:
        >>> with ModbusCounterSimulator(CounterLayout(width=16)) as sim:
        ...     counter = ModbusCounter(settings_for(sim.kiosk_path), events.put)
        ...     sim.cross_in(3)
        ...     sim.faults.corrupt()        # every answer's CRC wrong until clear()

    Attributes:
        layout: where the totals are.
        kiosk_path: the path the kiosk opens (a link that survives unplug/replug).
        faults: line faults applied to the answers.
    """

    def __init__(
        self,
        layout: CounterLayout = CounterLayout(),
        *,
        link: str | os.PathLike[str] | None = None,
        baudrate: int = 9600,
        tcp_port: int | None = None,
    ) -> None:
        """Create the ptys and start the Modbus server.

        Args:
            layout: where the totals are and how wide.
            link: the kiosk side's link path (default: one in a private temporary folder).
            baudrate: the serial speed the server sets (a pty does not care).
            tcp_port: also serve the kiosk side on this loopback TCP port (0: any free
                one), as a transparent RS-485 gateway would: :attr:`tcp_url`.

        Raises:
            RuntimeError: the server did not start (the message says why).
            OSError: ``link`` exists and is not a link, or the TCP port is taken.
        """
        keep_pymodbus_quiet()
        self.layout = layout
        self._modulus = 1 << layout.width
        self._lock = threading.Lock()
        self._in = 0
        self._out = 0
        self._line = LinkedPtys(link)
        self.kiosk_path = self._line.kiosk_path
        self.faults: LineFaults = self._line.faults
        self._bridge: TcpBridge | None = None
        if tcp_port is not None:
            try:
                self._bridge = TcpBridge(self.kiosk_path, tcp_port)
            except OSError:
                self._line.close()
                raise
        self._baudrate = baudrate
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve, name="modbus-counter-sim", daemon=True)
        self._thread.start()
        if not self._ready.wait(10.0) or self._failure is not None:
            reason = self._failure or "no answer within 10 s"
            self.close()
            raise RuntimeError(
                f"the Modbus server did not start on {self._line.device_path}: {reason}"
            )

    # -- the counter ------------------------------------------------------------------

    @property
    def tcp_url(self) -> str | None:
        """``socket://127.0.0.1:<port>`` when serving TCP too, else None."""
        return self._bridge.url if self._bridge is not None else None

    @property
    def totals(self) -> tuple[int, int]:
        """The device's ``(IN, OUT)`` totals now."""
        with self._lock:
            return self._in, self._out

    def cross_in(self, people: int = 1) -> None:
        """``people`` walk in: IN grows (and wraps at ``2**width``)."""
        self._add(people, 0)

    def cross_out(self, people: int = 1) -> None:
        """``people`` walk out: OUT grows (and wraps at ``2**width``)."""
        self._add(0, people)

    def wrap(self) -> None:
        """Put both totals just below ``2**width``: the next few crossings wrap them."""
        with self._lock:
            self._in = self._out = self._modulus - _WRAP_MARGIN

    def reset(self) -> None:
        """Both totals back to 0, as after a power cut."""
        with self._lock:
            self._in = self._out = 0

    def unplug(self) -> None:
        """Pull the cable: the kiosk's port fails and its path disappears."""
        self._line.unplug()

    def replug(self) -> None:
        """Plug the cable back in, under the same path."""
        self._line.replug()

    @property
    def plugged(self) -> bool:
        """False between :meth:`unplug` and :meth:`replug`."""
        return self._line.plugged

    def close(self) -> None:
        """Stop the server and remove the ptys and the link. Idempotent."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(stop.set)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5.0)
        if self._bridge is not None:
            self._bridge.close()
        self._line.close()

    def _add(self, people_in: int, people_out: int) -> None:
        if people_in < 0 or people_out < 0:
            raise ValueError("people cannot cross a negative number of times")
        with self._lock:
            self._in = (self._in + people_in) % self._modulus
            self._out = (self._out + people_out) % self._modulus

    # -- the server's thread ------------------------------------------------------------

    def _serve(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # __init__ reports a failure to start
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        layout = self.layout
        size = registers_per_value(layout.width)
        count = max(layout.in_register, layout.out_register) + size
        device = SimDevice(
            id=layout.unit,
            simdata=[SimData(0, count=count, values=0, datatype=DataType.REGISTERS, readonly=True)],
            action=self._action,
        )
        server = ModbusSerialServer(
            device,
            framer=FramerType.RTU,
            port=self._line.device_path,
            baudrate=self._baudrate,
            ignore_missing_devices=True,  # an unknown unit: no answer at all
        )
        server.context = _OneUnit(device)
        await server.serve_forever(background=True)
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await server.shutdown()  # type: ignore[no-untyped-call]  # unannotated upstream

    async def _action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        """Called by pymodbus for each access: refuse the other table, copy the totals in."""
        if function_code != _FUNCTION[self.layout.register_type]:
            return ExcCodes.ILLEGAL_ADDRESS
        layout = self.layout
        size = registers_per_value(layout.width)
        with self._lock:
            values = ((layout.in_register, self._in), (layout.out_register, self._out))
            for first, total in values:
                words = encode(total, layout.width, layout.word_order)
                registers[first - start_address : first - start_address + size] = words
        return None

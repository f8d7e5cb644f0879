"""pyserial port for in-process simulators: the ``sim://`` URL scheme.

URL grammar::

    sim://scanner             the simulated scanner named "scanner"
    sim://scanner/<name>      the simulated scanner named <name> (e.g. sim://scanner/desk-2)

    sim://beams[/<name>]      the modem-status lines of simulated beams (another class:
                              :class:`devices.sim.beams_port.BeamsSerial`)
    sim://alarm[/<name>]      the same, on a simulated security gate alarm's lines

pyserial finds this module because :func:`devices.sim.register_url_handler` appends
``devices.sim.urlhandler`` to ``serial.protocol_handler_packages`` and the module is
named ``protocol_<scheme>``; ``serial_for_url`` then asks :func:`serial_class_for_url`
which class to instantiate.

Wire behaviour: reads return what the simulator sent (see
:mod:`devices.sim.scanner`), honouring the read timeout like a real port; writes are
recorded in ``SimulatedScanner.received``. Quirks copied from real hardware: opening
discards bytes already waiting; after ``unplug()`` the next read or ``in_waiting``
raises ``SerialException`` and the port stays dead even after ``replug()`` (a new open
is needed, as with a re-enumerated USB device). Serial settings are accepted and ignored.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

from devices.sim import get_scanner
from devices.sim.scanner import SimulatedScanner

_GRAMMAR = "expected sim://scanner or sim://scanner/<name>"


def parse_url(url: str) -> str:
    """Return the simulator name in a ``sim://`` URL.

    Args:
        url: e.g. ``"sim://scanner/desk"``.

    Returns:
        The name, ``"scanner"`` when none is given.

    Raises:
        SerialException: not a ``sim://scanner`` URL.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "sim" or parts.netloc.lower() != "scanner":
        raise SerialException(f"{_GRAMMAR}, got {url!r}")
    if parts.query or parts.fragment:
        raise SerialException(f"{_GRAMMAR} (no options), got {url!r}")
    name = parts.path.strip("/")
    if "/" in name:
        raise SerialException(f"{_GRAMMAR}, got {url!r}")
    return name or "scanner"


def serial_class_for_url(url: str) -> tuple[str, type[SerialBase]]:
    """pyserial's hook: the port class for ``url`` (lines or scanner), URL unchanged."""
    if urlsplit(url).netloc.lower() in ("beams", "alarm"):
        from devices.sim.beams_port import BeamsSerial

        return url, BeamsSerial
    return url, Serial


class Serial(SerialBase):
    """A serial port whose other end is an in-process :class:`SimulatedScanner`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Same arguments as ``serial.Serial``; opened by ``serial_for_url``."""
        self.simulator: SimulatedScanner | None = None
        self._generation = -1
        self._cancelled = False
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        """Attach to the simulator named in the URL.

        Raises:
            SerialException: already open, bad URL, or the simulator is unplugged.
        """
        if self.is_open:
            raise SerialException("Port is already open.")
        url = self.port
        if url is None:
            raise SerialException("Port must be configured before it can be used.")
        simulator = get_scanner(parse_url(url))
        self._generation = simulator.attach()
        self.simulator = simulator
        self.is_open = True

    def close(self) -> None:
        """Detach; a read blocked on another thread returns."""
        simulator = self.simulator
        self.is_open = False
        if simulator is not None:
            with simulator.condition:
                simulator.condition.notify_all()

    def _reconfigure_port(self) -> None:
        """Settings mean nothing to a simulator."""

    def _live(self) -> SimulatedScanner:
        if not self.is_open or self.simulator is None:
            raise PortNotOpenError()
        return self.simulator

    @property
    def in_waiting(self) -> int:
        """Bytes ready to read.

        Raises:
            SerialException: the simulator was unplugged.
        """
        simulator = self._live()
        with simulator.condition:
            simulator.check(self._generation)
            return simulator.waiting()

    def read(self, size: int = 1) -> bytes:
        """Read up to ``size`` bytes, waiting at most the port timeout.

        Args:
            size: bytes wanted.

        Returns:
            Fewer than ``size`` bytes if the timeout ran out.

        Raises:
            SerialException: the simulator was unplugged.
        """
        simulator = self._live()
        timeout = self.timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        data = bytearray()
        with simulator.condition:
            self._cancelled = False
            while len(data) < size and self.is_open and not self._cancelled:
                simulator.check(self._generation)
                if simulator.waiting():
                    data += simulator.take(size - len(data))
                    continue
                if deadline is None:
                    simulator.condition.wait()
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                simulator.condition.wait(left)
        return bytes(data)

    def write(self, data: ReadableBuffer, /) -> int:
        """Record bytes sent to the scanner (real scanners take config commands).

        Args:
            data: bytes, bytearray or memoryview.

        Returns:
            Number of bytes written.

        Raises:
            SerialException: the simulator was unplugged.
            TypeError: ``data`` is not a bytes-like object (e.g. a str).
        """
        simulator = self._live()
        payload = memoryview(data).tobytes()
        with simulator.condition:
            simulator.check(self._generation)
            simulator.received += payload
        return len(payload)

    def reset_input_buffer(self) -> None:
        """Drop bytes not yet read."""
        self._live().discard_input()

    def reset_output_buffer(self) -> None:
        """Nothing is buffered on the way out."""
        self._live()

    def cancel_read(self) -> None:
        """Wake a blocked read."""
        simulator = self._live()
        with simulator.condition:
            self._cancelled = True
            simulator.condition.notify_all()

    def _update_break_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        """Clear To Send: always on."""
        self._live()
        return True

    @property
    def dsr(self) -> bool:
        """Data Set Ready: on while plugged."""
        return self._live().plugged

    @property
    def ri(self) -> bool:
        """Ring Indicator: never."""
        self._live()
        return False

    @property
    def cd(self) -> bool:
        """Carrier Detect: on while plugged."""
        return self._live().plugged

"""pyserial port ``sim://beams/<name>``: the modem-status lines of an in-process
:class:`devices.sim.beams.BeamsSimulator` (see :mod:`devices.sim.urlhandler.protocol_sim`,
which hands ``sim://beams`` and ``sim://alarm`` URLs to :class:`BeamsSerial`).
``sim://alarm/<name>`` is the same port on the lines of the security gate alarm simulator
of that name (:func:`devices.sim.get_alarm`).

No bytes ever arrive (beams send none; reads wait out the timeout and return ``b""``);
writes are accepted and dropped. ``cts``, ``dsr``, ``cd`` and ``ri`` are the simulator's
lines. As with a real USB adapter, after ``unplug()`` every call on a port opened before
raises ``SerialException`` and opening fails until ``replug()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from devices.sim.beams import BeamsSimulator

_GRAMMAR = "expected sim://{kind} or sim://{kind}/<name>"


def parse_beams_url(url: str, kind: str = "beams") -> str:
    """Return the simulator name in ``sim://<kind>[/<name>]`` (``kind`` if none).

    Args:
        url: the URL.
        kind: ``"beams"`` or ``"alarm"``.

    Raises:
        SerialException: not such a URL.
    """
    parts = urlsplit(url)
    name = parts.path.strip("/")
    grammar = _GRAMMAR.format(kind=kind)
    if parts.scheme.lower() != "sim" or parts.netloc.lower() != kind or "/" in name:
        raise SerialException(f"{grammar}, got {url!r}")
    if parts.query or parts.fragment:
        raise SerialException(f"{grammar} (no options), got {url!r}")
    return name or kind


class BeamsSerial(SerialBase):
    """A serial port whose modem-status lines are a :class:`BeamsSimulator`'s."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Same arguments as ``serial.Serial``; opened by ``serial_for_url``."""
        self.simulator: BeamsSimulator | None = None
        self._generation = -1
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        """Attach to the simulator named in the URL.

        Raises:
            SerialException: already open, bad URL, or the simulator is unplugged.
        """
        from devices.sim import get_alarm, get_beams

        if self.is_open:
            raise SerialException("Port is already open.")
        if self.port is None:
            raise SerialException("Port must be configured before it can be used.")
        if urlsplit(self.port).netloc.lower() == "alarm":
            simulator = get_alarm(parse_beams_url(self.port, "alarm")).lines
        else:
            simulator = get_beams(parse_beams_url(self.port))
        with simulator.condition:
            if not simulator.plugged:
                raise SerialException(f"could not open {self.port}: unplugged")
            self._generation = simulator.generation
        self.simulator = simulator
        self.is_open = True

    def close(self) -> None:
        """Detach."""
        self.is_open = False

    def _reconfigure_port(self) -> None:
        """Settings mean nothing to beams."""

    def _live(self) -> BeamsSimulator:
        simulator = self.simulator
        if not self.is_open or simulator is None:
            raise PortNotOpenError()
        if not simulator.plugged or simulator.generation != self._generation:
            raise SerialException(f"{self.port} was unplugged")
        return simulator

    @property
    def in_waiting(self) -> int:
        """Always 0: beams send no bytes."""
        self._live()
        return 0

    def read(self, size: int = 1) -> bytes:
        """Wait out the timeout (beams send nothing) and return ``b""``."""
        simulator = self._live()
        if self.timeout:
            with simulator.condition:
                simulator.condition.wait(self.timeout)
            self._live()
        return b""

    def write(self, data: ReadableBuffer, /) -> int:
        """Accept and drop bytes."""
        self._live()
        return len(memoryview(data))

    def reset_input_buffer(self) -> None:
        """Nothing is buffered."""
        self._live()

    def reset_output_buffer(self) -> None:
        """Nothing is buffered."""
        self._live()

    def _update_break_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        """Clear To Send."""
        return self._live().level("cts")

    @property
    def dsr(self) -> bool:
        """Data Set Ready."""
        return self._live().level("dsr")

    @property
    def ri(self) -> bool:
        """Ring Indicator."""
        return self._live().level("ri")

    @property
    def cd(self) -> bool:
        """Data Carrier Detect."""
        return self._live().level("dcd")

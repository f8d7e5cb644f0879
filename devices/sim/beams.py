"""Simulated infrared beams (or a turnstile contact) on modem-status lines, and their wires.

A pseudo-terminal has no modem lines (TIOCMGET on a pty fails with "[Errno 25]
Inappropriate ioctl for device"), so the beams are reached in one of two ways:

* :class:`Rfc2217BeamsServer`: a TCP server speaking RFC 2217 (Telnet COM-PORT-OPTION),
  which the kiosk opens as ``rfc2217://127.0.0.1:PORT`` with pyserial's own client, the
  way it would open a serial device server (a Moxa NPort, ser2net) in a gate cabinet.
  The client learns the lines only from the server's NOTIFY-MODEMSTATE messages (IAC SB
  44 107 <state> IAC SE; CTS 0x10, DSR 0x20, RI 0x40, DCD 0x80 plus the matching
  delta bits 0x01..0x08): this server sends one when the client connects, on every
  change, and in answer to a client's poll (``?poll_modem``). It accepts every port
  setting the client asks for by echoing it (code + 100, RFC 2217 section 3), agrees to
  BINARY, SGA and COM-PORT-OPTION and refuses other options. One client at a time.
* ``sim://beams/<name>``: an in-process port (:mod:`devices.sim.beams_port`) whose lines
  are those of the :class:`BeamsSimulator` registered under that name
  (:func:`devices.sim.get_beams`), for tests and the demo.

:class:`BeamsSimulator` holds the four lines and plays crossings as the real sequence of
line changes, a ``step`` apart (longer than the driver's debounce): IN is A broken, B
broken, A clear, B clear; OUT the reverse. Faults: ``flicker`` (A toggles faster than
the debounce: counts nothing), ``turnback`` (A then B broken, then both clear in
reverse: someone stepped in and went back; counts nothing), unplug/replug.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from devices.setting_checks import MODEM_LINES
from devices.sim.links import TcpLink
from devices.sim.terminal import ClosedOnExit

STEP = 0.2
"""Seconds between two line changes of a simulated crossing (the debounce is 0.05 s)."""
MODEM_BITS = {"cts": 0x10, "dsr": 0x20, "ri": 0x40, "dcd": 0x80}
DELTA_BITS = {"cts": 0x01, "dsr": 0x02, "ri": 0x04, "dcd": 0x08}

IAC, SB, SE, WILL, WONT, DO, DONT = 255, 250, 240, 251, 252, 253, 254
BINARY, SGA, COM_PORT_OPTION = 0, 3, 44
NOTIFY_MODEMSTATE, SERVER_OFFSET = 7, 100
_AGREED = (BINARY, SGA, COM_PORT_OPTION)


class BeamsSimulator:
    """Four modem-status lines, beams wired to two of them, and people crossing."""

    def __init__(self, beam_a: str = "cts", beam_b: str = "dsr", step: float = STEP) -> None:
        """Create the lines, all clear (deasserted).

        Args:
            beam_a: the line of beam A.
            beam_b: the line of beam B ("" for a single beam).
            step: seconds between the line changes of one crossing.

        Raises:
            ValueError: an unknown line name.
        """
        for name in (beam_a, beam_b):
            if name and name not in MODEM_LINES:
                raise ValueError(f"expected one of {', '.join(MODEM_LINES)}, got {name!r}")
        self.beam_a, self.beam_b, self.step = beam_a, beam_b, step
        self.plugged = True
        self.generation = 0  # bumped by unplug(): ports opened before stay dead
        self.condition = threading.Condition()
        self._levels = dict.fromkeys(MODEM_LINES, False)
        self._listeners: list[Callable[[int, int], None]] = []

    def level(self, line: str) -> bool:
        """The line's level (True = asserted = beam broken)."""
        with self.condition:
            return self._levels[line]

    def modem_state(self, changed: tuple[str, ...] = ()) -> int:
        """The RFC 2217 modem-state byte: line bits, plus delta bits for ``changed``."""
        with self.condition:
            state = sum(MODEM_BITS[name] for name, on in self._levels.items() if on)
        return state | sum(DELTA_BITS[name] for name in changed)

    def set_line(self, line: str, level: bool) -> None:
        """Set one line and tell the listeners (the RFC 2217 server)."""
        with self.condition:
            if self._levels[line] == level:
                return
            self._levels[line] = level
            listeners = list(self._listeners)
        state = self.modem_state((line,))
        for listener in listeners:
            listener(state, self.generation)

    def listen(self, listener: Callable[[int, int], None]) -> None:
        """Call ``listener(modem_state, generation)`` on every line change."""
        with self.condition:
            self._listeners.append(listener)

    def cross(self, direction: str, n: int = 1) -> None:
        """Play ``n`` crossings in or out, in real time (blocks ``4 * step`` each).

        Raises:
            ValueError: not "in"/"out", or n below 1.
        """
        if direction not in ("in", "out") or n < 1:
            raise ValueError(f"expected in/out and a count of at least 1, got {direction} {n}")
        first, second = (self.beam_a, self.beam_b)
        if direction == "out" and self.beam_b:
            first, second = second, first
        for _ in range(n):
            if not self.beam_b:
                self._play([(first, True), (first, False)])
            else:
                self._play([(first, True), (second, True), (first, False), (second, False)])

    def turnback(self) -> None:
        """Someone breaks A then B, then steps back out: clears B then A. Counts nothing."""
        sequence = [(self.beam_a, True), (self.beam_b, True), (self.beam_b, False)]
        self._play([*sequence, (self.beam_a, False)] if self.beam_b else [(self.beam_a, True)])
        if not self.beam_b:
            self._play([(self.beam_a, False)])

    def flicker(self, times: int = 5) -> None:
        """Beam A flickers faster than the debounce (1 ms pulses): counts nothing."""
        for _ in range(times):
            self.set_line(self.beam_a, True)
            time.sleep(0.001)
            self.set_line(self.beam_a, False)
            time.sleep(0.004)

    def unplug(self) -> None:
        """Pull the cable: ports opened on this simulator fail from now on."""
        with self.condition:
            self.plugged = False
            self.generation += 1
            self.condition.notify_all()

    def replug(self) -> None:
        """Plug the cable back in; the lines keep their levels."""
        with self.condition:
            self.plugged = True

    def _play(self, changes: list[tuple[str, bool]]) -> None:
        for line, level in changes:
            self.set_line(line, level)
            time.sleep(self.step)


class Rfc2217BeamsServer(ClosedOnExit):
    """The beams behind an RFC 2217 server on 127.0.0.1; unplug drops and refuses clients.

    The TCP side (one client at a time, unplug/replug on the same port) is the counters'
    :class:`devices.sim.links.TcpLink`; this class speaks RFC 2217 over it.
    """

    def __init__(self, beams: BeamsSimulator, port: int = 0) -> None:
        """Listen and serve.

        Args:
            beams: whose lines to report.
            port: TCP port; 0 picks a free one.

        Raises:
            OSError: the port is in use.
        """
        self.beams = beams
        self._parser = TelnetParser()  # only the link's thread touches it
        self._link = TcpLink(self._received, port, on_connect=self._connected, name="beams-rfc2217")
        beams.listen(self._notify)

    @property
    def port(self) -> int:
        """The TCP port it listens on."""
        return self._link.port

    @property
    def url(self) -> str:
        """What the kiosk opens."""
        return f"rfc2217://127.0.0.1:{self.port}"

    def unplug(self) -> None:
        """Drop the client and stop listening; the beams too count as unplugged."""
        self.beams.unplug()
        self._link.unplug()

    def replug(self) -> None:
        """Listen again on the same port."""
        self.beams.replug()
        self._link.replug()

    def close(self) -> None:
        """Stop for good."""
        self.beams.unplug()
        self._link.close()

    def _notify(self, state: int, generation: int) -> None:
        self._send_state(state)

    def _send_state(self, state: int) -> None:
        self._link.send(_subnegotiation(NOTIFY_MODEMSTATE + SERVER_OFFSET, bytes([state])))

    def _connected(self) -> None:
        self._parser = TelnetParser()
        self._send_state(self.beams.modem_state())

    def _received(self, data: bytes) -> None:
        answer = self._parser.feed(data, self.beams.modem_state)
        if answer:
            self._link.send(answer)


class TelnetParser:
    """The server's side of Telnet + RFC 2217, as much as a beams counter needs. Pure."""

    def __init__(self) -> None:
        self._state = "data"
        self._command = 0
        self._sub = bytearray()
        self._answered: set[tuple[int, int]] = set()

    def feed(self, data: bytes, modem_state: Callable[[], int]) -> bytes:
        """Consume the client's bytes; return what to answer (negotiations, echoes)."""
        out = bytearray()
        for byte in data:
            if self._state == "data":
                if byte == IAC:
                    self._state = "iac"
            elif self._state == "iac":
                if byte in (WILL, WONT, DO, DONT):
                    self._command, self._state = byte, "option"
                elif byte == SB:
                    self._sub.clear()
                    self._state = "sub"
                else:
                    self._state = "data"  # IAC IAC (a data 0xFF) or a bare command
            elif self._state == "option":
                out += self._negotiate(self._command, byte)
                self._state = "data"
            elif self._state == "sub":
                if byte == IAC:
                    self._state = "sub-iac"
                elif len(self._sub) < 64:
                    self._sub.append(byte)
            elif self._state == "sub-iac":
                if byte == SE:
                    out += self._subcommand(bytes(self._sub), modem_state)
                    self._state = "data"
                else:
                    if len(self._sub) < 64:
                        self._sub.append(byte)  # IAC IAC inside: one 0xFF
                    self._state = "sub"
        return bytes(out)

    def _negotiate(self, command: int, option: int) -> bytes:
        if (command, option) in self._answered:
            return b""  # answer each request once, so the two sides cannot loop
        self._answered.add((command, option))
        agreed = option in _AGREED
        if command == DO:
            return bytes([IAC, WILL if agreed else WONT, option])
        if command == WILL:
            return bytes([IAC, DO if agreed else DONT, option])
        return b""  # WONT / DONT: nothing to answer

    @staticmethod
    def _subcommand(sub: bytes, modem_state: Callable[[], int]) -> bytes:
        if len(sub) < 2 or sub[0] != COM_PORT_OPTION:
            return b""
        code, value = sub[1], sub[2:]
        if code == NOTIFY_MODEMSTATE:
            return _subnegotiation(NOTIFY_MODEMSTATE + SERVER_OFFSET, bytes([modem_state()]))
        if code < SERVER_OFFSET:
            return _subnegotiation(code + SERVER_OFFSET, value)  # accept: echo the setting
        return b""


def _subnegotiation(code: int, value: bytes) -> bytes:
    escaped = value.replace(bytes([IAC]), bytes([IAC, IAC]))
    return bytes([IAC, SB, COM_PORT_OPTION, code]) + escaped + bytes([IAC, SE])

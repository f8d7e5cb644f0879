"""In-process device simulators and the ``sim://`` pyserial URL scheme.

``sim://scanner`` and ``sim://scanner/<name>`` open the :class:`SimulatedScanner`
registered under that name (``"scanner"`` by default), created on first use. Call
:func:`register_url_handler` once before ``serial.serial_for_url("sim://...")``;
:class:`devices.serial_reader.SerialReader` (and so :func:`devices.scanner.open_scanner`)
does it for ``sim://`` URLs itself.

``sim://beams`` and ``sim://beams/<name>`` open the modem-status lines of the
:class:`devices.sim.beams.BeamsSimulator` of that name (:func:`get_beams`), for the
visitor counter's "beams" driver.

``sim://alarm`` and ``sim://alarm/<name>`` open the same kind of port on the line of the
:class:`devices.sim.alarm.AlarmSimulator` of that name (:func:`get_alarm`), a security
gate's alarm relay.

``sim://printer`` and ``sim://printer/<name>`` name the in-process
:class:`devices.sim.printer.PrinterSimulator` of that name (:func:`get_printer`), which
:class:`devices.printer.ReceiptPrinter` reaches over the simulator's loopback TCP port.
"""

from __future__ import annotations

import threading

import serial

from devices.sim.alarm import AlarmSimulator
from devices.sim.beams import BeamsSimulator
from devices.sim.printer import PrinterSimulator
from devices.sim.scanner import PtyScannerSimulator, SimulatedScanner

__all__ = [
    "HANDLER_PACKAGE",
    "AlarmSimulator",
    "BeamsSimulator",
    "PrinterSimulator",
    "PtyScannerSimulator",
    "SimulatedScanner",
    "get_alarm",
    "get_beams",
    "get_printer",
    "get_scanner",
    "register_url_handler",
]

HANDLER_PACKAGE = "devices.sim.urlhandler"

_lock = threading.Lock()
_scanners: dict[str, SimulatedScanner] = {}
_printers: dict[str, PrinterSimulator] = {}
_beams: dict[str, BeamsSimulator] = {}
_alarms: dict[str, AlarmSimulator] = {}


def get_scanner(name: str = "scanner") -> SimulatedScanner:
    """Return the simulated scanner called ``name``, creating it on first use.

    Args:
        name: the ``<name>`` of ``sim://scanner/<name>``; ``"scanner"`` for ``sim://scanner``.

    Returns:
        The same object for the same name, for the life of the process.
    """
    with _lock:
        scanner = _scanners.get(name)
        if scanner is None:
            scanner = _scanners[name] = SimulatedScanner(name)
        return scanner


def get_beams(name: str = "beams") -> BeamsSimulator:
    """Return the simulated beams called ``name`` (A on CTS, B on DSR), made on first use.

    Args:
        name: the ``<name>`` of ``sim://beams/<name>``; ``"beams"`` for ``sim://beams``.

    Returns:
        The same object for the same name, for the life of the process.
    """
    with _lock:
        beams = _beams.get(name)
        if beams is None:
            beams = _beams[name] = BeamsSimulator()
        return beams


def get_alarm(name: str = "alarm", line: str = "cts", active: str = "high") -> AlarmSimulator:
    """Return the simulated gate alarm called ``name``, made on first use.

    Args:
        name: the ``<name>`` of ``sim://alarm/<name>``; ``"alarm"`` for ``sim://alarm``.
        line: its line, when this call makes it (later calls get it as it was made).
        active: its active level, likewise.

    Returns:
        The same object for the same name, for the life of the process.
    """
    with _lock:
        alarm = _alarms.get(name)
        if alarm is None:
            alarm = _alarms[name] = AlarmSimulator(line, active)
        return alarm


def get_printer(name: str = "printer") -> PrinterSimulator:
    """Return the in-process printer simulator called ``name``, starting it on first use.

    It listens on a free loopback TCP port only (no pty).

    Args:
        name: the ``<name>`` of ``sim://printer/<name>``; ``"printer"`` for ``sim://printer``.

    Returns:
        The same object for the same name, for the life of the process.
    """
    with _lock:
        printer = _printers.get(name)
        if printer is None:
            printer = _printers[name] = PrinterSimulator(tcp=True, pty=False)
        return printer


def register_url_handler() -> None:
    """Teach ``serial.serial_for_url`` the ``sim://`` scheme. Idempotent."""
    with _lock:
        if HANDLER_PACKAGE not in serial.protocol_handler_packages:
            serial.protocol_handler_packages.append(HANDLER_PACKAGE)

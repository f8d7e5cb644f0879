"""In-process device simulators and the ``sim://`` pyserial URL scheme.

``sim://scanner`` and ``sim://scanner/<name>`` open the :class:`SimulatedScanner`
registered under that name (``"scanner"`` by default), created on first use. Call
:func:`register_url_handler` once before ``serial.serial_for_url("sim://...")``;
:class:`devices.serial_reader.SerialReader` (and so :func:`devices.scanner.open_scanner`)
does it for ``sim://`` URLs itself.

``sim://beams`` and ``sim://beams/<name>`` open the modem-status lines of the
:class:`devices.sim.beams.BeamsSimulator` of that name (:func:`get_beams`), for the
visitor counter's "beams" driver.

``sim://printer`` and ``sim://printer/<name>`` name the in-process
:class:`devices.sim.printer.PrinterSimulator` of that name (:func:`get_printer`), which
:class:`devices.printer.ReceiptPrinter` reaches over the simulator's loopback TCP port.
"""

from __future__ import annotations

import threading

import serial

from devices.sim.beams import BeamsSimulator
from devices.sim.printer import PrinterSimulator
from devices.sim.scanner import PtyScannerSimulator, SimulatedScanner

__all__ = [
    "HANDLER_PACKAGE",
    "BeamsSimulator",
    "PrinterSimulator",
    "PtyScannerSimulator",
    "SimulatedScanner",
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

"""The scanner and the receipt printer: each configured device opened and asked.

The scanner is opened with the configured serial settings and asked how many bytes wait
(not read: a kiosk running meanwhile would lose a scan the doctor took): opening is the
check, no scan is needed. ``sim://`` and
``socket://`` URLs are opened the same way the kiosk opens them. The printer is asked
its paper sensor (DLE EOT 4) through :meth:`devices.printer.ReceiptPrinter.paper_status`:
nothing is printed.
"""

from __future__ import annotations

import contextlib

from kiosk.doctor.base import Check, Context, Finding, failed, one_line, passed
from kiosk.doctor.ports import is_path, listing, path_problem

OPEN_TIMEOUT = 0.2
"""The port's read timeout (nothing is read; pyserial wants one)."""
PRINTER_BUDGET = 3.0
"""Seconds the printer's status request may take (the kiosk's own print budget)."""


def checks(context: Context) -> list[Check]:
    """The ``scanner`` and ``printer`` checks."""
    return [
        Check(
            "scanner",
            lambda: scanner(context),
            context.timeout,
            "check the scanner's cable and [scanner] url; a socket:// scanner's host and port",
        ),
        Check(
            "printer",
            lambda: printer(context),
            context.timeout,
            "check the printer's cable, power and [printer] url",
        ),
    ]


def scanner(context: Context) -> Finding:
    """Open the configured scanner with its serial settings and read what is waiting."""
    settings = context.config.scanner
    url = settings.url
    if not url.strip():
        return passed(
            "none configured ([scanner] url is empty): a keyboard-wedge scanner types "
            "like a keyboard"
        )
    if is_path(url):
        problem = path_problem("scanner", url, "[scanner] url")
        if problem is not None:
            return problem
    import serial

    if url.lower().startswith("sim://"):
        from devices.sim import register_url_handler

        register_url_handler()
    try:
        port = serial.serial_for_url(url, baudrate=settings.baudrate, timeout=OPEN_TIMEOUT)
    except (serial.SerialException, OSError, ValueError) as err:
        where = (
            f"that the scanner is plugged in and [scanner] url (serial devices here: {listing()})"
            if is_path(url)
            else "that the scanner (or its simulator) listens at that address, and [scanner] url"
        )
        return failed(f"cannot open {url} ({one_line(str(err), 200)})", f"check {where}")
    try:
        # Asked, not read: a kiosk running meanwhile reads the same port, and a patron's
        # scan taken by the doctor would be lost to it.
        waiting = port.in_waiting
    except (serial.SerialException, OSError) as err:
        return failed(
            f"{url} opened but reading failed ({one_line(str(err), 200)})",
            "unplug the scanner and plug it in again; check its cable",
        )
    finally:
        with contextlib.suppress(serial.SerialException, OSError):
            port.close()
    said = f"{waiting} bytes waiting" if waiting else "nothing waiting"
    speed = "" if "://" in url else f" at {settings.baudrate} baud"
    return passed(f"{url} opened{speed} ({said})")


def printer(context: Context) -> Finding:
    """Ask the configured receipt printer's paper sensor; nothing is printed."""
    url = context.config.printer.url
    if not url.strip():
        return passed("none configured ([printer] url is empty): no receipts are offered")
    if is_path(url):
        problem = path_problem("printer", url, "[printer] url")
        if problem is not None:
            return problem
    from devices.printer import ReceiptPrinter

    device = ReceiptPrinter(url, budget=min(PRINTER_BUDGET, context.timeout))
    try:
        status = device.paper_status()
    finally:
        device.close()
    prefix = f"receipt printer {url}: "
    text = status.technician.removeprefix(prefix)
    # The printer's line already ends with what to do ("...: load a new roll").
    return Finding(status.ready, f"{url}: {text}")

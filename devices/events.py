"""Device status events, shared by every serial device (scanners, counters, printers).

A :class:`devices.serial_reader.SerialReader` reports :class:`DeviceReady` each time its
port is opened (at start and after a reconnect) and :class:`DeviceLost` once per loss
(unplugged, cable, simulator closed, or the device was missing at start). Both are
called on the reader thread; the app hands them to its UI thread itself.

Both name the device by its pyserial URL (``/dev/ttyACM0``, ``sim://scanner/desk``), so
one handler can tell several devices apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceReady:
    """The port is open and being read (at start and after a reconnect).

    Attributes:
        url: the device's pyserial URL, as configured.
    """

    url: str


@dataclass(frozen=True)
class DeviceLost:
    """The device stopped answering, or could not be opened at start.

    Attributes:
        url: the device's pyserial URL, as configured.
        reason: one line for a technician, e.g. ``"[Errno 5] Input/output error"``.
    """

    url: str
    reason: str


DeviceStatus = DeviceReady | DeviceLost

"""Visitor counters: turn a counter's cumulative totals into exact people in and out.

Three kinds, each documented with its wire format at the top of its module:

* ``line``: the kiosk's ASCII line protocol (:mod:`devices.counters.line_protocol`),
  push or poll, for low-cost counters and microcontroller builds;
* ``modbus``: Modbus RTU people counters (:mod:`devices.counters.modbus`);
* ``beams``: infrared beams or a turnstile contact on a serial port's modem-status
  lines (:mod:`devices.counters.beams`).

Use::

    counter = open_counter(CounterSettings("gate1", "/dev/kiosk-counter", "line"), on_event)
    counter.start()            # on_event(CounterReading | CounterFault | DeviceReady | DeviceLost)
    ...
    counter.stop()

``on_event`` is called on the driver's own threads; hand events over to your own thread.
No kiosk or Kivy imports here: the entrance gate uses the same drivers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Protocol, cast

from devices.counters.events import CounterEvent, CounterFault, CounterReading
from devices.counters.settings import CounterSettings

__all__ = [
    "CounterDriver",
    "CounterEvent",
    "CounterFault",
    "CounterReading",
    "CounterSettings",
    "open_counter",
]


class CounterDriver(Protocol):
    """What every counter driver offers."""

    @property
    def device_id(self) -> str:
        """The counter's id from the config."""

    @property
    def url(self) -> str:
        """The counter's pyserial URL."""

    @property
    def connected(self) -> bool:
        """True while the counter is open and answering."""

    def start(self, *, wait_for_device: bool = True) -> None:
        """Start reading; a missing device is reported lost and retried, unless told not to."""

    def stop(self) -> None:
        """Stop reading and close the port."""


def open_counter(
    settings: CounterSettings, on_event: Callable[[CounterEvent], None]
) -> CounterDriver:
    """Make the driver ``settings.protocol`` names, not started.

    Args:
        settings: the counter's settings.
        on_event: called on the driver's threads with CounterReading, CounterFault,
            DeviceReady and DeviceLost.

    Returns:
        The driver; call ``start()`` to open the port.
    """
    if settings.protocol == "line":
        from devices.counters.line_counter import LineCounter

        return LineCounter(settings, on_event)
    if settings.protocol == "beams":
        from devices.counters.beams import BeamsCounter

        return BeamsCounter(settings, on_event)
    # devices/counters/modbus.py (ModbusCounter) is the Modbus helper's module of issue 10,
    # merged separately; imported by name so this file type-checks with or without it.
    modbus = importlib.import_module("devices.counters.modbus")
    return cast("CounterDriver", modbus.ModbusCounter(settings, on_event))

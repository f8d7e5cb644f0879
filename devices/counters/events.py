"""What a visitor counter driver reports: one :class:`CounterReading` per new total.

Every counter driver (``line``, ``modbus``, ``beams``) calls its ``on_event`` callback on
its own thread with a :class:`CounterReading`, a :class:`CounterFault`, or with the
device status events shared by every serial device, :class:`devices.events.DeviceReady` and
:class:`devices.events.DeviceLost` (both carry the counter's URL).

``total_in``/``total_out`` are the device's own cumulative totals, raw (they wrap and
restart after a power cut); ``entered``/``left`` are the exact numbers of people since the
previous reading, computed by :class:`devices.counters.totals.TotalsTracker`. A consumer
(the kiosk's counter board, the entrance gate) adds up ``entered``/``left`` and never has
to interpret the raw totals.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.events import DeviceLost, DeviceReady

NOTES = ("", "wrapped", "reset", "first")
"""Values of :attr:`CounterReading.note`."""


@dataclass(frozen=True)
class CounterReading:
    """A counter's cumulative totals, and the people counted since the previous reading.

    Attributes:
        device_id: the counter's id from the config (``[counters.<id>]``).
        url: its pyserial URL.
        total_in: cumulative people in, as the device reports it (raw).
        total_out: cumulative people out, as the device reports it (raw).
        entered: exact people in since the previous reading (>= 0).
        left: exact people out since the previous reading (>= 0).
        note: ``""``; ``"wrapped"`` (a total passed its maximum and started again);
            ``"reset"`` (a total went backwards: the device restarted, e.g. after a power
            cut); ``"first"`` (a new baseline that counts 0: the first reading without a stored
            one, or a total that jumped forward by more than ``max_step``, which no
            crowd can do: a replaced device or a preset total).
    """

    device_id: str
    url: str
    total_in: int
    total_out: int
    entered: int
    left: int
    note: str = ""


@dataclass(frozen=True)
class CounterFault:
    """Something the counter sent could not be used (bad checksum, garbled frame, ...).

    Reported at most once per fault (the driver's log line is throttled, this event is
    not), so a technician screen can show the latest one; a consumer that only counts
    people ignores it. The device stays usable: the next good reading counts everyone
    since the last good one, so a lost frame loses no people.

    Attributes:
        device_id: the counter's id from the config.
        url: its pyserial URL.
        reason: one line for a technician: what was wrong and what to check.
    """

    device_id: str
    url: str
    reason: str


CounterEvent = CounterReading | CounterFault | DeviceReady | DeviceLost
"""Everything a counter driver reports."""

"""An alarm input's settings (``[gate.alarm]``): a pure dataclass, standard library only,
so the config can check them without importing pyserial (like the counters' settings).
The driver is :mod:`devices.alarm`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

LINES = ("cts", "dsr", "dcd", "ri")
"""Config names of the modem-status lines (as for the beams counter)."""
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class AlarmSettings:
    """One alarm input's settings (``[gate.alarm]``), checked when constructed.

    Attributes:
        url: device path or pyserial URL (``/dev/ttyS0``, ``rfc2217://host:port``,
            ``sim://alarm/<name>``).
        device_id: names the input in events, counts and log lines.
        line: the modem-status line the relay drives (``cts``, ``dsr``, ``dcd``, ``ri``).
        active: ``"high"``: asserted while alarming; ``"low"``: deasserted while alarming.
        debounce: seconds a new level must hold to be believed.
        min_gap: seconds the line must stay quiet before a new alarm counts.
        interval: seconds between two samples of the line.
    """

    url: str
    device_id: str = "alarm"
    line: str = "cts"
    active: str = "high"
    debounce: float = 0.05
    min_gap: float = 5.0
    interval: float = 0.01

    def __post_init__(self) -> None:
        """Check every setting.

        Raises:
            ValueError: one line naming the first bad setting.
        """
        if _ID.fullmatch(self.device_id) is None:
            raise ValueError(
                "id: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter "
                f"or digit, got {self.device_id!r}"
            )
        if not self.url.strip() or any(not ch.isprintable() for ch in self.url):
            raise ValueError(f"url: a device path or pyserial URL is needed, got {self.url!r}")
        if self.line not in LINES:
            raise ValueError(f"line: expected one of {', '.join(LINES)}, got {self.line!r}")
        if self.active not in ("high", "low"):
            raise ValueError(f"active: expected 'high' or 'low', got {self.active!r}")
        _number("debounce", self.debounce, 0, 10)
        _number("min_gap", self.min_gap, 0, 3600)
        _number("interval", self.interval, 0.001, 1)


def _number(name: str, value: float, low: float, high: float) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name}: expected a number from {low:g} to {high:g}, got {value!r}")

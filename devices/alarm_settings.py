"""An alarm input's settings (``[gate.alarm]``): a pure dataclass, standard library only,
so the config can check them without importing pyserial (like the counters' settings).
The driver is :mod:`devices.alarm`."""

from __future__ import annotations

from dataclasses import dataclass

from devices.setting_checks import DEVICE_ID, MODEM_LINES, check_number, check_url

LINES = MODEM_LINES
"""Config names of the modem-status lines (as for the beams counter)."""


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
        if DEVICE_ID.fullmatch(self.device_id) is None:
            raise ValueError(
                "id: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter "
                f"or digit, got {self.device_id!r}"
            )
        check_url(self.url)
        if self.line not in LINES:
            raise ValueError(f"line: expected one of {', '.join(LINES)}, got {self.line!r}")
        if self.active not in ("high", "low"):
            raise ValueError(f"active: expected 'high' or 'low', got {self.active!r}")
        check_number("debounce", self.debounce, 0, 10)
        check_number("min_gap", self.min_gap, 0, 3600)
        check_number("interval", self.interval, 0.001, 1)

"""Checks the device settings dataclasses share (:mod:`devices.counters.settings`,
:mod:`devices.alarm_settings`). Standard library only, like them, so the config can
check a table without importing pyserial. Every check raises ``ValueError`` with one
line naming the setting."""

from __future__ import annotations

import math
import re

MODEM_LINES = ("cts", "dsr", "dcd", "ri")
"""Config names of the modem-status lines a contact may be wired to."""
DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""A device id: it names the device in rows, reports and log lines."""


def check_url(url: str) -> None:
    """Refuse an empty URL or one with unprintable characters.

    Raises:
        ValueError: one line naming ``url``.
    """
    if not url.strip() or any(not ch.isprintable() for ch in url):
        raise ValueError(f"url: a device path or pyserial URL is needed, got {url!r}")


def check_number(name: str, value: float, low: float, high: float) -> None:
    """Refuse anything but a finite number from ``low`` to ``high`` (a bool is no number).

    Raises:
        ValueError: one line naming the setting ``name``.
    """
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name}: expected a number from {low:g} to {high:g}, got {value!r}")

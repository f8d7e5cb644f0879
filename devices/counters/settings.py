"""One visitor counter's settings: :class:`CounterSettings`, pure and validated.

The kiosk reads them from ``[counters.<id>]`` tables (:mod:`kiosk.config`); the entrance
gate and tests build them directly. Every check raises ``ValueError`` with one line that
names the setting, what is allowed and what was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from devices.setting_checks import DEVICE_ID, MODEM_LINES, check_number, check_url

PROTOCOLS = ("line", "modbus", "beams")
_ADDRESS = re.compile(r"[A-Za-z0-9._-]{0,16}")
POLL_INTERVAL = 1.0
"""Default seconds between polls of a line (poll mode) or Modbus counter."""
BEAMS_INTERVAL = 0.005
"""Default seconds between samples of the modem lines: a beam broken for 50 ms (a person
walking briskly) is seen ten times, well within the default debounce."""
PROTOCOL_DEFAULT = -1.0
"""``interval`` when not given: replaced by the protocol's default on construction."""


@dataclass(frozen=True)
class CounterSettings:
    """How to reach one visitor counter and read its totals.

    Attributes:
        device_id: the counter's id (``[counters.<id>]``): letters, digits, ``. _ -``.
        url: pyserial URL or device path (``/dev/kiosk-counter``, ``socket://h:p``,
            ``rfc2217://h:p``, ``sim://beams/<name>``).
        protocol: ``"line"`` (ASCII line protocol), ``"modbus"`` (Modbus RTU) or
            ``"beams"`` (infrared beams or a contact on the modem-status lines).
        baudrate, bytesize, parity, stopbits: serial framing.
        bits: wrap width of the device's totals (16 or 32).
        max_step: most people between two readings; a larger jump back is a reset.
        baseline_in, baseline_out: last totals stored by the consumer, or None.
        mode: line protocol: ``"push"`` (the counter sends) or ``"poll"`` (we ask).
        interval: seconds between polls (line poll, modbus) or line samples (beams).
            Left out, it is the protocol's default: 1.0 s, or 0.005 s for beams (the
            dataclass resolves :data:`PROTOCOL_DEFAULT` in ``__post_init__``, so
            ``interval`` is always a real number of seconds once constructed).
        address: line protocol: the counter's id on a shared RS-485 bus ("" = none).
        unit: Modbus slave id.
        register_type: Modbus ``"holding"`` or ``"input"`` registers.
        in_register, out_register: Modbus register addresses of the IN and OUT totals.
        width: Modbus bits per value (16: one register, 32: two).
        word_order: Modbus order of a 32-bit value's two registers (``"big"``: high first).
        beam_a: beams: the line of beam A (``cts``, ``dsr``, ``dcd``, ``ri``).
        beam_b: beams: the line of beam B, ``""`` for a single beam or contact.
        count_single: beams, one beam: each crossing counts ``"in"`` or ``"out"``.
        debounce: beams: seconds a line must hold a new state to be believed.
    """

    device_id: str
    url: str
    protocol: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    bits: int = 32
    max_step: int = 10_000
    baseline_in: int | None = None
    baseline_out: int | None = None
    mode: str = "push"
    interval: float = -1.0  # PROTOCOL_DEFAULT
    address: str = ""
    unit: int = 1
    register_type: str = "holding"
    in_register: int = 0
    out_register: int = 2
    width: int = 32
    word_order: str = "big"
    beam_a: str = "cts"
    beam_b: str = ""
    count_single: str = "in"
    debounce: float = 0.05

    def __post_init__(self) -> None:
        """Check every setting.

        Raises:
            ValueError: one line naming the first bad setting.
        """
        _choice("protocol", self.protocol, PROTOCOLS)
        if DEVICE_ID.fullmatch(self.device_id) is None:
            raise ValueError(
                "device_id: use 1 to 64 letters, digits, '.', '_' or '-', starting with a "
                f"letter or digit, got {self.device_id!r}"
            )
        check_url(self.url)
        _between("baudrate", self.baudrate, 300, 921_600)
        _choice("bytesize", self.bytesize, (7, 8))
        _choice("parity", self.parity, ("N", "E", "O"))
        _choice("stopbits", self.stopbits, (1, 2))
        _choice("bits", self.bits, (16, 32))
        _between("max_step", self.max_step, 1, 2 ** (self.bits - 1) - 1)
        for name in ("baseline_in", "baseline_out"):
            value = getattr(self, name)
            if value is not None:
                _between(name, value, 0, 2**self.bits - 1)
        _choice("mode", self.mode, ("push", "poll"))
        if self.interval == PROTOCOL_DEFAULT:
            default = BEAMS_INTERVAL if self.protocol == "beams" else POLL_INTERVAL
            object.__setattr__(self, "interval", default)  # frozen: set once, here
        check_number("interval", self.interval, 0.001, 3600)
        if _ADDRESS.fullmatch(self.address) is None:
            raise ValueError(
                "address: up to 16 letters, digits, '.', '_' or '-' (the counter's ID), "
                f"got {self.address!r}"
            )
        _between("unit", self.unit, 1, 247)
        _choice("register_type", self.register_type, ("holding", "input"))
        _between("in_register", self.in_register, 0, 65535)
        _between("out_register", self.out_register, 0, 65535)
        _choice("width", self.width, (16, 32))
        _choice("word_order", self.word_order, ("big", "little"))
        if self.protocol == "modbus":
            # Checked here, not only when the driver starts: overlapping registers are a
            # config error (one line, exit 2), not a kiosk that fails to start.
            from devices.counters.registers import ReadPlan

            try:
                ReadPlan(self.in_register, self.out_register, self.width, self.word_order)
            except ValueError as err:
                raise ValueError(f"in_register/out_register: {err}") from err
        _choice("beam_a", self.beam_a, MODEM_LINES)
        _choice("beam_b", self.beam_b, ("", *MODEM_LINES))
        if self.beam_b == self.beam_a:
            raise ValueError(f"beam_b: must be another line than beam_a ({self.beam_a})")
        _choice("count_single", self.count_single, ("in", "out"))
        check_number("debounce", self.debounce, 0, 10)


SETTING_NAMES = tuple(field.name for field in fields(CounterSettings))


def _choice(name: str, value: object, allowed: tuple[object, ...]) -> None:
    if isinstance(value, bool) or value not in allowed:
        shown = ", ".join(repr(choice) for choice in allowed)
        raise ValueError(f"{name}: expected one of {shown}, got {value!r}")


def _between(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name}: expected a whole number from {low} to {high}, got {value!r}")

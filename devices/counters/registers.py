"""Modbus register values: 16-bit words to totals and back, and which registers to read.

Pure (no I/O): used by :class:`devices.counters.modbus.ModbusCounter` to decode what a
people counter answers, and by the simulator (:mod:`devices.sim.modbus_counter`) to
encode its totals, so both sides agree by construction and the tests check both.

A Modbus register holds one 16-bit word, always sent high byte first. A 32-bit total
takes two consecutive registers, and which of the two holds the high word is the
vendor's choice (``word_order``)::

    total 70000 = 0x0001_1170         register n    register n+1
    word_order "big"    (ABCD)        0x0001        0x1170      high word first (most)
    word_order "little" (CDAB)        0x1170        0x0001      low word first

A 16-bit total is one register; ``word_order`` does not apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

WordOrder = Literal["big", "little"]
WIDTHS = (16, 32)
WORD_ORDERS = ("big", "little")
MAX_REGISTERS_PER_READ = 125
"""Modbus allows at most 125 registers in one read (function 03 or 04)."""
_WORD = 0xFFFF


def registers_per_value(width: int) -> int:
    """How many 16-bit registers one value of ``width`` bits takes.

    Args:
        width: 16 or 32.

    Returns:
        1 or 2.

    Raises:
        ValueError: ``width`` is neither 16 nor 32.
    """
    if width not in WIDTHS:
        raise ValueError(f"a counter value is 16 or 32 bits wide, not {width}")
    return width // 16


def decode(words: Sequence[int], width: int, word_order: str = "big") -> int:
    """The unsigned total that ``words`` (the value's registers, in address order) hold.

    Never raises for a word outside 0..65535 (a buggy device or library): only its low
    16 bits count, as on the wire.

    Args:
        words: the value's registers as read: 1 for 16 bits, 2 for 32 bits.
        width: 16 or 32.
        word_order: "big" (high word first) or "little" (low word first); only for 32.

    Returns:
        The total, 0 <= total < 2**width.

    Raises:
        ValueError: wrong width or word order, or not exactly the value's registers.
    """
    count = registers_per_value(width)
    if word_order not in WORD_ORDERS:
        raise ValueError(f"word order is 'big' or 'little', not {word_order!r}")
    if len(words) != count:
        raise ValueError(f"a {width}-bit value is {count} register(s), got {len(words)}")
    ordered = list(words) if word_order == "big" else list(reversed(words))
    total = 0
    for word in ordered:
        total = (total << 16) | (word & _WORD)
    return total


def encode(total: int, width: int, word_order: str = "big") -> list[int]:
    """The registers, in address order, that hold ``total`` (the inverse of :func:`decode`).

    Args:
        total: 0 <= total < 2**width.
        width: 16 or 32.
        word_order: "big" or "little"; only for 32.

    Returns:
        1 or 2 words of 16 bits.

    Raises:
        ValueError: ``total`` does not fit, or a wrong width or word order.
    """
    count = registers_per_value(width)
    if word_order not in WORD_ORDERS:
        raise ValueError(f"word order is 'big' or 'little', not {word_order!r}")
    if not 0 <= total < 1 << width:
        raise ValueError(f"{total} does not fit in {width} bits")
    words = [(total >> (16 * shift)) & _WORD for shift in reversed(range(count))]
    return words if word_order == "big" else list(reversed(words))


@dataclass(frozen=True)
class Totals:
    """The IN and OUT totals of one reading, as the device reports them."""

    total_in: int
    total_out: int


@dataclass(frozen=True)
class ReadPlan:
    """Which registers to read for IN and OUT, in as few requests as Modbus allows.

    When both values fit in one block of at most 125 registers (the usual case: IN at
    0 and OUT at 2) one request reads both, so IN and OUT are a consistent snapshot;
    otherwise one request per value.

    Attributes:
        in_register: address of IN's first register (0-based, as on the wire).
        out_register: address of OUT's first register.
        width: 16 or 32 bits per value.
        word_order: "big" or "little".
    """

    in_register: int
    out_register: int
    width: int = 32
    word_order: str = "big"

    def __post_init__(self) -> None:
        """Check the plan can be read.

        Raises:
            ValueError: a register outside 0..65535 (with the value's width), IN and OUT
                overlapping, or a wrong width or word order.
        """
        size = registers_per_value(self.width)
        if self.word_order not in WORD_ORDERS:
            raise ValueError(f"word order is 'big' or 'little', not {self.word_order!r}")
        for name, address in (
            ("in_register", self.in_register),
            ("out_register", self.out_register),
        ):
            if not 0 <= address <= 0x10000 - size:
                raise ValueError(f"{name} {address} is outside 0..{0x10000 - size}")
        if abs(self.in_register - self.out_register) < size:
            raise ValueError(
                f"in_register {self.in_register} and out_register {self.out_register} overlap "
                f"({size} register(s) each)"
            )

    @property
    def requests(self) -> list[tuple[int, int]]:
        """The reads to make, as ``(start, count)`` pairs, in order."""
        size = registers_per_value(self.width)
        start = min(self.in_register, self.out_register)
        count = max(self.in_register, self.out_register) + size - start
        if count <= MAX_REGISTERS_PER_READ:
            return [(start, count)]
        return [(self.in_register, size), (self.out_register, size)]

    def totals(self, answers: Sequence[Sequence[int]]) -> Totals:
        """Decode the answers to :attr:`requests` (one list of words per request).

        Args:
            answers: the registers each request returned, in the order of :attr:`requests`.

        Returns:
            The IN and OUT totals.

        Raises:
            ValueError: an answer does not have the registers its request asked for.
        """
        requests = self.requests
        if len(answers) != len(requests):
            raise ValueError(f"expected {len(requests)} answer(s), got {len(answers)}")
        words: dict[int, int] = {}
        for (start, count), answer in zip(requests, answers, strict=True):
            if len(answer) < count:
                raise ValueError(f"asked {count} registers at {start}, got {len(answer)}")
            words.update((start + offset, answer[offset]) for offset in range(count))
        size = registers_per_value(self.width)

        def value(address: int) -> int:
            return decode([words[address + i] for i in range(size)], self.width, self.word_order)

        return Totals(value(self.in_register), value(self.out_register))

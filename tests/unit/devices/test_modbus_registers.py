"""Modbus register decoding: 16/32 bits, both word orders, the read plan, the documented frames."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymodbus.framer.rtu import FramerRTU

from devices.counters import modbus as modbus_driver
from devices.counters.registers import ReadPlan, Totals, decode, encode

WORDS = st.integers(min_value=-(2**20), max_value=2**20)  # also what no device should send


@pytest.mark.parametrize(
    ("words", "width", "order", "total"),
    [
        ([0x1234], 16, "big", 0x1234),
        ([0x1234], 16, "little", 0x1234),  # one register: the order does not apply
        ([0xFFFF], 16, "big", 65535),
        ([0x0001, 0x1170], 32, "big", 70000),
        ([0x1170, 0x0001], 32, "little", 70000),
        ([0xFFFF, 0xFFFF], 32, "big", 2**32 - 1),
        ([0x0000, 0x0001], 32, "little", 65536),
    ],
)
def test_decode_by_width_and_word_order(
    words: list[int], width: int, order: str, total: int
) -> None:
    assert decode(words, width, order) == total
    assert encode(total, width, order) == words


@pytest.mark.parametrize(
    ("words", "width", "order"),
    [([1], 32, "big"), ([1, 2], 16, "big"), ([1], 24, "big"), ([1, 2], 32, "middle")],
)
def test_decode_refuses_what_is_not_a_value(words: list[int], width: int, order: str) -> None:
    with pytest.raises(ValueError):
        decode(words, width, order)


@given(
    st.sampled_from([16, 32]),
    st.sampled_from(["big", "little"]),
    st.lists(WORDS, min_size=2, max_size=2),
)
def test_decode_never_raises_for_any_register_values(
    width: int, order: str, words: list[int]
) -> None:
    size = width // 16
    total = decode(words[:size], width, order)
    assert 0 <= total < 2**width
    assert decode(encode(total, width, order), width, order) == total


@given(st.integers(0, 2**32 - 1), st.sampled_from(["big", "little"]))
def test_encode_then_decode_is_the_identity(total: int, order: str) -> None:
    assert decode(encode(total, 32, order), 32, order) == total


def test_close_registers_are_read_in_one_request() -> None:
    plan = ReadPlan(in_register=0, out_register=2, width=32, word_order="little")
    assert plan.requests == [(0, 4)]
    assert plan.totals([[0x1170, 0x0001, 0x0004, 0x0001]]) == Totals(70000, 65540)


def test_out_before_in_and_16_bits() -> None:
    plan = ReadPlan(in_register=7, out_register=5, width=16)
    assert plan.requests == [(5, 3)]
    assert plan.totals([[11, 999, 22]]) == Totals(22, 11)


def test_far_apart_registers_take_two_requests() -> None:
    plan = ReadPlan(in_register=0, out_register=1000, width=32)
    assert plan.requests == [(0, 2), (1000, 2)]
    assert plan.totals([[0, 5], [0, 6]]) == Totals(5, 6)


def test_a_short_answer_is_refused() -> None:
    with pytest.raises(ValueError):
        ReadPlan(0, 2).totals([[0, 1, 0]])


@pytest.mark.parametrize(("first", "second", "width"), [(0, 1, 32), (4, 4, 16), (65535, 0, 32)])
def test_impossible_layouts_are_refused(first: int, second: int, width: int) -> None:
    with pytest.raises(ValueError):
        ReadPlan(first, second, width)


def _rtu(hex_without_crc: str) -> str:
    body = bytes.fromhex(hex_without_crc)
    return (body + FramerRTU.compute_CRC(body).to_bytes(2, "big")).hex(" ").upper()


def test_the_frames_in_the_driver_docstring_are_right() -> None:
    """The worked example a technician compares a capture with: CRC low byte first."""
    doc = modbus_driver.__doc__ or ""
    request = _rtu("010300000004")
    answer = _rtu("01030800011170" + "00010004")
    assert request == "01 03 00 00 00 04 44 09"
    assert answer.endswith("97 9E")
    assert "00 00      00 04      44 09" in doc
    assert "00 01 11 70   00 01 00 04    97 9E" in doc
    plan = ReadPlan(0, 2, 32, "big")
    assert plan.totals([[0x0001, 0x1170, 0x0001, 0x0004]]) == Totals(70000, 65540)

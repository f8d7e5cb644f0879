"""TotalsTracker: exact deltas across wrap-around, device resets and reconnects."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from devices.counters.totals import CounterTotals, TotalsTracker


def test_counting_up_gives_the_difference() -> None:
    tracker = TotalsTracker(last=100)
    assert tracker.update(105) == (5, "")
    assert tracker.update(105) == (0, "")


def test_first_reading_without_baseline_only_sets_it() -> None:
    tracker = TotalsTracker()
    assert tracker.update(4_000_000) == (0, "first")
    assert tracker.update(4_000_002) == (2, "")


@pytest.mark.parametrize("bits", [16, 32])
def test_wrap_counts_the_people_on_both_sides_of_the_wrap(bits: int) -> None:
    top = 2**bits - 1
    tracker = TotalsTracker(bits=bits, last=top - 2)
    assert tracker.update(4) == (7, "wrapped")  # top-1, top, 0, 1, 2, 3, 4


def test_a_total_that_goes_backwards_far_is_a_reset_and_counts_the_new_total() -> None:
    tracker = TotalsTracker(bits=32, last=1000)
    assert tracker.update(3) == (3, "reset")
    assert tracker.update(5) == (2, "")


def test_sixteen_bit_reset_is_not_mistaken_for_a_wrap() -> None:
    tracker = TotalsTracker(bits=16, max_step=1000, last=30_000)
    assert tracker.update(10) == (10, "reset")


def test_a_forward_jump_no_crowd_can_make_only_sets_a_new_baseline() -> None:
    tracker = TotalsTracker(bits=32, max_step=1000, last=10)
    assert tracker.update(2**32 - 3) == (0, "first")
    assert tracker.update(1) == (4, "wrapped")


def test_restored_baseline_neither_loses_nor_doubles() -> None:
    tracker = TotalsTracker(last=500)
    assert tracker.update(512) == (12, "")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bits": 4}, "bits must be 8 to 64"),
        ({"bits": 16, "max_step": 2**15}, "max_step must be 1 to 32767"),
        ({"bits": 16, "last": 65536}, "outside 0..65535"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TotalsTracker(**kwargs)


def test_a_total_wider_than_the_device_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        TotalsTracker(bits=16, last=0).update(70_000)


def test_counter_totals_reports_the_stronger_note_and_both_deltas() -> None:
    totals = CounterTotals("gate1", "sim://x", bits=16, baseline_in=65535, baseline_out=10)
    reading = totals.reading(2, 11)
    assert (reading.entered, reading.left, reading.note) == (3, 1, "wrapped")
    assert (reading.device_id, reading.url, reading.total_in) == ("gate1", "sim://x", 2)


def test_counter_totals_checks_both_totals_before_changing_either() -> None:
    totals = CounterTotals("gate1", "sim://x", bits=16, baseline_in=5, baseline_out=5)
    with pytest.raises(ValueError):
        totals.reading(6, 70_000)
    assert totals.reading(7, 6).entered == 2  # IN's baseline still 5


# -- property: any sequence of crossings, wraps, resets and reconnects ---------------

MAX_STEP = 1000
_step = st.one_of(
    st.tuples(st.just("cross"), st.integers(0, MAX_STEP)),
    st.tuples(st.just("reset"), st.integers(0, MAX_STEP)),
    st.tuples(st.just("reconnect"), st.integers(0, MAX_STEP)),
)


@given(
    bits=st.sampled_from([16, 32]),
    start=st.integers(0, 2**32 - 1),
    near_wrap=st.booleans(),
    steps=st.lists(_step, max_size=60),
)
def test_sum_of_deltas_is_the_true_number_of_crossings(
    bits: int, start: int, near_wrap: bool, steps: list[tuple[str, int]]
) -> None:
    """The device counts people; between two readings at most MAX_STEP pass. A reset (power
    cut) restarts the device at 0 and then people are counted; a reconnect changes nothing
    on the device (the tracker is kept). Readings may be missed while disconnected."""
    modulus = 2**bits
    device = (modulus - 50 - start % 50) if near_wrap else start % modulus
    tracker = TotalsTracker(bits=bits, max_step=MAX_STEP, last=device)
    true_total = counted = 0
    for kind, people in steps:
        before = device
        if kind == "reset":
            # A reset is only recognisable if going back to `people` cannot be read as
            # counting forward across the wrap (documented limit of TotalsTracker).
            assume(people < before and (people - before) % modulus > MAX_STEP)
            device = people
        else:  # a crossing burst, or people passing while the cable was out
            device = (device + people) % modulus
        true_total += people
        delta, _note = tracker.update(device)
        counted += delta
    assert counted == true_total

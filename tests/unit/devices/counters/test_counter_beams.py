"""The beams' pure state machine: debounced edges -> crossings, direction from two beams."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from devices.counters.beams import CrossingDetector

IN_SEQUENCE = [(False, False), (True, False), (True, True), (False, True), (False, False)]
OUT_SEQUENCE = [(False, False), (False, True), (True, True), (True, False), (False, False)]


def play(
    detector: CrossingDetector,
    levels: list[tuple[bool, bool]],
    step: float = 0.1,
    start: float = 0.0,
    samples_per_step: int = 5,
) -> list[str]:
    """Hold each level for ``step`` s, sampled ``samples_per_step`` times."""
    crossings, now = [], start
    for a, b in levels:
        for _ in range(samples_per_step):
            crossings += detector.sample(now, a, b)
            now += step / samples_per_step
    return crossings


def test_a_then_b_is_in_and_b_then_a_is_out() -> None:
    detector = CrossingDetector(two_beams=True)
    assert play(detector, IN_SEQUENCE) == ["in"]
    assert play(detector, OUT_SEQUENCE, start=10) == ["out"]


def test_turning_back_and_half_crossings_count_nothing() -> None:
    detector = CrossingDetector(two_beams=True)
    turn_back = [(False, False), (True, False), (True, True), (True, False), (False, False)]
    only_a = [(False, False), (True, False), (False, False)]
    assert play(detector, turn_back) == []
    assert play(detector, only_a, start=10) == []
    assert play(detector, IN_SEQUENCE, start=20) == ["in"]


def test_bounces_shorter_than_the_debounce_count_nothing() -> None:
    detector = CrossingDetector(two_beams=False, debounce=0.05)
    crossings = []
    now = 0.0
    for _ in range(20):  # 10 ms pulses, 10 ms apart
        crossings += detector.sample(now, True)
        crossings += detector.sample(now + 0.01, False)
        now += 0.02
    assert crossings == []


def test_single_beam_counts_each_break_as_configured() -> None:
    detector = CrossingDetector(two_beams=False, count_single="out")
    levels = [(False, False), (True, False), (False, False), (True, False), (False, False)]
    assert play(detector, levels) == ["out", "out"]


def test_a_beam_broken_at_start_is_not_a_crossing() -> None:
    detector = CrossingDetector(two_beams=False)
    assert play(detector, [(True, False), (True, False)]) == []


def test_reset_abandons_a_passage_in_progress() -> None:
    detector = CrossingDetector(two_beams=True)
    play(detector, IN_SEQUENCE[:3])
    detector.reset()
    assert play(detector, IN_SEQUENCE[3:], start=10) == []


@given(st.lists(st.sampled_from(["in", "out", "turnback", "bounce"]), max_size=30))
def test_any_mix_of_passages_counts_exactly_the_completed_ones(kinds: list[str]) -> None:
    detector = CrossingDetector(two_beams=True, debounce=0.05)
    sequences = {
        "in": IN_SEQUENCE,
        "out": OUT_SEQUENCE,
        "turnback": [(False, False), (True, False), (True, True), (True, False), (False, False)],
    }
    crossings: list[str] = []
    now = 0.0
    for kind in kinds:
        if kind == "bounce":
            for _ in range(3):
                crossings += detector.sample(now, True, False)
                crossings += detector.sample(now + 0.01, False, False)
                now += 0.02
            continue
        crossings += play(detector, sequences[kind], start=now)
        now += 1.0
    assert crossings == [k for k in kinds if k in ("in", "out")]

"""The beams' pure state machine: debounced edges -> crossings, direction from two beams."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from devices.counters.beams import CrossingDetector
from devices.sim.beams import (
    COM_PORT_OPTION,
    DO,
    IAC,
    NOTIFY_MODEMSTATE,
    SB,
    SE,
    WILL,
    TelnetParser,
)

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


@given(
    st.lists(st.tuples(st.floats(0, 0.2), st.booleans(), st.booleans()), max_size=200),
    st.booleans(),
)
def test_arbitrary_samples_never_raise(samples: list[tuple[float, bool, bool]], two: bool) -> None:
    detector = CrossingDetector(two_beams=two)
    now = 0.0
    for step, a, b in samples:
        now += step
        assert set(detector.sample(now, a, b)) <= {"in", "out"}


@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=10))
def test_rfc2217_server_parser_takes_any_bytes_in_any_chunking(
    data: bytes, cuts: list[int]
) -> None:
    parser = TelnetParser()
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    for start, end in itertools.pairwise(points):
        parser.feed(data[start:end], lambda: 0x30)


def test_rfc2217_server_agrees_to_com_port_option_echoes_settings_and_reports_lines() -> None:
    parser = TelnetParser()
    will_com_port = bytes([IAC, WILL, COM_PORT_OPTION])
    assert parser.feed(will_com_port, lambda: 0) == bytes([IAC, DO, COM_PORT_OPTION])
    assert parser.feed(will_com_port, lambda: 0) == b""  # answered once: no loop
    set_baud = bytes([IAC, SB, COM_PORT_OPTION, 1, 0, 0, 0x25, 0x80, IAC, SE])
    assert parser.feed(set_baud, lambda: 0) == bytes(
        [IAC, SB, COM_PORT_OPTION, 101, 0, 0, 0x25, 0x80, IAC, SE]
    )
    poll = bytes([IAC, SB, COM_PORT_OPTION, NOTIFY_MODEMSTATE, IAC, SE])
    assert parser.feed(poll, lambda: 0x30) == bytes([IAC, SB, COM_PORT_OPTION, 107, 0x30, IAC, SE])

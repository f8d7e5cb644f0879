"""The alarm input's pure parts: the debounce and minimum-gap state machine, the settings."""

from __future__ import annotations

import pytest

from devices.alarm import AlarmDetector, AlarmSettings


def _feed(detector: AlarmDetector, samples: list[tuple[float, bool]]) -> list[float]:
    """The times at which an alarm was raised."""
    return [t for t, level in samples if detector.sample(t, level)]


def _steady(start: float, end: float, level: bool) -> list[tuple[float, bool]]:
    """Samples every 10 ms from ``start`` to ``end`` (seconds), stamped in whole
    milliseconds: the detectors here count in ms, so no float rounding blurs a boundary."""
    return [(ms, level) for ms in range(round(start * 1000), round(end * 1000), 10)]


def test_one_steady_ring_is_one_alarm_raised_after_the_debounce() -> None:
    detector = AlarmDetector(debounce=50, min_gap=5000)
    samples = _steady(0, 1, False) + _steady(1, 6, True) + _steady(6, 7, False)
    assert _feed(detector, samples) == [1050]


def test_a_bell_pulsing_for_five_seconds_is_one_alarm() -> None:
    detector = AlarmDetector(debounce=50, min_gap=2000)
    samples = _steady(0, 1, False)
    for second in range(1, 6):  # on 0.5 s, off 0.5 s, five times
        samples += _steady(second, second + 0.5, True) + _steady(second + 0.5, second + 1, False)
    assert len(_feed(detector, samples)) == 1


def test_a_new_alarm_counts_once_the_line_was_quiet_for_the_minimum_gap() -> None:
    detector = AlarmDetector(debounce=50, min_gap=2000)
    samples = _steady(0, 1, False) + _steady(1, 2, True) + _steady(2, 3.5, False)
    samples += _steady(3.5, 4, True)  # 1.5 s after the last active sample: the same alarm
    samples += _steady(4, 6.5, False) + _steady(6.5, 7, True)  # 2.5 s quiet: a new one
    assert _feed(detector, samples) == [1050, 6550]


def test_spikes_shorter_than_the_debounce_raise_nothing() -> None:
    detector = AlarmDetector(debounce=50, min_gap=0)
    samples = _steady(0, 1, False)
    for i in range(20):
        at = 1000 + i * 100
        samples += [(at, True), (at + 40, False), (at + 50, False)]
    assert _feed(detector, samples) == []


def test_active_low_alarms_when_the_line_drops() -> None:
    detector = AlarmDetector(debounce=50, min_gap=1000, active_high=False)
    samples = _steady(0, 1, True) + _steady(1, 2, False) + _steady(2, 3, True)
    assert _feed(detector, samples) == [1050]


def test_a_line_already_alarming_at_connect_is_not_counted_again_after_a_reconnect() -> None:
    detector = AlarmDetector(debounce=50, min_gap=1000)
    assert _feed(detector, _steady(0, 1, False) + _steady(1, 2, True)) == [1050]
    detector.reset()  # the port was lost and reopened while the gate still rang
    assert _feed(detector, _steady(2, 3, True) + _steady(3, 3.5, False)) == []
    assert _feed(detector, _steady(3.5, 4, True)) == []  # within the gap of that ring
    assert _feed(detector, _steady(4, 6, False) + _steady(6, 6.5, True)) == [6050]


def test_zero_debounce_and_gap_count_every_rise() -> None:
    detector = AlarmDetector(debounce=0.0, min_gap=0.0)
    samples = [(0, False), (1, True), (2, False), (3, True), (4, False), (5, True)]
    assert _feed(detector, samples) == [1, 3, 5]


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"line": "rts"}, "line"),
        ({"active": "up"}, "active"),
        ({"debounce": -1}, "debounce"),
        ({"debounce": float("nan")}, "debounce"),
        ({"min_gap": 4000}, "min_gap"),
        ({"device_id": "gate alarm"}, "id"),
        ({"url": " "}, "url"),
        ({"url": "/dev/tty\x1bS0"}, "url"),
        ({"interval": 0}, "interval"),
    ],
)
def test_bad_settings_name_the_setting(changes: dict[str, object], names: str) -> None:
    values: dict[str, object] = {"url": "/dev/ttyS0", **changes}
    with pytest.raises(ValueError, match=f"^{names}:"):
        AlarmSettings(**values)  # type: ignore[arg-type]


def test_default_settings() -> None:
    settings = AlarmSettings("/dev/ttyS0")
    assert (settings.device_id, settings.line, settings.active) == ("alarm", "cts", "high")
    assert (settings.debounce, settings.min_gap) == (0.05, 5.0)

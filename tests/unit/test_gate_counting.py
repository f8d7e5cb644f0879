"""The gate's pure counting rules: clock-aligned intervals, occupancy clamp and reset."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from devices.counters.events import CounterReading
from kiosk.gate.counting import GateBook, interval_start, last_closing

JAKARTA = ZoneInfo("Asia/Jakarta")
UTC = dt.UTC


def _at(hour: int, minute: int, second: int = 0, day: int = 21) -> dt.datetime:
    """A Jakarta local time on 2026-11-<day>."""
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=JAKARTA)


def _reading(entered: int, left: int, device: str = "gate1") -> CounterReading:
    return CounterReading(device, "/dev/x", 100 + entered, 50 + left, entered, left)


@pytest.mark.parametrize(
    ("minutes", "local", "start"),
    [
        (15, (9, 14, 59), (9, 0)),
        (15, (9, 15, 0), (9, 15)),
        (15, (9, 59, 59), (9, 45)),
        (1, (9, 7, 30), (9, 7)),
        (60, (9, 59, 0), (9, 0)),
        (10, (0, 5, 0), (0, 0)),
    ],
)
def test_intervals_start_on_the_clock(
    minutes: int, local: tuple[int, int, int], start: tuple[int, int]
) -> None:
    got = interval_start(_at(*local), minutes)
    assert got.tzinfo is UTC
    assert got == _at(*start).astimezone(UTC)


def test_interval_refuses_a_length_that_does_not_divide_an_hour_and_naive_times() -> None:
    with pytest.raises(ValueError, match="divide 60"):
        interval_start(_at(9, 0), 7)
    with pytest.raises(ValueError, match="naive"):
        interval_start(dt.datetime(2026, 11, 21, 9, 0), 15)


def test_last_closing_is_today_after_closing_and_yesterday_before() -> None:
    closing = dt.time(16, 0)
    assert last_closing(_at(15, 59), closing, JAKARTA) == dt.date(2026, 11, 20)
    assert last_closing(_at(16, 0), closing, JAKARTA) == dt.date(2026, 11, 21)
    # 23:30 UTC on the 20th is 06:30 on the 21st in Jakarta: the local date counts.
    early = dt.datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    assert last_closing(early, closing, JAKARTA) == dt.date(2026, 11, 20)


def _book(occupancy: int = 0, reset_on: dt.date | None = None) -> GateBook:
    return GateBook(
        interval_minutes=15,
        closing=dt.time(16, 0),
        zone=JAKARTA,
        occupancy=occupancy,
        reset_on=reset_on,
    )


def test_occupancy_is_in_minus_out_over_all_counters_clamped_at_zero() -> None:
    book = _book()
    book.reading(_reading(3, 0, "a"), _at(9, 0))
    book.reading(_reading(0, 1, "b"), _at(9, 1))
    assert book.occupancy == 2
    book.reading(_reading(0, 5, "a"), _at(9, 2))  # more out than in: someone slipped in
    assert book.occupancy == 0
    book.reading(_reading(1, 0, "b"), _at(9, 3))
    assert book.occupancy == 1  # counts up from zero, not from -3


def test_a_reading_changes_its_devices_interval_and_carries_the_raw_totals() -> None:
    change = _book().reading(_reading(2, 1), _at(9, 20))
    assert change.device_id == "gate1"
    assert change.start == _at(9, 15).astimezone(UTC)
    assert (change.entered, change.left, change.alarms) == (2, 1, 0)
    assert change.totals == (102, 51)
    alarm = _book().alarm("alarm1", _at(9, 44))
    assert (alarm.alarms, alarm.totals, alarm.start) == (1, None, _at(9, 30).astimezone(UTC))


def test_occupancy_resets_at_closing_time_once_a_day() -> None:
    book = _book(occupancy=40, reset_on=dt.date(2026, 11, 20))
    assert not book.closing_reset(_at(15, 59))
    assert book.occupancy == 40
    assert book.closing_reset(_at(16, 0))
    assert (book.occupancy, book.reset_on) == (0, dt.date(2026, 11, 21))
    book.reading(_reading(5, 0), _at(16, 5))  # staff still leaving, a late visitor
    assert not book.closing_reset(_at(23, 0))
    assert book.occupancy == 5


def test_occupancy_resets_when_the_gate_was_down_at_closing_time() -> None:
    # Stored at 15:00 on the 20th; the gate comes back at 08:00 on the 22nd.
    book = _book(occupancy=17, reset_on=dt.date(2026, 11, 19))
    assert book.closing_reset(_at(8, 0, day=22))
    assert (book.occupancy, book.reset_on) == (0, dt.date(2026, 11, 21))


def test_a_first_start_keeps_its_occupancy_and_records_the_last_closing() -> None:
    book = _book()
    assert book.closing_reset(_at(10, 0))
    assert (book.occupancy, book.reset_on) == (0, dt.date(2026, 11, 20))
    book.reading(_reading(4, 0), _at(10, 1))
    assert not book.closing_reset(_at(15, 0))
    assert book.occupancy == 4


def test_a_stored_negative_occupancy_starts_at_zero() -> None:
    assert _book(occupancy=-3).occupancy == 0

"""FigureBuilder's local days and hours where the offset is not whole hours, or changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kiosk.core.visit_figures import FigureBuilder, Period

NO_ANSWERS = (None, None, None, None, None)


def test_a_quarter_hour_offset_puts_each_quarter_in_its_local_day_and_hour() -> None:
    # Asia/Kathmandu is UTC+05:45: 18:00 UTC is 23:45 local, 18:15 UTC is next midnight.
    builder = FigureBuilder(ZoneInfo("Asia/Kathmandu"), dt.date(2026, 1, 1), dt.date(2026, 1, 2))
    builder.add_visit("2026-01-01T18:00", "guest", NO_ANSWERS, 1, None, None)
    builder.add_visit("2026-01-01T18:15", "member", NO_ANSWERS, 1, None, None, visits=3)
    figures = builder.figures(["thursday", "friday"], [])
    day_one, day_two = figures.rows(Period.DAY)
    assert (day_one.tally.guests, day_one.tally.members) == (1, 0)
    assert (day_two.tally.guests, day_two.tally.members) == (0, 3)
    hours = figures.rows(Period.HOUR)
    assert (hours[23].tally.visitors, hours[0].tally.visitors) == (1, 3)


def test_the_range_bounds_follow_daylight_saving_time() -> None:
    # Berlin goes from UTC+1 to UTC+2 on 29 March 2026.
    builder = FigureBuilder(ZoneInfo("Europe/Berlin"), dt.date(2026, 3, 29), dt.date(2026, 3, 30))
    start, end = builder.bounds()
    assert start == dt.datetime(2026, 3, 28, 23, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 30, 22, tzinfo=dt.UTC)
    builder.add_visit("2026-03-29T22:00", "guest", NO_ANSWERS, 1, None, None)  # 30th, 00:00
    builder.add_gate("2026-03-29T21:45", entered=4, alarms=1)  # 29th, 23:45
    sunday, monday = builder.figures(["monday"], []).rows(Period.DAY)
    assert (sunday.tally.gate_entered, sunday.tally.visitors) == (4, 0)
    assert (monday.tally.gate_entered, monday.tally.visitors) == (0, 1)
    # Sunday is not an opening weekday, but the gate counted people: it was open.
    assert (sunday.opening_days, monday.opening_days) == (1, 1)


def test_a_group_counts_its_people_by_its_split_and_its_answers_for_everyone() -> None:
    builder = FigureBuilder(ZoneInfo("Asia/Jakarta"), dt.date(2026, 5, 4), dt.date(2026, 5, 4))
    answers = ("event", "female", None, "junior_high", None)  # the leader's sex: not used
    builder.add_visit("2026-05-04T02:00", "group", answers, 20, 8, 9, visits=2)
    total = builder.figures([], []).total().tally
    assert (total.groups, total.group_people, total.visitors) == (2, 40, 40)
    assert total.breakdown["sex"] == {"male": 16, "female": 18, None: 6}
    assert total.breakdown["purpose"] == {"event": 40}
    assert total.breakdown["education"] == {"junior_high": 40}

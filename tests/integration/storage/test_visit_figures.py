"""Visit figures read from a real SQLite store and folded into local periods.

The seeded week (Asia/Jakarta, UTC+7) runs Monday 2026-03-30 to Sunday 2026-04-05: it
crosses the Q1/Q2 boundary at 17:00 UTC on 31 March (midnight in Jakarta), has Good Friday
(3 April) as a holiday and a Sunday event. Every expected figure is counted by hand below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.storage.visit_week import FIRST, GOOD_FRIDAY, JAKARTA, LAST, OPENING, seed
from sqlalchemy import Engine

from kiosk.core.visit_figures import FigureBuilder, Figures, Period
from kiosk.storage.db import open_store
from kiosk.storage.visit_figures import read_figures


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    seed(engine)
    yield engine
    engine.dispose()


def figures_of(engine: Engine, first: dt.date = FIRST, last: dt.date = LAST) -> Figures:
    builder = FigureBuilder(JAKARTA, first, last)
    read_figures(engine, builder)
    return builder.figures(OPENING, [GOOD_FRIDAY])


def test_the_quarter_boundary_is_midnight_in_jakarta_not_in_utc(store: Engine) -> None:
    q1, q2 = figures_of(store).rows(Period.QUARTER)
    assert (q1.key, q1.first, q1.last) == ("2026-Q1", FIRST, dt.date(2026, 3, 31))
    assert (q2.key, q2.first, q2.last) == ("2026-Q2", dt.date(2026, 4, 1), LAST)
    # 16:59:59 UTC on 31 March is Q1; 17:00:00 UTC is 1 April in Jakarta: Q2.
    assert (q1.tally.members, q1.tally.guests, q1.tally.visitors) == (1, 0, 1)
    # The member scanned at the gate on 4 April is no guest-book visit: counted apart.
    assert (q2.tally.members, q2.tally.guests, q2.tally.groups) == (0, 2, 1)
    assert (q2.tally.group_people, q2.tally.visitors, q2.tally.gate_members) == (31, 33, 1)
    assert (q1.tally.gate_entered, q2.tally.gate_entered) == (5, 48)
    assert (q1.tally.gate_alarms, q2.tally.gate_alarms) == (0, 2)


def test_days_split_at_local_midnight_and_rows_outside_the_range_are_left_out(
    store: Engine,
) -> None:
    days = {row.key: row.tally for row in figures_of(store).rows(Period.DAY)}
    assert list(days) == [f"2026-03-{d}" for d in (30, 31)] + [f"2026-04-0{d}" for d in range(1, 6)]
    assert days["2026-03-30"].empty  # the 29 March visit is before the range
    assert (days["2026-03-31"].visitors, days["2026-03-31"].gate_entered) == (1, 5)
    assert (days["2026-04-01"].visitors, days["2026-04-01"].gate_entered) == (32, 48)
    assert days["2026-04-05"].visitors == 1  # not the 6 April guest, nor its gate count


def test_the_average_per_opening_day_counts_open_weekdays_and_days_with_visitors(
    store: Engine,
) -> None:
    figures = figures_of(store)
    # Mon 30, Tue 31, Wed 1, Thu 2, Sat 4 by the calendar; Good Friday closed; Sunday 5
    # counted someone, so it was open: 6 days.
    assert sorted(day.day for day in figures.open_days) == [1, 2, 4, 5, 30, 31]
    total = figures.total()
    assert (total.opening_days, total.tally.visitors, total.tally.gate_entered) == (6, 34, 53)
    assert total.per_opening_day(total.tally.visitors) == 5.7  # 34 / 6
    assert total.per_opening_day(total.tally.gate_entered) == 8.8  # 53 / 6
    q1, q2 = figures.rows(Period.QUARTER)
    assert (q1.opening_days, q1.per_opening_day(q1.tally.visitors)) == (2, 0.5)
    assert (q2.opening_days, q2.per_opening_day(q2.tally.visitors)) == (4, 8.2)  # 33 / 4
    assert q2.per_opening_day(q2.tally.gate_entered) == 12.0  # 48 / 4


def test_hours_of_the_day_are_local_hours(store: Engine) -> None:
    hours = figures_of(store).rows(Period.HOUR)
    assert [row.key for row in hours] == [f"{h:02d}" for h in range(24)]
    busy = {row.key: (row.tally.visitors, row.tally.gate_entered) for row in hours}
    assert {k: v for k, v in busy.items() if v != (0, 0)} == {
        "00": (1, 7),
        "09": (31, 41),
        "11": (1, 0),
        "23": (1, 5),
    }
    assert hours[9].tally.gate_alarms == 2
    assert hours[10].tally.gate_members == 1  # the gate's card scan, 10:00 local
    assert all(row.opening_days == 6 for row in hours)


def test_breakdowns_count_people_and_keep_unanswered_apart(store: Engine) -> None:
    breakdown = figures_of(store).total().tally.breakdown
    assert breakdown["purpose"] == {
        "reading": 1,
        "study": 1,
        "event": 31,
        "internet": 1,
    }  # not the gate's card scan: the gate asks nothing, and it is no guest-book visit
    # A group's people by its split; the rest of the group and the unasked are apart.
    assert breakdown["sex"] == {"female": 16, "male": 12, None: 6}
    assert breakdown["age_band"] == {"13_18": 1, None: 33}
    assert breakdown["occupation"] == {"school_student": 1, "teacher": 31, None: 2}
    for codes in breakdown.values():
        assert sum(codes.values()) == 34


def test_months_and_years_sum_the_same_days(store: Engine) -> None:
    figures = figures_of(store)
    march, april = figures.rows(Period.MONTH)
    (year,) = figures.rows(Period.YEAR)
    assert (march.key, march.tally.visitors, april.key, april.tally.visitors) == (
        "2026-03",
        1,
        "2026-04",
        33,
    )
    assert (year.key, year.tally.visitors, year.tally.gate_entered) == ("2026", 34, 53)
    assert (march.tally.gate_members, april.tally.gate_members, year.tally.gate_members) == (
        0,
        1,
        1,
    )


def test_an_empty_store_gives_zero_rows_for_every_period(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "kiosk.sqlite3")
    figures = figures_of(engine, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    engine.dispose()
    assert [row.key for row in figures.rows(Period.QUARTER)] == [f"2026-Q{q}" for q in (1, 2, 3, 4)]
    assert len(figures.rows(Period.DAY)) == 365
    total = figures.total()
    assert total.tally.visitors == 0 and total.tally.gate_entered == 0
    # 365 days, 52 Sundays in 2026, and Good Friday: 312 opening days by the calendar.
    assert total.opening_days == 312

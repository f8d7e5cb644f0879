"""Visit figures for `kiosk visits`: guest-book visits and gate counts per local period.

The store streams its rows of the range; :class:`FigureBuilder` folds each into its
local day and hour of the day, through its UTC quarter hour (every real time-zone offset
is a multiple of 15 minutes, so a quarter hour falls in one local hour and one local day,
DST or not), and :class:`Figures` sums days into months, quarters and years. Memory is
bounded by the number of days in the range, never by the number of visits.

Two counts are kept apart on purpose. *Visitors* are the guest book's people (a member's
scan, a guest's form, a group's size). *Gate entered* is everyone the gate's counters saw
walk in, guest-book visitors included: the two are shown side by side and never added.

An *opening day* is a day in the range whose weekday is in ``[visits] opening_days`` and
that is not in ``[visits] holidays``, and also any other day on which the guest book or the
gate counted someone (the library opened for an event on a Sunday: it was open).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

from kiosk.core.visits import LISTS

DIMENSIONS = LISTS
"""The guest book's statistics lists, in report order (the form's order)."""

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""``[visits] opening_days`` names, index = ``date.weekday()``."""

KINDS = ("member", "guest", "group")


class Period(StrEnum):
    """How rows are grouped."""

    HOUR = "hour"  # hour of the day, over the whole range (24 rows)
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass
class Tally:
    """What was counted in one period.

    ``breakdown[dimension][code]`` counts people (a group's size, not 1); the code ``None``
    is "not asked or not answered".
    """

    members: int = 0
    guests: int = 0
    groups: int = 0  # group visits (forms)
    group_people: int = 0  # the people those groups brought
    gate_entered: int = 0
    gate_alarms: int = 0
    # Members identified by the gate's card scanner (visits.source = "gate"): no guest-book
    # entry, and already among gate_entered, so neither added to visitors nor to the gate.
    gate_members: int = 0
    breakdown: dict[str, dict[str | None, int]] = field(
        default_factory=lambda: {name: {} for name in DIMENSIONS}
    )

    @property
    def visitors(self) -> int:
        """The guest book's people: members + guests + the people of groups."""
        return self.members + self.guests + self.group_people

    @property
    def empty(self) -> bool:
        """Nothing was counted, by the guest book or by the gate."""
        return (
            self.visitors == 0
            and self.groups == 0
            and self.gate_entered == 0
            and self.gate_members == 0
        )

    def add(self, other: Tally) -> None:
        """Add another period's counts into this one."""
        self.members += other.members
        self.guests += other.guests
        self.groups += other.groups
        self.group_people += other.group_people
        self.gate_entered += other.gate_entered
        self.gate_alarms += other.gate_alarms
        self.gate_members += other.gate_members
        for name, codes in other.breakdown.items():
            mine = self.breakdown[name]
            for code, people in codes.items():
                mine[code] = mine.get(code, 0) + people


@dataclass(frozen=True)
class PeriodRow:
    """One row of a report: a period, its opening days and its counts."""

    period: Period
    key: str  # "2026", "2026-Q1", "2026-01", "2026-01-31", or "08" (08:00-08:59)
    first: dt.date | None  # the period's first and last day within the range (None: hours)
    last: dt.date | None
    opening_days: int
    tally: Tally

    def per_opening_day(self, count: int) -> float | None:
        """``count`` divided by the opening days (None when there were none)."""
        return round(count / self.opening_days, 1) if self.opening_days else None


class FigureBuilder:
    """Folds the store's rows into local days and hours of the day, as they stream by.

    Times come as UTC quarter hours cut from the stored text (``2026-01-31T03:45``); each
    is turned into a local day and hour once.
    """

    def __init__(self, zone: ZoneInfo, first: dt.date, last: dt.date) -> None:
        """Args:
        zone: the library's time zone (``[kiosk] timezone``).
        first: the first local day of the range.
        last: the last local day of the range (inclusive; not before ``first``).
        """
        if last < first:
            raise ValueError(f"the range ends ({last}) before it starts ({first})")
        self.zone = zone
        self.first = first
        self.last = last
        self._days: dict[dt.date, Tally] = {}
        self._hours = [Tally() for _ in range(24)]
        self._quarters: dict[str, tuple[Tally, Tally]] = {}

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The range as UTC instants: [first day's local midnight, the next day's after last)."""
        start = dt.datetime.combine(self.first, dt.time(), self.zone)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), self.zone)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def _tallies(self, quarter: str) -> tuple[Tally, Tally]:
        """The day's and the hour's tallies of a UTC quarter hour (``2026-01-31T03:45``)."""
        key = quarter[:16]
        tallies = self._quarters.get(key)
        if tallies is None:
            local = dt.datetime.fromisoformat(f"{key}:00+00:00").astimezone(self.zone)
            day = self._days.get(local.date())
            if day is None:
                day = self._days[local.date()] = Tally()
            tallies = self._quarters[key] = (day, self._hours[local.hour])
        return tallies

    def add_visit(
        self,
        quarter: str,
        kind: str,
        answers: Sequence[str | None],
        people: int,
        people_male: int | None,
        people_female: int | None,
        visits: int = 1,
        source: str = "kiosk",
    ) -> None:
        """Visits alike.

        Args:
            quarter: the UTC quarter hour they began in, ``2026-01-31T03:45`` (or any
                stored UTC time whose minutes are a multiple of 15).
            kind: member, guest or group.
            answers: its codes of :data:`DIMENSIONS`, in order (None: not asked/answered).
            people: 1, or a group's size; every answer counts for each of its people.
            people_male: a group's boys and men, where asked (its split by sex).
            people_female: a group's girls and women, where asked.
            visits: how many such visits (each with these answers and this size).
            source: where they were taken: ``kiosk`` (the guest book) or ``gate`` (a
                member's card at the gate's scanner: counted apart, with no answers).
        """
        everyone = people * visits
        if source == "gate" and kind == "member":
            for tally in self._tallies(quarter):
                tally.gate_members += everyone
            return
        group = kind == "group"
        # A group's people by sex are its split; the leader's own sex is not the group's.
        male, female = people_male or 0, people_female or 0
        split = (("male", male), ("female", female), (None, max(people - male - female, 0)))
        for tally in self._tallies(quarter):
            if group:
                tally.groups += visits
                tally.group_people += everyone
            elif kind == "member":
                tally.members += everyone
            else:
                tally.guests += everyone
            for name, code in zip(DIMENSIONS, answers, strict=True):
                codes = tally.breakdown[name]
                if group and name == "sex":
                    for sex, count in split:
                        if count:
                            codes[sex] = codes.get(sex, 0) + count * visits
                else:
                    codes[code] = codes.get(code, 0) + everyone

    def add_gate(self, quarter: str, entered: int, alarms: int) -> None:
        """Gate intervals that began in a UTC quarter hour: people in, alarms."""
        for tally in self._tallies(quarter):
            tally.gate_entered += entered
            tally.gate_alarms += alarms

    def figures(self, opening_days: Iterable[str], holidays: Iterable[dt.date]) -> Figures:
        """The folded counts and the range's opening days."""
        weekdays = {WEEKDAYS.index(name) for name in opening_days}
        closed = set(holidays)
        days = [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]
        open_days = frozenset(
            day
            for day in days
            if (day.weekday() in weekdays and day not in closed)
            or not self._days.get(day, Tally()).empty
        )
        return Figures(self.first, self.last, self._days, self._hours, open_days)


class Figures:
    """The counts of a range, by day and by hour of the day; rows for any :class:`Period`."""

    def __init__(
        self,
        first: dt.date,
        last: dt.date,
        days: Mapping[dt.date, Tally],
        hours: Sequence[Tally],
        open_days: frozenset[dt.date],
    ) -> None:
        self.first = first
        self.last = last
        self._days = days
        self._hours = hours
        self.open_days = open_days

    def rows(self, period: Period) -> list[PeriodRow]:
        """Every period of the range in order, empty ones included."""
        if period is Period.HOUR:
            every = len(self.open_days)
            return [
                PeriodRow(period, f"{hour:02d}", None, None, every, tally)
                for hour, tally in enumerate(self._hours)
            ]
        rows: list[PeriodRow] = []
        day = self.first
        while day <= self.last:
            key, end = _period_of(period, day)
            first, last = day, min(end, self.last)
            tally = Tally()
            opening = 0
            while day <= last:
                if day in self._days:
                    tally.add(self._days[day])
                opening += day in self.open_days
                day += dt.timedelta(days=1)
            rows.append(PeriodRow(period, key, first, last, opening, tally))
        return rows

    def total(self) -> PeriodRow:
        """The whole range as one row."""
        tally = Tally()
        for day_tally in self._days.values():
            tally.add(day_tally)
        key = f"{self.first.isoformat()}..{self.last.isoformat()}"
        return PeriodRow(Period.DAY, key, self.first, self.last, len(self.open_days), tally)


def _period_of(period: Period, day: dt.date) -> tuple[str, dt.date]:
    """The key of the period holding ``day`` and the period's last day."""
    if period is Period.DAY:
        return day.isoformat(), day
    if period is Period.MONTH:
        start = day.replace(day=1)
        return f"{day:%Y-%m}", _month_end(start)
    if period is Period.QUARTER:
        quarter = (day.month - 1) // 3 + 1
        return f"{day.year}-Q{quarter}", _month_end(dt.date(day.year, quarter * 3, 1))
    return f"{day.year}", dt.date(day.year, 12, 31)


def _month_end(start: dt.date) -> dt.date:
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)

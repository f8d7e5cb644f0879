"""The tables of `kiosk visits`, in the chosen language: shaped once, written as text, CSV
or spreadsheet sheets by the command.

Guest-book columns and gate columns are named apart ("Guest book: ...", "Gate: ...") and
never summed; every table carries the note that a guest-book visitor also passed the gate.
No name, institution, card number or visitor key is ever a cell: the figures have none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kiosk.core.i18n import Translator
from kiosk.core.visit_figures import DIMENSIONS, Figures, Period, PeriodRow, Tally

Cell = str | int | float | None
Labeller = Callable[[str, str], str]
"""(list name, code) -> the code's label in the report's language (GuestBookPolicy.label)."""


@dataclass(frozen=True)
class Table:
    """A titled table: a header row and data rows; ``total`` (if any) is the last row."""

    name: str  # short, for a sheet's tab (at most 31 characters)
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None


class VisitTables:
    """Builds the report's tables from :class:`Figures` in one language."""

    def __init__(
        self,
        figures: Figures,
        translate: Translator,
        label: Labeller,
        lists: Mapping[str, Sequence[str]],
    ) -> None:
        """Args:
        figures: the counts of the range.
        translate: the report's language (``visits.*`` keys).
        label: a code's label (configured, else its ``guestbook.<list>.<code>`` text).
        lists: the codes each list offers, in order (the rows of its breakdown).
        """
        self.figures = figures
        self._ = translate
        self._label = label
        total = figures.total().tally.breakdown
        # Offered codes in their order, then codes stored earlier but no longer offered.
        self.codes: dict[str, tuple[str | None, ...]] = {}
        for name in DIMENSIONS:
            offered = tuple(lists.get(name, ()))
            seen = sorted(code for code in total[name] if code is not None and code not in offered)
            self.codes[name] = (*offered, *seen, None)

    @property
    def note(self) -> str:
        """The one line that keeps gate counts and guest-book visits apart."""
        return self._("visits.note")

    @property
    def range_recorded(self) -> str:
        """The line saying the range starts on the first day anything was recorded."""
        return self._("visits.range_recorded")

    def title(self, library: str, zone: str) -> str:
        """The report's heading: library, range and time zone."""
        return self._(
            "visits.title",
            library=library,
            first=self.figures.first.isoformat(),
            last=self.figures.last.isoformat(),
            zone=zone,
        )

    def code_label(self, name: str, code: str | None) -> str:
        """A breakdown row's label; ``None`` is "not asked / not answered"."""
        return self._("visits.unanswered") if code is None else self._label(name, code)

    def periods(self, period: Period, *, breakdowns: bool = False, dates: bool = True) -> Table:
        """One row per period of the range (hours: of the day), and the total.

        Args:
            period: how rows are grouped.
            breakdowns: add a column per list and code (people), for CSV.
            dates: give each period's first and last day in the range (not for hours).
        """
        first = self._("visits.col.hour" if period is Period.HOUR else "visits.col.period")
        header = [first, self._("visits.col.from"), self._("visits.col.to"), *self._figure_header()]
        if breakdowns:
            header += [
                f"{self._(f'visits.breakdown.{name}')}: {self.code_label(name, code)}"
                for name in DIMENSIONS
                for code in self.codes[name]
            ]
        rows = tuple(self._row(row, breakdowns) for row in self.figures.rows(period))
        total = (self._("visits.total"), *self._row(self.figures.total(), breakdowns)[1:])
        if period is Period.HOUR or not dates:  # hours of the day have no dates of their own
            header = [header[0], *header[3:]]
            rows = tuple((row[0], *row[3:]) for row in rows)
            total = (total[0], *total[3:])
        return Table(
            self._(f"visits.sheet.{period.value}"),
            self._(f"visits.sheet.{period.value}"),
            tuple(header),
            rows,
            total,
        )

    def summary(self) -> Table:
        """Quarters, then years, then the whole range: what is reported upward."""
        rows = tuple(
            self._row(row, False)
            for period in (Period.QUARTER, Period.YEAR)
            for row in self.figures.rows(period)
        )
        header = (
            self._("visits.col.period"),
            self._("visits.col.from"),
            self._("visits.col.to"),
            *self._figure_header(),
        )
        total = (self._("visits.total"), *self._row(self.figures.total(), False)[1:])
        name = self._("visits.sheet.summary")
        return Table(name, name, header, rows, total)

    @property
    def breakdowns_name(self) -> str:
        """The breakdowns' sheet name."""
        return self._("visits.sheet.breakdowns")

    def written(self, path: str) -> str:
        """The line saying a file was written."""
        return self._("visits.written", path=path)

    def breakdowns(self, by: Period | None = Period.QUARTER) -> list[Table]:
        """Per list (and the kind of visitor): people per code (per ``by`` period, unless
        None), in the whole range, and its share of the guest book's visitors."""
        periods = self.figures.rows(by) if by is not None else []
        whole = self.figures.total().tally
        keys = tuple(row.key for row in periods)
        header = ("", *keys, self._("visits.col.people"), self._("visits.col.share"))
        tables = [self._kinds(periods, whole, header)]
        for name in DIMENSIONS:
            rows: list[tuple[Cell, ...]] = []
            for code in self.codes[name]:
                counts: list[Cell] = [row.tally.breakdown[name].get(code, 0) for row in periods]
                people = whole.breakdown[name].get(code, 0)
                rows.append((self.code_label(name, code), *counts, people, _share(people, whole)))
            title = self._(f"visits.breakdown.{name}")
            tables.append(Table(title, title, header, tuple(rows), self._total(periods, whole)))
        return tables

    def _total(self, periods: Sequence[PeriodRow], whole: Tally) -> tuple[Cell, ...]:
        """A breakdown's last row: every visitor is in one row of each list, "not answered"
        included, so the total is the guest book's visitors (100 %)."""
        counts: list[Cell] = [row.tally.visitors for row in periods]
        share = 100.0 if whole.visitors else None
        return (self._("visits.total"), *counts, whole.visitors, share)

    def _kinds(self, periods: Sequence[PeriodRow], whole: Tally, header: tuple[str, ...]) -> Table:
        rows: list[tuple[Cell, ...]] = []
        for key, attribute, counts_people in (
            ("visits.kind.member", "members", True),
            ("visits.kind.guest", "guests", True),
            ("visits.kind.group_people", "group_people", True),
            ("visits.kind.group_visits", "groups", False),
            ("visits.kind.gate_members", "gate_members", False),  # not guest-book visitors
        ):
            counts: list[Cell] = [int(getattr(row.tally, attribute)) for row in periods]
            value = int(getattr(whole, attribute))
            share = _share(value, whole) if counts_people else None
            rows.append((self._(key), *counts, value, share))
        title = self._("visits.breakdown.kind")
        return Table(title, title, header, tuple(rows), self._total(periods, whole))

    def _figure_header(self) -> list[str]:
        keys = (
            "members",
            "guests",
            "groups",
            "group_people",
            "visitors",
            "opening_days",
            "visitors_per_day",
            "gate_entered",
            "gate_per_day",
            "gate_alarms",
            "gate_members",
        )
        return [self._(f"visits.col.{key}") for key in keys]

    def _row(self, row: PeriodRow, breakdowns: bool) -> tuple[Cell, ...]:
        tally = row.tally
        cells: list[Cell] = [
            row.key,
            row.first.isoformat() if row.first else None,
            row.last.isoformat() if row.last else None,
            tally.members,
            tally.guests,
            tally.groups,
            tally.group_people,
            tally.visitors,
            row.opening_days,
            row.per_opening_day(tally.visitors),
            tally.gate_entered,
            row.per_opening_day(tally.gate_entered),
            tally.gate_alarms,
            tally.gate_members,
        ]
        if breakdowns:
            cells += [
                tally.breakdown[name].get(code, 0)
                for name in DIMENSIONS
                for code in self.codes[name]
            ]
        return tuple(cells)


def _share(people: int, whole: Tally) -> float | None:
    """Percent of the range's guest-book visitors, one decimal (None when there were none)."""
    return round(100 * people / whole.visitors, 1) if whole.visitors else None

"""Reading visit figures from the local store (`kiosk visits`), aggregated in SQLite.

Each query groups one table's rows of the range by UTC quarter hour (the stored text
``2026-01-31T03:04:05.000006+00:00`` cut to ``2026-01-31T03:00``) and one column, and the
rows stream into :class:`~kiosk.core.visit_figures.FigureBuilder`, which turns quarter
hours into local days and hours. A year of a busy library is a few thousand quarter hours
per query, whatever the number of visits. Names, institutions and visitor keys are never
selected: they are not report data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from kiosk.core.ports import StorageFailed
from kiosk.core.visit_figures import DIMENSIONS, FigureBuilder

# Quarter hour of a stored UTC time: "YYYY-MM-DDTHH:" + 00/15/30/45.
_QUARTER = (
    "substr({col}, 1, 14) || printf('%02d', (CAST(substr({col}, 15, 2) AS INTEGER) / 15) * 15)"
)
_VISITS = _QUARTER.format(col="occurred_at")
_GATE = _QUARTER.format(col="interval_start")
_RANGE = "occurred_at >= :start AND occurred_at < :end"

_KIND_SQL = text(
    f"SELECT {_VISITS} AS q, kind, count(*), sum(people) FROM visits "
    f"WHERE {_RANGE} GROUP BY q, kind"
)
# A member's or guest's own answer; a group's answer counts for each of its people.
_ANSWER_SQL = {
    name: text(
        f"SELECT {_VISITS} AS q, {name}, sum(people) FROM visits "
        f"WHERE {_RANGE}{' AND kind != ' + repr('group') if name == 'sex' else ''} "
        f"GROUP BY q, {name}"
    )
    for name in DIMENSIONS
}
# A group's people by sex are its split (people_male, people_female), where the library
# asks for it; the rest of its people (or all, unasked) are "not answered". The leader's
# own sex is not the group's.
_GROUP_SEX_SQL = text(
    f"SELECT {_VISITS} AS q, sum(coalesce(people_male, 0)), sum(coalesce(people_female, 0)), "
    "sum(max(people - coalesce(people_male, 0) - coalesce(people_female, 0), 0)) "
    f"FROM visits WHERE {_RANGE} AND kind = 'group' GROUP BY q"
)
_GATE_SQL = text(
    f"SELECT {_GATE} AS q, sum(entered), sum(alarms) FROM gate_intervals "
    "WHERE interval_start >= :start AND interval_start < :end GROUP BY q"
)


def _stored(moment: dt.datetime) -> str:
    """An instant as :class:`~kiosk.storage.models.UtcDateTime` stores it (text compares)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _quarter(stored: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stored + "+00:00")


def read_figures(engine: Engine, builder: FigureBuilder) -> None:
    """Feed the builder every count of its range from the store.

    Args:
        engine: the kiosk's (or gate's) store.
        builder: holds the range and the time zone, and receives the counts.

    Raises:
        StorageFailed: the store could not be read (one line for the technician).
    """
    start, end = builder.bounds()
    bounds = {"start": _stored(start), "end": _stored(end)}
    try:
        with engine.connect() as connection:
            for q, kind, visits, people in connection.execute(_KIND_SQL, bounds):
                builder.add_visits(_quarter(q), kind, visits, people)
            for name, query in _ANSWER_SQL.items():
                for q, code, people in connection.execute(query, bounds):
                    builder.add_answers(_quarter(q), name, code, people)
            for q, male, female, unanswered in connection.execute(_GROUP_SEX_SQL, bounds):
                when = _quarter(q)
                for code, people in (("male", male), ("female", female), (None, unanswered)):
                    if people:
                        builder.add_answers(when, "sex", code, people)
            for q, entered, alarms in connection.execute(_GATE_SQL, bounds):
                builder.add_gate(_quarter(q), entered, alarms)
    except SQLAlchemyError as err:
        cause = getattr(err, "orig", None) or err
        first_line = (str(cause).splitlines() or [""])[0][:200]
        raise StorageFailed(
            f"could not read visit figures from the store: {type(cause).__name__}: {first_line}"
        ) from err

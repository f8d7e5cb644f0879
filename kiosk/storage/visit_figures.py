"""Reading visit figures from the local store (`kiosk visits`).

One pass over the visits of the range, cut to UTC quarter hours in SQL and counted alike
in Python, and one pass over the gate's intervals, summed per quarter hour in SQL; the
counts go to :class:`~kiosk.core.visit_figures.FigureBuilder`, which keeps a tally per
local day and hour. Measured on a year of 200 000 visits (docs/architecture.md, "Visit
figures"): SQLite's GROUP BY over quarter hour and codes was slower than this pass, its
sort costing more than the rows it saved. Memory holds at most one entry per distinct
visit of the range (about 200 bytes each) while counting, then a tally per day.

Only the columns a figure needs are selected: never a name, an institution or a visitor
key, which are not report data.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from kiosk.core.ports import StorageFailed
from kiosk.core.visit_figures import DIMENSIONS, FigureBuilder

_RANGE = "occurred_at >= :start AND occurred_at < :end"
# Quarter hour of a stored UTC time: "YYYY-MM-DDTHH:" + 00/15/30/45.
_QUARTER = (
    "substr({col}, 1, 14) || printf('%02d', (CAST(substr({col}, 15, 2) AS INTEGER) / 15) * 15)"
)
_VISITS = (
    f"SELECT {_QUARTER.format(col='occurred_at')}, kind, {', '.join(DIMENSIONS)}, people, "
    "people_male, people_female, source FROM visits {hint} WHERE " + _RANGE
)
_GATE = (
    f"SELECT {_QUARTER.format(col='interval_start')} AS q, sum(entered), sum(alarms) "
    "FROM gate_intervals WHERE interval_start >= :start AND interval_start < :end GROUP BY q"
)
_MOST = 4
"""Read the whole table (not through the time index) when the range holds more than a
quarter of it: one index lookup per row costs more than a straight scan."""


def _stored(moment: dt.datetime) -> str:
    """An instant as :class:`~kiosk.storage.models.UtcDateTime` stores it (text compares)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def read_figures(engine: Engine, builder: FigureBuilder) -> None:
    """Feed the builder every visit and gate count of its range from the store.

    Args:
        engine: the kiosk's (or gate's) store.
        builder: holds the range and the time zone, and receives the rows.

    Raises:
        StorageFailed: the store could not be read (one line for the technician).
    """
    start, end = builder.bounds()
    bounds = {"start": _stored(start), "end": _stored(end)}
    try:
        with engine.connect() as connection:
            cursor = _cursor(connection)
            in_range = cursor.execute(
                f"SELECT count(*) FROM visits WHERE {_RANGE}", bounds
            ).fetchone()[0]
            everything = cursor.execute("SELECT count(*) FROM visits").fetchone()[0]
            hint = "NOT INDEXED" if in_range * _MOST > everything else ""
            # Visits alike (quarter hour, kind, answers, size) are counted by Counter, in C,
            # and folded once: members' scans without answers collapse to one per quarter.
            alike = Counter(cursor.execute(_VISITS.format(hint=hint), bounds))
            add = builder.add_visit
            for row, visits in alike.items():
                quarter, kind, *answers, people, male, female, source = row
                add(quarter, kind, answers, people, male, female, visits, source)
            del alike
            for quarter, entered, alarms in cursor.execute(_GATE, bounds):
                builder.add_gate(quarter, entered, alarms)
    except (SQLAlchemyError, sqlite3.Error) as err:
        cause = getattr(err, "orig", None) or err
        first_line = (str(cause).splitlines() or [""])[0][:200]
        raise StorageFailed(
            f"could not read visit figures from the store: {type(cause).__name__}: {first_line}"
        ) from err


def first_recorded(engine: Engine) -> dt.datetime | None:
    """The earliest instant anything was recorded (a visit or a gate interval), or None.

    ``kiosk visits`` starts its default range there, so that the average per opening day
    counts only days the kiosk or gate was in use. Both minima come from the time indexes.

    Raises:
        StorageFailed: the store could not be read (one line for the technician).
    """
    try:
        with engine.connect() as connection:
            cursor = _cursor(connection)
            firsts = [
                cursor.execute("SELECT min(occurred_at) FROM visits").fetchone()[0],
                cursor.execute("SELECT min(interval_start) FROM gate_intervals").fetchone()[0],
            ]
    except (SQLAlchemyError, sqlite3.Error) as err:
        cause = getattr(err, "orig", None) or err
        first_line = (str(cause).splitlines() or [""])[0][:200]
        raise StorageFailed(
            f"could not read visit figures from the store: {type(cause).__name__}: {first_line}"
        ) from err
    moments = [_parsed(text) for text in firsts if text]
    return min(moments) if moments else None


def _parsed(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _cursor(connection: Connection) -> Any:
    """A plain sqlite3 cursor of the pooled connection (its pragmas set): its rows are plain
    tuples, which Counter takes in C, without a SQLAlchemy row object per visit."""
    raw = connection.connection.driver_connection
    if not isinstance(raw, sqlite3.Connection):
        raise StorageFailed(f"the store is not SQLite: {type(raw).__name__}")
    return raw.cursor()

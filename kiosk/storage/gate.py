"""The entrance gate's store: interval counts, counter baselines and occupancy, crash-safe.

One SQLite file with the kiosk's layout (:func:`kiosk.storage.db.open_store`), normally in
the gate's own data folder. What makes a power cut or a ``kill -9`` neither lose nor
double a visitor: each batch of applied readings is ONE transaction holding the interval
rows it adds to, each counter's last raw totals (``counter_state``) and the occupancy. At
start the totals come back as the drivers' baselines, so the first reading counts exactly
the people who passed since the last committed one.

An interval that has ended gets its ``gate_interval`` outbox report and ``reported`` set in
one transaction; intervals that ended while the gate was down are reported at start.
Nothing here is personal: device ids, times and numbers of people.

Only the gate's writer thread calls this (single writer: no locks around SQLite).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.core import wire
from kiosk.core.ports import StorageFailed
from kiosk.storage.circulation_log import new_event_id, outbox_event
from kiosk.storage.db import open_store
from kiosk.storage.models import (
    CounterStateRecord,
    GateIntervalRecord,
    GateOccupancyRecord,
)

STORE_FILE = "kiosk.sqlite3"  # the kiosk's file name: one layout for every data folder


@dataclass(frozen=True)
class IntervalChange:
    """What one event adds to one device's interval row, and the totals to store with it.

    Made by :class:`kiosk.gate.counting.GateBook`, applied by :meth:`GateStore.apply`.

    Attributes:
        device_id: the counter's (or alarm input's) id.
        start: the interval's start, UTC.
        entered: people in.
        left: people out.
        alarms: alarms raised.
        totals: the counter's raw cumulative ``(in, out)`` after this event, for
            ``counter_state``; None for an alarm.
    """

    device_id: str
    start: dt.datetime
    entered: int = 0
    left: int = 0
    alarms: int = 0
    totals: tuple[int, int] | None = None


@dataclass(frozen=True)
class ReportedInterval:
    """An ended interval whose outbox report was just written."""

    device_id: str
    start: dt.datetime
    minutes: int
    entered: int
    left: int
    alarms: int
    occupancy: int


class GateStore:
    """Interval rows, counter baselines and occupancy of one gate, on the store engine."""

    def __init__(
        self,
        engine: Engine,
        gate_id: str,
        interval_minutes: int,
        *,
        new_event_id: Callable[[], str] = new_event_id,
    ) -> None:
        """Use an open store.

        Args:
            engine: from :func:`kiosk.storage.db.open_store`.
            gate_id: this gate's id (rows, reports).
            interval_minutes: the configured interval length.
            new_event_id: makes outbox event ids; injectable for tests.
        """
        self.engine = engine
        self.gate_id = gate_id
        self.interval_minutes = interval_minutes
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._new_event_id = new_event_id

    @classmethod
    def open(cls, data_dir: Path, gate_id: str, interval_minutes: int) -> GateStore:
        """Open (creating and migrating) ``<data_dir>/kiosk.sqlite3``.

        Raises:
            StoreError: the file cannot be opened or trusted (one line).
        """
        return cls(open_store(data_dir / STORE_FILE), gate_id, interval_minutes)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    # -- at start ---------------------------------------------------------------------

    def baselines(self) -> dict[str, tuple[int | None, int | None]]:
        """Each counter's last stored raw totals ``(in, out)``, by device id.

        Raises:
            StorageFailed: the store could not be read.
        """
        with self._guard("read the counters' last totals"), self._sessions() as session:
            rows = session.scalars(select(CounterStateRecord)).all()
            return {row.device_id: (row.total_in, row.total_out) for row in rows}

    def occupancy(self) -> tuple[int, dt.date | None]:
        """The stored occupancy and the local date of its last reset (0, None at first).

        Raises:
            StorageFailed: the store could not be read.
        """
        with self._guard("read the occupancy"), self._sessions() as session:
            row = session.get(GateOccupancyRecord, self.gate_id)
            return (0, None) if row is None else (row.occupancy, row.reset_on)

    # -- while counting ---------------------------------------------------------------

    def apply(
        self,
        changes: Iterable[IntervalChange],
        occupancy: int,
        reset_on: dt.date | None,
        at: dt.datetime,
    ) -> None:
        """Add the changes to their interval rows and store totals and occupancy, atomically.

        Args:
            changes: in the order they happened; the last totals of a device win.
            occupancy: occupancy after them.
            reset_on: local date of the last occupancy reset.
            at: now (``updated_at``).

        Raises:
            StorageFailed: nothing was stored.
        """
        with self._guard("store the gate's counts"), self._sessions.begin() as session:
            for change in changes:
                self._add(session, change, at)
            session.execute(
                insert(GateOccupancyRecord)
                .values(gate_id=self.gate_id, occupancy=occupancy, reset_on=reset_on, updated_at=at)
                .on_conflict_do_update(
                    index_elements=["gate_id"],
                    set_={"occupancy": occupancy, "reset_on": reset_on, "updated_at": at},
                )
            )

    def _add(self, session: Session, change: IntervalChange, at: dt.datetime) -> None:
        row = GateIntervalRecord.__table__
        session.execute(
            insert(GateIntervalRecord)
            .values(
                gate_id=self.gate_id,
                device_id=change.device_id,
                interval_start=change.start,
                interval_minutes=self.interval_minutes,
                entered=change.entered,
                left=change.left,
                alarms=change.alarms,
                reported=False,
            )
            .on_conflict_do_update(
                index_elements=["device_id", "interval_start"],
                set_={
                    "entered": row.c.entered + change.entered,
                    "left": row.c.left + change.left,
                    "alarms": row.c.alarms + change.alarms,
                },
            )
        )
        if change.totals is not None:
            total_in, total_out = change.totals
            session.execute(
                insert(CounterStateRecord)
                .values(
                    device_id=change.device_id,
                    total_in=total_in,
                    total_out=total_out,
                    updated_at=at,
                )
                .on_conflict_do_update(
                    index_elements=["device_id"],
                    set_={"total_in": total_in, "total_out": total_out, "updated_at": at},
                )
            )

    def report_ended(self, now: dt.datetime, occupancy: int) -> list[ReportedInterval]:
        """Write the outbox report of every interval ended by ``now``, and mark it reported.

        Args:
            now: the time; an interval has ended when its start + its minutes <= now.
            occupancy: the occupancy to report (the daemon calls this before applying
                anything of a later interval, so it is the occupancy at the end).

        Returns:
            The intervals reported now, oldest first.

        Raises:
            StorageFailed: nothing was reported.
        """
        reported: list[ReportedInterval] = []
        with self._guard("report the ended intervals"), self._sessions.begin() as session:
            rows = session.scalars(
                select(GateIntervalRecord)
                .where(GateIntervalRecord.reported.is_(False))
                .where(GateIntervalRecord.gate_id == self.gate_id)
                .order_by(GateIntervalRecord.interval_start, GateIntervalRecord.device_id)
            ).all()
            for row in rows:
                if row.interval_start + dt.timedelta(minutes=row.interval_minutes) > now:
                    continue
                report = wire.GateIntervalReport(
                    gate_id=self.gate_id,
                    device_id=row.device_id,
                    interval_start=row.interval_start,
                    interval_minutes=row.interval_minutes,
                    entered=row.entered,
                    left=row.left,
                    alarms=row.alarms,
                    occupancy=occupancy,
                )
                event_id = self._new_event_id()
                envelope = wire.Envelope(event_id, self.gate_id, now, report)
                session.add(outbox_event(envelope, now))
                row.reported = True
                reported.append(
                    ReportedInterval(
                        row.device_id,
                        row.interval_start,
                        row.interval_minutes,
                        row.entered,
                        row.left,
                        row.alarms,
                        occupancy,
                    )
                )
        return reported

    def totals(self) -> dict[str, tuple[int, int, int]]:
        """Sum of every interval per device: ``(entered, left, alarms)`` (tests, bench).

        Raises:
            StorageFailed: the store could not be read.
        """
        sums: dict[str, tuple[int, int, int]] = {}
        with self._guard("read the interval totals"), self._sessions() as session:
            for row in session.scalars(select(GateIntervalRecord)):
                entered, left, alarms = sums.get(row.device_id, (0, 0, 0))
                sums[row.device_id] = (
                    entered + row.entered,
                    left + row.left,
                    alarms + row.alarms,
                )
        return sums

    def _guard(self, what: str) -> _Guard:
        return _Guard(what, self.gate_id)


class _Guard:
    """Turns a SQLAlchemy error into one :class:`StorageFailed` line naming what failed."""

    def __init__(self, what: str, gate_id: str) -> None:
        self.what, self.gate_id = what, gate_id

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, SQLAlchemyError):
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise StorageFailed(f"gate {self.gate_id}: could not {self.what}: {reason}") from exc

"""The kiosk's durable circulation log: each outcome plus its outbox event, written together.

Every outcome kind goes through :meth:`SqlCirculationLog.record`, which dispatches on the
outcome's type to the function that adds its own row and returns its report
(:mod:`kiosk.core.wire`); the outbox row is added in the same transaction. A new kind
(a return, a renewal, a rating, a visit) adds one such function to ``_RECORDERS``.

The outbox payload is exactly what central will receive. It carries no patron barcode or
name: central only counts circulation, patrons' identity stays in the library.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.core import wire
from kiosk.core.model import Loan, Outcome
from kiosk.core.ports import StorageFailed
from kiosk.storage.models import LoanRecord, OutboxEvent

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredLoan:
    """A loan as the local store holds it (plain values, detached from any session)."""

    event_id: str
    kiosk_id: str
    loan: Loan


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An outbox event not yet acknowledged by central."""

    event_id: str
    kind: str
    payload: dict[str, Any]
    created_at: dt.datetime
    attempts: int
    last_error: str | None


def _new_event_id() -> str:
    return str(uuid.uuid4())


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime, what: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment


def _record_loan(
    session: Session, event_id: str, kiosk_id: str, loan: Loan
) -> tuple[wire.Report, dt.datetime]:
    _aware(loan.checked_out_at, "loan.checked_out_at")
    session.add(
        LoanRecord(
            event_id=event_id,
            kiosk_id=kiosk_id,
            patron_barcode=loan.patron_barcode,
            item_barcode=loan.item_barcode,
            title=loan.title,
            author=loan.author,
            due=loan.due,
            checked_out_at=loan.checked_out_at,
        )
    )
    report = wire.CheckoutReport(item_barcode=loan.item_barcode, title=loan.title, due=loan.due)
    return report, loan.checked_out_at


_Recorder = Callable[[Session, str, str, Any], tuple[wire.Report, dt.datetime]]
_RECORDERS: dict[type, tuple[_Recorder, str]] = {
    # outcome type: (adds its row and returns its report and time, what the log line calls it)
    Loan: (_record_loan, "check-out"),
}


def _describe(outcome: Outcome) -> str:
    """What a technician's log line may say about an outcome (no patron identity)."""
    item = getattr(outcome, "item_barcode", "")
    return f"item {item}" if item else type(outcome).__name__


class SqlCirculationLog:
    """:class:`kiosk.core.ports.CirculationLog` on the local SQLite store.

    Args:
        engine: from :func:`kiosk.storage.db.open_store`.
        kiosk_id: this kiosk's id, recorded with every event.
        new_event_id: makes event UUIDs; injectable for tests.
        now: wall clock for ``created_at``; injectable for tests.
    """

    def __init__(
        self,
        engine: Engine,
        kiosk_id: str,
        *,
        new_event_id: Callable[[], str] = _new_event_id,
        now: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._kiosk_id = kiosk_id
        self._new_event_id = new_event_id
        self._now = now

    @property
    def kiosk_id(self) -> str:
        """This kiosk's id."""
        return self._kiosk_id

    def record(self, outcome: Outcome) -> None:
        """Store an outcome and its outbox event in one transaction; return after commit.

        Args:
            outcome: what happened (a :class:`~kiosk.core.model.Loan` the ILS confirmed);
                its time must be timezone-aware.

        Raises:
            TypeError: an outcome type this store does not know (a programming error).
            ValueError: the outcome's time is naive (a programming error).
            StorageFailed: the store could not commit; nothing was stored.
        """
        found = _RECORDERS.get(type(outcome))
        if found is None:
            raise TypeError(f"no recorder for outcome {type(outcome).__name__}")
        recorder, what = found
        event_id = self._new_event_id()
        try:
            with self._sessions.begin() as session:
                report, occurred_at = recorder(session, event_id, self._kiosk_id, outcome)
                envelope = wire.Envelope(event_id, self._kiosk_id, occurred_at, report)
                session.flush()
                session.add(
                    OutboxEvent(
                        event_id=event_id,
                        kind=envelope.kind,
                        payload=json.dumps(
                            wire.encode(envelope), ensure_ascii=False, sort_keys=True
                        ),
                        created_at=self._now(),
                        attempts=0,
                    )
                )
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            _log.error("%s of %s not recorded: %s", what, _describe(outcome), reason)
            raise StorageFailed(
                f"local store could not record {what} of {_describe(outcome)} "
                f"(event {event_id}): {reason}"
            ) from exc

    def loans(self) -> list[StoredLoan]:
        """All loans recorded at this store, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(select(LoanRecord).order_by(LoanRecord.id)).all()
            return [_stored_loan(row) for row in rows]

    def pending_outbox(self) -> list[PendingEvent]:
        """Outbox events not yet sent to central, oldest first."""
        with self._sessions() as session:
            query = select(OutboxEvent).where(OutboxEvent.sent_at.is_(None))
            rows = session.scalars(query.order_by(OutboxEvent.id)).all()
            return [_pending_event(row) for row in rows]


def _stored_loan(row: LoanRecord) -> StoredLoan:
    loan = Loan(
        patron_barcode=row.patron_barcode,
        item_barcode=row.item_barcode,
        title=row.title,
        author=row.author,
        due=row.due,
        checked_out_at=row.checked_out_at,
    )
    return StoredLoan(event_id=row.event_id, kiosk_id=row.kiosk_id, loan=loan)


def _pending_event(row: OutboxEvent) -> PendingEvent:
    return PendingEvent(
        event_id=row.event_id,
        kind=row.kind,
        payload=json.loads(row.payload),
        created_at=row.created_at,
        attempts=row.attempts,
        last_error=row.last_error,
    )

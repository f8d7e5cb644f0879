"""The kiosk's durable circulation log: loans plus outbox events, written together.

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
from sqlalchemy.orm import sessionmaker

from kiosk.core.model import Loan
from kiosk.core.ports import StorageFailed
from kiosk.storage.models import LoanRecord, OutboxEvent

_log = logging.getLogger(__name__)

CHECKOUT = "checkout"


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


def checkout_payload(event_id: str, kiosk_id: str, loan: Loan) -> dict[str, Any]:
    """The JSON object central receives for one check-out (no patron identity).

    Args:
        event_id: UUID of the event, shared by the loan row and the outbox row.
        kiosk_id: this kiosk's configured id.
        loan: the confirmed loan.
    """
    return {
        "event_id": event_id,
        "kind": CHECKOUT,
        "kiosk_id": kiosk_id,
        "occurred_at": loan.checked_out_at.astimezone(dt.UTC).isoformat(),
        "item_barcode": loan.item_barcode,
        "title": loan.title,
        "due": loan.due.isoformat(),
    }


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

    def record_checkout(self, loan: Loan) -> None:
        """Store the loan and its outbox event in one transaction; return after commit.

        Args:
            loan: the loan the ILS confirmed; ``checked_out_at`` must be timezone-aware.

        Raises:
            ValueError: ``loan.checked_out_at`` is naive (a programming error).
            StorageFailed: the store could not commit; nothing was stored.
        """
        if loan.checked_out_at.tzinfo is None or loan.checked_out_at.utcoffset() is None:
            raise ValueError("loan.checked_out_at must be timezone-aware")
        event_id = self._new_event_id()
        payload = checkout_payload(event_id, self._kiosk_id, loan)
        try:
            with self._sessions.begin() as session:
                session.add(
                    LoanRecord(
                        event_id=event_id,
                        kiosk_id=self._kiosk_id,
                        patron_barcode=loan.patron_barcode,
                        item_barcode=loan.item_barcode,
                        title=loan.title,
                        author=loan.author,
                        due=loan.due,
                        checked_out_at=loan.checked_out_at,
                    )
                )
                session.flush()
                session.add(
                    OutboxEvent(
                        event_id=event_id,
                        kind=CHECKOUT,
                        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
                        created_at=self._now(),
                        attempts=0,
                    )
                )
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            _log.error("check-out of item %s not recorded: %s", loan.item_barcode, reason)
            raise StorageFailed(
                f"local store could not record check-out of item {loan.item_barcode} "
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

"""The kiosk's durable circulation log: each outcome plus its outbox event, written together.

Every outcome kind goes through :meth:`SqlCirculationLog.record`, which dispatches on the
outcome's type to its recorder (:mod:`kiosk.storage.recorders`): the recorder adds the
outcome's own row and returns its report (:mod:`kiosk.core.wire`), and the outbox row is
added in the same transaction. A recorder that has nothing for central (the resolution of
a check-out intent without a loan) returns None and no outbox row is added.

Check-out intents (:meth:`SqlCirculationLog.begin_checkout`) are committed before the ILS
is asked. Recording :class:`~kiosk.core.model.CheckoutConfirmed` resolves the intent in the
same transaction as the loan row and its outbox row, and is idempotent: when the worker and
reconciliation both confirm the same intent, the loan is stored once. Returns and
renewals have intents of their own (:meth:`SqlCirculationLog.begin_items`, table
``item_intents``), resolved the same way by the outcome that names them.

The outbox payload is exactly what central will receive. It carries no patron barcode or
name: central only counts circulation, patrons' identity stays in the library.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from kiosk.core import wire
from kiosk.core.model import CheckoutIntent, ItemAction, ItemIntent, Loan, Outcome
from kiosk.core.ports import StorageFailed
from kiosk.storage import recorders
from kiosk.storage.models import (
    CheckoutIntentRecord,
    ItemIntentRecord,
    LoanRecord,
    OutboxEvent,
    RenewalRecord,
    ReturnRecord,
)

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


def outbox_event(envelope: wire.Envelope, created_at: dt.datetime) -> OutboxEvent:
    """The outbox row of a report: its JSON exactly as central will receive it.

    Added in the transaction of the row it reports (a loan, a visit), so both are stored
    or neither is.
    """
    return OutboxEvent(
        event_id=envelope.event_id,
        kind=envelope.kind,
        payload=json.dumps(wire.encode(envelope), ensure_ascii=False, sort_keys=True),
        created_at=created_at,
        attempts=0,
    )


def new_event_id() -> str:
    """A fresh outbox event id (a random UUID): every store that reports uses this one."""
    return str(uuid.uuid4())


def utc_now() -> dt.datetime:
    """The wall clock, UTC: the default ``created_at`` of outbox rows."""
    return dt.datetime.now(dt.UTC)


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
        new_event_id: Callable[[], str] = new_event_id,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._kiosk_id = kiosk_id
        self._new_event_id = new_event_id
        self._now = now
        # Intents whose outcome could not be stored: their call has ended, so
        # reconciliation may settle them at once (see open_checkouts).
        self._unsettled: set[str] = set()
        self._unsettled_lock = threading.Lock()
        self._reported: set[tuple[str, int]] = set()  # unreadable intent rows, said once
        self._store_path = engine.url.database or "(in memory)"

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
        found = recorders.RECORDERS.get(type(outcome))
        if found is None:
            raise TypeError(f"no recorder for outcome {type(outcome).__name__}")
        recorder, what = found
        event_id = self._new_event_id()
        try:
            with self._sessions.begin() as session:
                recorded = recorder(session, event_id, self._kiosk_id, self._now(), outcome)
                if recorded is None:
                    self._mark_unsettled(outcome, failed=False)
                    return  # nothing for central; the transaction commits on leaving
                report, occurred_at = recorded
                envelope = wire.Envelope(event_id, self._kiosk_id, occurred_at, report)
                session.flush()
                session.add(outbox_event(envelope, self._now()))
            self._mark_unsettled(outcome, failed=False)
        except SQLAlchemyError as exc:
            self._mark_unsettled(outcome, failed=True)
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            _log.error("%s of %s not recorded: %s", what, recorders.describe(outcome), reason)
            raise StorageFailed(
                f"local store could not record {what} of {recorders.describe(outcome)} "
                f"(event {event_id}): {reason}"
            ) from exc
        except Exception:
            self._mark_unsettled(outcome, failed=True)
            raise

    def begin_checkout(
        self, patron_barcode: str, item_barcode: str, at: dt.datetime
    ) -> CheckoutIntent:
        """Store and commit the intent to check an item out, before the ILS is asked.

        Args:
            patron_barcode: the patron's card.
            item_barcode: the item's label.
            at: when the check-out is asked for, timezone-aware; the ILS is given the same.

        Raises:
            ValueError: ``at`` is naive (a programming error).
            StorageFailed: nothing was stored.
        """
        recorders.aware(at, "at")
        intent = CheckoutIntent(self._new_event_id(), patron_barcode, item_barcode, at)
        try:
            with self._sessions.begin() as session:
                session.add(
                    CheckoutIntentRecord(
                        intent_id=intent.intent_id,
                        kiosk_id=self._kiosk_id,
                        patron_barcode=patron_barcode,
                        item_barcode=item_barcode,
                        created_at=at,
                        answered=False,
                    )
                )
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise StorageFailed(
                f"local store could not record the intent to lend item …{item_barcode[-4:]}: "
                f"{reason}"
            ) from exc
        return intent

    def open_checkouts(self) -> list[CheckoutIntent]:
        """Intents not resolved yet, oldest first.

        An intent is ``answered`` when its call ended without an answer, or when this
        process could not store its outcome: either way nothing is running for it. A row
        that cannot be read (a damaged store) is left aside with one technician line.

        Raises:
            StorageFailed: the store could not be read.
        """
        return self._open(CheckoutIntentRecord, _checkout_intent, "check-outs")

    def _open(self, model: Any, convert: Callable[[Any, bool], Any], what: str) -> list[Any]:
        """The open intents of ``model``'s table, each row read on its own so that one
        unreadable row (a bad date or action written by hand or by a broken disk) does not
        stop the kiosk from starting or every other intent from being settled."""
        open_ids = select(model.id).where(model.resolution.is_(None)).order_by(model.id)
        try:
            with self._sessions() as session:
                ids = session.scalars(open_ids).all()
                with self._unsettled_lock:
                    unsettled = set(self._unsettled)
                found = []
                for row_id in ids:
                    try:
                        row = session.scalars(select(model).where(model.id == row_id)).one()
                        found.append(convert(row, row.intent_id in unsettled))
                    except (ValueError, TypeError, AttributeError, KeyError) as err:
                        self._unreadable(model.__tablename__, row_id, err)
                return found
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise StorageFailed(f"local store could not list open {what}: {reason}") from exc

    def _unreadable(self, table: str, row_id: int, err: Exception) -> None:
        if (table, row_id) in self._reported:
            return  # said once per run: reconciliation asks every two minutes
        self._reported.add((table, row_id))
        store = self._store_path
        _log.error(
            "%s row id=%d in the kiosk store %s cannot be read (%s: %s); it is left aside "
            "and the others are settled: check that item at the library, then delete the "
            'row (sqlite3 %s "DELETE FROM %s WHERE id=%d")',
            table,
            row_id,
            store,
            type(err).__name__,
            " ".join(str(err).split())[:200],
            store,
            table,
            row_id,
        )

    def begin_items(
        self,
        action: ItemAction,
        items: Sequence[tuple[str, bool, dt.date | None]],
        at: dt.datetime,
        patron_barcode: str | None = None,
    ) -> list[ItemIntent]:
        """Store and commit, in one transaction, the intents to return or renew items.

        Args:
            action: return or renewal.
            items: per item, its barcode, whether it was on loan before asking and its
                due date before asking (None when not known).
            at: when the ILS is asked, timezone-aware.
            patron_barcode: whose loans are renewed (None for returns).

        Returns:
            The intents, in the order of ``items``.

        Raises:
            ValueError: ``at`` is naive (a programming error).
            StorageFailed: nothing was stored.
        """
        recorders.aware(at, "at")
        intents = [
            ItemIntent(
                self._new_event_id(),
                action,
                barcode,
                at,
                on_loan_before=on_loan,
                due_before=_date_or_none(due),
                patron_barcode=patron_barcode,
            )
            for barcode, on_loan, due in items
        ]
        try:
            with self._sessions.begin() as session:
                session.add_all(
                    ItemIntentRecord(
                        intent_id=intent.intent_id,
                        kiosk_id=self._kiosk_id,
                        action=action.value,
                        item_barcode=intent.item_barcode,
                        patron_barcode=patron_barcode,
                        on_loan_before=intent.on_loan_before,
                        due_before=intent.due_before,
                        created_at=at,
                        answered=False,
                    )
                    for intent in intents
                )
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise StorageFailed(
                f"local store could not record the intent to {action.value} "
                f"{len(intents)} item(s): {reason}"
            ) from exc
        return intents

    def open_items(self) -> list[ItemIntent]:
        """Return and renewal intents not resolved yet, oldest first (see open_checkouts).

        Raises:
            StorageFailed: the store could not be read.
        """
        return self._open(ItemIntentRecord, _item_intent, "returns and renewals")

    def recorded_since(self, action: ItemAction, item_barcode: str, since: dt.datetime) -> bool:
        """Whether a return (or renewal) of the item done at this kiosk after ``since`` is
        recorded.

        Raises:
            StorageFailed: the store could not be read.
        """
        if action is ItemAction.RETURN:
            query = select(ReturnRecord.id).where(
                ReturnRecord.item_barcode == item_barcode, ReturnRecord.returned_at > since
            )
        else:
            query = select(RenewalRecord.id).where(
                RenewalRecord.item_barcode == item_barcode, RenewalRecord.renewed_at > since
            )
        try:
            with self._sessions() as session:
                return session.scalars(query.limit(1)).first() is not None
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise StorageFailed(f"local store could not be read: {reason}") from exc

    def _mark_unsettled(self, outcome: Outcome, *, failed: bool) -> None:
        intent_id = getattr(outcome, "intent_id", "")
        if not intent_id:
            return
        with self._unsettled_lock:
            if failed:
                self._unsettled.add(intent_id)
            else:
                self._unsettled.discard(intent_id)

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


def _checkout_intent(row: CheckoutIntentRecord, unsettled: bool) -> CheckoutIntent:
    return CheckoutIntent(
        intent_id=row.intent_id,
        patron_barcode=row.patron_barcode,
        item_barcode=row.item_barcode,
        created_at=row.created_at,
        answered=row.answered or unsettled,
    )


def _date_or_none(value: dt.date | None) -> dt.date | None:
    # A datetime is a date too, but the Date column would keep its time of day.
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _item_intent(row: ItemIntentRecord, unsettled: bool) -> ItemIntent:
    return ItemIntent(
        intent_id=row.intent_id,
        action=ItemAction(row.action),
        item_barcode=row.item_barcode,
        created_at=row.created_at,
        on_loan_before=row.on_loan_before,
        due_before=row.due_before,
        patron_barcode=row.patron_barcode,
        answered=row.answered or unsettled,
    )


def _pending_event(row: OutboxEvent) -> PendingEvent:
    return PendingEvent(
        event_id=row.event_id,
        kind=row.kind,
        payload=json.loads(row.payload),
        created_at=row.created_at,
        attempts=row.attempts,
        last_error=row.last_error,
    )

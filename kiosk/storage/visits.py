"""Visits in the kiosk's store: the guest book's and the gate's, with their outbox reports.

:class:`SqlVisitLog` is :class:`kiosk.core.ports.VisitLog`. A visit is stored as one
``visits`` row and one outbox ``visit`` report, in one transaction that begins with the
write lock (``BEGIN IMMEDIATE``): the repeat-window check and the insert cannot interleave
with another kiosk thread's or the gate's, so two quick scans of one card count once.

Nobody is stored or reported by card number or, unless the library allows it, by name.
The row and the report carry the visitor key: HMAC-SHA256 (hex) under the visit key of
the card number (members) or of the normalised name and institution (guests, groups). The
visit key is ``[guestbook] visitor_key`` (the same on every kiosk and gate of a library,
so central counts a member once) or else ``visit-hash.key`` in the data folder (32 random
bytes, 0600). Names are written only when ``keep_names``, reported only when
``send_names``, and erased by :meth:`SqlVisitLog.purge_names` once older than the
retention: set to NULL in the row and the outbox payload, overwritten in the file
(``secure_delete``, set on every connection by :mod:`kiosk.storage.db`), and the WAL
truncated so no older copy of a page stays behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import unicodedata
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import CursorResult, Engine, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.core import wire
from kiosk.core.ports import StorageFailed
from kiosk.core.text_input import invisible_char
from kiosk.core.visits import GuestBookPolicy, Visit, VisitKind, VisitRecorded
from kiosk.storage.circulation_log import new_event_id, outbox_event, utc_now
from kiosk.storage.models import OutboxEvent, VisitRecord
from kiosk.storage.pin_failures import load_or_create_key

_log = logging.getLogger(__name__)

VISIT_KEY_FILE = "visit-hash.key"


def visit_key(policy: GuestBookPolicy, data_dir: Path) -> bytes:
    """The secret visitor keys are made with: the configured one, else the data folder's.

    Raises:
        kiosk.storage.pin_failures.KeyFileError: ``visit-hash.key`` cannot be read or
            created (a :class:`kiosk.storage.db.StoreError`: one line).
    """
    if policy.visitor_key:
        return policy.visitor_key.encode("utf-8")
    return load_or_create_key(
        data_dir / VISIT_KEY_FILE,
        what="visit key",
        lost="returning visitors are counted again once, and central sees members anew",
    )


def normalised(text: str | None) -> str:
    """How a guest's name or institution is compared: NFKC, case-folded, one space, no
    invisible characters.

    "Siti  Aminah" and "siti aminah", a full-width "ＳＭＡ" and "SMA", or "Siti\u200b Nur"
    and "Siti Nur" (a zero-width space pasted in) are one visitor.
    """
    visible = "".join(char for char in text or "" if not invisible_char(char))
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    return " ".join(folded.split())


def visitor_key(key: bytes, visit: Visit) -> str:
    """The visitor's keyed hash (hex HMAC-SHA256): of the card for a member, of the
    normalised ``name + "\\x1f" + institution`` for a guest or a group.

    Raises:
        ValueError: a member visit without a card (a programming error).
    """
    if visit.kind is VisitKind.MEMBER:
        if not visit.card:
            raise ValueError("a member visit needs the card")
        message = visit.card
    else:
        message = normalised(visit.name) + "\x1f" + normalised(visit.institution)
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


class SqlVisitLog:
    """:class:`kiosk.core.ports.VisitLog` on the kiosk's (or the gate's) store.

    Args:
        engine: from :func:`kiosk.storage.db.open_store`.
        device_id: the kiosk's or gate's id, in every row and report.
        policy: the guest-book policy (names kept, sent, retention, repeat window).
        key: the visit key (:func:`visit_key`).
        new_event_id: makes event UUIDs; injectable for tests.
        now: wall clock for the outbox rows' ``created_at``; injectable for tests.
    """

    def __init__(
        self,
        engine: Engine,
        device_id: str,
        policy: GuestBookPolicy,
        key: bytes,
        *,
        new_event_id: Callable[[], str] = new_event_id,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._device_id = device_id
        self._policy = policy
        self._key = key
        self._new_event_id = new_event_id
        self._now = now

    def record_visit(self, visit: Visit, at: dt.datetime) -> VisitRecorded:
        """Store the visit and its outbox report, unless the same visitor was counted
        within the repeat window before ``at``.

        Raises:
            ValueError: ``at`` is naive, or a member visit has no card (programming errors).
            StorageFailed: nothing was stored.
        """
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("at must be timezone-aware")
        who = visitor_key(self._key, visit)
        window = dt.timedelta(minutes=self._policy.repeat_window_minutes)
        event_id = self._new_event_id()
        try:
            with self._sessions.begin() as session:
                _take_write_lock(session)
                if window and _seen_since(session, who, at - window, at):
                    return VisitRecorded(counted=False, event_id=None)
                session.add(self._row(visit, who, event_id, at))
                session.add(outbox_event(self._envelope(visit, who, event_id, at), self._now()))
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            _log.error("visit (%s, %s) not recorded: %s", visit.kind, visit.source, reason)
            raise StorageFailed(
                f"local store could not record a {visit.kind} visit (event {event_id}): {reason}"
            ) from exc
        return VisitRecorded(counted=True, event_id=event_id)

    def purge_names(self, now: dt.datetime) -> int:
        """Erase names older than the retention from the rows and the outbox payloads, then
        truncate the WAL; return how many visits lost a name.

        Raises:
            StorageFailed: the names could not be erased (nothing was changed).
        """
        cutoff = now - dt.timedelta(days=self._policy.retention_days)
        try:
            with self._sessions.begin() as session:
                result = session.execute(
                    update(VisitRecord)
                    .where(VisitRecord.occurred_at < cutoff, VisitRecord.name.is_not(None))
                    .values(name=None)
                )
                erased = result.rowcount if isinstance(result, CursorResult) else 0
                _erase_reported_names(session, cutoff)
            self._truncate_wal()
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise StorageFailed(f"local store could not erase old guest names: {reason}") from exc
        if erased:
            _log.info(
                "erased %d guest names older than %d days", erased, self._policy.retention_days
            )
        return erased

    def _row(self, visit: Visit, who: str, event_id: str, at: dt.datetime) -> VisitRecord:
        return VisitRecord(
            event_id=event_id,
            device_id=self._device_id,
            source=str(visit.source),
            kind=str(visit.kind),
            occurred_at=at,
            visitor_key=who,
            name=visit.name if self._policy.keep_names else None,
            institution=visit.institution,
            purpose=visit.purpose,
            sex=visit.sex,
            age_band=visit.age_band,
            education=visit.education,
            occupation=visit.occupation,
            people=visit.people,
            people_male=visit.people_male,
            people_female=visit.people_female,
        )

    def _envelope(self, visit: Visit, who: str, event_id: str, at: dt.datetime) -> wire.Envelope:
        sent_name = self._policy.keep_names and self._policy.send_names
        report = wire.VisitReport(
            kind=str(visit.kind),
            source=str(visit.source),
            device_id=self._device_id,
            visitor_key=who if visit.kind is VisitKind.MEMBER else None,
            purpose=visit.purpose,
            sex=visit.sex,
            age_band=visit.age_band,
            education=visit.education,
            occupation=visit.occupation,
            people=visit.people,
            people_male=visit.people_male,
            people_female=visit.people_female,
            institution=visit.institution or None,
            name=(visit.name or None) if sent_name else None,
        )
        return wire.Envelope(event_id, self._device_id, at, report)

    def _truncate_wal(self) -> None:
        """Copy the WAL into the file and cut it to 0 bytes: the pages that still held the
        erased names go with it. A reader holding an old snapshot can keep the WAL from
        being reset; that is logged, and the next purge tries again."""
        with self._engine.connect() as connection:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            _log.warning(
                "visit store: the WAL could not be truncated (a reader was busy); erased "
                "names may stay in %s-wal until the next hourly purge",
                self._engine.url.database,
            )


def _take_write_lock(session: Session) -> None:
    """Begin the transaction with the write lock, before the window is read.

    pysqlite starts its transaction only at the first write, so the repeat-window read
    would otherwise run outside it and two scans could both find no visit and both count.
    ``BEGIN IMMEDIATE`` waits (busy_timeout) for another writer instead.
    """
    session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _seen_since(session: Session, who: str, since: dt.datetime, at: dt.datetime) -> bool:
    found = session.execute(
        select(VisitRecord.id)
        .where(
            VisitRecord.visitor_key == who,
            VisitRecord.occurred_at > since,
            VisitRecord.occurred_at <= at,
        )
        .limit(1)
    ).first()
    return found is not None


def _erase_reported_names(session: Session, cutoff: dt.datetime) -> None:
    """Rewrite the reports of visits older than ``cutoff`` that still hold a name with
    ``name`` null (sent or not: the payload stays in the file until the outbox is pruned)."""
    old_visits = select(VisitRecord.event_id).where(VisitRecord.occurred_at < cutoff)
    rows = session.execute(
        select(OutboxEvent.id, OutboxEvent.payload).where(
            OutboxEvent.kind == wire.VisitReport.KIND,
            OutboxEvent.event_id.in_(old_visits),
            OutboxEvent.payload.not_like('%"name": null%'),
        )
    ).all()
    for row_id, payload in rows:
        data = json.loads(payload)
        if data.get("name") is None:
            continue
        data["name"] = None
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == row_id)
            .values(payload=json.dumps(data, ensure_ascii=False, sort_keys=True))
        )

"""Offline mode's part of the store: cards seen online, and the transactions waiting.

``seen_online`` holds one row per card + PIN the ILS accepted: HMAC-SHA256 of both under
the kiosk's card-hash secret (``card-hash.key``, see :mod:`kiosk.storage.pin_failures`),
and the time. Never the PIN, the card number or the name. (The secret lives in the same
data folder: someone holding both could try every PIN of a card they know; the data
folder is 0700 for that reason.)

``offline_transactions`` rows are added and closed through the circulation log's outcomes
(:mod:`kiosk.storage.recorders`); this module lists them, counts them and commits
``sending`` before each replay call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from kiosk.core.model import OfflineAction, OfflineState, OfflineTransaction
from kiosk.core.ports import StorageFailed
from kiosk.storage.models import OfflineTransactionRecord, SeenOnlineRecord

_OPEN = (OfflineState.PENDING.value, OfflineState.SENDING.value)


def seen_hash(key: bytes, card: str, pin: str) -> str:
    """The keyed hash a card + PIN is remembered under (hex HMAC-SHA256, domain-separated
    from the card-only hash, so the two tables cannot be matched)."""
    message = b"seen-online\0" + card.encode("utf-8") + b"\0" + pin.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class StaffRow:
    """One offline transaction as `kiosk offline` lists it (the card's last 4 digits only)."""

    order: int
    action: str
    item_barcode: str
    card_last4: str
    taken_at: dt.datetime
    due: dt.date | None
    state: str
    reason: str
    attempts: int


class SqlOfflineStore:
    """:class:`kiosk.core.offline.OfflineStore` on the kiosk's SQLite store.

    Args:
        engine: from :func:`kiosk.storage.db.open_store`.
        key: the card-hash secret (:func:`kiosk.storage.pin_failures.load_or_create_key`).
        keep_days: rows of ``seen_online`` older than this are deleted as new ones come.
    """

    def __init__(self, engine: Engine, key: bytes, *, keep_days: int = 365) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._key = key
        self._keep = dt.timedelta(days=keep_days)

    def remember(self, card: str, pin: str, at: dt.datetime) -> None:
        """Note that the ILS accepted this card and PIN at ``at``.

        Raises:
            StorageFailed: nothing was stored.
        """
        digest = seen_hash(self._key, card, pin)
        try:
            with self._sessions.begin() as session:
                session.execute(
                    delete(SeenOnlineRecord).where(SeenOnlineRecord.seen_at < at - self._keep)
                )
                row = session.get(SeenOnlineRecord, digest)
                if row is None:
                    session.add(SeenOnlineRecord(key_hash=digest, seen_at=at))
                else:
                    row.seen_at = max(row.seen_at, at)
        except SQLAlchemyError as exc:
            raise StorageFailed(
                f"local store could not note a card seen online: {_reason(exc)}"
            ) from exc

    def seen_since(self, card: str, pin: str, since: dt.datetime) -> bool:
        """Whether the ILS accepted this card and PIN at or after ``since``.

        Raises:
            StorageFailed: the store could not be read.
        """
        digest = seen_hash(self._key, card, pin)
        try:
            with self._sessions() as session:
                row = session.get(SeenOnlineRecord, digest)
                return row is not None and row.seen_at >= since
        except SQLAlchemyError as exc:
            raise StorageFailed(
                f"local store could not read cards seen online: {_reason(exc)}"
            ) from exc

    def waiting_loans(self, card: str) -> int:
        """Offline loans of ``card`` not replayed yet.

        Raises:
            StorageFailed: the store could not be read.
        """
        query = (
            select(func.count())
            .select_from(OfflineTransactionRecord)
            .where(
                OfflineTransactionRecord.action == OfflineAction.LOAN.value,
                OfflineTransactionRecord.patron_barcode == card,
                OfflineTransactionRecord.state.in_(_OPEN),
            )
        )
        try:
            with self._sessions() as session:
                return int(session.execute(query).scalar_one())
        except SQLAlchemyError as exc:
            raise StorageFailed(
                f"local store could not count offline loans: {_reason(exc)}"
            ) from exc

    def open_transactions(self) -> list[OfflineTransaction]:
        """Transactions not replayed or disagreed yet, in the order they were taken.

        Raises:
            StorageFailed: the store could not be read.
        """
        query = (
            select(OfflineTransactionRecord)
            .where(OfflineTransactionRecord.state.in_(_OPEN))
            .order_by(OfflineTransactionRecord.id)
        )
        try:
            with self._sessions() as session:
                return [_transaction(row) for row in session.scalars(query).all()]
        except SQLAlchemyError as exc:
            raise StorageFailed(
                f"local store could not list offline transactions: {_reason(exc)}"
            ) from exc

    def mark_sending(self, txn_id: str) -> None:
        """Commit ``sending`` (and one more attempt) before the transaction is sent.

        Raises:
            StorageFailed: nothing was stored; it must not be sent.
        """
        try:
            with self._sessions.begin() as session:
                session.execute(
                    update(OfflineTransactionRecord)
                    .where(
                        OfflineTransactionRecord.txn_id == txn_id,
                        OfflineTransactionRecord.state.in_(_OPEN),
                    )
                    .values(
                        state=OfflineState.SENDING.value,
                        attempts=OfflineTransactionRecord.attempts + 1,
                    )
                )
        except SQLAlchemyError as exc:
            raise StorageFailed(
                f"local store could not mark an offline transaction as sending: {_reason(exc)}"
            ) from exc

    def staff_rows(self) -> list[StaffRow]:
        """Every offline transaction, in order, for staff (card numbers: last 4 digits).

        Raises:
            StorageFailed: the store could not be read.
        """
        query = select(OfflineTransactionRecord).order_by(OfflineTransactionRecord.id)
        try:
            with self._sessions() as session:
                return [
                    StaffRow(
                        row.id,
                        row.action,
                        row.item_barcode,
                        (row.patron_barcode or "")[-4:],
                        row.taken_at,
                        row.due,
                        row.state,
                        row.reason or "",
                        row.attempts,
                    )
                    for row in session.scalars(query).all()
                ]
        except SQLAlchemyError as exc:
            raise StorageFailed(
                f"local store could not list offline transactions: {_reason(exc)}"
            ) from exc


def staff_report(
    rows: list[StaffRow], zone: dt.tzinfo, where: str, *, every: bool = False
) -> list[str]:
    """The lines `kiosk offline` prints: counts, then what waits (in replay order) and what
    the ILS refused; with ``every`` the replayed ones too. Times in ``zone``; cards by their
    last 4 digits; no names (the store has none)."""

    def line(row: StaffRow) -> str:
        when = row.taken_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        card = f"card …{row.card_last4}" if row.card_last4 else "no card"
        due = f"  due {row.due.isoformat()}" if row.due else ""
        tail = f"  {row.reason}" if row.reason else ""
        if row.state == OfflineState.SENDING.value:
            tail += f"  (being sent, attempt {row.attempts})"
        item = "".join(ch if ch.isprintable() else "?" for ch in row.item_barcode)
        return f"  #{row.order}  {when}  {row.action:<6}  item {item}  {card}{due}{tail}"

    waiting = [row for row in rows if row.state in _OPEN]
    refused = [row for row in rows if row.state == OfflineState.DISAGREED.value]
    replayed = [row for row in rows if row.state == OfflineState.REPLAYED.value]
    out = [
        f"Offline transactions in {where}: {len(waiting)} waiting, {len(replayed)} replayed, "
        f"{len(refused)} refused by the library system"
    ]
    sections = [
        ("Waiting to be sent, in this order:", waiting),
        ("Refused by the library system when sent (settle them at the desk):", refused),
    ]
    if every:
        sections.append(("Replayed:", replayed))
    for title, chosen in sections:
        if chosen:
            out.append(title)
            out.extend(line(row) for row in chosen)
    return out


def _transaction(row: OfflineTransactionRecord) -> OfflineTransaction:
    return OfflineTransaction(
        txn_id=row.txn_id,
        action=OfflineAction(row.action),
        item_barcode=row.item_barcode,
        taken_at=row.taken_at,
        patron_barcode=row.patron_barcode,
        due=row.due,
        state=OfflineState(row.state),
        reason=row.reason or "",
    )


def _reason(exc: SQLAlchemyError) -> str:
    return " ".join(str(getattr(exc, "orig", None) or exc).split())

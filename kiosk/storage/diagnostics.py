"""What the technician screen counts in the local store: reports and transactions waiting.

Two counts, each one indexed or small query, read on the worker thread about once a second
while the technician screen is open: outbox events not yet sent to central, and
transactions taken offline that the library system has not had yet.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from kiosk.core.model import OfflineState
from kiosk.core.ports import StorageFailed
from kiosk.storage.models import OfflineTransactionRecord, OutboxEvent

_WAITING = (OfflineState.PENDING.value, OfflineState.SENDING.value)


def waiting_counts(engine: Engine) -> tuple[int, int]:
    """(outbox events not sent, offline transactions not replayed).

    Raises:
        StorageFailed: the store could not be read (one line, for the technician).
    """
    outbox = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_(None))
    offline = (
        select(func.count())
        .select_from(OfflineTransactionRecord)
        .where(OfflineTransactionRecord.state.in_(_WAITING))
    )
    try:
        with engine.connect() as connection:
            return (
                int(connection.execute(outbox).scalar_one()),
                int(connection.execute(offline).scalar_one()),
            )
    except SQLAlchemyError as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise StorageFailed(f"local store could not count waiting reports: {reason}") from exc

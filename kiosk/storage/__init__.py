"""The kiosk's local store: SQLite (WAL) with the circulation log and the outbox for central."""

from kiosk.storage.circulation_log import PendingEvent, SqlCirculationLog, StoredLoan
from kiosk.storage.db import StoreError, open_store

__all__ = ["PendingEvent", "SqlCirculationLog", "StoreError", "StoredLoan", "open_store"]

"""Patrons' saved settings (language, text size, colours, voice), one row per card.

:class:`SqlPreferences` is the core's :class:`~kiosk.core.ports.PreferenceStore` on the
kiosk's store. Like wrong PINs (:mod:`kiosk.storage.pin_failures`), a row is keyed by
HMAC-SHA256 of the card number under the kiosk's secret (``card-hash.key``), never the
number: a copy of the database does not say whose settings it holds. The patron deletes
their row from the settings screen; a technician can empty the table (see README).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from kiosk.core.model import Preferences
from kiosk.core.ports import StorageFailed
from kiosk.storage.models import PatronPreferencesRecord
from kiosk.storage.pin_failures import card_hash


class SqlPreferences:
    """:class:`kiosk.core.ports.PreferenceStore` on the kiosk's store.

    Args:
        engine: from :func:`kiosk.storage.db.open_store`.
        key: the card-hash secret (:func:`kiosk.storage.pin_failures.load_or_create_key`).
    """

    def __init__(self, engine: Engine, key: bytes) -> None:
        self._sessions = sessionmaker(engine)
        self._key = key

    def load(self, card: str) -> Preferences | None:
        """The settings saved for ``card``, or None.

        Raises:
            StorageFailed: the store could not be read.
        """
        try:
            with self._sessions() as session:
                row = session.get(PatronPreferencesRecord, card_hash(self._key, card))
                if row is None:
                    return None
                return Preferences(
                    language=row.language,
                    text_size=row.text_size,
                    theme=row.theme,
                    voice=bool(row.voice),
                    rate=int(row.rate),
                    volume=int(row.volume),
                )
        except SQLAlchemyError as exc:
            raise StorageFailed(
                f"local store could not read saved settings: {_reason(exc)}"
            ) from exc

    def save(self, card: str, preferences: Preferences, now: dt.datetime) -> None:
        """Store ``preferences`` for ``card``, replacing what was saved; return after commit.

        Raises:
            StorageFailed: nothing was stored.
        """
        row = PatronPreferencesRecord(
            card_hash=card_hash(self._key, card),
            language=preferences.language,
            text_size=preferences.text_size,
            theme=preferences.theme,
            voice=preferences.voice,
            rate=preferences.rate,
            volume=preferences.volume,
            saved_at=now,
        )
        try:
            with self._sessions.begin() as session:
                session.merge(row)
        except (SQLAlchemyError, ValueError) as exc:
            raise StorageFailed(f"local store could not save settings: {_reason(exc)}") from exc

    def forget(self, card: str) -> bool:
        """Delete what is saved for ``card``; True when there was something.

        Raises:
            StorageFailed: nothing was deleted.
        """
        digest = card_hash(self._key, card)
        try:
            with self._sessions.begin() as session:
                found = session.scalar(
                    select(PatronPreferencesRecord.card_hash).where(
                        PatronPreferencesRecord.card_hash == digest
                    )
                )
                session.execute(
                    delete(PatronPreferencesRecord).where(
                        PatronPreferencesRecord.card_hash == digest
                    )
                )
                return found is not None
        except SQLAlchemyError as exc:
            raise StorageFailed(
                f"local store could not delete saved settings: {_reason(exc)}"
            ) from exc


def _reason(exc: Exception) -> str:
    return " ".join(str(getattr(exc, "orig", None) or exc).split())

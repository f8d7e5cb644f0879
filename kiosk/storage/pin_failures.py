"""Wrong PINs per card across sessions, kept under a keyed hash of the card number.

Rescanning a card starts a new session with three fresh tries; without a memory across
sessions a PIN can be guessed in a few minutes. :class:`SqlPinFailures` stores one row per
wrong PIN in the kiosk's store (so a restart does not reset the count) and says a card is
locked once it has ``limit`` wrong PINs within the last ``window`` seconds.

The card number itself is never stored: rows are keyed by HMAC-SHA256 of the number under
a random secret kept in the data folder (``card-hash.key``, mode 0600, created once). A
copy of the database alone does not say which cards were tried, and the 10^13 possible
card numbers cannot be hashed offline without the secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.core.files import check_regular, open_regular, read_at_most
from kiosk.core.ports import StorageFailed
from kiosk.storage.db import StoreError
from kiosk.storage.models import PinFailure
from kiosk.storage.private import private_fd

KEY_FILE = "card-hash.key"
KEY_BYTES = 32


class KeyFileError(StoreError):
    """The card-hash secret cannot be read or created. The message is one technician line."""


def load_or_create_key(
    path: Path,
    *,
    what: str = "card-hash key",
    lost: str = "wrong-PIN counts start again",
) -> bytes:
    """Read the secret at ``path``, creating it (random, mode 0600) on first use.

    ``what`` names the key and ``lost`` says what a new one loses, in the one-line errors
    (the visit key, ``kiosk.storage.visits``, is made the same way).

    The new key is written to a temporary file and linked into place, so a reader never
    sees half a key and two kiosks starting at once agree on one. An existing key is read
    only if it is a regular file (a FIFO or ``/dev/zero`` in its place would hang the start
    or fill the memory), at most one byte more than a key, and made 0600 if it is ours.

    Raises:
        KeyFileError: the file cannot be created or read, or does not hold a key.
    """
    try:
        if not check_regular(path):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.fchmod(fd, 0o600)  # whatever the umask
                os.write(fd, secrets.token_bytes(KEY_BYTES))
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process made it first; use theirs
            finally:
                tmp.unlink()
        fd = open_regular(path)
        try:
            private_fd(fd, path)
            key = read_at_most(fd, KEY_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise KeyFileError(
            f"cannot create or read the {what} {path} ({exc.strerror or exc}); "
            "check that the data folder is writable and the key is a file"
        ) from exc
    if len(key) != KEY_BYTES:
        shown = f"{len(key)} bytes" if len(key) <= KEY_BYTES else f"over {KEY_BYTES} bytes"
        raise KeyFileError(
            f"{what} {path} is damaged ({shown}, expected {KEY_BYTES}); "
            f"delete it to make a new one ({lost})"
        )
    return key


def card_hash(key: bytes, card: str) -> str:
    """What the store keeps instead of a card number: hex HMAC-SHA256 under ``key``.

    Wrong PINs and saved settings (``storage.preferences``) share it, so there is one
    secret to keep and one rule: no card number in the store.
    """
    return hmac.new(key, card.encode("utf-8"), hashlib.sha256).hexdigest()


class SqlPinFailures:
    """:class:`kiosk.core.ports.PinFailures` on the kiosk's store.

    Args:
        engine: from :func:`kiosk.storage.db.open_store`.
        key: the secret of the keyed hash (:func:`load_or_create_key`).
        limit: wrong PINs within the window that lock a card.
        window: seconds a wrong PIN counts for.
    """

    def __init__(self, engine: Engine, key: bytes, *, limit: int, window: float) -> None:
        self._sessions = sessionmaker(engine)
        self._key = key
        self.limit = limit
        self.window = dt.timedelta(seconds=window)

    def card_hash(self, card: str) -> str:
        """The key a card's rows are stored under (hex HMAC-SHA256)."""
        return card_hash(self._key, card)

    def locked(self, card: str, now: dt.datetime) -> bool:
        """True when ``card`` has ``limit`` wrong PINs within the window before ``now``.

        Raises:
            StorageFailed: the store could not be read.
        """
        try:
            with self._sessions() as session:
                return self._count(session, self.card_hash(card), now) >= self.limit
        except SQLAlchemyError as exc:
            reason = _reason(exc)
            raise StorageFailed(f"local store could not read wrong-PIN counts: {reason}") from exc

    def record_failure(self, card: str, now: dt.datetime) -> bool:
        """Store one wrong PIN for ``card`` at ``now``; return whether the card is now locked.

        Rows older than the window (for any card) are deleted on the way: they no longer
        count, and the table stays as small as the last ``window`` seconds of mistakes.

        Raises:
            StorageFailed: the failure could not be stored.
        """
        digest = self.card_hash(card)
        try:
            with self._sessions.begin() as session:
                session.execute(delete(PinFailure).where(PinFailure.failed_at <= now - self.window))
                session.add(PinFailure(card_hash=digest, failed_at=now))
                session.flush()
                return self._count(session, digest, now) >= self.limit
        except SQLAlchemyError as exc:
            raise StorageFailed(f"local store could not count a wrong PIN: {_reason(exc)}") from exc

    def forgive(self, card: str, at: dt.datetime) -> None:
        """Delete the failure stored for ``card`` at ``at`` (one row, if it is there).

        Raises:
            StorageFailed: the store could not be written.
        """
        digest = self.card_hash(card)
        try:
            with self._sessions.begin() as session:
                row = session.scalars(
                    select(PinFailure)
                    .where(PinFailure.card_hash == digest, PinFailure.failed_at == at)
                    .limit(1)
                ).first()
                if row is not None:
                    session.delete(row)
        except SQLAlchemyError as exc:
            raise StorageFailed(
                f"local store could not take back a PIN try: {_reason(exc)}"
            ) from exc

    def tries_left(self, card: str, now: dt.datetime) -> int:
        """Wrong PINs ``card`` may still have within the window before it is locked.

        Raises:
            StorageFailed: the store could not be read.
        """
        try:
            with self._sessions() as session:
                return max(0, self.limit - self._count(session, self.card_hash(card), now))
        except SQLAlchemyError as exc:
            raise StorageFailed(
                f"local store could not read wrong-PIN counts: {_reason(exc)}"
            ) from exc

    def _count(self, session: Session, digest: str, now: dt.datetime) -> int:
        # Failures "in the future" beyond a window are ignored: after the clock is set
        # back, a card is not locked for as long as the clock was wrong.
        query = (
            select(func.count())
            .select_from(PinFailure)
            .where(PinFailure.card_hash == digest)
            .where(PinFailure.failed_at > now - self.window)
            .where(PinFailure.failed_at <= now + self.window)
        )
        return int(session.execute(query).scalar_one())


def _reason(exc: SQLAlchemyError) -> str:
    return " ".join(str(getattr(exc, "orig", None) or exc).split())

"""``LocalIls``: the embedded demo library behind the :class:`kiosk.core.ports.IlsBackend` port.

It stands in for a library's ILS (the SIP2 backend implements the same port). Its schema
(patrons, items, loans, holds) belongs to this stand-in "foreign system", not to the kiosk's
own store, so it is created with ``metadata.create_all`` and has no Alembic migrations. The
file is seeded from :mod:`kiosk.ils.local.demo_data` on first open only.

PINs are stored as salted SHA-256 and compared with :func:`hmac.compare_digest`; they are
never logged. Calls may come from any thread: each call uses its own session, and a lock
serialises check-outs so two kiosks' workers in one process cannot lend the same copy twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    Boolean,
    Date,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from kiosk.core.model import CheckoutAnswer, ItemStatus, Loan, Patron, PatronCheck, Refusal
from kiosk.core.ports import IlsUnavailable
from kiosk.ils.local import demo_data
from kiosk.ils.local.demo_data import DEFAULT_SEED, DemoLibrary

_log = logging.getLogger(__name__)
_T = TypeVar("_T")
LOCK_WAIT_MS = 60_000


class _Base(DeclarativeBase):
    pass


class _Meta(_Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class _Patron(_Base):
    __tablename__ = "patrons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    barcode: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    pin_salt: Mapped[bytes]
    pin_hash: Mapped[bytes]
    expires: Mapped[dt.date] = mapped_column(Date)
    fines: Mapped[int] = mapped_column(Integer)
    loan_limit: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[bool] = mapped_column(Boolean)


class _Item(_Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    barcode: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text)
    reference: Mapped[bool] = mapped_column(Boolean)
    new: Mapped[bool] = mapped_column(Boolean)


class _Loan(_Base):
    __tablename__ = "loans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), unique=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), index=True)
    checked_out_at: Mapped[str] = mapped_column(String(40))
    due: Mapped[dt.date] = mapped_column(Date)


class _Hold(_Base):
    __tablename__ = "holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"))


def _hash_pin(salt: bytes, pin: str) -> bytes:
    return hashlib.sha256(salt + pin.encode("utf-8")).digest()


def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Wait for a lock held by another process (a second kiosk or a server on the same file)
    # as a real ILS would; how long a patron waits is the kiosk's [ils] deadline, not this.
    cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
    cursor.close()


def _seed(session: Session, library: DemoLibrary, seed: int) -> None:
    patrons = {}
    for p in library.patrons:
        salt = os.urandom(16)
        row = _Patron(
            barcode=p.barcode,
            name=p.name,
            pin_salt=salt,
            pin_hash=_hash_pin(salt, p.pin),
            expires=p.expires,
            fines=p.fines,
            loan_limit=p.loan_limit,
            blocked=p.blocked,
        )
        patrons[p.barcode] = row
    items = {
        i.barcode: _Item(
            barcode=i.barcode, title=i.title, author=i.author, reference=i.reference, new=i.new
        )
        for i in library.items
    }
    session.add_all([*patrons.values(), *items.values()])
    session.flush()
    for loan in library.loans:
        checked_out = dt.datetime.combine(loan.checked_out, dt.time(10, 0), dt.UTC)
        session.add(
            _Loan(
                item_id=items[loan.item_barcode].id,
                patron_id=patrons[loan.patron_barcode].id,
                checked_out_at=checked_out.isoformat(),
                due=loan.due,
            )
        )
    for hold in library.holds:
        session.add(
            _Hold(item_id=items[hold.item_barcode].id, patron_id=patrons[hold.patron_barcode].id)
        )
    session.add(_Meta(key="seed", value=str(seed)))


class LocalIls:
    """The embedded demo library. Build it with :meth:`open`.

    Args:
        engine: engine on the demo library's SQLite file, schema already created.
        timezone: the library's timezone; due dates are local dates there.
    """

    def __init__(self, engine: Engine, timezone: ZoneInfo) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._tz = timezone
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls, path: Path, *, timezone: str = "Asia/Jakarta", seed: int = DEFAULT_SEED
    ) -> LocalIls:
        """Open the demo library at ``path``, creating and seeding it on first run only.

        Args:
            path: SQLite file of the demo library; its folder is created.
            timezone: IANA name of the library's timezone.
            seed: seed of the demo data, used only when the file is first seeded.

        Raises:
            ValueError: unknown timezone name.
            IlsUnavailable: the file cannot be created or is not a demo library database.
        """
        try:
            tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {timezone!r}") from exc
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(f"sqlite:///{path}")
            event.listen(engine, "connect", _set_pragmas)
            _Base.metadata.create_all(engine)
            with sessionmaker(engine).begin() as session:
                stored = session.get(_Meta, "seed")
                if stored is None:
                    _seed(session, demo_data.generate(seed), seed)
                    _log.info("demo library seeded at %s (seed %d)", path, seed)
                elif stored.value != str(seed):
                    _log.warning(
                        "demo library %s was seeded with %s; keeping it (asked for %d)",
                        path,
                        stored.value,
                        seed,
                    )
        except (OSError, SQLAlchemyError) as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise IlsUnavailable(
                f"demo library at {path} cannot be opened ({reason}); "
                "check the folder is writable or move the file aside to reseed it"
            ) from exc
        return cls(engine, tz)

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def _run(self, action: str, work: Callable[[Session], _T]) -> _T:
        try:
            with self._sessions.begin() as session:
                return work(session)
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise IlsUnavailable(f"demo library {action} failed: {reason}") from exc

    def _today(self) -> dt.date:
        return dt.datetime.now(self._tz).date()

    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        """Authenticate a card and PIN and say whether the patron may borrow.

        Raises:
            IlsUnavailable: the demo library's database failed.
        """
        today = self._today()

        def work(session: Session) -> PatronCheck:
            row = session.scalar(select(_Patron).where(_Patron.barcode == barcode))
            if row is None:
                return PatronCheck(None, Refusal.UNKNOWN_PATRON)
            if not hmac.compare_digest(row.pin_hash, _hash_pin(row.pin_salt, pin)):
                return PatronCheck(None, Refusal.WRONG_PIN)
            patron = self._patron(session, row)
            return PatronCheck(patron, _block_reason(row, patron.loans_count, today))

        return self._run("patron check", work)

    def checkout(self, patron_barcode: str, item_barcode: str, now: dt.datetime) -> CheckoutAnswer:
        """Lend one item; due in 14 days (7 for new items), counted in the library's timezone.

        Args:
            patron_barcode: an authenticated patron's card.
            item_barcode: the item's label.
            now: the moment of the check-out, timezone-aware.

        Raises:
            ValueError: ``now`` is naive.
            IlsUnavailable: the demo library's database failed; nothing was lent.
        """
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        today = now.astimezone(self._tz).date()

        def work(session: Session) -> CheckoutAnswer:
            item = session.scalar(select(_Item).where(_Item.barcode == item_barcode))
            if item is None:
                return CheckoutAnswer(item_barcode, refusal=Refusal.UNKNOWN_ITEM)

            def refuse(reason: Refusal, due: dt.date | None = None) -> CheckoutAnswer:
                return CheckoutAnswer(item_barcode, refusal=reason, title=item.title, due=due)

            patron = session.scalar(select(_Patron).where(_Patron.barcode == patron_barcode))
            if patron is None:
                return refuse(Refusal.UNKNOWN_PATRON)
            if item.reference:
                return refuse(Refusal.NOT_LOANABLE)
            current = session.scalar(select(_Loan).where(_Loan.item_id == item.id))
            if current is not None:
                if current.patron_id == patron.id:
                    return refuse(Refusal.ALREADY_YOURS, current.due)
                return refuse(Refusal.ON_LOAN_TO_ANOTHER)
            hold = session.scalar(
                select(_Hold).where(_Hold.item_id == item.id).order_by(_Hold.id).limit(1)
            )
            if hold is not None and hold.patron_id != patron.id:
                return refuse(Refusal.ON_HOLD_FOR_ANOTHER)
            reason = _block_reason(patron, _loans_count(session, patron.id), today)
            if reason is not None:
                return refuse(reason)
            if hold is not None:
                session.delete(hold)
            days = demo_data.NEW_ITEM_LOAN_DAYS if item.new else demo_data.LOAN_DAYS
            due = today + dt.timedelta(days=days)
            session.add(
                _Loan(
                    item_id=item.id,
                    patron_id=patron.id,
                    checked_out_at=now.astimezone(dt.UTC).isoformat(),
                    due=due,
                )
            )
            loan = Loan(patron_barcode, item_barcode, item.title, item.author, due, now)
            return CheckoutAnswer(item_barcode, loan=loan, title=item.title)

        with self._lock:
            return self._run("check-out", work)

    def item_status(self, item_barcode: str) -> ItemStatus | None:
        """Say whether an item is on loan now, to whom and since when. Changes nothing.

        Returns:
            None for an item this library does not have.

        Raises:
            IlsUnavailable: the demo library's database failed.
        """

        def work(session: Session) -> ItemStatus | None:
            item = session.scalar(select(_Item).where(_Item.barcode == item_barcode))
            if item is None:
                return None
            loan = session.scalar(select(_Loan).where(_Loan.item_id == item.id))
            if loan is None:
                return ItemStatus(item_barcode, item.title, item.author, on_loan=False)
            borrower = session.get(_Patron, loan.patron_id)
            return ItemStatus(
                item_barcode,
                item.title,
                item.author,
                on_loan=True,
                due=loan.due,
                borrower_barcode=borrower.barcode if borrower is not None else None,
                checked_out_at=_stored_time(loan.checked_out_at),
            )

        return self._run("item status", work)

    @staticmethod
    def _patron(session: Session, row: _Patron) -> Patron:
        return Patron(row.barcode, row.name, _loans_count(session, row.id), row.loan_limit)


def _loans_count(session: Session, patron_id: int) -> int:
    query = select(func.count()).select_from(_Loan).where(_Loan.patron_id == patron_id)
    return int(session.scalar(query) or 0)


def _stored_time(text: str) -> dt.datetime | None:
    """A loan's stored ISO time as an aware datetime; None if the file holds something else."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _block_reason(row: _Patron, loans_count: int, today: dt.date) -> Refusal | None:
    """Why this patron may not borrow now, or None. General blocks come first."""
    if row.blocked:
        return Refusal.PATRON_BLOCKED
    if row.expires < today:
        return Refusal.CARD_EXPIRED
    if row.fines > demo_data.FINES_LIMIT:
        return Refusal.FINES_OVER_LIMIT
    if loans_count >= row.loan_limit:
        return Refusal.TOO_MANY_ITEMS
    return None

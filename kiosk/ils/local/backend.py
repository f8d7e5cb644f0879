"""``LocalIls``: the embedded demo library behind the :class:`kiosk.core.ports.IlsBackend` port.

It stands in for a library's ILS (the SIP2 backend implements the same port). Its schema
(patrons, items, loans, holds) belongs to this stand-in "foreign system", not to the kiosk's
own store, so it is created with ``metadata.create_all`` and has no Alembic migrations. The
file is seeded from :mod:`kiosk.ils.local.demo_data` on first open only.

PINs are stored as scrypt hashes (see :mod:`kiosk.ils.local.pins`) and compared with
:func:`hmac.compare_digest`; they are never logged. Like a real ILS it locks a card after
:data:`~kiosk.ils.local.pins.LOCK_AFTER` consecutive wrong PINs, whatever the kiosk counts.
Card expiry and lock-outs are judged by the injected clock, so a test with a manual clock
sees the same library every day. Calls may come from any thread: each call uses its own
session, and a lock serialises check-outs so two kiosks' workers in one process cannot lend
the same copy twice.

The file carries a schema version in ``meta``: a file from the previous version (SHA-256
PINs, no version) is upgraded in place on open; a newer or unknown version is refused.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
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

from kiosk.core.clock import SystemClock
from kiosk.core.files import NotRegularFile, check_regular
from kiosk.core.model import CheckoutAnswer, ItemStatus, Loan, Patron, PatronCheck, Refusal
from kiosk.core.ports import Clock, IlsUnavailable
from kiosk.ils.local import demo_data, pins
from kiosk.ils.local.demo_data import DEFAULT_SEED, DemoLibrary

_log = logging.getLogger(__name__)
_T = TypeVar("_T")
LOCK_WAIT_MS = 60_000
SCHEMA_VERSION = 2
"""1: SHA-256 PINs, no version row (before issue 6). 2: scrypt PINs and ``pin_failures``."""


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


class _PinFailures(_Base):
    """Consecutive wrong PINs per card, and until when the card is locked (UTC ISO time)."""

    __tablename__ = "pin_failures"
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[str | None] = mapped_column(String(40))


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


def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Wait for a lock held by another process (a second kiosk or a server on the same file)
    # as a real ILS would; how long a patron waits is the kiosk's [ils] deadline, not this.
    cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
    cursor.close()


def _seed(session: Session, library: DemoLibrary, seed: int, today: dt.date) -> None:
    patrons = {}
    for p in library.patrons:
        # No hash yet: each PIN is hashed with scrypt on its card's first check (pins.py).
        row = _Patron(
            barcode=p.barcode,
            name=p.name,
            pin_salt=b"",
            pin_hash=pins.PENDING,
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
    # The loans the library has when first opened were made in the weeks before that day,
    # whatever the calendar says, so none is overdue by years in a demo started later.
    shift = today - demo_data.SEED_DATE
    for loan in library.loans:
        day = loan.checked_out + shift
        checked_out = dt.datetime.combine(day, dt.time(10, 0), dt.UTC)
        session.add(
            _Loan(
                item_id=items[loan.item_barcode].id,
                patron_id=patrons[loan.patron_barcode].id,
                checked_out_at=checked_out.isoformat(),
                due=loan.due + shift,
            )
        )
    for hold in library.holds:
        session.add(
            _Hold(item_id=items[hold.item_barcode].id, patron_id=patrons[hold.patron_barcode].id)
        )
    session.add(_Meta(key="seed", value=str(seed)))
    session.add(_Meta(key="schema_version", value=str(SCHEMA_VERSION)))


class LocalIls:
    """The embedded demo library. Build it with :meth:`open`.

    Args:
        engine: engine on the demo library's SQLite file, schema already created.
        timezone: the library's timezone; due dates are local dates there.
        clock: what "today" and "now" are (card expiry, lock-outs); the system clock if None.
        seed: the seed the file was made from; its clear PINs are hashed on first use.
    """

    def __init__(
        self,
        engine: Engine,
        timezone: ZoneInfo,
        clock: Clock | None = None,
        seed: int = DEFAULT_SEED,
    ) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._tz = timezone
        self._clock: Clock = clock or SystemClock()
        self._seed = seed
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        timezone: str = "Asia/Jakarta",
        seed: int = DEFAULT_SEED,
        clock: Clock | None = None,
    ) -> LocalIls:
        """Open the demo library at ``path``, creating and seeding it on first run only.

        Args:
            path: SQLite file of the demo library; its folder is created.
            timezone: IANA name of the library's timezone.
            seed: seed of the demo data, used only when the file is first seeded.
            clock: the kiosk's clock; the system clock if None.

        Raises:
            ValueError: unknown timezone name.
            IlsUnavailable: the file cannot be created, is damaged, is not a demo library
                database, or was written by a newer version.
        """
        try:
            tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {timezone!r}") from exc
        path = Path(path)
        fix = "run `kiosk demo reset` (or move the file aside) to start the demo afresh"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # SQLite would wait forever on a FIFO in the file's place and read a device.
            check_regular(path)
            engine = create_engine(f"sqlite:///{path}")
            event.listen(engine, "connect", _set_pragmas)
            try:
                _check_file(engine)
                _Base.metadata.create_all(engine)  # adds tables new since the file was made
                with sessionmaker(engine).begin() as session:
                    seed = _seed_or_upgrade(session, path, seed, _today(clock, tz))
            except BaseException:
                engine.dispose()
                raise
        except _NotADemoLibrary as exc:
            raise IlsUnavailable(f"demo library at {path} {exc}; {fix}") from exc
        except NotRegularFile as exc:
            reason = exc.strerror
            raise IlsUnavailable(f"demo library at {path} is unusable ({reason}); {fix}") from exc
        except (OSError, SQLAlchemyError) as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise IlsUnavailable(
                f"demo library at {path} cannot be opened ({reason}); check that the folder "
                f"is writable and its disk not full, or {fix}"
            ) from exc
        return cls(engine, tz, clock, seed)

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
        return self._clock.now().astimezone(self._tz).date()

    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        """Authenticate a card and PIN and say whether the patron may borrow.

        Raises:
            IlsUnavailable: the demo library's database failed.
        """
        now = self._clock.now()
        today = now.astimezone(self._tz).date()

        def work(session: Session) -> PatronCheck:
            row = session.scalar(select(_Patron).where(_Patron.barcode == barcode))
            if row is None:
                return PatronCheck(None, Refusal.UNKNOWN_PATRON)
            failures = session.get(_PinFailures, row.id)
            if failures is not None and pins.locked(failures.locked_until, now):
                # Locked: the PIN is not even checked, so guessing on teaches nothing.
                return PatronCheck(None, Refusal.PATRON_BLOCKED)
            # Counted as wrong and written BEFORE the PIN is compared, then taken back if it
            # was right: a check this file cannot record (a full disk) fails whatever the
            # PIN, so it never tells a guesser "wrong" from "right" while the count stands.
            if failures is None:
                failures = _PinFailures(patron_id=row.id, count=0, locked_until=None)
                session.add(failures)
            failures.count, failures.locked_until = pins.after_wrong_pin(
                failures.count, failures.locked_until, now
            )
            session.flush()
            if not self._pin_matches(row, pin):
                if failures.locked_until is not None:
                    _log.warning(
                        "demo library: card ...%s locked after %d wrong PINs",
                        barcode[-4:],
                        failures.count,
                    )
                return PatronCheck(None, Refusal.WRONG_PIN)
            session.delete(failures)  # a right PIN ends the run of wrong ones
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

    def _pin_matches(self, row: _Patron, pin: str) -> bool:
        """Check ``pin`` against the stored scrypt hash, hashing the seeded PIN on first use."""
        if row.pin_hash == pins.PENDING:
            clear = pins.seeded_pin(self._seed, row.barcode)
            if clear is None:  # not from the demo data: no PIN was ever set
                return False
            row.pin_salt, row.pin_hash = pins.hash_new(clear)
        return hmac.compare_digest(row.pin_hash, pins.derive(row.pin_salt, pin))

    @staticmethod
    def _patron(session: Session, row: _Patron) -> Patron:
        return Patron(row.barcode, row.name, _loans_count(session, row.id), row.loan_limit)


class _NotADemoLibrary(Exception):
    """The file is a SQLite database but not (or no longer) a demo library this code reads."""


_FIRST_TABLES = frozenset({"meta", "patrons", "items", "loans", "holds"})
"""Tables of schema version 1; later versions only added tables (``pin_failures``)."""


def _check_file(engine: Engine) -> None:
    """Refuse a damaged file, another program's file, or one lacking columns this code reads.

    ``quick_check`` reads every page, so a truncated or damaged file fails here with one
    line rather than at a patron's first query; for the demo's ~100 KiB it costs a few ms.
    Every demo library has a ``meta`` table from its first seeding: a file with tables but
    no ``meta`` belongs to another program and is not taken over. An empty file is new.
    """
    with engine.connect() as connection:
        result = connection.exec_driver_sql("PRAGMA quick_check").scalars().all()
        if result != ["ok"]:
            first = " ".join(str(result[0]).split())[:120] if result else "no answer"
            raise _NotADemoLibrary(f"is damaged ({first})")
        for table in _Base.metadata.sorted_tables:
            rows = connection.exec_driver_sql(f'PRAGMA table_info("{table.name}")').all()
            if not rows:
                continue  # a table new in this version: create_all adds it
            have = {row[1] for row in rows}
            missing = [c.name for c in table.columns if c.name not in have]
            if missing:
                raise _NotADemoLibrary(
                    f"is not a demo library this kiosk can read "
                    f"(table {table.name} has no column {missing[0]})"
                )
        tables = set(
            connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).scalars()
        )
        if tables and _Meta.__tablename__ not in tables:
            shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
            raise _NotADemoLibrary(f"is not a demo library (it has tables {shown} but no meta)")
        if tables:
            # Every seeded file has had these since its first version; create_all would
            # quietly make a dropped one afresh and empty (no patrons, no loans).
            lost = sorted(_FIRST_TABLES - tables)
            if lost:
                raise _NotADemoLibrary(f"is damaged (its table {lost[0]} is missing)")


def _today(clock: Clock | None, tz: ZoneInfo) -> dt.date:
    """Today in the library's timezone, by the kiosk's clock (the system clock if None)."""
    return (clock or SystemClock()).now().astimezone(tz).date()


def _seed_or_upgrade(session: Session, path: Path, seed: int, today: dt.date) -> int:
    """Seed an empty file, upgrade one from the previous version; return the file's seed."""
    stored = session.get(_Meta, "seed")
    if stored is None:
        _seed(session, demo_data.generate(seed), seed, today)
        _log.info("demo library seeded at %s (seed %d)", path, seed)
        return seed
    try:
        file_seed = int(stored.value)
    except ValueError as exc:
        raise _NotADemoLibrary(f"has an unreadable seed {stored.value[:20]!r}") from exc
    if file_seed != seed:
        _log.warning("demo library %s was seeded with %d; keeping it (asked for %d)",
                     path, file_seed, seed)  # fmt: skip
    version_row = session.get(_Meta, "schema_version")
    version = version_row.value if version_row is not None else "1"
    if version == str(SCHEMA_VERSION):
        return file_seed
    if version != "1":
        raise _NotADemoLibrary(
            f"has schema version {version[:20]!r}, which this kiosk does not know (it knows "
            f"up to {SCHEMA_VERSION}); it was written by a newer kiosk version"
        )
    _upgrade_from_1(session, file_seed)
    _log.info("demo library %s upgraded to schema %d (scrypt PINs)", path, SCHEMA_VERSION)
    return file_seed


def _upgrade_from_1(session: Session, seed: int) -> None:
    """Version 1 -> 2: drop the SHA-256 PIN hashes, give cards the new expiry dates.

    The clear PINs are known from the demo data for the file's seed, so the weak hashes are
    replaced by "pending" and each PIN is hashed with scrypt on its card's first check; the
    loans, holds and fines the file gathered are kept.
    """
    expiry = {p.barcode: p.expires for p in demo_data.generate(seed).patrons}
    for row in session.scalars(select(_Patron)):
        row.pin_salt, row.pin_hash = b"", pins.PENDING
        row.expires = expiry.get(row.barcode, row.expires)
    session.add(_Meta(key="schema_version", value=str(SCHEMA_VERSION)))


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

"""The demo library's file: its tables, first seeding, and in-place upgrades of older files.

The schema belongs to this stand-in "foreign system", not to the kiosk's own store, so it
has no Alembic migrations: tables new in a version are made by ``metadata.create_all``,
columns new in a version are added by that version's upgrade. The version is the
``schema_version`` row of ``meta``:

1. SHA-256 PINs, no version row (before issue 6).
2. scrypt PINs and ``pin_failures``.
3. returns, renewals, holds and fees: ``items.home_branch``, ``items.loan_fee``,
   ``items.note``, ``loans.renewals``, ``holds.ready_until``; a ``fines`` table with one
   row per amount owed replaces ``patrons.fines`` (one total); the demo cards for these.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from kiosk.core.model import FineReason
from kiosk.ils.local import demo_data, pins
from kiosk.ils.local.demo_data import DemoLibrary

_log = logging.getLogger(__name__)
LOCK_WAIT_MS = 60_000
SCHEMA_VERSION = 3


class Base(DeclarativeBase):
    pass


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PatronRow(Base):
    __tablename__ = "patrons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    barcode: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    pin_salt: Mapped[bytes]
    pin_hash: Mapped[bytes]
    expires: Mapped[dt.date] = mapped_column(Date)
    loan_limit: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[bool] = mapped_column(Boolean)


class PinFailuresRow(Base):
    """Consecutive wrong PINs per card, and until when the card is locked (UTC ISO time)."""

    __tablename__ = "pin_failures"
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[str | None] = mapped_column(String(40))


class ItemRow(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    barcode: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text)
    reference: Mapped[bool] = mapped_column(Boolean)
    new: Mapped[bool] = mapped_column(Boolean)
    home_branch: Mapped[str | None] = mapped_column(Text)
    """None: this library's own; else the branch a return here sends it to."""
    loan_fee: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    note: Mapped[str | None] = mapped_column(Text)


class LoanRow(Base):
    __tablename__ = "loans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), unique=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), index=True)
    checked_out_at: Mapped[str] = mapped_column(String(40))
    due: Mapped[dt.date] = mapped_column(Date)
    renewals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class HoldRow(Base):
    """A hold; the queue of an item is its holds by id. ``ready_until`` is set while the
    item waits on the hold shelf for this patron (the first in the queue)."""

    __tablename__ = "holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"))
    ready_until: Mapped[dt.date | None] = mapped_column(Date)


class FineRow(Base):
    """One amount a patron owes (Rupiah). ``reason`` is a :class:`FineReason` value;
    ``title`` the item's title when it is about an item, as it was then."""

    __tablename__ = "fines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(Integer)
    charged_at: Mapped[str] = mapped_column(String(40))


_FIRST_TABLES = frozenset({"meta", "patrons", "items", "loans", "holds"})
"""Tables of schema version 1; later versions only added tables and columns."""
_COLUMNS_OF_3 = frozenset(
    {
        ("items", "home_branch"),
        ("items", "loan_fee"),
        ("items", "note"),
        ("loans", "renewals"),
        ("holds", "ready_until"),
    }
)
"""Columns version 3 added to older tables; its upgrade adds them to an older file."""


class NotADemoLibrary(Exception):
    """The file is a SQLite database but not (or no longer) a demo library this code reads."""


def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on; wait for another process's lock as a real ILS would."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # How long a patron waits is the kiosk's [ils] deadline, not this.
    cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
    cursor.close()


def check_file(engine: Engine) -> None:
    """Refuse a damaged file, another program's file, or one lacking columns this code reads.

    ``quick_check`` reads every page, so a truncated or damaged file fails here with one
    line rather than at a patron's first query; for the demo's ~100 KiB it costs a few ms.
    Every demo library has a ``meta`` table from its first seeding: a file with tables but
    no ``meta`` belongs to another program and is not taken over. An empty file is new.
    A file older than version 3 may lack the columns its upgrade adds.

    Raises:
        NotADemoLibrary: with the reason, for one line.
    """
    with engine.connect() as connection:
        result = connection.exec_driver_sql("PRAGMA quick_check").scalars().all()
        if result != ["ok"]:
            first = " ".join(str(result[0]).split())[:120] if result else "no answer"
            raise NotADemoLibrary(f"is damaged ({first})")
        tables = set(
            connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).scalars()
        )
        version = 0
        if Meta.__tablename__ in tables:
            stored = connection.exec_driver_sql(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).scalar()
            version = int(stored) if stored is not None and stored.isdigit() else 1
        for table in Base.metadata.sorted_tables:
            rows = connection.exec_driver_sql(f'PRAGMA table_info("{table.name}")').all()
            if not rows:
                continue  # a table new in this version: create_all adds it
            have = {row[1] for row in rows}
            missing = [
                c.name
                for c in table.columns
                if c.name not in have
                and not (version < 3 and (table.name, c.name) in _COLUMNS_OF_3)
            ]
            if missing:
                raise NotADemoLibrary(
                    f"is not a demo library this kiosk can read "
                    f"(table {table.name} has no column {missing[0]})"
                )
        if tables and Meta.__tablename__ not in tables:
            shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
            raise NotADemoLibrary(f"is not a demo library (it has tables {shown} but no meta)")
        if tables:
            # Every seeded file has had these since its first version; create_all would
            # quietly make a dropped one afresh and empty (no patrons, no loans).
            lost = sorted(_FIRST_TABLES - tables)
            if lost:
                raise NotADemoLibrary(f"is damaged (its table {lost[0]} is missing)")


def seed_or_upgrade(
    session: Session, path: Path, seed: int, now: dt.datetime, today: dt.date
) -> int:
    """Seed an empty file, upgrade one from an older version; return the file's seed.

    Raises:
        NotADemoLibrary: an unreadable seed, or a version newer than this code.
    """
    stored = session.get(Meta, "seed")
    if stored is None:
        add_records(session, demo_data.generate(seed), today, now)
        session.add(Meta(key="seed", value=str(seed)))
        session.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
        _log.info("demo library seeded at %s (seed %d)", path, seed)
        return seed
    try:
        file_seed = int(stored.value)
    except ValueError as exc:
        raise NotADemoLibrary(f"has an unreadable seed {stored.value[:20]!r}") from exc
    if file_seed != seed:
        _log.warning("demo library %s was seeded with %d; keeping it (asked for %d)",
                     path, file_seed, seed)  # fmt: skip
    version_row = session.get(Meta, "schema_version")
    version = version_row.value if version_row is not None else "1"
    if version == str(SCHEMA_VERSION):
        return file_seed
    if version not in ("1", "2"):
        raise NotADemoLibrary(
            f"has schema version {version[:20]!r}, which this kiosk does not know (it knows "
            f"up to {SCHEMA_VERSION}); it was written by a newer kiosk version"
        )
    if version == "1":
        _upgrade_from_1(session, file_seed)
    _upgrade_from_2(session, file_seed, now, today)
    session.merge(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
    _log.info("demo library %s upgraded from schema %s to %d", path, version, SCHEMA_VERSION)
    return file_seed


def add_records(session: Session, library: DemoLibrary, today: dt.date, now: dt.datetime) -> None:
    """Add the library's patrons, items, loans, holds and fines; the loans' dates move by
    the days from :data:`demo_data.SEED_DATE` to ``today``."""
    patrons = {}
    for p in library.patrons:
        # No hash yet: each PIN is hashed with scrypt on its card's first check (pins.py).
        patrons[p.barcode] = PatronRow(
            barcode=p.barcode,
            name=p.name,
            pin_salt=b"",
            pin_hash=pins.PENDING,
            expires=p.expires,
            loan_limit=p.loan_limit,
            blocked=p.blocked,
        )
    items = {
        i.barcode: ItemRow(
            barcode=i.barcode,
            title=i.title,
            author=i.author,
            reference=i.reference,
            new=i.new,
            home_branch=i.home_branch or None,
            loan_fee=i.loan_fee,
            note=i.note or None,
        )
        for i in library.items
    }
    session.add_all([*patrons.values(), *items.values()])
    session.flush()
    patron_ids = {barcode: row.id for barcode, row in patrons.items()}
    item_ids = {barcode: row.id for barcode, row in items.items()}
    # An upgrade adds part of the library, whose loans and holds may name older records.
    cards = {r.patron_barcode for r in library.loans} | {r.patron_barcode for r in library.holds}
    cards |= {r.patron_barcode for r in library.fines}
    if cards - patron_ids.keys():
        query = select(PatronRow.barcode, PatronRow.id).where(PatronRow.barcode.in_(cards))
        patron_ids.update((barcode, id_) for barcode, id_ in session.execute(query))
    labels = {r.item_barcode for r in library.loans} | {r.item_barcode for r in library.holds}
    if labels - item_ids.keys():
        query = select(ItemRow.barcode, ItemRow.id).where(ItemRow.barcode.in_(labels))
        item_ids.update((barcode, id_) for barcode, id_ in session.execute(query))
    # The loans the library has when first opened were made in the weeks before that day,
    # whatever the calendar says, so none is overdue by years in a demo started later.
    shift = today - demo_data.SEED_DATE
    for loan in library.loans:
        day = loan.checked_out + shift
        # Never later than now: in the library's evening "today" may already be
        # tomorrow in UTC, and a loan made in the future would look, to reconciliation,
        # like one made after the kiosk's own request.
        checked_out = min(dt.datetime.combine(day, dt.time(10, 0), dt.UTC), now)
        session.add(
            LoanRow(
                item_id=item_ids[loan.item_barcode],
                patron_id=patron_ids[loan.patron_barcode],
                checked_out_at=checked_out.isoformat(),
                due=loan.due + shift,
                renewals=loan.renewals,
            )
        )
    lent = {loan.item_barcode for loan in library.loans}
    queued: set[str] = set()
    pickup_by = today + dt.timedelta(days=demo_data.HOLD_PICKUP_DAYS)
    for hold in library.holds:
        # The first hold on an item on the shelf: the item waits on the hold shelf.
        ready = hold.item_barcode not in lent and hold.item_barcode not in queued
        queued.add(hold.item_barcode)
        session.add(
            HoldRow(
                item_id=item_ids[hold.item_barcode],
                patron_id=patron_ids[hold.patron_barcode],
                ready_until=pickup_by if ready else None,
            )
        )
    charged_at = now.astimezone(dt.UTC).isoformat()
    for fine in library.fines:
        session.add(
            FineRow(
                patron_id=patron_ids[fine.patron_barcode],
                reason=fine.reason.value,
                title=fine.title or None,
                amount=fine.amount,
                charged_at=charged_at,
            )
        )


def _upgrade_from_1(session: Session, seed: int) -> None:
    """Version 1 -> 2: drop the SHA-256 PIN hashes, give cards the new expiry dates.

    The clear PINs are known from the demo data for the file's seed, so the weak hashes are
    replaced by "pending" and each PIN is hashed with scrypt on its card's first check; the
    loans, holds and fines the file gathered are kept.
    """
    expiry = {p.barcode: p.expires for p in demo_data.generate(seed).patrons}
    for row in session.scalars(select(PatronRow)):
        row.pin_salt, row.pin_hash = b"", pins.PENDING
        row.expires = expiry.get(row.barcode, row.expires)


def _upgrade_from_2(session: Session, seed: int, now: dt.datetime, today: dt.date) -> None:
    """Version 2 -> 3: the new columns, fines itemised, and the cards for the new services.

    Each patron's total (``patrons.fines``) becomes rows of ``fines``: the demo data's
    itemisation when the total is still the seeded one, else one row "other". Holds on
    items on the shelf are ready for pickup from today. The loans, holds and fines the
    file gathered are kept; the new cards and items (barcodes no older file has) are
    added as :func:`_seed` would, dated from today.
    """
    session.flush()  # version 1's PIN changes first
    # SQLite runs ALTER TABLE outside the driver's transaction, so an upgrade cut short
    # may have added some columns already: each step looks before it changes anything.
    for table, column in sorted(_COLUMNS_OF_3):
        if column in _columns(session, table):
            continue
        declared = {"loan_fee": "INTEGER NOT NULL DEFAULT 0", "renewals": "INTEGER NOT NULL "
                    "DEFAULT 0", "ready_until": "DATE"}.get(column, "TEXT")  # fmt: skip
        session.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {declared}"))
    library = demo_data.generate(seed)
    itemised: dict[str, list[demo_data.DemoFine]] = {}
    for fine in library.fines:
        itemised.setdefault(fine.patron_barcode, []).append(fine)
    charged_at = now.astimezone(dt.UTC).isoformat()
    has_totals = "fines" in _columns(session, "patrons")
    query = "SELECT id, barcode, fines FROM patrons WHERE fines > 0"
    owed = session.execute(text(query)).all() if has_totals else []
    for patron_id, barcode, total in owed:
        rows = itemised.get(barcode, [])
        if sum(fine.amount for fine in rows) != total:
            rows = [demo_data.DemoFine(barcode, FineReason.OTHER, total)]
        for fine in rows:
            session.add(
                FineRow(
                    patron_id=patron_id,
                    reason=fine.reason.value,
                    title=fine.title or None,
                    amount=fine.amount,
                    charged_at=charged_at,
                )
            )
    session.flush()
    if has_totals:
        session.execute(text("ALTER TABLE patrons DROP COLUMN fines"))
    pickup_by = today + dt.timedelta(days=demo_data.HOLD_PICKUP_DAYS)
    session.execute(
        text(
            "UPDATE holds SET ready_until = :day WHERE id IN (SELECT min(id) FROM holds "
            "WHERE item_id NOT IN (SELECT item_id FROM loans) GROUP BY item_id)"
        ),
        {"day": pickup_by.isoformat()},
    )
    have = set(session.scalars(select(PatronRow.barcode)))
    have_items = set(session.scalars(select(ItemRow.barcode)))
    new_patrons = tuple(p for p in library.patrons if p.barcode not in have)
    new_items = tuple(i for i in library.items if i.barcode not in have_items)
    patrons = {p.barcode for p in new_patrons}
    items = {i.barcode for i in new_items}
    # Only the new items' circulation: their loans and holds may name older cards (Siti
    # waits for Bumi), which add_records looks up.
    add_records(
        session,
        DemoLibrary(
            patrons=new_patrons,
            items=new_items,
            loans=tuple(loan for loan in library.loans if loan.item_barcode in items),
            holds=tuple(hold for hold in library.holds if hold.item_barcode in items),
            fines=tuple(fine for fine in library.fines if fine.patron_barcode in patrons),
        ),
        today,
        now,
    )


def _columns(session: Session, table: str) -> set[str]:
    return {row[1] for row in session.execute(text(f'PRAGMA table_info("{table}")'))}

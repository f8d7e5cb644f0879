"""The demo library keeps its own rules like a real ILS: expiry by the kiosk's clock, its
own wrong-PIN lock, a schema version, and one line for a file it cannot use."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from kiosk.core.clock import ManualClock
from kiosk.core.model import AccountHold, Fine, FineReason, Refusal, SortBin
from kiosk.core.ports import IlsUnavailable
from kiosk.ils.local import LocalIls, pins
from kiosk.ils.local import demo_data as dd


def _at(year: int, month: int, day: int, hour: int = 3) -> ManualClock:
    return ManualClock(dt.datetime(year, month, day, hour, 0, tzinfo=dt.UTC))


# --- the calendar ----------------------------------------------------------------------


def test_card_expiry_is_judged_by_the_injected_clock(tmp_path: Path) -> None:
    path = tmp_path / "ils.sqlite3"
    on_last_day = LocalIls.open(path, clock=_at(2024, 3, 31))
    assert on_last_day.check_patron(dd.RUTH.barcode, dd.RUTH.pin).ok
    on_last_day.close()
    next_day = LocalIls.open(path, clock=_at(2024, 4, 1))
    assert next_day.check_patron(dd.RUTH.barcode, dd.RUTH.pin).refusal is Refusal.CARD_EXPIRED


def test_good_cards_stay_good_for_decades_and_the_expired_one_stays_expired() -> None:
    library = dd.generate()
    for patron in library.patrons:
        if patron is dd.RUTH:
            assert patron.expires < dt.date(2025, 1, 1)
        else:
            assert patron.expires >= dt.date(2090, 1, 1), patron.barcode


def test_loans_the_demo_starts_with_are_recent_whenever_it_is_first_opened(
    tmp_path: Path,
) -> None:
    """Siti's seeded loan is due within a loan period of the day the demo is first opened,
    not on a fixed date that passed long ago ("return by 3 June 2026" in November)."""
    opened = dt.date(2031, 2, 10)
    ils = LocalIls.open(tmp_path / "ils.sqlite3", clock=_at(2031, 2, 10))
    status = ils.item_status(dd.LENT_TO_SITI.barcode)
    assert status is not None and status.on_loan and status.due is not None
    assert opened <= status.due <= opened + dt.timedelta(days=dd.LOAN_DAYS)


def test_the_readme_table_holds_in_2080(tmp_path: Path) -> None:
    ils = LocalIls.open(tmp_path / "ils.sqlite3", clock=_at(2080, 6, 1))
    for card in dd.DEMO_CARDS:
        if isinstance(card, dd.DemoPatronCard):
            assert ils.check_patron(card.barcode, card.pin).refusal is card.expected


# --- the demo library's own wrong-PIN limit -------------------------------------------


def test_ten_wrong_pins_in_a_row_lock_the_card_for_thirty_minutes(tmp_path: Path) -> None:
    clock = _at(2026, 11, 21)
    ils = LocalIls.open(tmp_path / "ils.sqlite3", clock=clock)
    for _ in range(pins.LOCK_AFTER):
        assert ils.check_patron(dd.SUTRISNO.barcode, "0000").refusal is Refusal.WRONG_PIN
    # Locked: even the right PIN is refused, and the answer does not tell which it was.
    assert ils.check_patron(dd.SUTRISNO.barcode, "1234").refusal is Refusal.PATRON_BLOCKED
    assert ils.check_patron(dd.SUTRISNO.barcode, "0000").refusal is Refusal.PATRON_BLOCKED
    assert ils.check_patron(dd.SITI.barcode, dd.SITI.pin).ok, "other cards are not locked"
    clock.advance(pins.LOCK_MINUTES * 60 - 1)
    assert ils.check_patron(dd.SUTRISNO.barcode, "1234").refusal is Refusal.PATRON_BLOCKED
    clock.advance(1)
    assert ils.check_patron(dd.SUTRISNO.barcode, "1234").ok
    # The lock is kept in the file, not in this object: a restarted kiosk sees it too.
    for _ in range(pins.LOCK_AFTER):
        ils.check_patron(dd.SUTRISNO.barcode, "0000")
    ils.close()
    reopened = LocalIls.open(tmp_path / "ils.sqlite3", clock=clock)
    assert reopened.check_patron(dd.SUTRISNO.barcode, "1234").refusal is Refusal.PATRON_BLOCKED


def test_a_right_pin_ends_the_run_of_wrong_ones(tmp_path: Path) -> None:
    ils = LocalIls.open(tmp_path / "ils.sqlite3", clock=_at(2026, 11, 21))
    for _ in range(3):
        for _ in range(pins.LOCK_AFTER - 1):
            assert ils.check_patron(dd.SUTRISNO.barcode, "0000").refusal is Refusal.WRONG_PIN
        assert ils.check_patron(dd.SUTRISNO.barcode, "1234").ok


# --- schema versions and old files ----------------------------------------------------


def _make_version_1(path: Path) -> None:
    """Turn a file with one loan into what the previous version wrote: SHA-256 PINs, 2030s
    expiry, no pin_failures table and no schema_version row."""
    ils = LocalIls.open(path)
    assert ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, dt.datetime.now(dt.UTC)).ok
    ils.close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE pin_failures"))
        conn.execute(text("DELETE FROM meta WHERE key = 'schema_version'"))
        for patron in dd.generate().patrons:
            salt = os.urandom(16)
            conn.execute(
                text("UPDATE patrons SET pin_salt=:s, pin_hash=:h, expires=:e WHERE barcode=:b"),
                {
                    "s": salt,
                    "h": hashlib.sha256(salt + patron.pin.encode()).digest(),
                    "e": "2031-12-31" if patron is not dd.RUTH else "2024-03-31",
                    "b": patron.barcode,
                },
            )
    engine.dispose()


def test_a_file_from_the_previous_version_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "ils.sqlite3"
    _make_version_1(path)
    clock = _at(2040, 1, 1)  # after the old 2031 expiry: the upgrade moved it
    ils = LocalIls.open(path, clock=clock)
    check = ils.check_patron(dd.SUTRISNO.barcode, "1234")
    assert check.ok and check.patron is not None and check.patron.loans_count == 1  # loan kept
    assert ils.check_patron(dd.SITI.barcode, dd.SITI.pin).ok
    assert ils.check_patron(dd.MADE.barcode, "0000").refusal is Refusal.WRONG_PIN
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        version = conn.execute(text("SELECT value FROM meta WHERE key='schema_version'"))
        hashes = conn.execute(text("SELECT pin_hash FROM patrons")).scalars().all()
    assert version.scalar_one() == "3"
    assert all(len(h) in (0, 32) for h in hashes)
    assert sum(len(h) == 32 for h in hashes) == 3, "only the cards checked since are hashed"


def test_a_file_from_a_newer_version_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "ils.sqlite3"
    LocalIls.open(path).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '7' WHERE key = 'schema_version'"))
    with pytest.raises(IlsUnavailable) as excinfo:
        LocalIls.open(path)
    message = str(excinfo.value)
    assert "schema version '7'" in message and "newer kiosk version" in message
    assert "kiosk demo reset" in message and "\n" not in message


def test_a_truncated_file_is_refused_at_open_not_at_a_patrons_query(tmp_path: Path) -> None:
    path = tmp_path / "ils.sqlite3"
    LocalIls.open(path).close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(IlsUnavailable) as excinfo:
        LocalIls.open(path)
    assert "kiosk demo reset" in str(excinfo.value)


def test_a_damaged_page_is_refused_at_open_not_at_a_patrons_query(tmp_path: Path) -> None:
    path = tmp_path / "ils.sqlite3"
    LocalIls.open(path).close()
    data = bytearray(path.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page  # a page of items or patrons, not the schema
    data[middle + 8 : middle + page] = b"\xa5" * (page - 8)
    path.write_bytes(bytes(data))
    with pytest.raises(IlsUnavailable) as excinfo:
        LocalIls.open(path)
    message = str(excinfo.value)
    assert message.startswith(f"demo library at {path} is damaged (")
    assert "kiosk demo reset" in message and "\n" not in message


def test_a_file_with_other_tables_is_refused_at_open(tmp_path: Path) -> None:
    path = tmp_path / "ils.sqlite3"
    LocalIls.open(path).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE items DROP COLUMN new"))
    with pytest.raises(IlsUnavailable) as excinfo:
        LocalIls.open(path)
    assert "table items has no column new" in str(excinfo.value)


def test_a_pin_check_the_library_cannot_record_fails_whatever_the_pin(tmp_path: Path) -> None:
    """GIVEN a demo library whose file can no longer be written (a full disk) THEN a right
    PIN fails exactly like a wrong one: its wrong-PIN count cannot stand still while it
    tells a guesser which PIN is right."""
    ils = LocalIls.open(tmp_path / "ils.sqlite3", clock=_at(2026, 11, 21))
    ils.check_patron(dd.SUTRISNO.barcode, dd.SUTRISNO.pin)  # hashed on first use: written
    engine = ils._engine  # the file, as this library opened it

    def read_only(connection: object, _record: object) -> None:
        connection.execute("PRAGMA query_only=1")  # type: ignore[attr-defined]

    event.listen(engine, "connect", read_only)
    engine.dispose()
    for pin in ("0000", dd.SUTRISNO.pin):
        with pytest.raises(IlsUnavailable):
            ils.check_patron(dd.SUTRISNO.barcode, pin)


def _make_version_2(path: Path, *, half_upgraded: bool = False) -> None:
    """Turn a new file into what schema 2 wrote: a fines total per patron, none of the
    columns and cards of schema 3. Sutrisno has borrowed a book; Made's total has grown."""
    clock = _at(2026, 11, 21)
    ils = LocalIls.open(path, clock=clock)
    assert ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, clock.now()).ok
    ils.close()
    new_patrons = ", ".join(f"'{p.barcode}'" for p in dd.SERVICE_PATRONS)
    new_items = ", ".join(f"'{i.barcode}'" for i in dd.SERVICE_ITEMS)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE patrons ADD COLUMN fines INTEGER NOT NULL DEFAULT 0"))
        conn.execute(text("UPDATE patrons SET fines = (SELECT coalesce(sum(amount), 0) "
                          "FROM fines WHERE patron_id = patrons.id)"))  # fmt: skip
        conn.execute(text("UPDATE patrons SET fines = 80000 WHERE barcode = :b"),
                     {"b": dd.MADE.barcode})  # fmt: skip
        conn.execute(text("DROP TABLE fines"))
        items = f"(SELECT id FROM items WHERE barcode IN ({new_items}))"
        conn.execute(text(f"DELETE FROM loans WHERE item_id IN {items}"))
        conn.execute(text(f"DELETE FROM holds WHERE item_id IN {items}"))
        conn.execute(text(f"DELETE FROM items WHERE barcode IN ({new_items})"))
        conn.execute(text(f"DELETE FROM patrons WHERE barcode IN ({new_patrons})"))
        dropped = ["items.home_branch", "items.loan_fee", "loans.renewals", "holds.ready_until"]
        if not half_upgraded:  # an upgrade cut short after adding the first column
            dropped.append("items.note")
        for column in dropped:
            table, name = column.split(".")
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {name}"))
        conn.execute(text("UPDATE meta SET value = '2' WHERE key = 'schema_version'"))
    engine.dispose()


@pytest.mark.parametrize("half_upgraded", [False, True])
def test_a_file_from_schema_2_is_upgraded_with_fines_itemised_and_the_new_cards(
    tmp_path: Path, half_upgraded: bool
) -> None:
    path = tmp_path / "ils.sqlite3"
    _make_version_2(path, half_upgraded=half_upgraded)
    clock = _at(2026, 12, 1)
    upgraded_on = dt.date(2026, 12, 1)
    ils = LocalIls.open(path, clock=clock)
    now = clock.now()
    # What the file gathered is kept: Sutrisno's loan, Made's grown total (as one "other").
    assert [loan.title for loan in ils.account(dd.SUTRISNO.barcode, now).loans] == [
        "Laskar Pelangi"
    ]
    made = ils.account(dd.MADE.barcode, now)
    assert made.fines == (Fine(FineReason.OTHER, 80_000),)
    # A total still as seeded is itemised as the demo data says (her seeded loan is late
    # by now, its fine accruing).
    siti = ils.account(dd.SITI.barcode, now)
    charged = [fine for fine in siti.fines if not fine.accruing]
    assert charged == [Fine(FineReason.OVERDUE, 5_000, "Pulang")]
    # Holds on books on the shelf are ready from the day of the upgrade.
    pickup_by = upgraded_on + dt.timedelta(days=dd.HOLD_PICKUP_DAYS)
    assert AccountHold("Cantik Itu Luka", True, pickup_by) in siti.holds_ready
    # The new cards are there, dated from the day of the upgrade, and Siti queues for Bumi.
    assert siti.holds_waiting == (AccountHold("Bumi", False, position=2),)
    dewi = ils.account(dd.DEWI.barcode, now)
    assert [loan.overdue_days for loan in dewi.loans] == [12, 5, 0, 0]
    for card in dd.DEMO_CARDS:
        if isinstance(card, dd.DemoPatronCard) and card.barcode != dd.MADE.barcode:
            assert ils.check_patron(card.barcode, card.pin).refusal is card.expected
    assert ils.checkin(dd.OTHER_BRANCH_ITEM.barcode, now).sort is SortBin.TRANSIT
    fee = ils.checkout(dd.SUTRISNO.barcode, dd.FEE_DVD.barcode, now)
    assert fee.refusal is Refusal.FEE_REQUIRED and fee.fee == 5_000
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        version = conn.execute(text("SELECT value FROM meta WHERE key='schema_version'"))
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(patrons)"))]
        assert version.scalar_one() == "3"
    assert "fines" not in columns
    ils.close()
    again = LocalIls.open(path, clock=clock)  # opened again: nothing added twice
    assert again.account(dd.MADE.barcode, now).fines_total == 80_000

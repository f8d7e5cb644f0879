"""LocalIls: the embedded demo library answers like an ILS would."""

from __future__ import annotations

import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kiosk.core.clock import ManualClock
from kiosk.core.model import Refusal
from kiosk.core.ports import IlsUnavailable
from kiosk.ils.local import LocalIls
from kiosk.ils.local import demo_data as dd

# 23:30 UTC on 2 March is already 3 March in Jakarta (UTC+7).
NOW = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)
JAKARTA_TODAY = dt.date(2026, 3, 3)


@pytest.fixture
def ils(tmp_path: Path) -> LocalIls:
    return LocalIls.open(tmp_path / "demo-ils.sqlite3")


def test_unknown_card(ils: LocalIls) -> None:
    check = ils.check_patron(dd.UNKNOWN_PATRON_BARCODE, "1234")
    assert check.patron is None and check.refusal is Refusal.UNKNOWN_PATRON


def test_wrong_pin(ils: LocalIls) -> None:
    check = ils.check_patron(dd.SUTRISNO.barcode, "9999")
    assert check.patron is None and check.refusal is Refusal.WRONG_PIN


def test_good_standing_patron(ils: LocalIls) -> None:
    check = ils.check_patron(dd.SITI.barcode, dd.SITI.pin)
    assert check.ok
    assert check.patron is not None
    assert check.patron.name == "Siti Nurhaliza"
    assert check.patron.loans_count == 1
    assert check.patron.loan_limit == dd.LOAN_LIMIT


@pytest.mark.parametrize(
    ("patron", "reason"),
    [
        (dd.MADE, Refusal.FINES_OVER_LIMIT),
        (dd.RUTH, Refusal.CARD_EXPIRED),
        (dd.RIZKI, Refusal.TOO_MANY_ITEMS),
        (dd.HENDRA, Refusal.PATRON_BLOCKED),
    ],
)
def test_blocked_patrons_are_named_and_refused(
    ils: LocalIls, patron: dd.DemoPatron, reason: Refusal
) -> None:
    check = ils.check_patron(patron.barcode, patron.pin)
    assert not check.ok
    assert check.refusal is reason
    assert check.patron is not None and check.patron.name == patron.name


def test_successful_checkout_due_in_library_timezone(ils: LocalIls) -> None:
    answer = ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, NOW)
    assert answer.ok and answer.refusal is None
    assert answer.loan is not None
    assert answer.title == "Laskar Pelangi"
    assert answer.loan.due == JAKARTA_TODAY + dt.timedelta(days=14)
    assert answer.loan.checked_out_at == NOW
    assert answer.loan.author == "Andrea Hirata"
    check = ils.check_patron(dd.SUTRISNO.barcode, "1234")
    assert check.patron is not None and check.patron.loans_count == 1


def test_other_timezone_gives_other_local_date(tmp_path: Path) -> None:
    ils = LocalIls.open(tmp_path / "ils.sqlite3", timezone="America/Los_Angeles")
    answer = ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, NOW)
    assert answer.loan is not None
    assert answer.loan.due == dt.date(2026, 3, 2) + dt.timedelta(days=14)


def test_new_item_lends_for_seven_days(ils: LocalIls) -> None:
    answer = ils.checkout(dd.SUTRISNO.barcode, dd.NEW_ITEM.barcode, NOW)
    assert answer.loan is not None
    assert answer.loan.due == JAKARTA_TODAY + dt.timedelta(days=7)


def test_second_checkout_of_same_copy_is_already_yours(ils: LocalIls) -> None:
    assert ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, NOW).ok
    again = ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, NOW)
    assert again.refusal is Refusal.ALREADY_YOURS and again.title == "Laskar Pelangi"
    other = ils.checkout(dd.SITI.barcode, dd.AVAILABLE.barcode, NOW)
    assert other.refusal is Refusal.ON_LOAN_TO_ANOTHER


@pytest.mark.parametrize(
    ("patron", "item", "reason"),
    [
        (dd.SUTRISNO, dd.UNKNOWN_ITEM_BARCODE, Refusal.UNKNOWN_ITEM),
        (dd.SUTRISNO, dd.REFERENCE.barcode, Refusal.NOT_LOANABLE),
        (dd.SITI, dd.LENT_TO_SITI.barcode, Refusal.ALREADY_YOURS),
        (dd.SUTRISNO, dd.LENT_TO_SITI.barcode, Refusal.ON_LOAN_TO_ANOTHER),
        (dd.SUTRISNO, dd.HELD_FOR_SITI.barcode, Refusal.ON_HOLD_FOR_ANOTHER),
        (dd.RIZKI, dd.AVAILABLE.barcode, Refusal.TOO_MANY_ITEMS),
        (dd.MADE, dd.AVAILABLE.barcode, Refusal.FINES_OVER_LIMIT),
        (dd.RUTH, dd.AVAILABLE.barcode, Refusal.CARD_EXPIRED),
        (dd.HENDRA, dd.AVAILABLE.barcode, Refusal.PATRON_BLOCKED),
    ],
)
def test_checkout_refusals(
    ils: LocalIls, patron: dd.DemoPatron, item: str, reason: Refusal
) -> None:
    answer = ils.checkout(patron.barcode, item, NOW)
    assert not answer.ok
    assert answer.refusal is reason
    assert answer.item_barcode == item
    if item != dd.UNKNOWN_ITEM_BARCODE:
        assert answer.title
    else:
        assert answer.title == ""


def test_refusal_changes_nothing(ils: LocalIls) -> None:
    ils.checkout(dd.RIZKI.barcode, dd.AVAILABLE.barcode, NOW)
    assert ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, NOW).ok


def test_hold_for_self_is_fulfilled(ils: LocalIls) -> None:
    answer = ils.checkout(dd.SITI.barcode, dd.HELD_FOR_SITI.barcode, NOW)
    assert answer.ok and answer.title == "Cantik Itu Luka"
    check = ils.check_patron(dd.SITI.barcode, dd.SITI.pin)
    assert check.patron is not None and check.patron.loans_count == 2


def test_reopen_does_not_reseed(tmp_path: Path) -> None:
    path = tmp_path / "demo-ils.sqlite3"
    first = LocalIls.open(path)
    assert first.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, NOW).ok
    first.close()
    second = LocalIls.open(path, seed=99)
    again = second.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, NOW)
    assert again.refusal is Refusal.ALREADY_YOURS
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        patrons = conn.execute(text("SELECT count(*) FROM patrons")).scalar_one()
        items = conn.execute(text("SELECT count(*) FROM items")).scalar_one()
        loans = conn.execute(text("SELECT count(*) FROM loans")).scalar_one()
    library = dd.generate()
    assert patrons == len(library.patrons)
    assert items == len(library.items)
    assert loans == len(library.loans) + 1


def test_pins_are_stored_as_scrypt_hashes_never_in_clear(tmp_path: Path) -> None:
    path = tmp_path / "demo-ils.sqlite3"
    ils = LocalIls.open(path)
    engine = create_engine(f"sqlite:///{path}")
    query = text("SELECT pin_salt, pin_hash FROM patrons WHERE barcode = :b")
    with engine.connect() as conn:
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(patrons)"))]
        assert conn.execute(query, {"b": dd.SUTRISNO.barcode}).one() == (b"", b"")
    assert "pin" not in columns
    assert ils.check_patron(dd.SUTRISNO.barcode, "1234").ok  # hashed on this first check
    with engine.connect() as conn:
        salt, stored = conn.execute(query, {"b": dd.SUTRISNO.barcode}).one()
    assert len(salt) == 16
    assert stored == hashlib.scrypt(b"1234", salt=salt, n=2**15, r=8, p=1, maxmem=2**26, dklen=32)
    assert ils.check_patron(dd.SUTRISNO.barcode, "1234").ok  # and checked against it after
    assert ils.check_patron(dd.SUTRISNO.barcode, "1235").refusal is Refusal.WRONG_PIN


def test_naive_now_is_rejected(ils: LocalIls) -> None:
    with pytest.raises(ValueError):
        ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, dt.datetime(2026, 3, 2, 9, 0))


def test_garbage_file_is_ils_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "demo-ils.sqlite3"
    path.write_bytes(b"not a database at all\n" * 300)
    with pytest.raises(IlsUnavailable, match=r"demo-ils\.sqlite3"):
        LocalIls.open(path)


def test_database_failure_is_ils_unavailable(ils: LocalIls, tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'demo-ils.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE holds"))
    with pytest.raises(IlsUnavailable):
        ils.checkout(dd.SUTRISNO.barcode, dd.AVAILABLE.barcode, NOW)


def test_unknown_timezone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        LocalIls.open(tmp_path / "ils.sqlite3", timezone="Mars/Olympus")


@pytest.mark.parametrize("card", dd.DEMO_CARDS, ids=lambda card: card.what_happens[:40])
def test_readme_demo_cards_behave_as_documented(tmp_path: Path, card: object) -> None:
    if isinstance(card, dd.DemoPatronCard):
        ils = LocalIls.open(tmp_path / "ils.sqlite3")
        check = ils.check_patron(card.barcode, card.pin)
        assert check.refusal is card.expected
        if card.expected not in (Refusal.UNKNOWN_PATRON, Refusal.WRONG_PIN):
            assert check.patron is not None and check.patron.name == card.name
        return
    assert isinstance(card, dd.DemoItemCard)
    for patron_barcode, expected in card.outcomes:
        ils = LocalIls.open(tmp_path / f"ils-{patron_barcode}.sqlite3")
        answer = ils.checkout(patron_barcode, card.barcode, NOW)
        assert answer.refusal is expected
        if expected is None:
            assert answer.loan is not None and answer.title == card.title
            days = (answer.loan.due - JAKARTA_TODAY).days
            assert f"lent for {days} days" in card.what_happens
    for patron_barcode, expected in card.renewals:
        ils = LocalIls.open(tmp_path / f"renew-{patron_barcode}.sqlite3", clock=ManualClock(NOW))
        assert ils.renew(patron_barcode, card.barcode, NOW).refusal is expected
    if card.returned is not None:
        ils = LocalIls.open(tmp_path / "return.sqlite3", clock=ManualClock(NOW))
        answer = ils.checkin(card.barcode, NOW)
        assert answer.ok and answer.sort is card.returned
        if answer.fine:
            assert f"Rp {answer.fine:,}".replace(",", ".") + " is charged" in card.what_happens


def test_concurrent_checkouts_lend_one_copy_once(ils: LocalIls) -> None:
    patrons = [p for p in dd.generate().patrons[len(dd.SPECIAL_PATRONS) :]][:8]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda p: ils.checkout(p.barcode, dd.AVAILABLE.barcode, NOW), patrons)
        )
    assert sum(answer.ok for answer in answers) == 1
    refusals = {answer.refusal for answer in answers if not answer.ok}
    assert refusals == {Refusal.ON_LOAN_TO_ANOTHER}


def test_added_patron_and_books_are_lent_like_the_seeded_ones(ils: LocalIls) -> None:
    """GIVEN a patron with a loan limit of 7 and 8 books added with ``LocalIls.add`` (how
    bench/scan_to_screen.py seeds its library) THEN the patron signs in with their own
    PIN (hashed at once, not looked up in the seed), borrows 7 and is refused the 8th."""
    card = dd.patron_barcode(900_000)
    books = [dd.item_barcode(900_000 + n) for n in range(1, 9)]
    patron = dd.DemoPatron(card, "Pembaca Uji", "8642", dt.date(2099, 12, 31), 0, loan_limit=7)
    items = tuple(dd.DemoItem(code, f"Buku uji {n}", "Penulis") for n, code in enumerate(books))
    ils.add(dd.DemoLibrary(patrons=(patron,), items=items, loans=(), holds=()))

    assert ils.check_patron(card, "0000").refusal is Refusal.WRONG_PIN
    check = ils.check_patron(card, "8642")
    assert check.ok and check.patron is not None and check.patron.loan_limit == 7
    answers = [ils.checkout(card, code, NOW) for code in books]
    assert [answer.ok for answer in answers] == [True] * 7 + [False]
    assert answers[0].loan is not None and answers[0].loan.title == "Buku uji 0"
    assert answers[-1].refusal is Refusal.TOO_MANY_ITEMS

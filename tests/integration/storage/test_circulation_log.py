"""SqlCirculationLog: an outcome and its outbox event commit together, or not at all."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kiosk.core import wire
from kiosk.core.model import Loan
from kiosk.core.ports import StorageFailed
from kiosk.storage import SqlCirculationLog, open_store

WIB = dt.timezone(dt.timedelta(hours=7))
EVENT_ID = "5f0c9a52-3a8e-4b8e-9a51-0d3c2f1e7a10"
REPO_ROOT = Path(__file__).resolve().parents[3]

LOAN = Loan(
    patron_barcode="23171000000010",
    item_barcode="33171000000018",
    title="Laskar Pelangi",
    author="Andrea Hirata",
    due=dt.date(2026, 3, 16),
    checked_out_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=WIB),
)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(tmp_path / "kiosk.sqlite3")


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_record_checkout_stores_loan_and_outbox_event(engine: Engine) -> None:
    log = SqlCirculationLog(engine, "kiosk-01", new_event_id=lambda: EVENT_ID)
    log.record(LOAN)

    [stored] = log.loans()
    assert stored.event_id == EVENT_ID
    assert stored.kiosk_id == "kiosk-01"
    assert stored.loan == LOAN
    assert stored.loan.checked_out_at.tzinfo is not None

    [event] = log.pending_outbox()
    assert event.event_id == EVENT_ID
    assert event.kind == "checkout"
    assert event.attempts == 0
    assert event.last_error is None
    assert event.payload == {
        "schema": 1,
        "event_id": EVENT_ID,
        "kind": "checkout",
        "kiosk_id": "kiosk-01",
        "occurred_at": "2026-03-02T02:30:00.000000+00:00",
        "item_barcode": LOAN.item_barcode,
        "title": "Laskar Pelangi",
        "due": "2026-03-16",
    }


def test_outbox_payload_is_a_wire_report(engine: Engine) -> None:
    """What central will read back is exactly the loan, through the shared wire schema."""
    SqlCirculationLog(engine, "kiosk-01", new_event_id=lambda: EVENT_ID).record(LOAN)
    [event] = SqlCirculationLog(engine, "kiosk-01").pending_outbox()
    envelope = wire.decode(event.payload)
    assert envelope.report == wire.CheckoutReport(LOAN.item_barcode, LOAN.title, LOAN.due)
    assert (envelope.event_id, envelope.kiosk_id) == (EVENT_ID, "kiosk-01")
    assert envelope.occurred_at == LOAN.checked_out_at


def test_an_outcome_type_without_a_recorder_is_a_programming_error(engine: Engine) -> None:
    with pytest.raises(TypeError, match="no recorder for outcome str"):
        SqlCirculationLog(engine, "kiosk-01").record("a visit")  # type: ignore[arg-type]
    assert _count(engine, "outbox_events") == 0


def test_outbox_payload_carries_no_patron_identity(engine: Engine) -> None:
    SqlCirculationLog(engine, "kiosk-01").record(LOAN)
    with engine.connect() as conn:
        payload = conn.execute(text("SELECT payload FROM outbox_events")).scalar_one()
    assert LOAN.patron_barcode not in payload
    assert "patron" not in payload


def test_duplicate_outbox_event_leaves_neither_row(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox_events (event_id, kind, payload, created_at, attempts) "
                "VALUES (:e, 'checkout', '{}', '2026-01-01T00:00:00.000000+00:00', 0)"
            ),
            {"e": EVENT_ID},
        )
    log = SqlCirculationLog(engine, "kiosk-01", new_event_id=lambda: EVENT_ID)
    with pytest.raises(StorageFailed) as caught:
        log.record(LOAN)
    # which item (its last 4 digits: which book a patron had stays out of the log)
    assert f"item …{LOAN.item_barcode[-4:]}" in str(caught.value)
    assert LOAN.item_barcode not in str(caught.value)
    assert _count(engine, "loans") == 0
    assert _count(engine, "outbox_events") == 1


def test_failing_outbox_trigger_leaves_neither_row(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox_events "
                "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
            )
        )
    log = SqlCirculationLog(engine, "kiosk-01")
    with pytest.raises(StorageFailed, match="disk says no"):
        log.record(LOAN)
    assert _count(engine, "loans") == 0
    assert _count(engine, "outbox_events") == 0
    assert log.loans() == []


def test_naive_checkout_time_is_rejected_before_writing(engine: Engine) -> None:
    naive = Loan(**{**_fields(LOAN), "checked_out_at": dt.datetime(2026, 3, 2, 9, 30)})
    with pytest.raises(ValueError):
        SqlCirculationLog(engine, "kiosk-01").record(naive)
    assert _count(engine, "loans") == 0


def test_second_process_sees_committed_loan(engine: Engine, tmp_path: Path) -> None:
    SqlCirculationLog(engine, "kiosk-01", new_event_id=lambda: EVENT_ID).record(LOAN)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kiosk.storage import SqlCirculationLog, open_store\n"
        "log = SqlCirculationLog(open_store(Path(sys.argv[1])), 'reader')\n"
        "for stored in log.loans():\n"
        "    print(stored.event_id, stored.loan.item_barcode, stored.loan.due.isoformat())\n"
        "print(len(log.pending_outbox()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "kiosk.sqlite3")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout.split("\n")[:2] == [f"{EVENT_ID} {LOAN.item_barcode} 2026-03-16", "1"]


def _fields(loan: Loan) -> dict[str, object]:
    return {name: getattr(loan, name) for name in Loan.__slots__}

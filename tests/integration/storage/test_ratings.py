"""Ratings at the end of a session: one row and its outbox report, in one transaction, anonymous.

GIVEN a real store, WHEN a patron's rating is recorded, THEN the ratings table and the
outbox hold it, the report is a wire ``rating`` with no patron identity, and a score
outside 1-5 never reaches the store (refused by the value, and by the table too).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from kiosk.core import wire
from kiosk.core.model import Rating
from kiosk.storage import SqlCirculationLog, open_store

EVENT_ID = "0b7f6a0e-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
RATED_AT = dt.datetime(2026, 11, 21, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(tmp_path / "kiosk.sqlite3")


def test_a_rating_is_stored_with_its_outbox_report(engine: Engine) -> None:
    log = SqlCirculationLog(engine, "kiosk-01", new_event_id=lambda: EVENT_ID)
    log.record(Rating(score=4, service="borrow", rated_at=RATED_AT))
    with engine.connect() as conn:
        row = conn.execute(text("SELECT event_id, score, service, rated_at FROM ratings")).one()
    assert tuple(row) == (EVENT_ID, 4, "borrow", "2026-11-21T02:15:00.000000+00:00")
    [event] = log.pending_outbox()
    assert event.payload == {
        "schema": 1,
        "event_id": EVENT_ID,
        "kind": "rating",
        "kiosk_id": "kiosk-01",
        "occurred_at": "2026-11-21T02:15:00.000000+00:00",
        "score": 4,
        "service": "borrow",
    }
    assert wire.decode(event.payload).report == wire.RatingReport(score=4, service="borrow")


@pytest.mark.parametrize("score", [0, 6, -1, True, 4.0, "5"])
def test_a_score_outside_one_to_five_is_not_a_rating(score: object) -> None:
    with pytest.raises(ValueError, match="a rating is 1 to 5"):
        Rating(score=score, service="borrow", rated_at=RATED_AT)  # type: ignore[arg-type]


def test_the_table_itself_refuses_a_score_outside_one_to_five(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ratings (event_id, kiosk_id, score, service, rated_at) "
                "VALUES ('x', 'k', 9, 'borrow', '2026-11-21T02:15:00.000000+00:00')"
            )
        )


@pytest.mark.parametrize("score", [0, 6, True, "4", None])
def test_a_report_with_a_bad_score_is_refused_by_the_wire_schema(score: object) -> None:
    with pytest.raises(wire.WireError, match="score"):
        wire.decode(
            {
                "schema": 1,
                "event_id": EVENT_ID,
                "kind": "rating",
                "kiosk_id": "kiosk-01",
                "occurred_at": "2026-11-21T02:15:00.000000+00:00",
                "score": score,
                "service": "borrow",
            }
        )

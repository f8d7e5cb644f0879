"""A week of visits and gate counts for the visit-figure tests (Asia/Jakarta, UTC+7).

Monday 2026-03-30 to Sunday 2026-04-05: it crosses the Q1/Q2 boundary at 17:00 UTC on
31 March (midnight in Jakarta), has Good Friday (3 April) as a holiday and a Sunday event.
Rows are inserted through the store's models.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk.storage.models import GateIntervalRecord, VisitRecord

JAKARTA = ZoneInfo("Asia/Jakarta")
FIRST, LAST = dt.date(2026, 3, 30), dt.date(2026, 4, 5)
OPENING = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
GOOD_FRIDAY = dt.date(2026, 4, 3)
GUEST_NAME = "Siti Rahayu"
GUEST_SCHOOL = "SMP Negeri 1 Bogor"


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def visit(at: str, kind: str, **fields: object) -> VisitRecord:
    return VisitRecord(
        event_id=str(uuid.uuid4()),
        device_id="kiosk-1",
        source=str(fields.pop("source", "kiosk")),
        kind=kind,
        occurred_at=utc(at),
        visitor_key=uuid.uuid4().hex * 2,
        **fields,
    )


def interval(
    at: str, device: str, entered: int = 0, left: int = 0, alarms: int = 0
) -> GateIntervalRecord:
    return GateIntervalRecord(
        gate_id="gate-1",
        device_id=device,
        interval_start=utc(at),
        interval_minutes=15,
        entered=entered,
        left=left,
        alarms=alarms,
    )


def seed(engine: Engine) -> None:
    """The week of the module docstring (local times in the comments)."""
    rows = [
        # Before the range: Sunday 29 March 23:59 local.
        visit("2026-03-29T16:59:00", "member", purpose="reading"),
        # Tuesday 31 March 23:59:59 local: Q1.
        visit("2026-03-31T16:59:59", "member", purpose="reading"),
        # Wednesday 1 April 00:00:00 local: Q2.
        visit(
            "2026-03-31T17:00:00",
            "guest",
            name=GUEST_NAME,
            institution=GUEST_SCHOOL,
            purpose="study",
            sex="female",
            age_band="13_18",
            education="junior_high",
            occupation="school_student",
        ),
        # Wednesday 09:30 local: a class of 31 (12 boys, 15 girls, 4 not said).
        visit(
            "2026-04-01T02:30:00",
            "group",
            name="Bu Guru",
            institution=GUEST_SCHOOL,
            purpose="event",
            sex="male",  # the leader's own: not the group's
            occupation="teacher",
            people=31,
            people_male=12,
            people_female=15,
        ),
        # Saturday 4 April 10:00 local, a card at the gate.
        visit("2026-04-04T03:00:00", "member", purpose="borrowing", source="gate"),
        # Sunday 5 April 11:00 local: closed day by the calendar, open for an event.
        visit("2026-04-05T04:00:00", "guest", purpose="internet"),
        # After the range: Monday 6 April 00:00 local.
        visit("2026-04-05T17:00:00", "guest", purpose="internet"),
    ]
    rows += [
        interval("2026-03-31T16:45:00", "c1", entered=5, left=4),  # 31 March 23:45 local
        interval("2026-03-31T17:00:00", "c1", entered=7, left=1),  # 1 April 00:00 local
        interval("2026-04-01T02:30:00", "c2", entered=41, left=10),  # 1 April 09:30
        interval("2026-04-01T02:30:00", "alarm", alarms=2),
        interval("2026-04-06T00:00:00", "c1", entered=100),  # 6 April 07:00: outside
    ]
    with Session(engine) as session, session.begin():
        session.add_all(rows)

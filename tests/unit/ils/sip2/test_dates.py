"""SIP2 dates: YYYYMMDDZZZZHHMMSS in local (blank zone) and UTC form, and what servers send."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kiosk.ils.sip2 import BLANK_DATE, format_datetime, parse_datetime

JAKARTA = ZoneInfo("Asia/Jakarta")
LONDON = ZoneInfo("Europe/London")
MOMENT = dt.datetime(2026, 11, 21, 0, 26, 11, tzinfo=dt.UTC)  # 07:26:11 in Jakarta


def test_local_form_in_the_library_time_zone() -> None:
    assert format_datetime(MOMENT, JAKARTA) == "20261121    072611"
    assert format_datetime(dt.datetime(2026, 12, 5, 23, 59), JAKARTA) == "20261205    235900"
    assert format_datetime(MOMENT) == "20261121    002611"  # its own wall time


def test_utc_form() -> None:
    assert format_datetime(MOMENT.astimezone(JAKARTA), utc=True) == "20261121   Z002611"
    naive_local = dt.datetime(2026, 11, 21, 7, 26, 11)
    assert format_datetime(naive_local, JAKARTA, utc=True) == "20261121   Z002611"
    assert len(BLANK_DATE) == 18 and not BLANK_DATE.strip()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20261121    072611", dt.datetime(2026, 11, 21, 7, 26, 11, tzinfo=JAKARTA)),
        ("20261121   Z002611", MOMENT),
        ("20261121Z   002611", MOMENT),
        ("20261121UTC 002611", MOMENT),
        ("20261121 UTC002611", MOMENT),
        ("20261121EST 072611", dt.datetime(2026, 11, 21, 7, 26, 11, tzinfo=JAKARTA)),
        ("20261121", dt.datetime(2026, 11, 21, tzinfo=JAKARTA)),
        ("2026-11-21", dt.datetime(2026, 11, 21, tzinfo=JAKARTA)),
        ("2026-11-21 23:59", dt.datetime(2026, 11, 21, 23, 59, tzinfo=JAKARTA)),
        ("2026-11-21 23:59:30", dt.datetime(2026, 11, 21, 23, 59, 30, tzinfo=JAKARTA)),
        ("  20261121    072611  ", dt.datetime(2026, 11, 21, 7, 26, 11, tzinfo=JAKARTA)),
    ],
)
def test_forms_servers_send(text: str, expected: dt.datetime) -> None:
    parsed = parse_datetime(text, JAKARTA)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    [
        "",
        BLANK_DATE,
        "20261345    072611",
        "20261121    256000",
        "2026112     072611",
        "2026-11-21T23:59",
        "2026-11-21 23",
        "yesterday",
        "２０２６１１２１",  # full-width digits are not ASCII digits
        "２０２６１１２１    ０７２６１１",  # nor in the usual 18-character form
        "20261121    24000a",
        "20261121 12 072611",
        "20261121    0726111",
    ],
)
def test_blank_or_garbage_is_none(text: str) -> None:
    assert parse_datetime(text, JAKARTA) is None


def test_round_trip_in_a_zone_with_summer_time() -> None:
    summer = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    text = format_datetime(summer, LONDON)
    assert text == "20260701    130000"
    assert parse_datetime(text, LONDON) == summer
    assert parse_datetime(format_datetime(summer, utc=True), LONDON) == summer

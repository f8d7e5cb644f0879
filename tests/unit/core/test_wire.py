"""The wire schema of the reports sent to the central server.

GIVEN the example printed in :mod:`kiosk.core.wire`'s docstring (what central's developers
read), WHEN it is decoded and encoded again, THEN it round-trips exactly, so the docstring
cannot drift from the code. GIVEN a report that breaks the schema, WHEN it is decoded,
THEN a WireError names the field. GIVEN a fresh interpreter, WHEN only the wire module is
imported, THEN none of SQLAlchemy, Kivy or the device drivers is loaded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kiosk.core import wire
from kiosk.core.wire import CheckoutReport, Envelope, WireError, decode, encode

REPO = Path(__file__).resolve().parents[3]


def docstring_example_text() -> str:
    """The JSON example shown in the module docstring, as printed there (dedented)."""
    assert wire.__doc__ is not None
    found = re.search(r"^ *\{\n.*?^ *\}$", wire.__doc__, flags=re.DOTALL | re.MULTILINE)
    assert found is not None, "no JSON example in kiosk.core.wire's docstring"
    return textwrap.dedent(found.group(0))


def docstring_example() -> dict[str, Any]:
    """The JSON object shown in the module docstring."""
    data = json.loads(docstring_example_text())
    assert isinstance(data, dict)
    return data


def test_the_docstring_example_decodes_to_a_checkout_report() -> None:
    """GIVEN the example in the wire module's docstring
    WHEN it is decoded
    THEN it is a check-out of Laskar Pelangi from demo-kiosk-1, with its time and due date."""
    envelope = decode(docstring_example())

    assert envelope == Envelope(
        event_id="6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
        kiosk_id="demo-kiosk-1",
        occurred_at=dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC),
        report=CheckoutReport(
            item_barcode="33171000000018", title="Laskar Pelangi", due=dt.date(2026, 12, 5)
        ),
    )
    assert envelope.kind == "checkout"


def test_the_docstring_example_round_trips_exactly() -> None:
    """GIVEN the example in the wire module's docstring
    WHEN it is decoded and encoded again
    THEN the result is the very same JSON object: every key, value and format."""
    example = docstring_example()

    assert encode(decode(example)) == example
    # Key order and layout too: the docstring reads as json.dumps(..., indent=2) writes it.
    assert json.dumps(encode(decode(example)), indent=2) == docstring_example_text()


def test_encode_writes_occurred_at_in_utc() -> None:
    """GIVEN an envelope whose time is in the library's timezone (UTC+7)
    WHEN it is encoded
    THEN occurred_at is the same instant in UTC, with microseconds."""
    jakarta = dt.timezone(dt.timedelta(hours=7))
    envelope = decode(docstring_example())
    local = Envelope(
        envelope.event_id,
        envelope.kiosk_id,
        dt.datetime(2026, 11, 21, 9, 0, tzinfo=jakarta),
        envelope.report,
    )

    assert encode(local)["occurred_at"] == "2026-11-21T02:00:00.000000+00:00"


def _without(data: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != name}


BROKEN: dict[str, tuple[str, dict[str, Any]]] = {
    "another schema version": ("schema", {"schema": 2}),
    "an unknown kind": ("kind", {"kind": "visitor"}),
    "an empty string field": ("kiosk_id", {"kiosk_id": ""}),
    "a field that is not a string": ("title", {"title": 42}),
    "a bad date": ("due", {"due": "2026-12-32"}),
    "a time that is not ISO-8601": ("occurred_at", {"occurred_at": "21/11/2026 02:00"}),
    "an occurred_at without offset": ("occurred_at", {"occurred_at": "2026-11-21T02:00:00"}),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_decode_rejects_a_report_that_breaks_the_schema(case: str) -> None:
    """GIVEN the docstring example with one field broken
    WHEN it is decoded
    THEN a WireError is raised whose message starts with the broken field's name."""
    field, change = BROKEN[case]
    data = {**docstring_example(), **change}

    with pytest.raises(WireError, match=rf"^{field}\b"):
        decode(data)


@pytest.mark.parametrize(
    "field", ["schema", "event_id", "kind", "kiosk_id", "occurred_at", "item_barcode", "title"]
)
def test_decode_rejects_a_report_with_a_missing_field(field: str) -> None:
    """GIVEN the docstring example without one of its fields
    WHEN it is decoded
    THEN a WireError names the missing field."""
    with pytest.raises(WireError, match=rf"^{field}\b"):
        decode(_without(docstring_example(), field))


def test_decode_rejects_a_report_without_due() -> None:
    """GIVEN the docstring example without its due date
    WHEN it is decoded
    THEN a WireError names the due field."""
    with pytest.raises(WireError, match=r"^due\b"):
        decode(_without(docstring_example(), "due"))


def test_encode_rejects_a_naive_occurred_at() -> None:
    """GIVEN an envelope whose occurred_at has no timezone
    WHEN it is encoded
    THEN a WireError names occurred_at (central could not tell when it happened)."""
    envelope = decode(docstring_example())
    naive = Envelope(
        envelope.event_id, envelope.kiosk_id, dt.datetime(2026, 11, 21, 2, 0), envelope.report
    )

    with pytest.raises(WireError, match="occurred_at"):
        encode(naive)


def test_the_wire_module_imports_without_sqlalchemy_kivy_or_devices() -> None:
    """GIVEN a fresh Python interpreter (as the central server would be)
    WHEN it imports kiosk.core.wire
    THEN no module of SQLAlchemy, Kivy, the device drivers or pyserial is loaded."""
    code = (
        "import kiosk.core.wire, sys; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in {'sqlalchemy','kivy','devices','serial'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


VISIT = wire.VisitReport(
    kind="group",
    source="kiosk",
    device_id="kiosk-7",
    visitor_key=None,
    purpose="event",
    sex=None,
    age_band=None,
    education=None,
    occupation=None,
    people=24,
    people_male=11,
    people_female=13,
    institution="SD Muhammadiyah",
    name=None,
)


def _visit_json() -> dict[str, Any]:
    when = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
    return encode(Envelope("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f", "kiosk-7", when, VISIT))


def test_a_visit_report_round_trips_with_its_nulls() -> None:
    data = json.loads(json.dumps(_visit_json()))
    assert data["kind"] == "visit" and data["visit_kind"] == "group"
    assert data["name"] is None and data["visitor_key"] is None and data["sex"] is None
    assert decode(data).report == VISIT


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("visit_kind", "family"),
        ("source", "door"),
        ("people", 0),
        ("people_male", -1),
        ("purpose", ""),
        ("name", 5),
        ("device_id", None),
    ],
)
def test_a_broken_visit_report_names_the_field(field: str, value: object) -> None:
    with pytest.raises(WireError, match=rf"^{field}\b"):
        decode({**_visit_json(), field: value})


GATE_INTERVAL = {
    "schema": 1,
    "event_id": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
    "kind": "gate_interval",
    "kiosk_id": "gate-1",
    "occurred_at": "2026-11-21T02:15:00.000000+00:00",
    "gate_id": "gate-1",
    "device_id": "entrance-a",
    "interval_start": "2026-11-21T02:00:00.000000+00:00",
    "interval_minutes": 15,
    "entered": 42,
    "left": 17,
    "alarms": 1,
    "occupancy": 25,
}


def test_a_gate_interval_report_round_trips_exactly() -> None:
    envelope = decode(GATE_INTERVAL)
    assert envelope.report == wire.GateIntervalReport(
        "gate-1", "entrance-a", dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC), 15, 42, 17, 1, 25
    )
    assert encode(envelope) == GATE_INTERVAL


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("entered", -1, "entered: expected a whole number, 0 or more"),
        ("occupancy", True, "occupancy: expected a whole number"),
        ("interval_minutes", 0, "interval_minutes: expected 1 to 60"),
        ("interval_start", "2026-11-21T02:00:00", "interval_start: must carry a UTC offset"),
        ("interval_start", "at nine", "interval_start: not an ISO-8601 time"),
    ],
)
def test_a_broken_gate_interval_report_names_its_field(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(WireError, match=re.escape(message)):
        decode({**GATE_INTERVAL, field: value})

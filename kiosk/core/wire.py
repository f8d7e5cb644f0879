"""The events a kiosk reports to the central server: wire schema version 1.

Standard library only, so the central server imports this module without SQLAlchemy,
Kivy or devices. Every report is one JSON object: an envelope (schema version, event id,
kind, kiosk, when) and the fields of its kind. No report carries a patron's card number
or name: central counts circulation; who borrowed stays in the library. Example, a
check-out::

    {
      "schema": 1,
      "event_id": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
      "kind": "checkout",
      "kiosk_id": "demo-kiosk-1",
      "occurred_at": "2026-11-21T02:00:00.000000+00:00",
      "item_barcode": "33171000000018",
      "title": "Laskar Pelangi",
      "due": "2026-12-05"
    }

Kinds:

- ``checkout``: item_barcode, title, due.
- ``return``: item_barcode, title, fine (Rupiah charged, 0 for none), sort (``shelf``,
  ``hold_shelf``, ``transit`` or empty), destination (the branch, for ``transit``).
- ``renewal``: item_barcode, title, due (the new due date).
- ``refusal``: service (``borrow``, ``return``, ``account``), reason (a refusal code such
  as ``wrong_pin`` or ``on_hold_for_another``), item_barcode (empty for a sign-in).
- ``fee_accepted``: item_barcode, title, amount (Rupiah): a loan fee the patron accepted.
- ``rating``: score 1-5, service: a patron's optional one-tap rating at the end of a
  session.
- ``offline_taken``: action (``loan``, ``return``), item_barcode, due (a loan's, else
  empty): taken while the library system was unreachable. Counted as circulation only
  when replayed: the ``checkout`` or ``return`` report comes then, dated when it was taken.
- ``offline_disagreement``: action, item_barcode, reason (a refusal code such as
  ``on_hold_for_another``): the library system refused an offline transaction on replay;
  staff settle it.
- ``gate_interval``: gate_id, device_id (a counter's or the alarm input's), interval_start
  (UTC ISO-8601), interval_minutes, entered, left, alarms, occupancy (people inside by
  the gate's counters at the interval's end): one entrance-gate interval, no personal data.
- ``visit``: visit_kind (``member``, ``guest``, ``group``), source (``kiosk``, ``gate``),
  device_id, visitor_key (members only: a keyed hash, never the card number), purpose,
  sex, age_band, education, occupation (codes or null), people, people_male,
  people_female, institution, name (null unless the library sends names): see
  :class:`VisitReport`.

Rules: ``event_id`` is a UUID, unique per event, so a report sent twice is counted once;
``occurred_at`` is UTC ISO-8601 with microseconds; dates are ISO ``YYYY-MM-DD``. A new
kind is a new report class registered in :data:`REPORT_KINDS`; a change that would break
a reader bumps :data:`SCHEMA_VERSION`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

SCHEMA_VERSION = 1


class WireError(ValueError):
    """A report that does not follow this schema. The message names the field."""


@dataclass(frozen=True)
class CheckoutReport:
    """An item lent at a kiosk."""

    KIND: ClassVar[str] = "checkout"

    item_barcode: str
    title: str
    due: dt.date

    def fields(self) -> dict[str, Any]:
        return {"item_barcode": self.item_barcode, "title": self.title, "due": self.due.isoformat()}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> CheckoutReport:
        return cls(
            item_barcode=_text(data, "item_barcode"),
            title=_text(data, "title"),
            due=_date(data, "due"),
        )


@dataclass(frozen=True)
class RatingReport:
    """A patron's rating of a session: 1 (very unhappy) to 5 (very happy), and the service."""

    KIND: ClassVar[str] = "rating"

    score: int
    service: str

    def fields(self) -> dict[str, Any]:
        return {"score": self.score, "service": self.service}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> RatingReport:
        score = data.get("score")
        if type(score) is not int or not 1 <= score <= 5:
            raise WireError(f"score: expected a whole number 1 to 5, got {score!r}")
        return cls(score=score, service=_text(data, "service"))


@dataclass(frozen=True)
class ReturnReport:
    """An item returned at a kiosk: the fine charged (Rupiah, 0 for none) and where it went
    (``sort``: ``shelf``, ``hold_shelf``, ``transit`` or empty when the ILS did not say;
    ``destination``: the branch for ``transit``)."""

    KIND: ClassVar[str] = "return"

    item_barcode: str
    title: str
    fine: int
    sort: str
    destination: str

    def fields(self) -> dict[str, Any]:
        return {
            "item_barcode": self.item_barcode,
            "title": self.title,
            "fine": self.fine,
            "sort": self.sort,
            "destination": self.destination,
        }

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> ReturnReport:
        sort = _optional_text(data, "sort")
        if sort not in RETURN_SORTS:
            raise WireError(f"sort: expected one of {sorted(RETURN_SORTS)}, got {sort!r}")
        return cls(
            item_barcode=_text(data, "item_barcode"),
            title=_text(data, "title"),
            fine=_amount(data, "fine"),
            sort=sort,
            destination=_optional_text(data, "destination"),
        )


RETURN_SORTS = frozenset({"", "shelf", "hold_shelf", "transit"})


@dataclass(frozen=True)
class RenewalReport:
    """A loan renewed at a kiosk, with its new due date."""

    KIND: ClassVar[str] = "renewal"

    item_barcode: str
    title: str
    due: dt.date

    def fields(self) -> dict[str, Any]:
        return {"item_barcode": self.item_barcode, "title": self.title, "due": self.due.isoformat()}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> RenewalReport:
        return cls(
            item_barcode=_text(data, "item_barcode"),
            title=_text(data, "title"),
            due=_date(data, "due"),
        )


@dataclass(frozen=True)
class RefusalReport:
    """A patron's request refused: the service, the reason (a refusal code such as
    ``wrong_pin``, ``on_hold_for_another``) and the item's barcode (empty for a sign-in)."""

    KIND: ClassVar[str] = "refusal"

    service: str
    reason: str
    item_barcode: str

    def fields(self) -> dict[str, Any]:
        return {"service": self.service, "reason": self.reason, "item_barcode": self.item_barcode}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> RefusalReport:
        return cls(
            service=_text(data, "service"),
            reason=_text(data, "reason"),
            item_barcode=_optional_text(data, "item_barcode"),
        )


@dataclass(frozen=True)
class FeeAcceptedReport:
    """A patron accepted an item's loan fee (Rupiah) at a kiosk."""

    KIND: ClassVar[str] = "fee_accepted"

    item_barcode: str
    title: str
    amount: int

    def fields(self) -> dict[str, Any]:
        return {"item_barcode": self.item_barcode, "title": self.title, "amount": self.amount}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> FeeAcceptedReport:
        return cls(
            item_barcode=_text(data, "item_barcode"),
            title=_text(data, "title"),
            amount=_amount(data, "amount"),
        )


OFFLINE_ACTIONS = frozenset({"loan", "return"})


@dataclass(frozen=True)
class OfflineTakenReport:
    """A loan or return taken while the library system was unreachable (``due``: a loan's)."""

    KIND: ClassVar[str] = "offline_taken"

    action: str
    item_barcode: str
    due: dt.date | None

    def fields(self) -> dict[str, Any]:
        due = self.due.isoformat() if self.due is not None else ""
        return {"action": self.action, "item_barcode": self.item_barcode, "due": due}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> OfflineTakenReport:
        due = _date(data, "due") if _optional_text(data, "due") else None
        return cls(action=_action(data), item_barcode=_text(data, "item_barcode"), due=due)


@dataclass(frozen=True)
class OfflineDisagreementReport:
    """The library system refused an offline transaction on replay (``reason``: a refusal
    code); staff settle it."""

    KIND: ClassVar[str] = "offline_disagreement"

    action: str
    item_barcode: str
    reason: str

    def fields(self) -> dict[str, Any]:
        return {"action": self.action, "item_barcode": self.item_barcode, "reason": self.reason}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> OfflineDisagreementReport:
        return cls(
            action=_action(data),
            item_barcode=_text(data, "item_barcode"),
            reason=_text(data, "reason"),
        )


@dataclass(frozen=True)
class GateIntervalReport:
    """One device's people in and out and alarms in one ended interval at the entrance gate."""

    KIND: ClassVar[str] = "gate_interval"

    gate_id: str
    device_id: str
    interval_start: dt.datetime
    interval_minutes: int
    entered: int
    left: int
    alarms: int
    occupancy: int

    def fields(self) -> dict[str, Any]:
        start = self.interval_start
        if start.tzinfo is None or start.utcoffset() is None:
            raise WireError("interval_start must be timezone-aware")
        return {
            "gate_id": self.gate_id,
            "device_id": self.device_id,
            "interval_start": start.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "interval_minutes": self.interval_minutes,
            "entered": self.entered,
            "left": self.left,
            "alarms": self.alarms,
            "occupancy": self.occupancy,
        }

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> GateIntervalReport:
        text = _text(data, "interval_start")
        try:
            start = dt.datetime.fromisoformat(text)
        except ValueError as err:
            raise WireError(f"interval_start: not an ISO-8601 time: {text!r}") from err
        if start.tzinfo is None:
            raise WireError("interval_start: must carry a UTC offset")
        minutes = _count(data, "interval_minutes")
        if not 1 <= minutes <= 60:
            raise WireError(f"interval_minutes: expected 1 to 60, got {minutes}")
        return cls(
            gate_id=_text(data, "gate_id"),
            device_id=_text(data, "device_id"),
            interval_start=start,
            interval_minutes=minutes,
            entered=_count(data, "entered"),
            left=_count(data, "left"),
            alarms=_count(data, "alarms"),
            occupancy=_count(data, "occupancy"),
        )


VISIT_KINDS = frozenset({"member", "guest", "group"})
VISIT_SOURCES = frozenset({"kiosk", "gate"})
VISIT_CODES = ("purpose", "sex", "age_band", "education", "occupation")


@dataclass(frozen=True)
class VisitReport:
    """One visit: a member's card scan, a guest, or a group, at a kiosk or the gate.

    ``kind`` (``member``, ``guest``, ``group``), ``source`` (``kiosk``, ``gate``),
    ``device_id`` (the kiosk's or gate's id), ``visitor_key`` (members only: hex
    HMAC-SHA256 of the card under the library's visitor key, never the number; null for
    guests and groups), the codes ``purpose``, ``sex``, ``age_band``, ``education`` and
    ``occupation`` (null: not asked or not answered), ``people`` (1, or a group's size),
    ``people_male`` and ``people_female`` (a group's split, null when not asked),
    ``institution`` (null when none) and ``name`` (null unless the library's
    ``[guestbook] send_names`` is true).
    """

    KIND: ClassVar[str] = "visit"

    kind: str
    source: str
    device_id: str
    visitor_key: str | None
    purpose: str | None
    sex: str | None
    age_band: str | None
    education: str | None
    occupation: str | None
    people: int
    people_male: int | None
    people_female: int | None
    institution: str | None
    name: str | None

    def fields(self) -> dict[str, Any]:
        return {
            "visit_kind": self.kind,
            "source": self.source,
            "device_id": self.device_id,
            "visitor_key": self.visitor_key,
            "purpose": self.purpose,
            "sex": self.sex,
            "age_band": self.age_band,
            "education": self.education,
            "occupation": self.occupation,
            "people": self.people,
            "people_male": self.people_male,
            "people_female": self.people_female,
            "institution": self.institution,
            "name": self.name,
        }

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> VisitReport:
        kind = _text(data, "visit_kind")
        if kind not in VISIT_KINDS:
            raise WireError(f"visit_kind: expected one of {sorted(VISIT_KINDS)}, got {kind!r}")
        source = _text(data, "source")
        if source not in VISIT_SOURCES:
            raise WireError(f"source: expected one of {sorted(VISIT_SOURCES)}, got {source!r}")
        people = data.get("people")
        if type(people) is not int or people < 1:
            raise WireError(f"people: expected a whole number 1 or more, got {people!r}")
        codes = {name: _nullable_text(data, name) for name in VISIT_CODES}
        return cls(
            kind=kind,
            source=source,
            device_id=_text(data, "device_id"),
            visitor_key=_nullable_text(data, "visitor_key"),
            people=people,
            people_male=_nullable_count(data, "people_male"),
            people_female=_nullable_count(data, "people_female"),
            institution=_nullable_text(data, "institution"),
            name=_nullable_text(data, "name"),
            **codes,
        )


def _nullable_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and (not isinstance(value, str) or not value):
        raise WireError(f"{name}: expected a non-empty string or null, got {value!r}")
    return value


def _nullable_count(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is not None and (type(value) is not int or value < 0):
        raise WireError(f"{name}: expected a whole number 0 or more, or null, got {value!r}")
    return value


def _action(data: dict[str, Any]) -> str:
    action = _text(data, "action")
    if action not in OFFLINE_ACTIONS:
        raise WireError(f"action: expected one of {sorted(OFFLINE_ACTIONS)}, got {action!r}")
    return action


Report = (
    CheckoutReport
    | RatingReport
    | ReturnReport
    | RenewalReport
    | RefusalReport
    | FeeAcceptedReport
    | OfflineTakenReport
    | OfflineDisagreementReport
    | GateIntervalReport
    | VisitReport
)
REPORT_KINDS: dict[str, type[Report]] = {
    report.KIND: report
    for report in (
        CheckoutReport,
        RatingReport,
        ReturnReport,
        RenewalReport,
        RefusalReport,
        FeeAcceptedReport,
        OfflineTakenReport,
        OfflineDisagreementReport,
        GateIntervalReport,
        VisitReport,
    )
}


@dataclass(frozen=True)
class Envelope:
    """One report with its identity and time."""

    event_id: str
    kiosk_id: str
    occurred_at: dt.datetime
    report: Report

    @property
    def kind(self) -> str:
        return self.report.KIND


def encode(envelope: Envelope) -> dict[str, Any]:
    """The JSON object for ``envelope`` (pass it to ``json.dumps``).

    Raises:
        WireError: ``occurred_at`` is naive.
    """
    when = envelope.occurred_at
    if when.tzinfo is None or when.utcoffset() is None:
        raise WireError("occurred_at must be timezone-aware")
    return {
        "schema": SCHEMA_VERSION,
        "event_id": envelope.event_id,
        "kind": envelope.kind,
        "kiosk_id": envelope.kiosk_id,
        "occurred_at": when.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        **envelope.report.fields(),
    }


def decode(data: dict[str, Any]) -> Envelope:
    """Read a report object (as ``json.loads`` gives it).

    Raises:
        WireError: another schema version, an unknown kind, a missing or malformed field.
    """
    if not isinstance(data, dict):
        raise WireError("a report must be a JSON object")
    if data.get("schema") != SCHEMA_VERSION:
        raise WireError(f"schema: expected {SCHEMA_VERSION}, got {data.get('schema')!r}")
    kind = _text(data, "kind")
    report_type = REPORT_KINDS.get(kind)
    if report_type is None:
        raise WireError(f"kind: unknown {kind!r}; known: {', '.join(sorted(REPORT_KINDS))}")
    occurred = _text(data, "occurred_at")
    try:
        occurred_at = dt.datetime.fromisoformat(occurred)
    except ValueError as err:
        raise WireError(f"occurred_at: not an ISO-8601 time: {occurred!r}") from err
    if occurred_at.tzinfo is None:
        raise WireError("occurred_at: must carry a UTC offset")
    return Envelope(
        event_id=_text(data, "event_id"),
        kiosk_id=_text(data, "kiosk_id"),
        occurred_at=occurred_at,
        report=report_type.from_fields(data),
    )


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise WireError(f"{name}: expected a non-empty string, got {value!r}")
    return value


def _optional_text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise WireError(f"{name}: expected a string (may be empty), got {value!r}")
    return value


def _amount(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if type(value) is not int or value < 0:
        raise WireError(f"{name}: expected a whole number of Rupiah, 0 or more, got {value!r}")
    return value


def _count(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if type(value) is not int or value < 0:
        raise WireError(f"{name}: expected a whole number, 0 or more, got {value!r}")
    return value


def _date(data: dict[str, Any], name: str) -> dt.date:
    value = _text(data, name)
    try:
        return dt.date.fromisoformat(value)
    except ValueError as err:
        raise WireError(f"{name}: not an ISO date: {value!r}") from err

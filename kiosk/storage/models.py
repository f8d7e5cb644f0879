"""SQLAlchemy models of the kiosk's local store.

The schema is owned by the Alembic migrations in ``kiosk/storage/migrations``; these models
must match them (a test compares the two with Alembic's autogenerate).

Timestamps are stored as UTC ISO-8601 text (SQLite has no timezone-aware type) through
:class:`UtcDateTime`, which accepts only aware datetimes and gives back aware UTC ones.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as UTC ISO-8601 text, e.g. ``2026-01-31T03:04:05.000006+00:00``."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> str | None:
        """Convert an aware datetime to UTC text.

        Raises:
            ValueError: the datetime is naive (its instant would be a guess).
        """
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware datetimes only")
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> dt.datetime | None:
        """Parse stored UTC text back into an aware datetime."""
        if value is None:
            return None
        return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so constraint names are stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LoanRecord(Base):
    """A check-out this kiosk made, as the ILS confirmed it. Stays in the library."""

    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    patron_barcode: Mapped[str] = mapped_column(String(32))
    item_barcode: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text)
    due: Mapped[dt.date] = mapped_column(Date)
    checked_out_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class OutboxEvent(Base):
    """An event waiting to be reported to central. ``payload`` is the JSON central receives."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_sent_at", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class RatingRecord(Base):
    """A patron's one-tap rating (1-5) at the end of a session. No patron identity."""

    __tablename__ = "ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(32))
    rated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class PinFailure(Base):
    """One wrong PIN at this kiosk, kept for the wrong-PIN window (see storage.pin_failures).

    ``card_hash`` is HMAC-SHA256 of the card number under the kiosk's secret, never the number.
    """

    __tablename__ = "pin_failures"
    __table_args__ = (Index("ix_pin_failures_card_hash", "card_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_hash: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class PatronPreferencesRecord(Base):
    """A patron's saved settings (see storage.preferences): one row per card.

    ``card_hash`` is HMAC-SHA256 of the card number under the kiosk's secret, never the number.
    """

    __tablename__ = "patron_preferences"

    card_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(16))
    text_size: Mapped[str] = mapped_column(String(32))
    theme: Mapped[str] = mapped_column(String(32))
    voice: Mapped[bool] = mapped_column(Boolean)
    rate: Mapped[int] = mapped_column(Integer)
    volume: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CheckoutIntentRecord(Base):
    """A check-out the kiosk was about to ask the ILS for, committed before asking.

    ``resolution`` is NULL while open, then ``lent`` (``loan_event_id`` names the loan row
    stored in the same transaction) or ``not_lent``. ``answered`` says the ILS call ended
    without an answer, so only asking the ILS can settle it. ``reason`` is for technicians.
    """

    __tablename__ = "checkout_intents"
    __table_args__ = (Index("ix_checkout_intents_resolution", "resolution"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intent_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    patron_barcode: Mapped[str] = mapped_column(String(32))
    item_barcode: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    answered: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    loan_event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ItemIntentRecord(Base):
    """A return or renewal the kiosk was about to ask the ILS for, committed before asking.

    ``action`` is ``return`` or ``renewal``. ``on_loan_before`` and ``due_before`` are what
    the kiosk knew of the loan before asking; ``patron_barcode`` is set for renewals only.
    ``resolution`` is NULL while open, then ``done`` (``event_id`` names the return or
    renewal row stored in the same transaction) or ``not_done``. ``answered`` says the ILS
    call ended without an answer. ``reason`` is for technicians.
    """

    __tablename__ = "item_intents"
    __table_args__ = (Index("ix_item_intents_resolution", "resolution"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intent_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    item_barcode: Mapped[str] = mapped_column(String(32))
    patron_barcode: Mapped[str | None] = mapped_column(String(32), nullable=True)
    on_loan_before: Mapped[bool] = mapped_column(Boolean)
    due_before: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    answered: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReturnRecord(Base):
    """An item returned at this kiosk: the fine charged and where it went. No patron."""

    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    item_barcode: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    fine: Mapped[int] = mapped_column(Integer)
    sort: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str] = mapped_column(Text)
    returned_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class RenewalRecord(Base):
    """A loan renewed at this kiosk, with its new due date. No patron."""

    __tablename__ = "renewals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    item_barcode: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    due: Mapped[dt.date] = mapped_column(Date)
    renewed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class RefusalRecord(Base):
    """A patron's request refused (sign-in, loan, return, renewal). No patron identity."""

    __tablename__ = "refusals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))
    item_barcode: Mapped[str] = mapped_column(String(32))
    refused_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class FeeAcceptanceRecord(Base):
    """A loan fee a patron accepted before the item was lent. No patron identity."""

    __tablename__ = "fee_acceptances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    item_barcode: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(Integer)
    accepted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class OfflineTransactionRecord(Base):
    """A loan or return taken while the ILS could not be reached, to be replayed in order.

    ``id`` is the replay order. ``state``: ``pending`` (not sent yet), ``sending`` (committed
    before each ILS call: after a crash the item's status is asked before sending again),
    ``replayed`` (the ILS took it; ``event_id`` names the loan or return row) or
    ``disagreed`` (the ILS refused it; ``reason`` says why, for staff).
    ``patron_barcode`` and ``due`` are set for loans only.
    """

    __tablename__ = "offline_transactions"
    __table_args__ = (Index("ix_offline_transactions_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    txn_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    item_barcode: Mapped[str] = mapped_column(String(32))
    patron_barcode: Mapped[str | None] = mapped_column(String(32), nullable=True)
    due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    taken_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class SeenOnlineRecord(Base):
    """A card + PIN the ILS accepted, and when (for offline sign-in).

    ``key_hash`` is HMAC-SHA256 of card and PIN under the kiosk's card-hash secret: never
    the PIN, the card number or the name.
    """

    __tablename__ = "seen_online"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class VisitRecord(Base):
    """One visit logged in the guest book (kiosk) or by a card scanned at the gate.

    ``kind``: ``member`` (a library card), ``guest`` (a non-member's form) or ``group``
    (a leader's form for ``people`` visitors; ``people_male``/``people_female`` where the
    library asks). ``visitor_key`` is HMAC-SHA256 (hex) under the kiosk's visit key of the
    card number (members) or of the normalised name and institution (guests, groups): the
    repeat window and central's member counts use it, never the number or the name.
    ``name`` is kept only when ``[guestbook] keep_names`` allows it, and set to NULL (and
    overwritten in the file: SQLite ``secure_delete``) once older than the retention.
    ``purpose``, ``sex``, ``age_band``, ``education`` and ``occupation`` are codes of the
    configured lists, NULL when not asked or not answered. ``source`` is ``kiosk`` or
    ``gate``; ``device_id`` the kiosk's or gate's id.
    """

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_occurred_at", "occurred_at"),
        Index("ix_visits_visitor_key", "visitor_key"),
        CheckConstraint("kind IN ('member', 'guest', 'group')", name="kind"),
        CheckConstraint("people >= 1", name="people"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    device_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8))
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    visitor_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    institution: Mapped[str | None] = mapped_column(Text, nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sex: Mapped[str | None] = mapped_column(String(32), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(32), nullable=True)
    education: Mapped[str | None] = mapped_column(String(32), nullable=True)
    occupation: Mapped[str | None] = mapped_column(String(32), nullable=True)
    people: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    people_male: Mapped[int | None] = mapped_column(Integer, nullable=True)
    people_female: Mapped[int | None] = mapped_column(Integer, nullable=True)


class GateIntervalRecord(Base):
    """IN/OUT crossings and alarms of one gate device in one interval (15 min by default).

    ``device_id`` is a counter's id (``[counters.<id>]``) or the alarm input's. One row per
    (device, interval start, UTC), updated in the same transaction as the device's
    ``counter_state`` row, so a restart neither loses nor counts again. ``reported`` is set
    when the interval has ended and its outbox report is written (same transaction).
    """

    __tablename__ = "gate_intervals"
    __table_args__ = (
        UniqueConstraint("device_id", "interval_start", name="uq_gate_intervals_device_start"),
        Index("ix_gate_intervals_interval_start", "interval_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gate_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(64))
    interval_start: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    interval_minutes: Mapped[int] = mapped_column(Integer)
    entered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    left: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    alarms: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reported: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class CounterStateRecord(Base):
    """A visitor counter's last cumulative raw reading (its totals as the device sent them).

    Restored at start as ``CounterSettings.baseline_in/out`` so crossings made while the
    gate was down are counted once, and crossings already counted are not counted again.
    """

    __tablename__ = "counter_state"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    total_in: Mapped[int | None] = mapped_column(Integer, nullable=True)
    total_out: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class GateOccupancyRecord(Base):
    """How many people are inside now, by the gate's counters: one row per gate.

    ``occupancy`` never goes below zero (more out than in is clamped: someone slipped in
    uncounted); ``reset_on`` is the local date of the last reset at closing time.
    """

    __tablename__ = "gate_occupancy"

    gate_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    occupancy: Mapped[int] = mapped_column(Integer)
    reset_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

"""Visits (guest book, member scans) and the entrance gate's counts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``visits``, ``gate_intervals``, ``counter_state`` and ``gate_occupancy``."""
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("occurred_at", sa.String(length=32), nullable=False),
        sa.Column("visitor_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("institution", sa.Text(), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=True),
        sa.Column("sex", sa.String(length=32), nullable=True),
        sa.Column("age_band", sa.String(length=32), nullable=True),
        sa.Column("education", sa.String(length=32), nullable=True),
        sa.Column("occupation", sa.String(length=32), nullable=True),
        sa.Column("people", sa.Integer(), server_default="1", nullable=False),
        sa.Column("people_male", sa.Integer(), nullable=True),
        sa.Column("people_female", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('member', 'guest', 'group')", name=op.f("ck_visits_kind")),
        sa.CheckConstraint("people >= 1", name=op.f("ck_visits_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("event_id", name=op.f("uq_visits_event_id")),
    )
    op.create_index("ix_visits_occurred_at", "visits", ["occurred_at"], unique=False)
    op.create_index("ix_visits_visitor_key", "visits", ["visitor_key"], unique=False)
    op.create_table(
        "gate_intervals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("interval_start", sa.String(length=32), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("entered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("left", sa.Integer(), server_default="0", nullable=False),
        sa.Column("alarms", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reported", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_intervals")),
        sa.UniqueConstraint(
            "device_id", "interval_start", name=op.f("uq_gate_intervals_device_start")
        ),
    )
    op.create_index(
        "ix_gate_intervals_interval_start", "gate_intervals", ["interval_start"], unique=False
    )
    op.create_table(
        "counter_state",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("total_in", sa.Integer(), nullable=True),
        sa.Column("total_out", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_counter_state")),
    )
    op.create_table(
        "gate_occupancy",
        sa.Column("gate_id", sa.String(length=64), nullable=False),
        sa.Column("occupancy", sa.Integer(), nullable=False),
        sa.Column("reset_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("gate_id", name=op.f("pk_gate_occupancy")),
    )


def downgrade() -> None:
    """Drop the gate's tables and ``visits``."""
    op.drop_table("gate_occupancy")
    op.drop_table("counter_state")
    op.drop_index("ix_gate_intervals_interval_start", table_name="gate_intervals")
    op.drop_table("gate_intervals")
    op.drop_index("ix_visits_visitor_key", table_name="visits")
    op.drop_index("ix_visits_occurred_at", table_name="visits")
    op.drop_table("visits")

"""Returns, renewals, refusals and accepted loan fees, each with its outbox report.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _identity() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
    ]


def _keys(table: str) -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("event_id", name=op.f(f"uq_{table}_event_id")),
    ]


def upgrade() -> None:
    """Create ``returns``, ``renewals``, ``refusals`` and ``fee_acceptances``."""
    op.create_table(
        "returns",
        *_identity(),
        sa.Column("item_barcode", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("fine", sa.Integer(), nullable=False),
        sa.Column("sort", sa.String(length=16), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("returned_at", sa.String(length=32), nullable=False),
        *_keys("returns"),
    )
    op.create_table(
        "renewals",
        *_identity(),
        sa.Column("item_barcode", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("renewed_at", sa.String(length=32), nullable=False),
        *_keys("renewals"),
    )
    op.create_table(
        "refusals",
        *_identity(),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("item_barcode", sa.String(length=32), nullable=False),
        sa.Column("refused_at", sa.String(length=32), nullable=False),
        *_keys("refusals"),
    )
    op.create_table(
        "fee_acceptances",
        *_identity(),
        sa.Column("item_barcode", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.String(length=32), nullable=False),
        *_keys("fee_acceptances"),
    )


def downgrade() -> None:
    """Drop the four tables."""
    for table in ("fee_acceptances", "refusals", "renewals", "returns"):
        op.drop_table(table)

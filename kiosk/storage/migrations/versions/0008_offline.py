"""Offline mode: transactions taken while the ILS was unreachable, and cards seen online.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``offline_transactions`` and ``seen_online``."""
    op.create_table(
        "offline_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("txn_id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("item_barcode", sa.String(length=32), nullable=False),
        sa.Column("patron_barcode", sa.String(length=32), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("taken_at", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_at", sa.String(length=32), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_transactions")),
        sa.UniqueConstraint("txn_id", name=op.f("uq_offline_transactions_txn_id")),
    )
    op.create_index(
        "ix_offline_transactions_state", "offline_transactions", ["state"], unique=False
    )
    op.create_table(
        "seen_online",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_seen_online")),
    )


def downgrade() -> None:
    """Drop ``seen_online`` and ``offline_transactions``."""
    op.drop_table("seen_online")
    op.drop_index("ix_offline_transactions_state", table_name="offline_transactions")
    op.drop_table("offline_transactions")

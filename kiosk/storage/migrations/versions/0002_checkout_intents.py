"""Check-out intents: written before the ILS is asked, resolved with the loan or refusal.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``checkout_intents`` with an index to find the open ones."""
    op.create_table(
        "checkout_intents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intent_id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("patron_barcode", sa.String(length=32), nullable=False),
        sa.Column("item_barcode", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("answered", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_at", sa.String(length=32), nullable=True),
        sa.Column("loan_event_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkout_intents")),
        sa.UniqueConstraint("intent_id", name=op.f("uq_checkout_intents_intent_id")),
    )
    op.create_index(
        "ix_checkout_intents_resolution", "checkout_intents", ["resolution"], unique=False
    )


def downgrade() -> None:
    """Drop ``checkout_intents``."""
    op.drop_index("ix_checkout_intents_resolution", table_name="checkout_intents")
    op.drop_table("checkout_intents")

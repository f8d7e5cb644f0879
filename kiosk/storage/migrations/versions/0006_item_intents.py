"""Return and renewal intents: written before the ILS is asked, resolved with the outcome.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``item_intents`` with an index to find the open ones."""
    op.create_table(
        "item_intents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intent_id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("item_barcode", sa.String(length=32), nullable=False),
        sa.Column("patron_barcode", sa.String(length=32), nullable=True),
        sa.Column("on_loan_before", sa.Boolean(), nullable=False),
        sa.Column("due_before", sa.Date(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("answered", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_at", sa.String(length=32), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_intents")),
        sa.UniqueConstraint("intent_id", name=op.f("uq_item_intents_intent_id")),
    )
    op.create_index("ix_item_intents_resolution", "item_intents", ["resolution"], unique=False)


def downgrade() -> None:
    """Drop ``item_intents``."""
    op.drop_index("ix_item_intents_resolution", table_name="item_intents")
    op.drop_table("item_intents")

"""Wrong PINs per card across sessions, under a keyed hash of the card number.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``pin_failures``."""
    op.create_table(
        "pin_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pin_failures")),
    )
    op.create_index("ix_pin_failures_card_hash", "pin_failures", ["card_hash"], unique=False)


def downgrade() -> None:
    """Drop ``pin_failures``."""
    op.drop_index("ix_pin_failures_card_hash", table_name="pin_failures")
    op.drop_table("pin_failures")

"""Patrons' saved settings, one row per card under a keyed hash of the card number.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``patron_preferences``."""
    op.create_table(
        "patron_preferences",
        sa.Column("card_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text_size", sa.String(length=32), nullable=False),
        sa.Column("theme", sa.String(length=32), nullable=False),
        sa.Column("voice", sa.Boolean(), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("card_hash", name=op.f("pk_patron_preferences")),
    )


def downgrade() -> None:
    """Drop ``patron_preferences``."""
    op.drop_table("patron_preferences")

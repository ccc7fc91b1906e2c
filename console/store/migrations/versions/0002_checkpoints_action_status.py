"""Checkpoints for time travel; operator actions get a status (recorded, sent, confirmed, refused).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("taken_at", _UTC, nullable=False),
        sa.Column("journal_id", sa.BigInteger(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.String(64), nullable=False),
        sa.Column("keys", sa.Integer(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_checkpoints_taken_at", "checkpoints", ["taken_at"])
    with op.batch_alter_table("operator_actions") as batch:
        # Actions recorded before this revision were local (acknowledgements, notes): "recorded".
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="recorded"))
        batch.add_column(sa.Column("status_at", _UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operator_actions") as batch:
        batch.drop_column("status_at")
        batch.drop_column("status")
    op.drop_index("ix_checkpoints_taken_at", table_name="checkpoints")
    op.drop_table("checkpoints")

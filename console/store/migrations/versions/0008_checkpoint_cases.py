"""Checkpoint cases: what a checkpoint keeps of its cases derived, beside their bodies.

Checkpoints written before have none: the store derives them from the checkpoint's bodies when a
replay first needs them, or while it has nothing else to do (``Store.warm_past``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "checkpoint_cases",
        sa.Column("checkpoint_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("basis", sa.String(64), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("checkpoint_cases")

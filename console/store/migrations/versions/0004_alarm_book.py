"""The alarm book: the duty alarms' own state, kept across a restart.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_UTC = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "alarm_book",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("saved_at", _UTC, nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_alarm_book_singleton"),
    )


def downgrade() -> None:
    op.drop_table("alarm_book")

"""Link events: where the link re-synced, went stale, came back, or was started or stopped.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "link_events",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),  # schema.LinkEventKind, as text: new kinds need no revision
        sa.Column("detail", sa.String(300), nullable=False),
    )
    op.create_index("ix_link_events_at", "link_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_link_events_at", table_name="link_events")
    op.drop_table("link_events")

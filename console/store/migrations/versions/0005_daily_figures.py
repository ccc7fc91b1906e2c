"""Daily figures: one row a Beijing day per district, street and department, kept for 400 days.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_UTC = sa.DateTime(timezone=True)
# console.core.daily.COUNTS as they were at this revision (a migration never imports the code it outlives)
_COUNTS = (
    "received", "closed", "closed_on_time", "open", "overdue", "hotline_settled", "hotline_responded",
    "hotline_callbacks", "hotline_resolved", "hotline_rated", "hotline_satisfied",
)  # fmt: skip


def upgrade() -> None:
    # Empty here: the console fills it from the cases it holds when it starts (Store.refresh_daily).
    op.create_table(
        "daily_figures",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("scope", sa.String(16), primary_key=True),  # console.core.daily.Scope, as text
        sa.Column("scope_id", sa.String(64), primary_key=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
        sa.Column("definitions", sa.Integer(), nullable=False),
        sa.Column("written_at", _UTC, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("daily_figures")

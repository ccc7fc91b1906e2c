"""Stills: pictures from the cameras kept as evidence of a case.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_UTC = sa.DateTime(timezone=True)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "stills",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("camera_id", sa.String(20), nullable=False),
        sa.Column("camera_name", sa.String(200), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("saved_at", _UTC, nullable=False),
        sa.Column("frame_at", _UTC, nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_stills_case", "stills", ["case_no", "frame_at"])


def downgrade() -> None:
    op.drop_index("ix_stills_case", table_name="stills")
    op.drop_table("stills")

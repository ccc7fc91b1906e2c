"""Initial store: journal, materialised state, link meta and operator actions.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "journal",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", _UTC, nullable=False),
    )
    op.create_index("ix_journal_received_at", "journal", ["received_at"])
    op.create_index("ix_journal_key", "journal", ["key"])
    op.create_table(
        "state",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
    )
    op.create_table(
        "link_meta",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("epoch", sa.String(64), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.Column("saved_at", _UTC, nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_link_meta_singleton"),
    )
    op.create_table(
        "operator_actions",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("who", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=True),
        sa.Column("key", sa.String(255), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
    )
    op.create_index("ix_operator_actions_at", "operator_actions", ["at"])
    op.create_index("ix_operator_actions_case_no", "operator_actions", ["case_no"])


def downgrade() -> None:
    op.drop_table("operator_actions")
    op.drop_table("link_meta")
    op.drop_table("state")
    op.drop_index("ix_journal_key", table_name="journal")
    op.drop_index("ix_journal_received_at", table_name="journal")
    op.drop_table("journal")

"""Proposals: irreversible actions waiting for the proposing person's Confirm or Cancel.

Revision ID: 0008_proposals
Revises: 0007_order_rollup
Create Date: 2026-12-01 22:10:00
"""

import sqlalchemy as sa
from alembic import op

from tools.core.columns import BigId, Json, UTCDateTime

revision = "0008_proposals"
down_revision = "0007_order_rollup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("surface", sa.String(40), nullable=False),
        sa.Column("thread", sa.String(200)),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("calls", Json, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("decided_at", UTCDateTime),
        sa.Column("decision", sa.String(20)),
    )


def downgrade() -> None:
    op.drop_table("proposals")

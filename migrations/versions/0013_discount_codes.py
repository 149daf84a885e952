"""Discount code pools: single-use codes the shop created, one per recipient of a step.

A campaign step may carry a pool of codes imported from the shop's export (`nudge discount
import`). At send time the outbox worker claims one unclaimed code of the step's pool for the
message in the same transaction that stores the rendered message (PostgreSQL: `FOR UPDATE SKIP
LOCKED`), so no two recipients ever get the same code; a message retried later finds the code
it already holds (`message_id` is unique). `code` is unique across all pools: a code imported
twice, into any step, is one code.

Revision ID: 0013_discount_codes
Revises: 0012_deferred_at
Create Date: 2026-12-02 01:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_discount_codes"
down_revision = "0012_deferred_at"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "discount_codes",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("step_id", BigId, sa.ForeignKey("campaign_steps.id", ondelete="CASCADE",
                                                  name="fk_discount_codes_step_id_campaign_steps"),
                  nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("imported_by", sa.String(100), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("message_id", BigId, sa.ForeignKey("messages.id", ondelete="SET NULL",
                                                     name="fk_discount_codes_message_id_messages"),
                  nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_discount_codes"),
        sa.UniqueConstraint("code", name="uq_discount_codes_code"),
        sa.UniqueConstraint("message_id", name="uq_discount_codes_message_id"),
    )
    op.create_index("ix_discount_codes_step_claimed", "discount_codes", ["step_id", "claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_discount_codes_step_claimed", table_name="discount_codes")
    op.drop_table("discount_codes")

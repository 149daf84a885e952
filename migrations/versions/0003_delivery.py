"""Delivery index: an enrolment's messages, by step.

The dispatcher asks "does this enrolment already have a message for this step?" for every due
enrolment, and completing an enrolment or explaining a contact reads its messages; without this
index each of those scans the whole outbox.

Revision ID: 0003_delivery
Revises: 0001_foundation
Create Date: 2026-11-28 21:00:00
"""

from alembic import op

revision = "0003_delivery"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_enrolment_step", "messages", ["enrolment_id", "step_id"])


def downgrade() -> None:
    op.drop_index("ix_messages_enrolment_step", table_name="messages")

"""Enrolments remember when the behaviour that made the contact eligible happened.

"Day 1" of a sequence counts from the abandonment (the checkout, the view, the last order),
not from the moment the scheduler noticed it: `enrolments.triggered_at` holds that event's
time, and `tools.campaigns.timing.step_due` places every step after it, with the entry as the floor
for the first step so nothing is due in the past. Existing enrolments keep NULL: their steps
stay counted from entry, as they were scheduled.

Revision ID: 0011_enrolment_trigger
Revises: 0010_order_value
Create Date: 2026-12-01 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_enrolment_trigger"
down_revision = "0010_order_value"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("enrolments", sa.Column("triggered_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE enrolments DROP COLUMN triggered_at")

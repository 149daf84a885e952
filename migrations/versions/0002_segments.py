"""Segment index: contacts by sign-up time.

The event-based segment tests run on the two events indexes of 0001 (name, occurred_at,
contact_id) and (contact_id, name, occurred_at): the first builds a rare event's contact set
from an index range, the second answers "did this contact do X since T" with one probe, and
both cover their queries (benchmarks/bench_segments.py measures them). What they miss is the
contact side: "signed up in the last 7 days" (`created_at within_last`, the welcome series)
read every contact.

Revision ID: 0002_segments
Revises: 0001_foundation
Create Date: 2026-11-28 21:20:00
"""

from alembic import op

revision = "0002_segments"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contacts_created_at", "contacts", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_contacts_created_at", table_name="contacts")

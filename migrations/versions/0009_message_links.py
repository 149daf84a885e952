"""Message links: the URLs one sent email contained, so every one of them can be click-tracked.

The click redirect (`/c/TOKEN`) only leads to a URL the email itself carried, so a validly
signed token can still never become an open redirect. A draft's literal links are known from the
draft, but the cart button, cart items and best sellers come from each contact's data at send
time; the outbox stores them here when it renders the email (a JSON list, a few hundred bytes a
message). Messages sent before this revision have none and keep the draft's literal links.

Revision ID: 0009_message_links
Revises: 0008_proposals
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_message_links"
down_revision = "0008_proposals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column(
        "links", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN, never a batch copy: dropping the old messages table would cascade to
    # every open and click through message_events' foreign key (as 0007 found for contacts).
    op.execute("ALTER TABLE messages DROP COLUMN links")

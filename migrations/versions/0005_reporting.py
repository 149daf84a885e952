"""Reporting indexes: time-range scans of sends, tracking events and attributed orders.

The digest and `campaign_report` aggregate by time window; without these, each query reads
the whole outbox and every tracking event. The sends and tracking-event indexes cover their
queries (no table lookups for the grouped columns).

Revision ID: 0005_reporting
Revises: 0001_foundation
Create Date: 2026-11-28 20:45:00
"""

from alembic import op

revision = "0005_reporting"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_sent_campaign", "messages", ["sent_at", "campaign_id"])
    op.create_index("ix_message_events_occurred_kind", "message_events", ["occurred_at", "kind", "message_id"])
    op.create_index("ix_conversions_occurred_campaign", "conversions", ["occurred_at", "campaign_id"])


def downgrade() -> None:
    op.drop_index("ix_conversions_occurred_campaign", table_name="conversions")
    op.drop_index("ix_message_events_occurred_kind", table_name="message_events")
    op.drop_index("ix_messages_sent_campaign", table_name="messages")

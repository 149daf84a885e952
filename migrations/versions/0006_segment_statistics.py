"""Segment statistics: a bigger planner sample for `events.contact_id` on PostgreSQL.

With the default sample (statistics target 100) PostgreSQL estimated 71,220 distinct contacts
among 10.9 million events where there were about a million. Planning for a few tens of
thousands of groups, it hashed "who viewed a product this week" in every parallel worker and
spilled to disk: 3.4 s for a query that takes 0.9 s once the estimate is near the truth
(544,881 with a target of 1000; measured with `benchmarks/bench_segments.py`). On SQLite
this migration does nothing: Nudge chooses the shape of those queries itself there
(`tools.audience.segments.query_form`).

Revision ID: 0006_segment_statistics
Revises: 0002_segments
Create Date: 2026-11-28 23:55:00
"""

from alembic import op

revision = "0006_segment_statistics"
down_revision = "0002_segments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE events ALTER COLUMN contact_id SET STATISTICS 1000")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE events ALTER COLUMN contact_id SET STATISTICS -1")

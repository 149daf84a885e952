"""A deferred message keeps its reason and the time it was deferred in two typed columns.

Until now the outbox wrote a deferral as one string, "<reason>; deferred <ISO time>", in
`messages.reason`, and `explain_contact` parsed it back; the report, grouping by reason, counted
every deferral as a reason of its own. `messages.deferred_at` now holds the time and `reason`
only the code. Existing rows are split the same way.

Revision ID: 0012_deferred_at
Revises: 0011_enrolment_trigger
Create Date: 2026-12-02 01:50:00
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0012_deferred_at"
down_revision = "0011_enrolment_trigger"
branch_labels = None
depends_on = None

SEPARATOR = "; deferred "


def upgrade() -> None:
    op.add_column("messages", sa.Column("deferred_at", sa.DateTime(), nullable=True))
    bind = op.get_bind()
    messages = sa.table("messages", sa.column("id"), sa.column("reason"), sa.column("deferred_at"))
    rows = bind.execute(sa.select(messages.c.id, messages.c.reason)
                        .where(messages.c.reason.like(f"%{SEPARATOR}%"))).all()
    for message_id, reason in rows:
        code, _, when = reason.partition(SEPARATOR)
        try:
            moment = datetime.fromisoformat(when)
            if moment.tzinfo is not None:
                moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        except ValueError:
            moment = None
        bind.execute(messages.update().where(messages.c.id == message_id)
                     .values(reason=code, deferred_at=moment))


def downgrade() -> None:
    op.execute("ALTER TABLE messages DROP COLUMN deferred_at")

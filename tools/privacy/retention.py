"""Data retention: events older than `NUDGE_RETENTION_MONTHS` (default 25) are purged daily.

The scheduler runs `purge_expired` once a day; the `purge_old_data` tool (`nudge purge`, or an
approver asking in chat) runs it by hand. Events go in
batches, each committed on its own, so a purge of millions of rows never holds a long lock and
a crash keeps the progress made. An order that reports attribute revenue to stays as a bare row
(name and time) because its conversion points at it. Messages older than the cut-off keep only
what reports count (campaign, step, status, reason, times); SMTP errors and Message-IDs, which
can name a mailbox, are cleared. The audit log is never purged.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from tools.core import audit
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.models import Conversion, Event, Message
from tools.core.settings import Settings

BATCH = 5000


@dataclass(frozen=True)
class PurgeSummary:
    cutoff: datetime
    events_deleted: int
    orders_stripped: int
    messages_scrubbed: int

    @property
    def text(self) -> str:
        return (
            f"Purged data older than {self.cutoff:%Y-%m-%d}: deleted {self.events_deleted} "
            f"event(s), stripped {self.orders_stripped} attributed order(s) to name and time, "
            f"cleared delivery details from {self.messages_scrubbed} message(s)."
        )


def purge_expired(
    db: Session, settings: Settings, now: datetime, batch: int = BATCH, actor: str = "scheduler"
) -> PurgeSummary:
    """Purge what is older than the retention period; commits after every batch."""
    if settings.retention_months < 1:
        raise ValueError("NUDGE_RETENTION_MONTHS must be at least 1")
    cutoff = months_before(now, settings.retention_months)
    old_events = select(Event.id).where(Event.occurred_at < cutoff)
    stripped = _in_batches(db, _stripping_orders(old_events), _strip_orders, batch)
    deleted = _in_batches(db, old_events.where(~_attributed()), _delete_events, batch)
    old_messages = select(Message.id).where(Message.created_at < cutoff, _identifying())
    scrubbed = _in_batches(db, old_messages, _scrub_messages, batch)
    summary = PurgeSummary(cutoff, deleted, stripped, scrubbed)
    if deleted or stripped or scrubbed:
        audit.record(db, actor, "purge_expired", f"before {cutoff:%Y-%m-%d}", {
            "events_deleted": deleted, "orders_stripped": stripped,
            "messages_scrubbed": scrubbed, "retention_months": settings.retention_months,
        }, at=now)
        db.commit()
    return summary


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


Action = Callable[[Session, list[int]], None]


def _in_batches(db: Session, matching: Select, act: Action, batch: int) -> int:
    """Walk `matching` ids in key order (each batch resumes after the last), acting and committing.

    Resuming from the last id keeps the whole walk one pass over the table, however many rows
    match, and needs no index beyond the primary key.
    """
    key = matching.selected_columns[0]
    total, last = 0, 0
    while ids := list(db.scalars(matching.where(key > last).order_by(key).limit(batch))):
        act(db, ids)
        db.commit()
        total, last = total + len(ids), ids[-1]
    return total


def _attributed() -> ColumnElement[bool]:
    return exists().where(Conversion.event_id == Event.id)


def _stripping_orders(old_events: Select) -> Select:
    leftover = or_(
        Event.properties != {}, Event.anonymous_id.is_not(None), Event.message_id.is_not(None)
    )
    return old_events.where(_attributed(), leftover)


def _identifying() -> ColumnElement[bool]:
    return or_(Message.error.is_not(None), Message.email_message_id.is_not(None))


def _delete_events(db: Session, ids: list[int]) -> None:
    db.execute(delete(Event).where(Event.id.in_(ids)).execution_options(synchronize_session=False))


def _strip_orders(db: Session, ids: list[int]) -> None:
    db.execute(
        update(Event).where(Event.id.in_(ids))
        .values(properties={}, anonymous_id=None, message_id=None)
        .execution_options(synchronize_session=False)
    )


def _scrub_messages(db: Session, ids: list[int]) -> None:
    # SMTP errors quote the address; a Message-ID can be matched to a mailbox. Counts need neither.
    db.execute(
        update(Message).where(Message.id.in_(ids))
        .values(error=None, email_message_id=None)
        .execution_options(synchronize_session=False)
    )


class PurgeInput(ToolInput):
    """No fields: the retention period is the team's setting, NUDGE_RETENTION_MONTHS."""


class PurgeResult(ToolResult):
    cutoff: datetime
    events_deleted: int
    orders_stripped: int
    messages_scrubbed: int


def purge_old_data(ctx: ToolContext, args: PurgeInput) -> PurgeResult:
    """Apply the retention period now (NUDGE_RETENTION_MONTHS) instead of waiting for the daily
    job: delete older events, strip attributed orders to name and time, clear old delivery
    details. The audit log is kept."""
    try:
        done = purge_expired(ctx.db, ctx.settings, ctx.now(), actor=ctx.actor or "unknown")
    except ValueError as error:
        raise ToolError(str(error)) from None
    return PurgeResult(summary=done.text, cutoff=done.cutoff, events_deleted=done.events_deleted,
                       orders_stripped=done.orders_stripped, messages_scrubbed=done.messages_scrubbed)

"""Shared set-up for the delivery tests: contacts, events, a sequence, approvals, the clock.

Everything goes through public interfaces: contacts and events through the ingest function
(what `/v1/identify` and `/v1/track` call), segments, drafts, approvals and campaigns through
`registry.call`, as Slack and the CLI do.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, select

from tools import registry
from tools.core.clock import ManualClock
from tools.core.context import ToolContext
from tools.core.db import session_scope
from tools.core.models import Message
from tools.ingest.calls import ingest_calls

START = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)  # a Tuesday, 10:00 UTC
EVERYONE = {"attribute": "email", "op": "exists"}


def call(engine: Engine, settings, name: str, args: dict, actor: str = "UAPPROVER",
         clock=None):
    with session_scope(engine) as db:
        ctx = ToolContext(db=db, settings=settings, actor=actor, clock=clock or ManualClock(START), confirmed=True)
        return registry.call(ctx, name, args)


def add_contacts(engine: Engine, count: int, now: datetime = START, zone: str = "UTC",
                 prefix: str = "u") -> list[str]:
    items = [{"type": "identify", "userId": f"{prefix}{n}", "timestamp": now.isoformat(),
              "traits": {"email": f"{prefix}{n}@example.com", "first_name": f"Ann{n}",
                         "country": "US", "email_consent": "opt_in", "timezone": zone}}
             for n in range(count)]
    ingest(engine, items, now)
    return [f"{prefix}{n}@example.com" for n in range(count)]


def track(engine: Engine, user_id: str, event: str, at: datetime, **properties) -> None:
    ingest(engine, [{"type": "track", "userId": user_id, "event": event, "timestamp": at.isoformat(),
                     "properties": properties}], at)


def ingest(engine: Engine, items: list[dict], now: datetime) -> None:
    with session_scope(engine) as db:
        result = ingest_calls(db, items, now)
        assert not result.rejected, result.rejected


def ready_campaign(engine: Engine, settings, name: str = "Ready") -> str:
    """A one-step campaign whose draft an approver approved: schedulable right now."""
    created = call(engine, settings, "create_sequence", {
        "name": name, "segment": EVERYONE, "steps": [{"delay_hours": 0, "purpose": "welcome"}]})
    call(engine, settings, "approve_draft", {"draft_id": created.draft_ids[0]})
    return str(created.campaign_id)


def approved_sequence(engine: Engine, settings, steps: list[dict], name: str = "Cart rescue",
                      segment=None, **extra) -> int:
    """Create a sequence, approve every draft, schedule it; returns the campaign id."""
    created = call(engine, settings, "create_sequence",
                   {"name": name, "segment": segment or EVERYONE, "steps": steps, **extra})
    for draft_id in created.draft_ids:
        call(engine, settings, "approve_draft", {"draft_id": draft_id})
    call(engine, settings, "schedule_campaign", {"campaign": str(created.campaign_id)})
    return created.campaign_id


THREE_STEPS = [
    {"delay_days": 1, "purpose": "cart_reminder"},
    {"delay_days": 3, "purpose": "social_proof"},
    {"delay_days": 5, "purpose": "cart_discount", "discount_percent": 10},
]


def statuses(engine: Engine) -> list[tuple[int, str, str | None]]:
    with session_scope(engine) as db:
        return [(m.contact_id, m.status, m.reason) for m in db.scalars(select(Message).order_by(Message.id))]


def days(n: float) -> timedelta:
    return timedelta(days=n)


def daytime_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about noon `now`, so quiet hours never defer a test
    that has to run on the real clock (worker processes)."""
    offset = max(-12, min(14, 12 - now.hour))
    return f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"

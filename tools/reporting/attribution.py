"""Attribution: the one writer of conversions, by the one rule.

An "Order Completed" of a known contact counts for the last message that contact clicked within
NUDGE_ATTRIBUTION_CLICK_DAYS before the order, else the last one opened within
NUDGE_ATTRIBUTION_OPEN_DAYS, else for no message (the row is still written, so the order is
seen once). Its revenue is the order value (`tools.audience.order_value`). Nothing else inserts into
`conversions`: the report and the digest only read them, and a contact's exit from a sequence
because they bought (scheduler/outbox.py) writes no conversion of its own.

The scheduler's `attribute` job calls `record_new_conversions` every minute (and the daily digest
job once more before it counts yesterday), over a catch-up window, so orders from every writer
of events (HTTP ingest, imports, the seed) are attributed, and ingest stays one bulk insert.
Opens and clicks are recorded by the tracking endpoint when they happen, before any order that
follows them, so attributing a minute later gives the answer attributing at once would.
Running it twice changes nothing: an order already recorded is skipped, and a concurrent run
inserting the same order is ignored by the unique `event_id`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from tools.audience.order_value import ORDER_EVENT, order_value
from tools.core.bulk import chunked, insert_ignoring_duplicates
from tools.core.json_sql import json_text
from tools.core.models import Conversion, Event, Message, MessageEvent
from tools.core.settings import Settings

# Orders older than this when first seen (a scheduler off for a month, a late import) are
# still attributed by the next run; the (name, occurred_at, contact_id) index keeps it cheap.
CATCH_UP = timedelta(days=35)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class AttributionSummary:
    orders: int
    attributed: int
    revenue: Decimal


@dataclass(frozen=True)
class _Touch:
    at: datetime
    kind: str
    message_id: int
    campaign_id: int


def record_new_conversions(db: Session, settings: Settings, now: datetime) -> AttributionSummary:
    """Attribute every order up to `now` not yet recorded (within the catch-up window)."""
    return attribute_orders(db, settings, now - CATCH_UP, now + timedelta(microseconds=1))


def attribute_orders(db: Session, settings: Settings, since: datetime, until: datetime) -> AttributionSummary:
    """Write one Conversion row for each not-yet-seen order of a known contact in [since, until)."""
    orders = db.execute(_pending_orders(since, until)).all()
    if not orders:
        return AttributionSummary(0, 0, Decimal("0"))
    values = _order_values(db, [order.id for order in orders])
    touches = _touches_by_contact(db, settings, since, until)
    click_window = timedelta(days=settings.attribution_click_days)
    open_window = timedelta(days=settings.attribution_open_days)
    rows = []
    for order in orders:
        touch = credited_touch(touches.get(order.contact_id, []), order.occurred_at, click_window, open_window)
        rows.append({
            "event_id": order.id,
            "contact_id": order.contact_id,
            "campaign_id": touch.campaign_id if touch else None,
            "message_id": touch.message_id if touch else None,
            "revenue": values[order.id],
            "occurred_at": order.occurred_at,
        })
    statement = insert_ignoring_duplicates(db, Conversion.__table__, ("event_id",))
    for chunk in chunked(rows, 2000):
        db.execute(statement, chunk)
    credited = [row for row in rows if row["message_id"] is not None]
    return AttributionSummary(len(rows), len(credited), sum((r["revenue"] for r in credited), Decimal("0")))


def order_filter(since: datetime, until: datetime) -> list:
    return [
        Event.name == ORDER_EVENT,
        Event.occurred_at >= since,
        Event.occurred_at < until,
        Event.contact_id.is_not(None),
    ]


def _pending_orders(since: datetime, until: datetime) -> Select:
    # No properties here: the (name, occurred_at, contact_id) index answers this alone, so the
    # "anything new?" check does not read every order row of the window.
    return (
        select(Event.id, Event.contact_id, Event.occurred_at)
        .where(*order_filter(since, until), ~exists().where(Conversion.event_id == Event.id))
        .order_by(Event.occurred_at, Event.id)
    )


def _order_values(db: Session, event_ids: list[int]) -> dict[int, Decimal]:
    """Each order's value in cents, computed by the database with the rollup's own rule."""
    found: dict[int, Decimal] = {}
    for chunk in chunked(event_ids, 5000):
        rows = db.execute(select(Event.id, order_value(Event.properties)).where(Event.id.in_(chunk)))
        found.update((event_id, Decimal(str(value or 0)).quantize(CENT)) for event_id, value in rows)
    return found


def _touches_by_contact(db: Session, settings: Settings, since: datetime, until: datetime) -> dict[int, list[_Touch]]:
    """Opens and clicks of the ordering contacts that could fall in some order's window."""
    lookback = timedelta(days=max(settings.attribution_click_days, settings.attribution_open_days))
    buyers = select(Event.contact_id).where(*order_filter(since, until))
    query = (
        select(MessageEvent.occurred_at, MessageEvent.kind, Message.id, Message.campaign_id, Message.contact_id)
        .join(Message, Message.id == MessageEvent.message_id)
        .where(
            MessageEvent.kind.in_(["open", "click"]),
            MessageEvent.occurred_at >= since - lookback,
            MessageEvent.occurred_at < until,
            Message.contact_id.in_(buyers),
        )
        .order_by(MessageEvent.occurred_at, MessageEvent.id)
    )
    touches: dict[int, list[_Touch]] = defaultdict(list)
    for at, kind, message_id, campaign_id, contact_id in db.execute(query):
        touches[contact_id].append(_Touch(at, kind, message_id, campaign_id))
    return touches


def credited_touch(touches: list[_Touch], ordered_at: datetime, click_window: timedelta,
                   open_window: timedelta) -> _Touch | None:
    """The last click within the click window, else the last open within the open window."""
    for kind, window in (("click", click_window), ("open", open_window)):
        eligible = [t for t in touches if t.kind == kind and ordered_at - window <= t.at <= ordered_at]
        if eligible:
            return eligible[-1]
    return None


def order_currency(db: Session, start: datetime, end: datetime) -> str:
    """The currency the attributed orders of [start, end) were placed in (their `currency`
    property): the most common one, "" when they name none. Report and digest show revenue in it."""
    currency = json_text(Event.properties, "currency")
    query = (select(func.upper(currency), func.count()).select_from(Conversion)
             .join(Event, Event.id == Conversion.event_id)
             .where(Conversion.message_id.is_not(None), Conversion.occurred_at >= start,
                    Conversion.occurred_at < end, currency.is_not(None))
             .group_by(func.upper(currency)).order_by(func.count().desc(), func.upper(currency)).limit(1))
    found = db.execute(query).first()
    return found[0][:3] if found else ""

"""Retention: old events purged in batches, old messages keep only what reports count."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.privacy_data import add_person
from tools.core.models import AuditEntry, Conversion, Event, Message
from tools.core.settings import load_settings
from tools.privacy.retention import months_before, purge_expired

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def old_event(db, days_ago: int, contact_id: int | None = None) -> Event:
    event = Event(contact_id=contact_id, anonymous_id="anon-old", name="Product Viewed",
                  properties={"url": "https://shop.example/p1"},
                  occurred_at=NOW - timedelta(days=days_ago), received_at=NOW)
    db.add(event)
    db.flush()
    return event


def test_events_past_retention_are_deleted_in_batches_and_recent_ones_kept(db, settings):
    person = add_person(db, NOW)
    for _ in range(5):
        old_event(db, 800, person.contact_id)
    db.commit()

    summary = purge_expired(db, settings, NOW, batch=2)

    assert summary.events_deleted == 5
    assert summary.cutoff == datetime(2024, 10, 28, 12, 0, tzinfo=timezone.utc)
    remaining = db.scalar(select(func.count()).select_from(Event))
    assert remaining == 4, "the person's recent browsing, anonymous view and order stay"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "purge_expired"))
    assert entry.details["events_deleted"] == 5 and entry.actor == "scheduler"


def test_old_attributed_orders_stay_bare_so_revenue_reports_do_not_change(db, settings):
    person = add_person(db, NOW - timedelta(days=900))
    order = db.get(Event, person.order_event_id)
    message = db.get(Message, person.sent_id)
    db.commit()

    summary = purge_expired(db, settings, NOW)

    db.expire_all()
    assert summary.orders_stripped == 1 and summary.messages_scrubbed == 1
    assert (order.name, order.properties, order.anonymous_id, order.message_id) == (
        "Order Completed", {}, None, None)
    assert db.scalar(select(Conversion.revenue)) == Decimal("42.50")
    assert (message.status, message.error, message.email_message_id) == ("sent", None, None)
    assert message.sent_at is not None and message.campaign_id == person.campaign_id


def test_nothing_to_purge_changes_nothing_and_writes_no_audit_entry(db, settings):
    add_person(db, NOW)

    summary = purge_expired(db, settings, NOW)
    again = purge_expired(db, settings, NOW)

    assert (summary.events_deleted, summary.orders_stripped, summary.messages_scrubbed) == (0, 0, 0)
    assert again == summary
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert db.scalar(select(Message.error).where(Message.status == "sent")) is not None


def test_the_retention_setting_moves_the_cutoff(db, settings, monkeypatch):
    old_event(db, 100)
    db.commit()
    monkeypatch.setenv("NUDGE_RETENTION_MONTHS", "3")

    summary = purge_expired(db, load_settings(), NOW)

    assert summary.events_deleted == 1


@pytest.mark.parametrize("moment, months, expected", [
    (datetime(2026, 3, 31, tzinfo=timezone.utc), 1, datetime(2026, 2, 28, tzinfo=timezone.utc)),
    (datetime(2028, 3, 31, tzinfo=timezone.utc), 1, datetime(2028, 2, 29, tzinfo=timezone.utc)),
    (datetime(2026, 1, 15, tzinfo=timezone.utc), 25, datetime(2023, 12, 15, tzinfo=timezone.utc)),
])
def test_months_before_counts_calendar_months(moment, months, expected):
    assert months_before(moment, months) == expected


def test_a_retention_below_one_month_is_refused(db, settings):
    with pytest.raises(ValueError, match="at least 1"):
        purge_expired(db, settings.model_copy(update={"retention_months": 0}), NOW)

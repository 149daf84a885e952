"""Calendar words in count questions, through the conversation engine and the offline planner:
"yesterday" is the previous calendar day in the team's zone (not the last 48 hours), and a month
name is that whole month. The number in the reply must equal the SQL written here.

Mutation tried: `dates.yesterday` returning the last 48 hours (start = now - 48 h) fails both
tests (the sign-up from two days ago and the cart from two days ago are counted).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from bot.engine.conversation import Conversation
from tests.count_support import reply_number
from tests.delivery_support import ingest, track

NOW = datetime.now(timezone.utc)
TODAY = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
YESTERDAY = TODAY - timedelta(days=1)
EARLIER_TODAY = TODAY + (NOW - TODAY) / 2


def _contact(engine, user: str, created: datetime) -> None:
    ingest(engine, [{"type": "identify", "userId": user, "timestamp": created.isoformat(),
                     "traits": {"email": f"{user}@example.com", "country": "US", "email_consent": "opt_in"}}], created)


def _scalar(engine, sql: str, **params) -> int:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def test_signed_up_yesterday_is_the_calendar_day(engine, settings):
    for n, created in enumerate([YESTERDAY - timedelta(hours=3), YESTERDAY + timedelta(hours=1),
                                 YESTERDAY + timedelta(hours=23), EARLIER_TODAY]):
        _contact(engine, f"s{n}", created)
    reply = Conversation(engine, settings, use_agent=False).handle("how many contacts signed up yesterday?", "UAPPROVER", "T1")
    assert "yesterday" in reply.text.splitlines()[0]
    sql = "SELECT count(*) FROM contacts WHERE created_at >= :start AND created_at < :end"
    expected = _scalar(engine, sql, start=YESTERDAY, end=TODAY)
    assert reply_number(reply.text) == expected == 2


def test_abandoned_a_cart_yesterday_is_the_calendar_day(engine, settings):
    # Mutation tried: the old reading (no order at all from the day's start) misses "f", who
    # ordered in the morning and left a new cart in the afternoon.
    for user in ("a", "b", "c", "d", "e", "f"):
        _contact(engine, user, YESTERDAY - timedelta(days=3))
    track(engine, "f", "Order Completed", YESTERDAY + timedelta(hours=9), total=20.0)
    track(engine, "f", "Product Added", YESTERDAY + timedelta(hours=15))  # a new cart after the order: counts
    track(engine, "a", "Product Added", YESTERDAY + timedelta(hours=12))  # counts
    track(engine, "b", "Checkout Started", YESTERDAY + timedelta(hours=9))
    track(engine, "b", "Order Completed", YESTERDAY + timedelta(hours=10), total=20.0)  # bought
    track(engine, "c", "Product Added", YESTERDAY - timedelta(hours=6))  # the day before
    track(engine, "d", "Product Added", EARLIER_TODAY)  # today
    track(engine, "e", "Checkout Started", YESTERDAY + timedelta(hours=20))
    track(engine, "e", "Order Completed", EARLIER_TODAY, total=20.0)  # bought since
    reply = Conversation(engine, settings, use_agent=False).handle("how many people abandoned a cart yesterday?", "UAPPROVER", "T2")
    sql = ("SELECT count(DISTINCT e.contact_id) FROM events e WHERE e.name IN ('Product Added', 'Checkout Started')"
           " AND e.occurred_at >= :start AND e.occurred_at < :end AND NOT EXISTS (SELECT 1 FROM events o"
           " WHERE o.contact_id = e.contact_id AND o.name = 'Order Completed' AND o.occurred_at > e.occurred_at)")
    expected = _scalar(engine, sql, start=YESTERDAY, end=TODAY)
    assert reply_number(reply.text) == expected == 2, reply.text


def test_ordered_last_month_is_the_previous_calendar_month(engine, settings):
    # "last month" is the previous calendar month; "in the last month" stays 30 days back.
    # Mutation tried: dropping the "last month" branch of `dates.calendar_period` fails this
    # (the order from early this month and the one 31+ days back are miscounted).
    this_month = TODAY.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    for user in ("a", "b", "c", "d"):
        _contact(engine, user, last_month - timedelta(days=40))
    track(engine, "a", "Order Completed", last_month + timedelta(hours=1), total=20.0)  # first hour of last month
    track(engine, "b", "Order Completed", this_month - timedelta(hours=1), total=20.0)  # its last hour
    track(engine, "c", "Order Completed", this_month + timedelta(minutes=1), total=20.0)  # this month
    track(engine, "d", "Order Completed", last_month - timedelta(hours=1), total=20.0)  # the month before
    reply = Conversation(engine, settings, use_agent=False).handle("how many people ordered last month?", "UAPPROVER", "T3")
    assert "last month (" in reply.text.splitlines()[0]
    sql = ("SELECT count(DISTINCT contact_id) FROM events WHERE name = 'Order Completed'"
           " AND occurred_at >= :start AND occurred_at < :end")
    assert reply_number(reply.text) == _scalar(engine, sql, start=last_month, end=this_month) == 2, reply.text


@pytest.mark.parametrize("question", ["how many orders did we get yesterday?", "what was revenue last month"])
def test_orders_and_revenue_in_a_calendar_period(engine, settings, question):
    # Mutation tried: planning "yesterday" as the rolling 48 hours (the old order_summary) fails
    # this: the order from two days ago and the one from today are counted.
    this_month = TODAY.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    start, end = (YESTERDAY, TODAY) if "yesterday" in question else (last_month, this_month)
    _contact(engine, "buyer", last_month - timedelta(days=40))
    moments = [start + timedelta(minutes=5), end - timedelta(minutes=5), start - timedelta(hours=2),
               end + (NOW - end) / 2]
    for n, moment in enumerate(moments):
        track(engine, "buyer", "Order Completed", moment, total=10.0 * (n + 1))
    reply = Conversation(engine, settings, use_agent=False).handle(question, "UAPPROVER", f"T-{question}")
    sql = "SELECT count(*) FROM events WHERE name = 'Order Completed' AND occurred_at >= :start AND occurred_at < :end"
    assert reply_number(reply.text) == _scalar(engine, sql, start=start, end=end) == 2, reply.text
    assert "revenue 30.00, average order value 15.00" in reply.text, reply.text

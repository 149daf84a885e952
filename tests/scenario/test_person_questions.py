"""Questions about one person, in a thread, through the conversation engine and the offline
planner on a seeded store: the number in the reply equals the one counted here from the rows,
and a sentence that opens with "forget" but asks a question ("ok forget the date, how many orders
has he got over 150") never plans an erasure.

Mutations tried: dropping the ASKS_A_COUNT check in `choose._plan` (with the intent's "forget
the date" exception ignoring the email the pronoun became) planned forget_contact for the
follow-up; leaving `min_value` out of `audiences.order_summary` counted all of his orders.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import orjson
from sqlalchemy import text

from bot.engine.conversation import Conversation
from tools.ingest.seed import seed_store

NOW = datetime.now(timezone.utc)


def test_forget_the_date_then_a_question_about_him_counts_his_big_orders_and_erases_nobody(engine, settings):
    seed_store(engine, contacts=200, now=NOW)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT c.id, c.email, e.properties FROM contacts c JOIN events e ON e.contact_id = c.id "
                                       "WHERE e.name = 'Order Completed' AND c.email IS NOT NULL")).all()
    orders: dict[str, list[float]] = {}
    for _, email, properties in rows:
        values = properties if isinstance(properties, dict) else orjson.loads(properties)
        orders.setdefault(email, []).append(float(values["total"]))
    # a regular with orders on both sides of 150, so "over 150" decides something
    email = max((who for who in orders if min(orders[who]) <= 150 < max(orders[who])), key=lambda who: (len(orders[who]), who))
    talk = Conversation(engine, settings, use_agent=False)
    first = talk.handle(f"how many orders has {email} placed in the last 30 days", "UAPPROVER", "P1")
    assert [call.name for call in first.calls] == ["order_summary"], first.text
    follow = talk.handle("ok forget the date, how many orders has he got over 150", "UAPPROVER", "P1")
    assert [call.name for call in follow.calls] == ["order_summary"], follow.text
    assert "forget" not in follow.text.lower() and "erase" not in follow.text.lower(), follow.text
    expected = sum(1 for total in orders[email] if total > 150)
    shown = int(re.search(r"(\d[\d,]*) orders?", follow.text.split("\n\n", 1)[-1]).group(1).replace(",", ""))
    assert shown == expected, follow.text
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM contacts WHERE email = :e"), {"e": email}).scalar() == 1

"""Count questions asked in words, through the conversation engine and the offline planner, on a
seeded store: the number in the reply must equal the one SQL written here gives."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from bot.engine.conversation import Conversation
from tests.count_support import reply_number
from tools.ingest.seed import seed_store

NOW = datetime.now(timezone.utc)


@pytest.fixture
def seeded(engine, settings):
    seed_store(engine, 120, days=14, seed=5, now=NOW)
    return Conversation(engine, settings, use_agent=False)


def _scalar(engine, sql: str, **params) -> int:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def test_count_questions_match_sql(seeded, engine):
    week = NOW - timedelta(days=7)
    cases = [
        ("how many orders in the last 7 days?",
         "SELECT count(*) FROM events WHERE name = 'Order Completed' AND contact_id IS NOT NULL AND occurred_at >= :since",
         {"since": week}),
        ("how many customers ordered at least twice?",
         "SELECT count(*) FROM (SELECT contact_id FROM events WHERE name = 'Order Completed' AND contact_id IS NOT NULL"
         " GROUP BY contact_id HAVING count(*) >= 2) AS repeat_buyers", {}),
        ("how many contacts have never ordered?",
         "SELECT count(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.contact_id = c.id"
         " AND e.name = 'Order Completed')", {}),
    ]
    for question, sql, params in cases:
        reply = seeded.handle(question, "UAPPROVER", f"T:{question}")
        assert reply.text.startswith("Read as:"), reply.text
        assert reply_number(reply.text) == _scalar(engine, sql, **params), (question, reply.text)

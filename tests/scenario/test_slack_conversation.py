"""The conversation engine: history in the database, follow-ups after a restart, plain replies."""

from __future__ import annotations

from sqlalchemy import select

from bot.engine.conversation import Conversation
from tests.scenario.slack_kit import HEADLINE
from tools.core.models import AuditEntry, Campaign, ConversationTurn
from tools.ingest.seed import seed_store


def test_follow_ups_survive_a_restart(settings, engine, db):
    seed_store(engine, contacts=150)
    first = Conversation(engine, settings, use_agent=False).handle(HEADLINE, "UAPPROVER", "C1:1.0")
    assert [c.name for c in first.calls] == ["create_sequence", "preflight"]

    restarted = Conversation(engine, settings, use_agent=False)
    reply = restarted.handle("make day 5 15% off", "UAPPROVER", "C1:1.0")
    assert [(c.name, c.arguments) for c in reply.calls] == [
        ("update_sequence", {"campaign": "1", "steps": [{"day": 5, "discount_percent": 15}]})]
    reply = restarted.handle("exclude Canada", "UAPPROVER", "C1:1.0")
    segment = reply.calls[0].arguments["segment"]
    assert {"not": {"attribute": "country", "op": "in", "value": ["CA"]}} in segment["all"]

    db.expire_all()
    assert [c.status for c in db.scalars(select(Campaign).order_by(Campaign.id))] == ["awaiting_approval"]
    turns = list(db.scalars(select(ConversationTurn).where(ConversationTurn.thread == "C1:1.0")
                            .order_by(ConversationTurn.id)))
    assert [t.role for t in turns] == ["user", "assistant"] * 3
    state = turns[-1].data["state"]
    assert state["campaign_id"] == 1 and state["sequence_request"]["steps"][2]["discount_percent"] == 15
    assert turns[0].user_id == "UAPPROVER" and turns[0].content == HEADLINE
    plans = db.scalars(select(AuditEntry.action).where(AuditEntry.action == "conversation.plan")).all()
    assert len(plans) == 3


def test_threads_do_not_share_state(settings, engine):
    seed_store(engine, contacts=80)
    conversation = Conversation(engine, settings, use_agent=False)
    conversation.handle(HEADLINE, "UAPPROVER", "thread-a")
    other = conversation.handle("exclude Canada", "UAPPROVER", "thread-b")
    assert other.calls == [] and "don't see a campaign" in other.text


def test_help_and_unknown_requests_are_answered_without_tools(settings, engine):
    conversation = Conversation(engine, settings, use_agent=False)
    for text in ("", "help", "tell me a joke", "{{ ''.__class__ }}", "\x00hello\x00"):
        reply = conversation.handle(text, "U1", "t")
        assert reply.calls == [] and "abandoned-cart" in reply.text and reply.blocks

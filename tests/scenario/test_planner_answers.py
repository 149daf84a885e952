"""Answers to Nudge's own questions, through the conversation engine and the offline planner: a
one-off "to our VIP customers" asks who counts as one, and the marketer's reply ("people with 5 or
more orders") builds that one-off, its time and words kept, for those people; a reply that is a
request of its own is planned as one, and the question is not remembered past the next message.

Mutation tried: without `replies.answering` the reply "people with 5 or more orders" was a
read-only count and no campaign was built.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.engine.conversation import Conversation
from tools.core.models import Campaign, CampaignStep, Draft
from tools.ingest.seed import seed_store


def test_the_reply_to_who_counts_builds_the_one_off_it_was_asked_for(engine, settings, db):
    seed_store(engine, contacts=80)
    talk = Conversation(engine, settings, use_agent=False)
    asked = talk.handle("send a one-off to our vip customers tomorrow at noon with free shipping", "UAPPROVER", "T1")
    assert asked.calls == [] and "Who counts as" in asked.text, asked.text
    built = talk.handle("people with 5 or more orders", "UAPPROVER", "T1")
    first = built.text.splitlines()[0]
    assert "one email" in first and "ordered at least 5 times" in first and "12:00" in first, built.text
    campaign = db.scalar(select(Campaign))
    assert campaign is not None and campaign.kind == "one_off"
    draft = db.scalar(select(Draft).join(CampaignStep, CampaignStep.draft_id == Draft.id).where(CampaignStep.campaign_id == campaign.id))
    assert "free shipping" in str(draft.content).lower(), draft.content


def test_a_reply_that_is_its_own_request_is_planned_as_one_and_the_question_is_forgotten(engine, settings, db):
    seed_store(engine, contacts=80)
    talk = Conversation(engine, settings, use_agent=False)
    talk.handle("send a one-off to our vip customers tomorrow with 10% off", "UAPPROVER", "T1")
    counted = talk.handle("how many customers spent over 500", "UAPPROVER", "T1")
    assert [call.name for call in counted.calls] == ["preview_segment"], counted.text
    later = talk.handle("people with 5 or more orders", "UAPPROVER", "T1")
    assert [call.name for call in later.calls] == ["preview_segment"], later.text  # the question was one message ago
    assert db.scalar(select(func.count()).select_from(Campaign)) == 0

"""Who did what, asked in words through the conversation engine and the offline planner: the
audit log answer is about the campaign the words name, and says how it was read.

Mutation tried: `people.audit_subject` without its fallback to the campaign's words ("winter
collection") listed every approval in the shop under "Taken to mean campaign 2", the cart
campaign's approvals among them.
"""

from __future__ import annotations

from bot.engine.conversation import Conversation
from tests.delivery_support import EVERYONE, call
from tools.ingest.seed import seed_store

ONE_STEP = [{"delay_days": 0, "purpose": "announcement", "brief": "the winter collection is in"}]


def test_who_approved_a_campaign_named_in_words_lists_only_its_approvals(engine, settings):
    settings = settings.model_copy(update={"approvers": "UAPPROVER,UCARTBOSS,UWINTERBOSS"})
    seed_store(engine, contacts=30)
    cart = call(engine, settings, "create_sequence", {"name": "Cart rescue", "segment": EVERYONE,
                                                      "steps": [{"delay_days": 1, "purpose": "cart_reminder"}]})
    winter = call(engine, settings, "create_sequence", {"name": "Winter collection launch", "segment": EVERYONE, "steps": ONE_STEP,
                                                        "kind": "one_off"})
    call(engine, settings, "approve_draft", {"draft_id": cart.draft_ids[0]}, actor="UCARTBOSS")
    call(engine, settings, "approve_draft", {"draft_id": winter.draft_ids[0]}, actor="UWINTERBOSS")
    reply = Conversation(engine, settings, use_agent=False).handle("who approved the winter collection email?", "UAPPROVER", "T1")
    assert "Read as: the audit log" in reply.text and "winter collection" in reply.text.splitlines()[0], reply.text
    assert "UWINTERBOSS" in reply.text and "UCARTBOSS" not in reply.text, reply.text

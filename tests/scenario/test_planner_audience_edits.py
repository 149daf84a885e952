"""A campaign's audience edited in a marketer's follow-up words, through the conversation engine
and the offline planner, on both databases: each edit changes the stored segment the way the
words say and keeps the rest (the flow's trigger, its places, its other conditions).

Mutations tried: treating "widen it to" as "make it" (no `add` group for it in
`audience_edits.PLACES_ONLY`) narrows the US flow to the UK and Ireland, failing
`test_places_are_added_and_a_minimum_dropped`; without the ALREADY_EVERYWHERE branch of
`place_list`, widening a flow with no place narrows it to the place named (the old silent
opposite), failing `test_widening_a_flow_with_no_place_changes_nothing`; without the
`change_window` intent "make it carts from the last 3 days then" asked what was meant
(`test_the_trigger_window_changes_in_place`); without the several-drafts branch in
`drafting.draft_action` "approve it and schedule it" approved one draft of three, and the
schedule was refused (`test_approve_it_approves_every_step`).
"""

from __future__ import annotations

from sqlalchemy import select

from bot.engine.conversation import Conversation
from tools.core.models import Campaign, CampaignStep, Draft, Segment
from tools.ingest.seed import seed_store


def _spec(db, campaign_id: int) -> dict:
    db.expire_all()
    return db.get(Segment, db.get(Campaign, campaign_id).segment_id).spec


def _countries(spec) -> set[str]:
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("attribute") == "country" and node.get("op") == "in":
                found.update(node["value"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(spec)
    return found


def test_places_are_added_and_a_minimum_dropped(engine, settings, db):
    seed_store(engine, contacts=60)
    talk = Conversation(engine, settings, use_agent=False)
    assert not talk.handle("abandoned cart flow for carts over $100 in the US: reminder on day 1, 10% off on day 3",
                           "UAPPROVER", "T1").failed
    campaign_id = db.scalar(select(Campaign.id))
    assert "'total'" in str(_spec(db, campaign_id)) and _countries(_spec(db, campaign_id)) == {"US"}

    widened = talk.handle("widen it to the UK and ireland too", "UAPPROVER", "T1")
    assert [call.name for call in widened.calls] == ["update_sequence", "preflight"], widened.text
    assert _countries(_spec(db, campaign_id)) == {"US", "GB", "IE"}, widened.text
    assert "'total'" in str(_spec(db, campaign_id))  # the cart value stays

    dropped = talk.handle("drop the $100 minimum", "UAPPROVER", "T1")
    assert "without the cart value over 100" in dropped.text.splitlines()[0], dropped.text
    spec = _spec(db, campaign_id)
    assert "'total'" not in str(spec) and "Product Added" in str(spec), spec  # back to every cart abandoner
    assert _countries(spec) == {"US", "GB", "IE"}

    nothing = talk.handle("drop the exclusion", "UAPPROVER", "T1")
    assert not nothing.calls and "no exclusion" in nothing.text, nothing.text


def test_widening_a_flow_with_no_place_changes_nothing(engine, settings, db):
    seed_store(engine, contacts=60)
    talk = Conversation(engine, settings, use_agent=False)
    assert not talk.handle("abandoned cart flow: reminder on day 1", "UAPPROVER", "T1").failed
    campaign_id = db.scalar(select(Campaign.id))
    before = _spec(db, campaign_id)
    reply = talk.handle("also include people in canada", "UAPPROVER", "T1")
    assert not reply.calls, reply.text
    assert "already includes contacts in CA" in reply.text, reply.text
    assert _spec(db, campaign_id) == before


def test_the_trigger_window_changes_in_place(engine, settings, db):
    seed_store(engine, contacts=60)
    talk = Conversation(engine, settings, use_agent=False)
    assert not talk.handle("abandoned cart flow in germany: reminder on day 1", "UAPPROVER", "T1").failed
    campaign_id = db.scalar(select(Campaign.id))
    reply = talk.handle("make it carts from the last 3 days then", "UAPPROVER", "T1")
    assert "the trigger window now the last 3 days" in reply.text.splitlines()[0], reply.text
    spec = _spec(db, campaign_id)
    assert "'3d'" in str(spec) and "'24h'" not in str(spec) and _countries(spec) == {"DE"}, spec

    left_out = talk.handle("but not the ones who've already ordered since bf", "UAPPROVER", "T1")
    assert "leaving out contacts who ordered since Black Friday" in left_out.text.splitlines()[0], left_out.text
    assert "'not'" in str(_spec(db, campaign_id))


def test_approve_it_approves_every_step(engine, settings, db):
    seed_store(engine, contacts=60)
    talk = Conversation(engine, settings, use_agent=False)
    assert not talk.handle("abandoned cart flow: reminder on day 1, reviews on day 3, 10% off code SAVE10 on day 5",
                           "UAPPROVER", "T1").failed
    campaign_id = db.scalar(select(Campaign.id))
    reply = talk.handle("approve it and schedule it", "UAPPROVER", "T1", confirmed=True)
    assert [call.name for call in reply.calls][:1] == ["approve_draft"], reply.text
    db.expire_all()
    statuses = db.scalars(select(Draft.status).join(CampaignStep, CampaignStep.draft_id == Draft.id)
                          .where(CampaignStep.campaign_id == campaign_id)).all()
    assert statuses == ["approved"] * 3, (statuses, reply.text)

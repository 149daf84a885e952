"""Audit and access questions through the conversation engine with the offline planner.

A marketer builds the cart sequence, an approver approves a draft through the approvals tool,
and "who approved the cart sequence?" names the approver. Exporting a person's data is for
approvers only: anyone else gets the standard refusal and nothing is exported.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.engine.conversation import Conversation
from tests.scenario.slack_kit import APPROVER, HEADLINE, MARKETER
from tools import registry
from tools.core.context import ToolContext
from tools.core.db import session_scope
from tools.core.models import AuditEntry, Campaign, CampaignStep, Contact, Proposal
from tools.ingest.seed import seed_store


def approve_first_draft(engine, settings, campaign_id: int, actor: str = APPROVER) -> int:
    with session_scope(engine) as session:
        draft_id = session.scalars(select(CampaignStep.draft_id).where(CampaignStep.campaign_id == campaign_id)
                                   .order_by(CampaignStep.id)).first()
        ctx = ToolContext(db=session, settings=settings, actor=actor, thread=None, confirmed=True)
        registry.call(ctx, "approve_draft", {"draft_id": draft_id})
    return draft_id


def test_who_approved_the_cart_sequence_names_the_approver(settings, engine, db):
    seed_store(engine, contacts=40)
    conversation = Conversation(engine, settings, use_agent=False)
    built = conversation.handle(HEADLINE, MARKETER, "C1:1.0")
    assert [c.name for c in built.calls] == ["create_sequence", "preflight"]
    campaign_id = db.scalars(select(Campaign.id)).one()

    before = conversation.handle("who approved the cart sequence?", MARKETER, "C1:2.0")
    assert before.calls[0].name == "audit_log" and before.calls[0].ok
    assert "No audit entries match" in before.text and APPROVER not in before.text

    draft_id = approve_first_draft(engine, settings, campaign_id)
    reply = conversation.handle("who approved the cart sequence?", MARKETER, "C1:3.0")
    assert reply.calls[0].arguments == {"since": "365d", "action": "approved", "subject": "Abandoned cart"}
    assert APPROVER in reply.text and f"draft.approved  draft:{draft_id}" in reply.text
    assert reply.blocks

    by_id = conversation.handle(f"who approved campaign {campaign_id}?", MARKETER, "C1:4.0")
    assert APPROVER in by_id.text and f"draft:{draft_id}" in by_id.text
    other = conversation.handle(f"who approved campaign {campaign_id + 1}?", MARKETER, "C1:5.0")
    assert "No audit entries match" in other.text

    mine = conversation.handle(f"what did {MARKETER} do this week?", APPROVER, "C1:6.0")
    assert "campaign.created" in mine.text and "draft.approved" not in mine.text


def test_exporting_a_contacts_data_is_for_approvers_only(settings, engine, db):
    seed_store(engine, contacts=20)
    email = db.scalars(select(Contact.email).where(Contact.email.is_not(None)).order_by(Contact.id)).first()
    conversation = Conversation(engine, settings, use_agent=False)

    refused = conversation.handle(f"what data do we have on {email}?", MARKETER, "C2:1.0")
    assert [(c.name, c.ok) for c in refused.calls] == [("export_contact", False)]
    assert "only approvers (NUDGE_APPROVERS) may use export_contact" in refused.text
    assert email not in refused.text
    db.expire_all()
    assert not db.scalars(select(AuditEntry).where(AuditEntry.action == "export_contact")).all()

    proposed = conversation.handle(f"export everything we hold on {email}", APPROVER, "C2:2.0")
    assert proposed.calls == [] and "personal data" in proposed.text
    db.expire_all()
    assert not db.scalars(select(AuditEntry).where(AuditEntry.action == "export_contact")).all()
    proposal = db.scalar(select(Proposal.id).where(Proposal.actor == APPROVER))
    exported = conversation.decide(proposal, APPROVER, "C2:2.0", True, "slack/button")
    assert [(c.name, c.ok) for c in exported.calls] == [("export_contact", True)]
    assert "Exported 1 contact record(s)" in exported.text
    db.expire_all()
    assert db.scalars(select(AuditEntry.actor).where(AuditEntry.action == "export_contact")).all() == [APPROVER]


def test_export_of_an_unknown_user_id_says_what_to_give(settings, engine):
    reply = Conversation(engine, settings, use_agent=False).handle("what data do we have on user u999?", APPROVER, "t")
    assert reply.calls[0].ok is False and "no contact with user id 'u999'" in reply.text

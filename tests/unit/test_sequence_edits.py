"""Editing a campaign in place (update_sequence): changed steps get a new draft version and lose
their approval, unchanged steps keep theirs, the audit log says what changed, and who may edit
depends on whether the campaign went live. Through `registry.call`, on SQLite and PostgreSQL.

Mutations tried: keeping the old draft on a discount change (`step.draft_id` not replaced in
`_rewrite_with_discount`) fails `test_discount_change_makes_a_new_version_and_keeps_other_approvals`;
dropping the paused -> awaiting_approval move fails `test_a_paused_campaign_needs_an_approver_and_approval_again`.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.delivery_support import EVERYONE, call
from tools.core.context import ToolError
from tools.core.db import session_scope
from tools.core.models import AuditEntry, Draft

CART = [{"delay_days": 1, "purpose": "cart_reminder"}, {"delay_days": 3, "purpose": "social_proof"},
        {"delay_days": 5, "purpose": "cart_discount", "discount_percent": 10}]


def _campaign(engine, settings, approve: bool = True):
    created = call(engine, settings, "create_sequence", {"name": "Cart", "segment": EVERYONE, "steps": CART})
    if approve:
        for draft_id in created.draft_ids:
            call(engine, settings, "approve_draft", {"draft_id": draft_id})
    return created


def _approved(engine, settings, draft_id: int) -> bool:
    from tools.drafting.approvals import approved_by_approver

    with session_scope(engine) as db:
        return approved_by_approver(db, draft_id, settings) is not None


def test_discount_change_makes_a_new_version_and_keeps_other_approvals(engine, settings):
    created = _campaign(engine, settings)
    result = call(engine, settings, "update_sequence", {
        "campaign": str(created.campaign_id), "steps": [{"day": 5, "discount_percent": 15}]}, actor="UMARKETER")
    first, second, third = result.steps
    assert (first.draft_id, second.draft_id) == tuple(created.draft_ids[:2])
    assert first.changed is False and third.changed is True
    assert third.draft_id != created.draft_ids[2] and result.draft_ids == [third.draft_id]
    assert third.discount_percent == 15
    assert _approved(engine, settings, first.draft_id) and not _approved(engine, settings, third.draft_id)
    with session_scope(engine) as db:
        fresh = db.get(Draft, third.draft_id)
        assert fresh.previous_id == created.draft_ids[2] and fresh.version == 2
        assert db.get(Draft, created.draft_ids[2]).status == "superseded"
        row = db.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.edited"))
        assert "15% off" in " ".join(row.details["changes"])
    with pytest.raises(ToolError, match="not approved"):
        call(engine, settings, "schedule_campaign", {"campaign": str(created.campaign_id)})
    call(engine, settings, "approve_draft", {"draft_id": third.draft_id})
    assert call(engine, settings, "schedule_campaign", {"campaign": str(created.campaign_id)}).status == "active"


def test_subject_change_and_a_move_by_purpose(engine, settings):
    created = _campaign(engine, settings)
    result = call(engine, settings, "update_sequence", {"campaign": "Cart", "steps": [
        {"day": 1, "subject": "Still thinking it over?"}, {"purpose": "social_proof", "delay_days": 4}]})
    reminder, reviews, discount = result.steps
    assert reviews.purpose == "social_proof" and reviews.delay_days == 4
    assert reviews.draft_id == created.draft_ids[1] and _approved(engine, settings, reviews.draft_id)
    with session_scope(engine) as db:
        assert db.get(Draft, reminder.draft_id).subject == "Still thinking it over?"
    assert not _approved(engine, settings, reminder.draft_id)
    moved = call(engine, settings, "update_sequence", {"campaign": "Cart", "steps": [{"purpose": "social_proof", "delay_days": 6}]})
    assert [(s.position, s.purpose) for s in moved.steps] == [(1, "cart_reminder"), (2, "cart_discount"), (3, "social_proof")]


def test_a_paused_campaign_needs_an_approver_and_approval_again(engine, settings):
    created = _campaign(engine, settings)
    ref = str(created.campaign_id)
    call(engine, settings, "schedule_campaign", {"campaign": ref})
    edit = {"campaign": ref, "steps": [{"day": 5, "discount_percent": 20}]}
    with pytest.raises(ToolError, match="pause it first"):
        call(engine, settings, "update_sequence", edit)
    call(engine, settings, "pause_campaign", {"campaign": ref})
    with pytest.raises(ToolError, match="only approvers"):
        call(engine, settings, "update_sequence", edit, actor="UMARKETER")
    result = call(engine, settings, "update_sequence", edit)
    assert result.status == "awaiting_approval"
    with pytest.raises(ToolError):
        call(engine, settings, "resume_campaign", {"campaign": ref})
    with pytest.raises(ToolError, match="not approved"):
        call(engine, settings, "schedule_campaign", {"campaign": ref})


def test_bad_edits_say_what_to_fix(engine, settings):
    created = _campaign(engine, settings, approve=False)
    ref = str(created.campaign_id)
    with pytest.raises(ToolError, match="no step with day 9.*the steps are 1: day 1 cart_reminder"):
        call(engine, settings, "update_sequence", {"campaign": ref, "steps": [{"day": 9, "discount_percent": 5}]})
    with pytest.raises(ToolError, match="exactly one of step"):
        call(engine, settings, "update_sequence", {"campaign": ref, "steps": [{"discount_percent": 5}]})
    with pytest.raises(ToolError, match="nothing to change"):
        call(engine, settings, "update_sequence", {"campaign": ref})
    changed = call(engine, settings, "update_sequence", {"campaign": ref, "segment": {
        "all": [EVERYONE, {"not": {"attribute": "country", "op": "in", "value": ["CA"]}}]}})
    assert "audience is now segment" in changed.summary

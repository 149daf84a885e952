"""Campaign and approval tools through `registry.call`: the approval gate, states, audit, errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.delivery_support import EVERYONE, THREE_STEPS, add_contacts, call
from tools.core.context import ToolError
from tools.core.db import session_scope
from tools.core.models import Approval, AuditEntry, Campaign


def create(engine, settings, **extra):
    return call(engine, settings, "create_sequence",
                {"name": "Cart rescue", "segment": EVERYONE, "steps": THREE_STEPS, **extra})


def audit_actions(engine) -> list[tuple[str, str]]:
    with session_scope(engine) as db:
        return [(e.actor, e.action) for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_scheduling_is_refused_until_every_draft_is_approved(engine, settings):
    created = create(engine, settings)
    assert created.status == "awaiting_approval" and len(created.draft_ids) == 3
    call(engine, settings, "approve_draft", {"draft_id": created.draft_ids[0]})
    with pytest.raises(ToolError, match=r"step 2: draft \d+ is not approved"):
        call(engine, settings, "schedule_campaign", {"campaign": str(created.campaign_id)})
    for draft_id in created.draft_ids[1:]:
        call(engine, settings, "approve_draft", {"draft_id": draft_id})
    result = call(engine, settings, "schedule_campaign", {"campaign": "Cart rescue"})
    assert result.status == "active"
    assert ("UAPPROVER", "campaign.scheduled") in audit_actions(engine)


def test_only_approvers_approve_and_a_double_click_approves_once(engine, settings):
    draft_id = create(engine, settings).draft_ids[0]
    with pytest.raises(ToolError, match="only approvers"):
        call(engine, settings, "approve_draft", {"draft_id": draft_id}, actor="UMARKETER")
    first = call(engine, settings, "approve_draft", {"draft_id": draft_id})
    second = call(engine, settings, "approve_draft", {"draft_id": draft_id})
    assert not first.already_decided and second.already_decided
    with session_scope(engine) as db:
        assert db.scalar(select(func.count()).select_from(Approval)) == 1
    assert audit_actions(engine).count(("UAPPROVER", "draft.approved")) == 1


def test_a_rejection_needs_a_reason_and_blocks_approval_of_that_version(engine, settings):
    draft_id = create(engine, settings).draft_ids[0]
    with pytest.raises(ToolError, match="reason"):
        call(engine, settings, "reject_draft", {"draft_id": draft_id})
    call(engine, settings, "reject_draft", {"draft_id": draft_id, "reason": "too pushy"})
    with pytest.raises(ToolError, match="already rejected by UAPPROVER; revise it"):
        call(engine, settings, "approve_draft", {"draft_id": draft_id})


def test_an_edited_draft_needs_a_fresh_approval(engine, settings):
    created = create(engine, settings, steps=[{"delay_days": 1, "purpose": "cart_reminder"}])
    call(engine, settings, "approve_draft", {"draft_id": created.draft_ids[0]})
    revised = call(engine, settings, "revise_draft", {"draft_id": created.draft_ids[0], "subject": "Still there?"})
    with pytest.raises(ToolError, match=f"draft {revised.draft_id} is not approved"):
        call(engine, settings, "schedule_campaign", {"campaign": str(created.campaign_id)})
    with pytest.raises(ToolError, match=f"newer version \\({revised.draft_id}\\)"):
        call(engine, settings, "approve_draft", {"draft_id": created.draft_ids[0]})


def test_pause_resume_and_cancel_move_through_the_states(engine, settings):
    created = create(engine, settings, steps=[{"delay_days": 1, "purpose": "cart_reminder"}])
    ref = {"campaign": str(created.campaign_id)}
    with pytest.raises(ToolError, match="can be paused only when it is active"):
        call(engine, settings, "pause_campaign", ref)
    call(engine, settings, "approve_draft", {"draft_id": created.draft_ids[0]})
    call(engine, settings, "schedule_campaign", ref)
    assert call(engine, settings, "pause_campaign", ref).status == "paused"
    assert call(engine, settings, "resume_campaign", ref).status == "active"
    assert call(engine, settings, "cancel_campaign", ref).status == "cancelled"
    with pytest.raises(ToolError, match="is cancelled"):
        call(engine, settings, "schedule_campaign", ref)
    actions = [action for _, action in audit_actions(engine) if action.startswith("campaign.")]
    assert actions == ["campaign.created", "campaign.scheduled", "campaign.paused",
                       "campaign.resumed", "campaign.cancelled"]


def test_list_campaigns_says_status_and_counts(engine, settings):
    create(engine, settings)
    listed = call(engine, settings, "list_campaigns", {})
    assert "'Cart rescue' (sequence, awaiting approval): 3 step(s), 0 entered, 0 sent" in listed.summary


@pytest.mark.parametrize("steps, message", [
    ([], "steps"),
    ([{"delay_days": 3, "purpose": "cart_reminder"}, {"delay_days": 1, "purpose": "welcome"}], "in order"),
    ([{"delay_days": 1, "delay_hours": 2, "purpose": "welcome"}], "not both"),
    ([{"delay_days": 1, "purpose": "spam_blast"}], "purpose"),
])
def test_bad_steps_are_refused_with_the_reason(engine, settings, steps, message):
    with pytest.raises(ToolError, match=message):
        call(engine, settings, "create_sequence", {"name": "x", "segment": EVERYONE, "steps": steps})
    with session_scope(engine) as db:
        assert db.scalar(select(func.count()).select_from(Campaign)) == 0


def test_unknown_segment_and_campaign_name_the_choices(engine, settings):
    with pytest.raises(ToolError, match="no segment named 'nobody'"):
        call(engine, settings, "create_sequence",
             {"name": "x", "segment": "nobody", "steps": [{"delay_days": 1, "purpose": "welcome"}]})
    with pytest.raises(ToolError, match="no campaign 'ghost'; known campaigns: none yet"):
        call(engine, settings, "schedule_campaign", {"campaign": "ghost"})


def test_explain_before_entry_says_why(engine, settings):
    add_contacts(engine, 1)
    create(engine, settings)
    lines = call(engine, settings, "explain_contact", {"contact": "u0@example.com", "campaign": "Cart rescue"}).lines
    assert lines == ["u0 has not entered campaign 1 'Cart rescue': the campaign is not scheduled yet "
                     "(it awaits approval)"]
    with pytest.raises(ToolError, match="no contact 'nobody@example.com'"):
        call(engine, settings, "explain_contact", {"contact": "nobody@example.com", "campaign": "1"})


def test_two_simultaneous_clicks_store_one_approval(engine, settings):
    from concurrent.futures import ThreadPoolExecutor

    draft_id = create(engine, settings).draft_ids[0]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: call(engine, settings, "approve_draft", {"draft_id": draft_id}),
                                range(4)))
    assert sorted(result.already_decided for result in results) == [False, True, True, True]
    with session_scope(engine) as db:
        assert db.scalar(select(func.count()).select_from(Approval)) == 1
    assert audit_actions(engine).count(("UAPPROVER", "draft.approved")) == 1

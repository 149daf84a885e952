"""Approving or rejecting a whole campaign's drafts ("approve the cart sequence"): every step's
newest draft is decided by the same single decision as one approve_draft, a refused draft is
reported with its reason and does not stop the others, and it stays an approvers' tool.

Mutations tried: approving without `_refuse_blocked` lets the blocked draft through and fails
`test_a_blocked_draft_is_refused_and_the_others_are_approved`; letting the first refusal raise
(no `except ToolError` in `_decide_campaign`) fails it and the rejection test.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.delivery_support import EVERYONE, THREE_STEPS, call
from tools.core.context import ToolError
from tools.core.db import session_scope
from tools.core.models import Approval, AuditEntry


def create(engine, settings, name: str = "Cart rescue"):
    return call(engine, settings, "create_sequence", {"name": name, "segment": EVERYONE, "steps": THREE_STEPS})


def decisions(engine) -> dict[int, str]:
    with session_scope(engine) as db:
        return {a.draft_id: a.decision for a in db.scalars(select(Approval))}


def test_approving_a_campaign_approves_every_step_and_it_can_be_scheduled(engine, settings):
    created = create(engine, settings)
    call(engine, settings, "approve_draft", {"draft_id": created.draft_ids[0]})
    result = call(engine, settings, "approve_draft", {"campaign": "the cart sequence"})
    assert (result.campaign_id, result.decided, result.already, result.refused) == (
        created.campaign_id, created.draft_ids[1:], created.draft_ids[:1], [])
    assert result.draft_id is None and "approved draft(s)" in result.summary
    assert call(engine, settings, "schedule_campaign", {"campaign": "Cart rescue"}).status == "active"
    with session_scope(engine) as db:
        actions = [e.action for e in db.scalars(select(AuditEntry).where(AuditEntry.action == "draft.approved"))]
    assert len(actions) == 3


def test_a_blocked_draft_is_refused_and_the_others_are_approved(engine, settings):
    created = create(engine, settings)
    blocked = call(engine, settings, "revise_draft", {
        "draft_id": created.draft_ids[1], "body": "Hi {{ first_name }},\n\nTake 10% off your order today."}).draft_id
    result = call(engine, settings, "approve_draft", {"campaign": str(created.campaign_id)})
    assert result.decided == [created.draft_ids[0], created.draft_ids[2]]
    [refused] = result.refused
    assert (refused.step, refused.draft_id) == (2, blocked)
    assert "compliance blocks it" in refused.reason and "discount" in refused.reason
    assert f"Not approved: step 2 (draft {blocked})" in result.summary
    assert blocked not in decisions(engine)
    # One approve refuses it the same way: one rule for both.
    with pytest.raises(ToolError, match=f"draft {blocked} cannot be approved while compliance blocks it"):
        call(engine, settings, "approve_draft", {"draft_id": blocked})


def test_the_newest_version_of_each_step_is_decided(engine, settings):
    created = create(engine, settings)
    revised = call(engine, settings, "revise_draft", {"draft_id": created.draft_ids[0], "subject": "Still there?"})
    result = call(engine, settings, "approve_draft", {"campaign": "Cart rescue"})
    assert revised.draft_id in result.decided and created.draft_ids[0] not in decisions(engine)


def test_rejecting_a_campaign_rejects_what_is_not_rejected_and_reports_the_approved(engine, settings):
    created = create(engine, settings)
    call(engine, settings, "approve_draft", {"draft_id": created.draft_ids[0]})
    call(engine, settings, "reject_draft", {"draft_id": created.draft_ids[1], "reason": "too pushy"})
    result = call(engine, settings, "reject_draft", {"campaign": "Cart rescue", "reason": "off brand"})
    assert result.decided == [created.draft_ids[2]] and result.already == [created.draft_ids[1]]
    [refused] = result.refused
    assert refused.draft_id == created.draft_ids[0] and "already approved by UAPPROVER" in refused.reason
    assert decisions(engine) == {created.draft_ids[0]: "approved", created.draft_ids[1]: "rejected",
                                 created.draft_ids[2]: "rejected"}


@pytest.mark.parametrize("arguments", [{}, {"draft_id": 1, "campaign": "Cart rescue"}])
def test_exactly_one_of_draft_id_or_campaign(engine, settings, arguments):
    create(engine, settings)
    with pytest.raises(ToolError, match="give draft_id .* or campaign .*not both or neither"):
        call(engine, settings, "approve_draft", arguments)
    with pytest.raises(ToolError, match="not both or neither"):
        call(engine, settings, "reject_draft", {**arguments, "reason": "no"})


def test_only_approvers_decide_a_campaign_and_an_unknown_one_says_what_exists(engine, settings):
    created = create(engine, settings)
    with pytest.raises(ToolError, match="only approvers"):
        call(engine, settings, "approve_draft", {"campaign": "Cart rescue"}, actor="UMARKETER")
    assert decisions(engine) == {}
    with pytest.raises(ToolError, match=f"no campaign 'Ghost'; known campaigns: {created.campaign_id} 'Cart rescue'"):
        call(engine, settings, "approve_draft", {"campaign": "Ghost"})


def test_one_step_approved_says_which_steps_of_its_campaign_still_wait(engine, settings):
    # "approve it" after an edit approves that draft; the reply must not let the campaign look ready.
    # Mutation tried: approve_draft without `_note_waiting` fails this (the summary names no other step).
    created = create(engine, settings)
    revised = call(engine, settings, "revise_draft", {"draft_id": created.draft_ids[2], "subject": "Last call"}).draft_id
    first = call(engine, settings, "approve_draft", {"draft_id": revised})
    assert first.waiting == created.draft_ids[:2], first.summary
    assert f"still has 2 step(s) waiting for approval (draft(s) {created.draft_ids[0]}, {created.draft_ids[1]})" in first.summary
    assert f"'approve campaign {created.campaign_id}'" in first.summary
    call(engine, settings, "approve_draft", {"draft_id": created.draft_ids[0]})
    last = call(engine, settings, "approve_draft", {"draft_id": created.draft_ids[1]})
    assert last.waiting == [] and "waiting" not in last.summary

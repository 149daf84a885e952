"""The audit query tool: "who approved the cart sequence?" answered from the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.privacy_data import campaign_with_draft
from tools import registry
from tools.core import audit
from tools.core.clock import ManualClock
from tools.core.context import ToolContext, ToolError
from tools.core.models import Draft

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def ctx(db, settings) -> ToolContext:
    return ToolContext(db=db, settings=settings, actor="UMARKETER", clock=ManualClock(NOW))


def revise(db, draft_id: int) -> int:
    """A new version of a draft, as an edit makes it (the step keeps pointing at the old one)."""
    newer = Draft(previous_id=draft_id, version=2, purpose="reminder", created_at=NOW)
    db.add(newer)
    db.flush()
    return newer.id


def test_who_approved_the_cart_sequence_is_found_by_campaign_name(ctx, db):
    cart, steps = campaign_with_draft(db, "Abandoned cart", NOW)
    _, other_steps = campaign_with_draft(db, "Winback", NOW)
    second_version = revise(db, steps[1].draft_id)
    for actor, action, subject, hours in (
        ("UAPPROVER", "draft.approved", f"draft:{steps[0].draft_id}", 3),
        ("UBOSS", "draft.approved", f"draft:{second_version}", 2),
        ("UOTHER", "draft.approved", f"draft:{other_steps[0].draft_id}", 1),
        ("UAPPROVER", "campaign.scheduled", f"campaign:{cart.id}", 0),
    ):
        audit.record(db, actor, action, subject, at=NOW - timedelta(hours=hours))
    db.commit()

    result = registry.call(ctx, "audit_log", {"action": "approved", "subject": "cart"})

    assert [(line.actor, line.subject) for line in result.entries] == [
        ("UBOSS", f"draft:{second_version}"), ("UAPPROVER", f"draft:{steps[0].draft_id}")]
    assert "UBOSS" in result.summary and "UOTHER" not in result.summary


def test_since_window_limit_and_details_search(ctx, db):
    for hours in (200, 30, 20, 10):
        audit.record(db, "cli", "forget_contact", "contact 1", {"segment": "vip buyers"},
                     at=NOW - timedelta(hours=hours))
    db.commit()

    day = registry.call(ctx, "audit_log", {"since": "24h", "action": "forget"})
    week = registry.call(ctx, "audit_log", {"since": "7d", "subject": "VIP", "limit": 2})
    dated = registry.call(ctx, "audit_log", {"since": "2026-11-27T12:00"})

    assert day.total == 2
    assert week.total == 3 and len(week.entries) == 2 and "newest 2 shown" in week.summary
    assert week.entries[0].at == NOW - timedelta(hours=10)
    assert dated.total == 2


def test_like_wildcards_in_a_subject_are_literal(ctx, db):
    audit.record(db, "cli", "segment.saved", "segment:vip", at=NOW)
    db.commit()

    assert registry.call(ctx, "audit_log", {"subject": "%"}).total == 0
    assert registry.call(ctx, "audit_log", {"subject": "v_p"}).total == 0
    assert registry.call(ctx, "audit_log", {"subject": "vip"}).total == 1


@pytest.mark.parametrize("arguments, complaint", [
    ({"since": "last tuesday"}, "since 'last tuesday' is not understood; give a duration"),
    ({"since": "9999999d"}, "is not understood"),
    ({"limit": 0}, "limit: Input should be greater than or equal to 1"),
    ({"who": "me"}, "who: Extra inputs are not permitted"),
])
def test_bad_audit_queries_say_what_works(ctx, arguments, complaint):
    with pytest.raises(ToolError, match=complaint):
        registry.call(ctx, "audit_log", arguments)


def test_an_approval_through_the_approvals_tool_is_found_by_campaign_name(db, settings):
    from tools.drafting.approvals import DraftDecisionInput, approve_draft

    _, steps = campaign_with_draft(db, "Abandoned cart", NOW)
    approver = ToolContext(db=db, settings=settings, actor="UAPPROVER", clock=ManualClock(NOW))
    approve_draft(approver, DraftDecisionInput(draft_id=steps[0].draft_id))
    db.commit()
    asker = ToolContext(db=db, settings=settings, actor="UMARKETER", clock=ManualClock(NOW))

    result = registry.call(asker, "audit_log", {"action": "approve", "subject": "cart"})

    assert [line.actor for line in result.entries] == ["UAPPROVER"]

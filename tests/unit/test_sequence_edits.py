"""Editing a campaign in place (update_sequence): changed steps (a discount, a code, a subject)
and added steps get a new draft version to approve, unchanged steps keep their approvals, removed
steps go unless they have history, the audit log says what changed, and who may edit depends on
whether the campaign went live. Through `registry.call`, on SQLite and PostgreSQL.

Mutations tried: keeping the old draft on a discount change (`step.draft_id` not replaced in
`_rewrite_offer`) fails `test_discount_change_makes_a_new_version_and_keeps_other_approvals`;
dropping the paused -> awaiting_approval move fails `test_a_paused_campaign_needs_an_approver_and_approval_again`.
"""

from __future__ import annotations

import re

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


def test_a_new_subject_ends_the_templates_ab_test_and_says_so(engine, settings):
    """Mutation tried: not clearing subject_b in `revise_draft` fails it (half the recipients
    would still get the template's variant of the old subject)."""
    created = _campaign(engine, settings)
    with session_scope(engine) as db:
        variant = db.get(Draft, created.draft_ids[0]).subject_b
    assert variant  # the cart template writes an A/B variant
    result = call(engine, settings, "update_sequence", {"campaign": "Cart", "steps": [{"day": 1, "subject": "Your cart misses you"}]})
    assert f'A/B subject "{variant}" is dropped' in result.summary
    with session_scope(engine) as db:
        fresh = db.get(Draft, result.steps[0].draft_id)
        assert fresh.subject == "Your cart misses you" and not fresh.subject_b
    both = call(engine, settings, "revise_draft", {"draft_id": fresh.id, "subject": "A", "subject_b": "B"})
    with session_scope(engine) as db:
        assert db.get(Draft, both.draft_id).subject_b == "B"  # a test the marketer asks for is kept


def test_the_marketers_own_subjects_survive_a_new_offer_and_the_reply_says_so(engine, settings):
    """Mutation tried: returning "" at the top of `_keep_own_subjects` fails it (the A/B test of
    the marketer's subjects silently became the template's subject again)."""
    created = _campaign(engine, settings)
    offer_draft = created.draft_ids[2]
    tested = call(engine, settings, "revise_draft", {"draft_id": offer_draft, "subject": "Your 10% is waiting",
                                                     "subject_b": "Still thinking it over?"})
    result = call(engine, settings, "update_sequence", {"campaign": "Cart", "steps": [
        {"day": 5, "discount_percent": 20, "discount_code": "THANKS20"}]})
    assert 'your subjects "Your 20% is waiting" vs "Still thinking it over?" kept' in result.summary, result.summary
    with session_scope(engine) as db:
        fresh = db.get(Draft, result.steps[2].draft_id)
        assert (fresh.subject, fresh.subject_b) == ("Your 20% is waiting", "Still thinking it over?")
        assert fresh.params["discount_percent"] == 20 and fresh.params["discount_code"] == "THANKS20"
        assert fresh.id != tested.draft_id
    untouched = call(engine, settings, "update_sequence", {"campaign": "Cart", "steps": [{"day": 5, "discount_percent": 25}]})
    assert "kept" in untouched.summary  # still the marketer's subjects, now with 25%
    with session_scope(engine) as db:
        assert db.get(Draft, untouched.steps[2].draft_id).subject == "Your 25% is waiting"


def test_taking_the_offer_off_a_step_keeps_the_step_and_writes_it_without_one(engine, settings):
    created = _campaign(engine, settings)
    result = call(engine, settings, "update_sequence", {"campaign": "Cart", "steps": [{"day": 5, "remove_offer": True}]})
    assert "step 3 has no offer now" in result.summary, result.summary
    assert [step.delay_days for step in result.steps] == [1, 3, 5], "the step stays"
    with session_scope(engine) as db:
        fresh = db.get(Draft, result.steps[2].draft_id)
        assert fresh.purpose == "cart_reminder" and not fresh.params.get("discount_percent")
        assert not re.search(r"\d+% off|discount_code", (fresh.subject or "") + (fresh.text or ""))
        assert _approved(engine, settings, created.draft_ids[0]), "the other steps keep their approval"
    with pytest.raises(ToolError, match="has no offer to take off"):
        call(engine, settings, "update_sequence", {"campaign": "Cart", "steps": [{"day": 5, "remove_offer": True}]})
    with pytest.raises(ToolError, match="remove_offer takes the offer off"):
        call(engine, settings, "update_sequence", {"campaign": "Cart", "steps": [{"day": 5, "remove_offer": True, "discount_percent": 5}]})


def test_a_live_campaigns_draft_is_not_revised_until_it_is_paused(engine, settings):
    """A split test or a new subject on a draft an active campaign sends is refused like any edit.
    Mutation tried: dropping the check_editable loop in `revise_draft` fails it (the step then
    pointed at an unapproved version while the campaign kept sending)."""
    created = _campaign(engine, settings)
    call(engine, settings, "schedule_campaign", {"campaign": str(created.campaign_id)})
    first = created.draft_ids[0]
    with pytest.raises(ToolError, match="is active; pause it first"):
        call(engine, settings, "revise_draft", {"draft_id": first, "subject": "A", "subject_b": "B"})
    with session_scope(engine) as db:
        assert db.scalar(select(Draft.id).where(Draft.previous_id == first)) is None, "no new version was stored"
    call(engine, settings, "pause_campaign", {"campaign": str(created.campaign_id)})
    revised = call(engine, settings, "revise_draft", {"draft_id": first, "subject": "A", "subject_b": "B"})
    assert revised.draft_id != first


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


def _audit_changes(engine) -> str:
    with session_scope(engine) as db:
        rows = db.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.edited").order_by(AuditEntry.id))
        return " | ".join(" ".join(row.details["changes"]) for row in rows)


def test_a_new_code_rewrites_that_step_and_keeps_its_discount(engine, settings):
    """Mutation tried: leaving `discount_code` out of the offer in `_rewrite_offer` fails it (the
    new version keeps SAVE10)."""
    created = _campaign(engine, settings)
    result = call(engine, settings, "update_sequence", {
        "campaign": "Cart", "steps": [{"purpose": "cart_discount", "discount_code": "WINTER15"}]})
    first, second, third = result.steps
    assert result.draft_ids == [third.draft_id] and third.draft_id != created.draft_ids[2]
    assert (first.draft_id, second.draft_id) == tuple(created.draft_ids[:2])
    assert _approved(engine, settings, first.draft_id) and not _approved(engine, settings, third.draft_id)
    with session_scope(engine) as db:
        fresh = db.get(Draft, third.draft_id)
        assert fresh.params["discount_code"] == "WINTER15" and fresh.params["discount_percent"] == 10
        assert fresh.previous_id == created.draft_ids[2]
    assert "step 3 now code WINTER15" in _audit_changes(engine)


def test_a_discount_edit_of_a_product_email_keeps_the_product(engine, settings):
    """It used to fail: the stored product (the catalogue item) was passed back as the request's
    product name, which DraftEmailInput refused. Mutation tried: passing `params["product"]` as
    it is fails it again."""
    from tools.core.models import Product

    with session_scope(engine) as db:
        db.add(Product(id="p1", name="Brass lamp", price=80))
    draft = call(engine, settings, "draft_email", {"purpose": "cart_discount", "discount_percent": 10, "product": "p1"})
    call(engine, settings, "create_sequence", {"name": "Lamp", "segment": EVERYONE, "steps": [
        {"delay_days": 1, "purpose": "cart_discount", "draft_id": draft.draft_id}]})
    result = call(engine, settings, "update_sequence", {"campaign": "Lamp", "steps": [{"step": 1, "discount_percent": 20}]})
    with session_scope(engine) as db:
        assert db.get(Draft, result.draft_ids[0]).params["product"]["id"] == "p1"


def test_added_steps_are_drafted_and_take_their_place_by_delay(engine, settings):
    created = _campaign(engine, settings)
    result = call(engine, settings, "update_sequence", {"campaign": "Cart", "add_steps": [
        {"delay_days": 7, "purpose": "winback", "discount_percent": 15},
        {"delay_days": 2, "purpose": "browse_abandonment"}]}, actor="UMARKETER")
    assert [(s.position, s.delay_days, s.purpose) for s in result.steps] == [
        (1, 1, "cart_reminder"), (2, 2, "browse_abandonment"), (3, 3, "social_proof"),
        (4, 5, "cart_discount"), (5, 7, "winback")]
    new = [result.steps[1].draft_id, result.steps[4].draft_id]
    assert sorted(result.draft_ids) == sorted(new) and not set(new) & set(created.draft_ids)
    assert all(_approved(engine, settings, draft_id) for draft_id in created.draft_ids)
    assert not any(_approved(engine, settings, draft_id) for draft_id in new)
    with session_scope(engine) as db:
        assert db.get(Draft, result.steps[4].draft_id).params["discount_percent"] == 15
    assert "added day 7 winback" in _audit_changes(engine)
    with pytest.raises(ToolError, match="not approved"):
        call(engine, settings, "schedule_campaign", {"campaign": "Cart"})


def test_a_campaign_keeps_at_most_ten_steps(engine, settings):
    _campaign(engine, settings, approve=False)
    eight = [{"delay_days": 10 + n, "purpose": "winback"} for n in range(8)]
    with pytest.raises(ToolError, match="would have 11 steps; at most 10"):
        call(engine, settings, "update_sequence", {"campaign": "Cart", "add_steps": eight})
    with pytest.raises(ToolError, match="add_steps.0.draft_id: no draft with id 999"):
        call(engine, settings, "update_sequence", {"campaign": "Cart", "add_steps": [
            {"delay_days": 9, "purpose": "winback", "draft_id": 999}]})


def test_a_removed_step_goes_and_the_others_keep_their_approvals(engine, settings):
    """Mutation tried: `_renumber` returning early when positions are merely ascending (its old
    check) leaves positions 1 and 3 and fails it."""
    created = _campaign(engine, settings)
    result = call(engine, settings, "update_sequence", {"campaign": "Cart", "remove_steps": [{"purpose": "social_proof"}]})
    assert [(s.position, s.purpose, s.draft_id) for s in result.steps] == [
        (1, "cart_reminder", created.draft_ids[0]), (2, "cart_discount", created.draft_ids[2])]
    assert result.draft_ids == [] and "removed step 2 (day 3 social_proof)" in _audit_changes(engine)
    assert call(engine, settings, "schedule_campaign", {"campaign": "Cart"}).status == "active"


def test_the_last_step_cannot_be_removed(engine, settings):
    """Mutation tried: dropping the `left < 1` check in `_check_count` lets the edit through and
    leaves a campaign with no steps."""
    created = _campaign(engine, settings, approve=False)
    every = [{"step": 1}, {"step": 2}, {"day": 5}]
    with pytest.raises(ToolError, match="would have no steps left"):
        call(engine, settings, "update_sequence", {"campaign": "Cart", "remove_steps": every})
    with pytest.raises(ToolError, match="both edited and removed"):
        call(engine, settings, "update_sequence", {"campaign": "Cart", "remove_steps": [{"step": 1}],
                                                   "steps": [{"step": 1, "subject": "Hi"}]})
    with pytest.raises(ToolError, match="remove_steps.0: no step with day 9"):
        call(engine, settings, "update_sequence", {"campaign": "Cart", "remove_steps": [{"day": 9}]})
    with pytest.raises(ToolError, match="exactly one of step"):
        call(engine, settings, "update_sequence", {"campaign": "Cart", "remove_steps": [{}]})
    swapped = call(engine, settings, "update_sequence", {"campaign": "Cart", "remove_steps": every,
                                                          "add_steps": [{"delay_days": 2, "purpose": "welcome"}]})
    assert [(s.position, s.purpose) for s in swapped.steps] == [(1, "welcome")]
    assert swapped.draft_ids != created.draft_ids


def test_a_paused_campaign_gets_steps_added_or_removed_by_approvers_only(engine, settings):
    created = _campaign(engine, settings)
    ref = str(created.campaign_id)
    call(engine, settings, "schedule_campaign", {"campaign": ref})
    add = {"campaign": ref, "add_steps": [{"delay_days": 8, "purpose": "winback"}]}
    with pytest.raises(ToolError, match="pause it first"):
        call(engine, settings, "update_sequence", add)
    call(engine, settings, "pause_campaign", {"campaign": ref})
    with pytest.raises(ToolError, match="only approvers"):
        call(engine, settings, "update_sequence", {"campaign": ref, "remove_steps": [{"step": 2}]}, actor="UMARKETER")
    result = call(engine, settings, "update_sequence", add)
    assert result.status == "awaiting_approval" and len(result.draft_ids) == 1
    assert all(_approved(engine, settings, draft_id) for draft_id in created.draft_ids)
    call(engine, settings, "approve_draft", {"draft_id": result.draft_ids[0]})
    assert call(engine, settings, "schedule_campaign", {"campaign": ref}).status == "active"


def test_a_step_that_has_sent_cannot_be_removed(engine, settings):
    """Its outbox rows are the reports' history; removing it would delete them."""
    from scheduler import jobs
    from scheduler.senders import sender_for
    from tests.delivery_support import START, add_contacts, approved_sequence, days
    from tools.core.clock import ManualClock

    add_contacts(engine, 1)
    ref = str(approved_sequence(engine, settings, [{"delay_hours": 1, "purpose": "welcome"},
                                                   {"delay_days": 3, "purpose": "winback"}], name="Hello"))
    clock = ManualClock(START)
    jobs.enrol(engine, settings, clock)
    clock.advance(days(1))
    jobs.dispatch(engine, settings, clock, sender_for(settings))
    call(engine, settings, "pause_campaign", {"campaign": ref})
    with pytest.raises(ToolError, match=r"step 1 \(after 1 h welcome\) has 1 message\(s\) sent"):
        call(engine, settings, "update_sequence", {"campaign": ref, "remove_steps": [{"step": 1}]})
    removed = call(engine, settings, "update_sequence", {"campaign": ref, "remove_steps": [{"step": 2}]})
    assert [s.purpose for s in removed.steps] == ["welcome"]
    report = call(engine, settings, "campaign_report", {"campaign": ref}, clock=ManualClock(START + days(2)))
    assert report.campaigns[0].totals.sent == 1


def test_a_removed_step_takes_its_unused_single_use_codes(engine, settings):
    _campaign(engine, settings, approve=False)
    call(engine, settings, "import_discount_codes", {"campaign": "Cart", "step": 3, "text": "ONE-1\nTWO-2\n"})
    result = call(engine, settings, "update_sequence", {"campaign": "Cart", "remove_steps": [{"day": 5}]})
    assert "removed step 3 (day 5 cart_discount) with its 2 unused single-use code(s)" in result.summary
    with session_scope(engine) as db:
        from tools.core.models import DiscountCode

        assert db.scalars(select(DiscountCode)).all() == []


def test_a_one_offs_send_time_moves_and_a_sequence_has_none(engine, settings):
    from datetime import datetime, timedelta, timezone

    from tools.core.models import Campaign

    later = (datetime.now(timezone.utc) + timedelta(days=3)).replace(microsecond=0)
    created = call(engine, settings, "create_sequence", {
        "name": "Gift guide", "segment": EVERYONE, "kind": "one_off", "exit_event": None,
        "steps": [{"delay_days": 0, "purpose": "announcement", "brief": "our holiday gift guide"}]})
    moved = call(engine, settings, "update_sequence", {"campaign": str(created.campaign_id), "send_at": later.isoformat()})
    assert any("sends at" in change for change in moved.changes)
    with session_scope(engine) as db:
        campaign = db.get(Campaign, created.campaign_id)
        assert campaign.send_at == later and campaign.exit_event is None  # an explicit "no exit" stays None
    with pytest.raises(ToolError, match="in the past"):
        call(engine, settings, "update_sequence", {"campaign": str(created.campaign_id),
                                                   "send_at": (later - timedelta(days=30)).isoformat()})
    sequence = _campaign(engine, settings, approve=False)
    with pytest.raises(ToolError, match="send_at is for one-offs"):
        call(engine, settings, "update_sequence", {"campaign": str(sequence.campaign_id), "send_at": later.isoformat()})


def test_a_code_added_to_a_newsletter_keeps_it_a_newsletter(engine, settings):
    """Mutation tried: taking "announcement" out of DISCOUNT_PURPOSES fails it (the step became
    a cart discount, "your cart is still waiting", for people with no cart)."""
    from tools.core.models import CampaignStep

    created = call(engine, settings, "create_sequence", {
        "name": "Winter", "segment": EVERYONE, "kind": "one_off", "exit_event": None,
        "steps": [{"delay_days": 0, "purpose": "announcement", "brief": "our winter collection", "discount_percent": 10}]})
    result = call(engine, settings, "update_sequence", {"campaign": "Winter", "steps": [{"step": 1, "discount_code": "WINTER10"}]})
    with session_scope(engine) as db:
        step = db.scalars(select(CampaignStep).where(CampaignStep.campaign_id == created.campaign_id)).one()
        draft = db.get(Draft, result.steps[0].draft_id)
        assert step.purpose == "announcement" and draft.purpose == "announcement"
        assert "WINTER10" in (draft.params or {}).get("discount_code", "") and "cart" not in draft.text.lower()


def test_a_new_offer_replaces_the_old_one_in_the_steps_own_words(engine, settings):
    """Mutation tried: keeping the brief as it was in `_rewrite_offer` fails it (the email then
    promised "20% off code VIPHOLIDAY" next to "use code VIP25 for 25% off")."""
    created = call(engine, settings, "create_sequence", {
        "name": "VIP", "segment": EVERYONE, "kind": "one_off", "exit_event": None,
        "steps": [{"delay_days": 0, "purpose": "announcement", "discount_percent": 20, "discount_code": "VIPHOLIDAY",
                   "brief": "early access to our holiday sale, 20% off code VIPHOLIDAY"}]})
    result = call(engine, settings, "update_sequence", {
        "campaign": str(created.campaign_id), "steps": [{"step": 1, "discount_percent": 25, "discount_code": "VIP25"}]})
    with session_scope(engine) as db:
        draft = db.get(Draft, result.steps[0].draft_id)
        words = f"{draft.subject} {draft.preheader} {draft.text}"
        assert "VIPHOLIDAY" not in words and "20%" not in words
        assert draft.params["brief"] == "early access to our holiday sale, 25% off code VIP25"

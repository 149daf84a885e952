"""Preflight numbers against a small store counted by hand (see the table in `store`)."""

from datetime import datetime, timedelta, timezone

import pytest

from tools import registry
from tools.core.clock import ManualClock
from tools.core.context import ToolContext, ToolError
from tools.core.identity import email_hash, email_salt
from tools.core.models import (
    Campaign,
    CampaignStep,
    Contact,
    Enrolment,
    Event,
    Message,
    Segment,
    Suppression,
)

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc)  # 08:00 New York, 13:00 London, 21:00 Tokyo


@pytest.fixture
def ctx(db, settings):
    return ToolContext(db=db, settings=settings, actor="cli", clock=ManualClock(NOW), confirmed=True)


def _add(db, name, **fields) -> Contact:
    fields.setdefault("email", f"{name}@x.example")
    contact = Contact(user_id=name, country=fields.pop("country", "US"), **fields)
    db.add(contact)
    db.flush()
    return contact


@pytest.fixture
def store(db):
    """Eleven contacts, ten of them in the segment (everyone with an email address):

    ny      US, New York           reached (08:00 local)
    de, fr  Germany/France, no consent            -> no consent
    unsub   US, address suppressed                -> suppressed
    optout  US, opted out                         -> suppressed
    buyer   US, ordered 3 hours ago               -> already converted
    busy    US, active in another sequence        -> other sequence
    capped  US, emailed 3 hours ago               -> frequency cap
    tokyo   US address, Tokyo time zone (21:00)   -> quiet hours
    london  US, London time zone                  reached
    (noemail: not in the segment)
    """
    salt = email_salt(db)
    _add(db, "ny", timezone="America/New_York")
    _add(db, "de", country="DE", email_consent="none")
    _add(db, "fr", country="FR", email_consent="none")
    unsub = _add(db, "unsub")
    unsub.email_hash = email_hash(salt, unsub.email)
    db.add(Suppression(email_hash=unsub.email_hash, reason="unsubscribed"))
    _add(db, "optout", email_consent="opt_out")
    buyer = _add(db, "buyer")
    db.add(Event(contact_id=buyer.id, name="Order Completed", occurred_at=NOW - timedelta(hours=3), properties={}))
    busy, capped = _add(db, "busy"), _add(db, "capped")
    _add(db, "tokyo", timezone="Asia/Tokyo")
    _add(db, "london", timezone="Europe/London")
    _add(db, "noemail", email=None)
    other = Campaign(name="other", status="active")
    db.add(other)
    db.flush()
    step = CampaignStep(campaign_id=other.id, position=1)
    db.add(step)
    db.flush()
    db.add(Enrolment(campaign_id=other.id, contact_id=busy.id, entered_at=NOW - timedelta(days=1)))
    db.add(Message(campaign_id=other.id, step_id=step.id, contact_id=capped.id, status="sent",
                   due_at=NOW - timedelta(hours=3), sent_at=NOW - timedelta(hours=3)))
    segment = Segment(name="everyone", spec={"attribute": "email", "op": "exists"})
    db.add(segment)
    db.flush()
    campaign = Campaign(name="abandoned cart", segment_id=segment.id, exit_event="Order Completed")
    db.add(campaign)
    db.flush()
    for position, delay in [(1, 0), (2, 3 * 60), (3, 48 * 60)]:
        db.add(CampaignStep(campaign_id=campaign.id, position=position, delay_minutes=delay, purpose="cart_reminder"))
    db.flush()
    return campaign


def test_preflight_matches_the_hand_count(ctx, store):
    result = registry.call(ctx, "preflight", {"campaign": "abandoned cart"})
    first, second, third = result.steps
    assert first["audience"] == 10
    assert first["excluded"] == {"held_out": 0, "no_consent": 2, "suppressed": 2, "already_converted": 1, "other_sequence": 1}
    assert first["deferred"] == {"frequency_cap": 1, "quiet_hours": 1}
    assert first["reached"] == 2
    # Step 2 comes 3 hours after step 1: everyone step 1 reaches or defers is capped.
    assert second["deferred"] == {"frequency_cap": 4, "quiet_hours": 0} and second["reached"] == 0
    # Step 3, two days on: steps 1 and 2 plus the earlier send make 3 in the week for "capped";
    # it is 21:00 in Tokyo again.
    assert third["deferred"] == {"frequency_cap": 1, "quiet_hours": 1} and third["reached"] == 2
    assert "2 of 10 reached on time" in result.summary and "2 have no consent" in result.summary


def test_preflight_follows_rule_changes(ctx, store):
    registry.call(ctx, "set_rule", {"key": "quiet_hours", "value": "off"})
    registry.call(ctx, "set_rule", {"key": "email_min_gap_hours", "value": "2"})
    first, second, _ = registry.call(ctx, "preflight", {"campaign": str(store.id)}).steps
    assert first["reached"] == 4 and first["deferred"] == {"frequency_cap": 0, "quiet_hours": 0}
    assert second["reached"] == 4


def test_preflight_needs_a_segment_and_a_known_campaign(ctx, db):
    db.add(Campaign(name="no audience"))
    db.flush()
    with pytest.raises(ToolError, match="no segment"):
        registry.call(ctx, "preflight", {"campaign": "no audience"})
    with pytest.raises(ToolError, match="no campaign 'ghost'"):
        registry.call(ctx, "preflight", {"campaign": "ghost"})


def test_preflight_leaves_the_control_group_out_as_enrolment_will(ctx, db, store):
    # Mutation tried: dropping the held_out branch in `preflight._step` counts the control group
    # as reached (held_out 0), the old silent over-count.
    from tools.campaigns.holdout import in_holdout

    store.holdout_percent = 40
    db.flush()
    members = [contact.id for contact in db.query(Contact).filter(Contact.email.is_not(None))]
    held = sum(in_holdout(store.id, member, 40) for member in members)
    assert 0 < held < len(members)  # the seed-free store still splits
    result = registry.call(ctx, "preflight", {"campaign": str(store.id)})
    first = result.steps[0]
    assert first["excluded"]["held_out"] == held and first["audience"] == 10
    assert first["reached"] + sum(first["excluded"].values()) + sum(first["deferred"].values()) == 10
    assert "40% held out as a control group" in result.summary and f"{held} are held out" in result.summary

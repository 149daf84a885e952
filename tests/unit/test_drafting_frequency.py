"""Frequency rules: caps, quiet hours across time zones and DST, deadlines, transactional mail."""

from datetime import datetime, timedelta, timezone

import pytest

from tools import registry
from tools.audience.frequency import decide
from tools.core.context import ToolContext, ToolError
from tools.core.models import Campaign, CampaignStep, Contact, Message
from tools.core.settings import load_settings

UTC = timezone.utc


@pytest.fixture
def ctx(db, settings):
    return ToolContext(db=db, settings=settings, actor="UAPPROVER")


def _contact(db, zone="UTC") -> Contact:
    contact = Contact(user_id=f"u-{zone}-{db.query(Contact).count()}", email="a@x.example", timezone=zone)
    db.add(contact)
    db.flush()
    return contact


def _sent(db, contact, *moments, channel="email", status="sent"):
    campaign = Campaign(name="c")
    db.add(campaign)
    db.flush()
    for n, moment in enumerate(moments):
        step = CampaignStep(campaign_id=campaign.id, position=n + 1)
        db.add(step)
        db.flush()
        db.add(Message(campaign_id=campaign.id, step_id=step.id, contact_id=contact.id, channel=channel,
                       status=status, due_at=moment, sent_at=moment if status == "sent" else None))
    db.flush()


NOON = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def test_nothing_sent_means_send(db, settings):
    assert decide(db, _contact(db), "email", NOON, settings).action == "send"


def test_smart_sending_defers_to_16_hours_after_the_last(db, settings):
    contact = _contact(db)
    _sent(db, contact, NOON - timedelta(hours=4))
    decision = decide(db, contact, "email", NOON, settings)
    assert decision.action == "defer" and decision.cause == "smart_sending"
    # 16 h after 08:00 is 00:00, inside quiet hours, so it moves on to 08:00 local.
    assert decision.until == datetime(2026, 6, 11, 8, 0, tzinfo=UTC)
    assert "16 hours" in decision.reason


def test_unsent_messages_do_not_count(db, settings):
    contact = _contact(db)
    _sent(db, contact, NOON - timedelta(hours=1), status="skipped")
    assert decide(db, contact, "email", NOON, settings).action == "send"


def test_weekly_cap_defers_until_the_oldest_send_leaves_the_window(db, settings):
    contact = _contact(db)
    _sent(db, contact, NOON - timedelta(days=6), NOON - timedelta(days=4), NOON - timedelta(days=2))
    decision = decide(db, contact, "email", NOON, settings)
    assert decision.action == "defer" and decision.cause == "weekly_cap"
    assert decision.until == NOON + timedelta(days=1)


def test_deadline_before_the_next_allowed_moment_skips(db, settings):
    contact = _contact(db)
    _sent(db, contact, NOON - timedelta(hours=1))
    decision = decide(db, contact, "email", NOON, settings, deadline=NOON + timedelta(hours=6))
    assert decision.action == "skip" and decision.until is None and "deadline" in decision.reason
    assert decide(db, contact, "email", NOON, settings, deadline=NOON + timedelta(days=2)).action == "defer"


def test_transactional_messages_are_exempt(db, settings):
    contact = _contact(db, "Europe/Paris")
    _sent(db, contact, NOON - timedelta(minutes=5))
    late = datetime(2026, 6, 10, 22, 30, tzinfo=UTC)
    assert decide(db, contact, "email", late, settings, transactional=True).action == "send"


@pytest.mark.parametrize(("zone", "at", "until"), [
    # 23:30 in New York (EDT, UTC-4) -> 08:00 New York = 12:00 UTC next day.
    ("America/New_York", datetime(2026, 6, 11, 3, 30, tzinfo=UTC), datetime(2026, 6, 11, 12, 0, tzinfo=UTC)),
    # 06:00 in Tokyo -> 08:00 Tokyo the same day = 23:00 UTC the day before.
    ("Asia/Tokyo", datetime(2026, 6, 9, 21, 0, tzinfo=UTC), datetime(2026, 6, 9, 23, 0, tzinfo=UTC)),
    # The night the clocks go forward in Paris (29 March 2026): 22:00 CET -> 08:00 CEST = 06:00 UTC.
    ("Europe/Paris", datetime(2026, 3, 28, 21, 0, tzinfo=UTC), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
    # The night the clocks go back in New York (1 November 2026): 08:00 EST = 13:00 UTC.
    ("America/New_York", datetime(2026, 11, 1, 5, 0, tzinfo=UTC), datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
])
def test_quiet_hours_defer_to_08_00_in_the_contacts_zone(db, settings, zone, at, until):
    decision = decide(db, _contact(db, zone), "email", at, settings)
    assert (decision.action, decision.until, decision.cause) == ("defer", until, "quiet_hours")
    assert zone in decision.reason


def test_daytime_in_the_contacts_zone_sends_even_if_night_for_the_team(db):
    settings = load_settings(timezone="Europe/London")
    at = datetime(2026, 6, 10, 23, 0, tzinfo=UTC)  # 09:00 in Sydney, midnight in London
    assert decide(db, _contact(db, "Australia/Sydney"), "email", at, settings).action == "send"


def test_unknown_zone_uses_the_team_zone(db):
    settings = load_settings(timezone="Asia/Tokyo")
    at = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)  # 22:00 in Tokyo, 13:00 UTC
    decision = decide(db, _contact(db, "Not/AZone"), "email", at, settings)
    assert decision.action == "defer" and "Asia/Tokyo" in decision.reason
    assert decide(db, _contact(db, None), "email", at, load_settings(timezone="UTC")).action == "send"


def test_ads_cap_counts_per_day_without_quiet_hours(db, settings):
    contact = _contact(db)
    late = datetime(2026, 6, 10, 23, 0, tzinfo=UTC)
    _sent(db, contact, late - timedelta(hours=3), late - timedelta(hours=2), channel="ads")
    assert decide(db, contact, "ads", late, settings).action == "send"
    _sent(db, contact, late - timedelta(hours=1), channel="ads")
    decision = decide(db, contact, "ads", late, settings)
    assert decision.action == "defer" and decision.until == late + timedelta(hours=21)


def test_unknown_channel_is_an_error(db, settings):
    with pytest.raises(ValueError, match="known channels"):
        decide(db, _contact(db), "pigeon", NOON, settings)


def test_set_rule_changes_decisions_and_is_audited(ctx, db, settings):
    contact = _contact(db)
    _sent(db, contact, NOON - timedelta(hours=20))
    assert decide(db, contact, "email", NOON, settings).action == "send"
    result = registry.call(ctx, "set_rule", {"key": "email_min_gap_hours", "value": "24"})
    assert "now 24 (was 16)" in result.summary
    assert decide(db, contact, "email", NOON, settings).action == "defer"
    registry.call(ctx, "set_rule", {"key": "quiet_hours", "value": "off"})
    registry.call(ctx, "set_rule", {"key": "email_min_gap_hours", "value": "0"})
    assert decide(db, contact, "email", datetime(2026, 6, 10, 23, 0, tzinfo=UTC), settings).action == "send"
    assert registry.call(ctx, "show_rules", {}).rules["quiet_hours"] == "off"


@pytest.mark.parametrize(("key", "value", "message"), [
    ("email_cap", "3", "known rules: email_min_gap_hours"),
    ("email_weekly_cap", "0", "from 1 to 50"),
    ("email_weekly_cap", "three", "whole number"),
    ("quiet_hours", "9pm-8am", "21:00-08:00"),
    ("ads_daily_cap", "100", "from 1 to 20"),
])
def test_set_rule_refuses_bad_values(ctx, key, value, message):
    with pytest.raises(ToolError, match=message):
        registry.call(ctx, "set_rule", {"key": key, "value": value})

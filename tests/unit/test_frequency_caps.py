"""Daily and monthly email caps (rolling 24 hours and 30 days) beside the weekly one: set with
set_rule, shown by show_rules, and obeyed by `decide`, with the cap named as the cause.

Mutations tried: counting history only from a week back in `decide` (at - WEEK) fails
`test_monthly_cap_counts_the_whole_30_days`; leaving `_daily_cap` out of the checks fails
`test_daily_cap_defers_until_the_oldest_of_the_day_is_24_hours_old`.
"""

from datetime import timedelta

import pytest

from tests.unit.test_drafting_frequency import NOON, _contact, _sent
from tools import registry
from tools.audience.frequency import decide
from tools.core.context import ToolContext, ToolError


@pytest.fixture
def ctx(db, settings):
    context = ToolContext(db=db, settings=settings, actor="UAPPROVER", confirmed=True)
    for key, value in (("quiet_hours", "off"), ("email_min_gap_hours", "0")):
        registry.call(context, "set_rule", {"key": key, "value": value})
    return context


def test_the_defaults_never_bind_under_the_gap_and_the_weekly_cap(ctx, db, settings):
    rules = registry.call(ctx, "show_rules", {})
    assert rules.rules["email_daily_cap"] == 2 and rules.rules["email_monthly_cap"] == 15
    assert "per 30 days" in rules.summary and "per 24 hours" in rules.summary


def test_daily_cap_defers_until_the_oldest_of_the_day_is_24_hours_old(ctx, db, settings):
    contact = _contact(db)
    _sent(db, contact, NOON - timedelta(hours=5), NOON - timedelta(hours=3))
    decision = decide(db, contact, "email", NOON, settings)
    assert (decision.action, decision.cause) == ("defer", "daily_cap")
    assert decision.until == NOON + timedelta(hours=19) and "2 marketing emails per 24 hours" in decision.reason
    registry.call(ctx, "set_rule", {"key": "email_daily_cap", "value": "3"})
    assert decide(db, contact, "email", NOON, settings).action == "send"


def test_monthly_cap_counts_the_whole_30_days(ctx, db, settings):
    contact = _contact(db)
    _sent(db, contact, *(NOON - timedelta(days=days) for days in (25, 20, 10, 5)))
    assert decide(db, contact, "email", NOON, settings).action == "send"
    registry.call(ctx, "set_rule", {"key": "email_monthly_cap", "value": "4"})
    decision = decide(db, contact, "email", NOON, settings)
    assert (decision.action, decision.cause) == ("defer", "monthly_cap")
    assert decision.until == NOON + timedelta(days=5)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("email_daily_cap", "0", "from 1 to 20"),
    ("email_monthly_cap", "500", "from 1 to 200"),
])
def test_caps_refuse_bad_values(ctx, key, value, message):
    with pytest.raises(ToolError, match=message):
        registry.call(ctx, "set_rule", {"key": key, "value": value})

"""A thank-you or review request sent at one time to people who ordered in a period is one
email (a one-off), not a post-purchase flow for whoever orders next; a flow described by its
steps ("thank you right away, review request a week later") stays a flow.

Mutation tried: removing the one-off branch at the top of `broadcasts.post_purchase` builds a
"Post-purchase" flow whose day-1 brief is "It 10am." and fails the first case of the first test.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.engine.planner.choose import plan

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)  # a Thursday


@pytest.mark.parametrize("text, sent, brief", [
    ("thank-you email to anyone who ordered in the last 7 days, send it tomorrow 10am", "2026-12-04T10:00", "Thank them"),
    ("send a thank you note to everyone who bought in november, friday at 9", "2026-12-04T09:00", "Thank them"),
    ("email a review request to people who ordered in october, monday 10am", "2026-12-07T10:00", "Ask them to review"),
])
def test_a_thank_you_at_one_time_is_one_email_to_those_buyers(text, sent, brief):
    built = plan(text, now=NOW)
    arguments = built.calls[0].arguments
    assert built.calls[0].name == "create_sequence" and arguments["kind"] == "one_off", built.reading
    assert arguments["send_at"].startswith(sent) and arguments["segment"]["event"] == "Order Completed", arguments
    assert [step["brief"][:len(brief)] for step in arguments["steps"]] == [brief], arguments["steps"]


def test_a_flow_described_by_its_steps_stays_a_flow():
    built = plan("post-purchase: thank you right away, review request a week later", now=NOW)
    arguments = built.calls[0].arguments
    assert arguments.get("kind") != "one_off" and [step["delay_days"] for step in arguments["steps"]] == [0, 7], arguments

"""Requests outside what Nudge does are said plainly, and never read as a nearby request.

The phrasings are an outside tester's (the held-out run of session 6), where the planner had
built an email campaign for "send an SMS ...", proposed a lookalike export for "buy $500 of
facebook ads" and answered "refund order h472" with an order summary.

Mutation tried: removing the scope intent from `intents.INTENTS` fails every case here.
"""

from __future__ import annotations

import pytest

from bot.engine.planner.choose import plan


@pytest.mark.parametrize("text, said", [
    ("send an SMS to everyone who abandoned a cart today", "email only"),
    ("buy $500 of facebook ads targeting our lookalike audience", "buy or run ads"),
    ("what's our instagram follower count?", "social media"),
    ("refund order h472 please", "refunds"),
    ("change the price of the linen shirt to $45", "prices"),
    ("download a csv of all customer emails and phone numbers", "plain contact lists"),
    ("post our new winter collection on twitter", "social media"),
    ("create a 25% off discount code in shopify", "create codes in your shop"),
    ("predict how much revenue we'll make next month", "forecast"),
    ("send a push notification to app users about the sale", "email only"),
])
def test_outside_nudge_is_said_and_nothing_is_planned(text, said):
    planned = plan(text)
    assert planned.calls == [] and planned.answer.startswith("I can't") and said in planned.answer, planned


@pytest.mark.parametrize("text, tool", [
    ("write meta ad copy for our summer sale", "draft_ad_copy"),
    ("export the cart abandoners to meta", "create_segment"),
    ("send a newsletter to all subscribers about our black friday sale", "create_sequence"),
    ("what was revenue last month", "order_summary"),
])
def test_what_nudge_does_is_not_refused(text, tool):
    assert plan(text).calls[0].name == tool


@pytest.mark.parametrize("text", [  # the second outside run's requests Nudge cannot do
    "buy $500 of facebook ads targeting cart abandoners", "send an SMS to everyone who abandoned a cart",
    "change the price of the blue hoodie to $40", "refund order #1234", "post on our instagram about the sale",
    "give me a list of all customer phone numbers", "what's our conversion rate on google ads?",
    "create a discount code SUMMER20 in shopify for 20% off",
])
def test_the_second_outside_runs_out_of_scope_requests_are_said(text):
    planned = plan(text)
    assert planned.calls == [] and planned.answer.startswith("I can't"), planned

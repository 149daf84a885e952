"""Preflight says how steps are timed: from each contact's abandonment, the entry as the floor.

The backlog whose abandonment is older than the first step's delay is counted as due at once;
the draft card carries the same rule (tools.campaigns.lifecycle.TIMING_NOTE).

Mutation tried: `_timings` comparing the trigger with `start` instead of `start - first delay`:
both carts counted as due at once, and the test failed.
"""

from __future__ import annotations

from datetime import timedelta

from tests.delivery_support import START, add_contacts, call, days, track

CHECKED_OUT = {"event": "Checkout Started", "within_last": "7d"}
TWO_STEPS = [{"delay_days": 1, "purpose": "cart_reminder"}, {"delay_days": 3, "purpose": "social_proof"}]


def test_preflight_counts_steps_from_the_abandonment_with_entry_as_the_floor(engine, settings):
    add_contacts(engine, 2)
    track(engine, "u0", "Checkout Started", START - timedelta(hours=20), cart_id="c0")
    track(engine, "u1", "Checkout Started", START - days(3), cart_id="c1")  # day 1 has passed
    created = call(engine, settings, "create_sequence", {"name": "Carts", "segment": CHECKED_OUT, "steps": TWO_STEPS})
    summary = call(engine, settings, "preflight", {"campaign": str(created.campaign_id)}).summary
    assert ("Step 1 (cart_reminder, 1 day after their latest checkout: 1 at once as they enter (that is "
            "older), the rest by Wed 02 Dec 10:00 UTC)") in summary, summary
    assert "Step 2 (social_proof, 3 days after their latest checkout: by Fri 04 Dec 10:00 UTC)" in summary, summary
    assert "Day 1 counts from each contact's triggering event" in summary


def test_a_segment_without_events_counts_from_entry(engine, settings):
    add_contacts(engine, 1)
    created = call(engine, settings, "create_sequence", {
        "name": "Welcome", "segment": {"attribute": "email", "op": "exists"},
        "steps": [{"delay_hours": 2, "purpose": "welcome"}]})
    summary = call(engine, settings, "preflight", {"campaign": str(created.campaign_id)}).summary
    assert "Step 1 (welcome, 2 hours after entry, Tue 01 Dec 12:00 UTC)" in summary, summary


def test_a_one_off_to_past_buyers_is_one_send_at_its_time_not_after_their_orders(engine, settings):
    # Mutation tried: leaving `once` unset for one-offs (the sequence wording): "right after their
    # latest order: 1 at once as they enter" came back, and this failed.
    add_contacts(engine, 1)
    track(engine, "u0", "Order Completed", START - days(10), total=40)
    created = call(engine, settings, "create_sequence", {
        "name": "Thanks", "kind": "one_off", "segment": {"event": "Order Completed", "within_last": "60d"},
        "send_at": (START + days(2)).isoformat(), "exit_event": None,
        "steps": [{"delay_days": 0, "purpose": "announcement", "brief": "thanks for a great year"}]})
    summary = call(engine, settings, "preflight", {"campaign": str(created.campaign_id)}).summary
    assert "Step 1 (announcement, sent once to everyone, Thu 03 Dec 10:00 UTC)" in summary, summary
    assert "latest order" not in summary and "Day 1 counts" not in summary, summary

""""Day 1" counts from the abandonment, and "why didn't X get Y?" applies the send-time rules."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from scheduler import jobs
from tests.delivery_support import (
    START,
    add_contacts,
    approved_sequence,
    call,
    days,
    ingest,
    track,
)
from tools.core.clock import ManualClock
from tools.core.db import session_scope
from tools.core.models import Contact, Message


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


CHECKED_OUT = {"event": "Checkout Started", "within_last": "7d"}
TWO_STEPS = [{"delay_days": 1, "purpose": "cart_reminder"}, {"delay_days": 3, "purpose": "social_proof"}]


def due_times(engine) -> dict[tuple[str, int], object]:
    with session_scope(engine) as db:
        rows = db.execute(select(Contact.user_id, Message.step_id, Message.due_at)
                          .join(Contact, Contact.id == Message.contact_id)).all()
        steps = sorted({step for _, step, _ in rows})
        return {(user, steps.index(step) + 1): due for user, step, due in rows}


def test_steps_count_from_the_checkout_with_the_entry_as_the_floor(engine, settings):
    add_contacts(engine, 2)
    track(engine, "u0", "Checkout Started", START - hours(20), cart_id="c0")  # abandoned 20 h ago
    track(engine, "u1", "Checkout Started", START - days(3), cart_id="c1")  # 3 days ago: day 1 has passed
    approved_sequence(engine, settings, TWO_STEPS, segment=CHECKED_OUT)
    clock = ManualClock(START)
    jobs.enrol(engine, settings, clock)
    clock.set(START + days(4))
    jobs.materialise(engine, clock)
    assert due_times(engine) == {
        ("u0", 1): START + hours(4), ("u0", 2): START + hours(4) + days(2),  # a day after the checkout
        ("u1", 1): START, ("u1", 2): START + days(2),  # never before entry; the spacing kept
    }


def test_a_contact_the_preflight_counts_as_no_consent_is_not_told_will_be_sent(engine, settings):
    add_contacts(engine, 1)
    ingest(engine, [{"type": "identify", "userId": "nc", "timestamp": START.isoformat(),
                     "traits": {"email": "nc@example.com", "country": "DE", "timezone": "UTC"}}], START)
    campaign = approved_sequence(engine, settings, TWO_STEPS)
    clock = ManualClock(START)
    jobs.enrol(engine, settings, clock)
    forecast = call(engine, settings, "preflight", {"campaign": str(campaign)}, clock=clock)
    assert "1 have no consent" in forecast.summary, forecast.summary
    assert "Day 1 counts from each contact's triggering event" in forecast.summary
    text = "\n".join(call(engine, settings, "explain_contact", {"contact": "nc", "campaign": str(campaign)},
                          clock=clock).lines)
    assert "will be sent" not in text and "will not be sent as things stand: no consent" in text, text
    allowed = "\n".join(call(engine, settings, "explain_contact", {"contact": "u0", "campaign": str(campaign)},
                             clock=clock).lines)
    assert "step 1 (cart_reminder): will be sent 2026-12-02 10:00" in allowed, allowed
    listed = call(engine, settings, "list_campaigns", {}, clock=clock)
    assert "next send 2026-12-02 10:00 UTC" in listed.summary, listed.summary

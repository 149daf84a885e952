"""A sequence end to end against a real SMTP server (aiosmtpd) in simulated time."""

from __future__ import annotations

from collections import Counter

import pytest
from starlette.testclient import TestClient

from scheduler import jobs
from scheduler.senders import SmtpSender
from tests.delivery_support import (
    START,
    THREE_STEPS,
    add_contacts,
    approved_sequence,
    call,
    days,
    statuses,
    track,
)
from tests.fakes.smtp_server import FakeSMTP
from tools.core.clock import ManualClock


@pytest.fixture
def smtp():
    with FakeSMTP() as server:
        yield server


def run(engine, settings, clock, smtp) -> None:
    jobs.enrol(engine, settings, clock)
    jobs.dispatch(engine, settings, clock, SmtpSender(smtp.url))


def test_three_steps_arrive_on_the_right_days(engine, settings, smtp):
    clock = ManualClock(START)
    recipients = add_contacts(engine, 3)
    approved_sequence(engine, settings, THREE_STEPS)
    received_by_day = {}
    for day in range(7):
        clock.set(START + days(day))
        run(engine, settings, clock, smtp)
        received_by_day[day] = len(smtp.messages)
    assert received_by_day == {0: 0, 1: 3, 2: 3, 3: 6, 4: 6, 5: 9, 6: 9}
    assert Counter(smtp.recipients()) == {address: 3 for address in recipients}
    email = smtp.messages[0].email
    assert email.get_content_type() == "multipart/alternative"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://nudge.shop.example/u/" in email["List-Unsubscribe"] and "mailto:" in email["List-Unsubscribe"]
    assert email["Message-ID"] and email["Date"] and "news@shop.example" in email["From"]
    html = email.get_body(("html",)).get_content()
    assert "/o/" in html and "1 Market St" in html
    assert {status for _, status, _ in statuses(engine)} == {"sent"}


def test_a_purchase_on_day_two_stops_steps_two_and_three(engine, settings, smtp):
    clock = ManualClock(START)
    add_contacts(engine, 2)
    campaign = approved_sequence(engine, settings, THREE_STEPS)
    for day in (0, 1):
        clock.set(START + days(day))
        run(engine, settings, clock, smtp)
    track(engine, "u0", "Order Completed", START + days(2), order_id="o1", revenue=42.5)
    for day in range(2, 7):
        clock.set(START + days(day))
        run(engine, settings, clock, smtp)
    assert Counter(smtp.recipients()) == {"u0@example.com": 1, "u1@example.com": 3}
    lines = call(engine, settings, "explain_contact", {"contact": "u0", "campaign": str(campaign)},
                 clock=clock).lines
    text = "\n".join(lines)
    assert "step 1 (cart_reminder): sent 2026-12-02 10:00" in text
    assert "exited: Order Completed on 2026-12-03" in text and "exited: exited" not in text
    assert "exited (Order Completed on 2026-12-03" in text, text
    assert "step 3 (cart_discount): not sent: exited" in text


def test_one_click_unsubscribe_stops_every_campaign(engine, settings, smtp):
    from bot.web.app import build_app

    clock = ManualClock(START)
    add_contacts(engine, 2)
    approved_sequence(engine, settings, THREE_STEPS)
    approved_sequence(engine, settings, [{"delay_days": 2, "purpose": "welcome"}], name="Welcome")
    run(engine, settings, clock, smtp)
    clock.set(START + days(1))
    run(engine, settings, clock, smtp)
    assert smtp.recipients() == ["u0@example.com", "u1@example.com"], (smtp.recipients(), statuses(engine))
    link = smtp.messages[0].email["List-Unsubscribe"]
    path = link.split("<", 1)[1].split(">", 1)[0].removeprefix("https://nudge.shop.example")
    with TestClient(build_app(settings)) as client:
        response = client.post(path, content=b"List-Unsubscribe=One-Click",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    for day in range(2, 7):
        clock.set(START + days(day))
        run(engine, settings, clock, smtp)
    counts = Counter(smtp.recipients())
    assert counts["u0@example.com"] == 1 and counts["u1@example.com"] >= 3
    later = [(status, reason) for contact, status, reason in statuses(engine) if contact == 1][1:]
    assert len(later) == 3 and set(later) == {("skipped", "unsubscribed")}


def test_a_451_is_retried_with_backoff_and_then_delivered(engine, settings, smtp):
    clock = ManualClock(START)
    add_contacts(engine, 1)
    approved_sequence(engine, settings, [{"delay_hours": 0, "purpose": "welcome"}])
    smtp.script("u0@example.com", "DATA", "451 4.3.0 Try again later")
    run(engine, settings, clock, smtp)
    assert smtp.messages == [] and statuses(engine)[0][1] == "deferred"
    run(engine, settings, clock, smtp)
    assert smtp.messages == [], "a retry waits for its backoff"
    clock.advance(days(0.01))
    run(engine, settings, clock, smtp)
    assert smtp.recipients() == ["u0@example.com"] and statuses(engine)[0][1] == "sent"


def test_a_550_bounces_and_suppresses_the_address(engine, settings, smtp):
    clock = ManualClock(START)
    add_contacts(engine, 2)
    approved_sequence(engine, settings, THREE_STEPS)
    smtp.script("u1@example.com", "RCPT", "550 5.1.1 No such user")
    for day in range(7):
        clock.set(START + days(day))
        run(engine, settings, clock, smtp)
    assert Counter(smtp.recipients()) == {"u0@example.com": 3}
    outcomes = [(status, reason) for contact, status, reason in statuses(engine) if contact == 2]
    assert outcomes[0] == ("failed", "bounced")
    assert all(outcome == ("skipped", "bounced") for outcome in outcomes[1:])


def test_a_one_off_sends_once_at_its_time_and_finishes(engine, settings, smtp):
    clock = ManualClock(START)
    add_contacts(engine, 2)
    campaign = approved_sequence(engine, settings, [{"delay_hours": 0, "purpose": "announcement",
                                                     "brief": "New winter range"}],
                                 name="Winter", kind="one_off", send_at=(START + days(0.1)).isoformat())
    run(engine, settings, clock, smtp)
    assert smtp.messages == []
    clock.set(START + days(0.2))
    run(engine, settings, clock, smtp)
    add_contacts(engine, 1, prefix="late")
    clock.set(START + days(1))
    run(engine, settings, clock, smtp)
    assert sorted(smtp.recipients()) == ["u0@example.com", "u1@example.com"]
    listed = call(engine, settings, "list_campaigns", {"status": "finished"}, clock=clock)
    assert [line.campaign_id for line in listed.campaigns] == [campaign]


def test_quiet_hours_defer_to_the_morning_and_explain_says_so(engine, settings, smtp):
    clock = ManualClock(START.replace(hour=6, minute=14))  # 22:14 the evening before in Los Angeles
    add_contacts(engine, 1, zone="America/Los_Angeles")
    campaign = approved_sequence(engine, settings, [{"delay_hours": 0, "purpose": "welcome"}])
    run(engine, settings, clock, smtp)
    assert smtp.messages == [] and statuses(engine)[0][1] == "deferred"
    waiting = call(engine, settings, "explain_contact", {"contact": "u0", "campaign": str(campaign)}, clock=clock)
    assert "deferred by quiet hours at 22:14 their time (America/Los_Angeles), until 2026-12-01 08:00" in waiting.summary
    clock.set(START.replace(hour=16, minute=0))
    run(engine, settings, clock, smtp)
    assert smtp.recipients() == ["u0@example.com"]
    done = call(engine, settings, "explain_contact", {"contact": "u0", "campaign": str(campaign)}, clock=clock)
    assert ("step 1 (welcome): deferred by quiet hours at 22:14 their time (America/Los_Angeles), "
            "sent 2026-12-01 08:00 their time (America/Los_Angeles)") in done.summary


def test_holdout_is_deterministic_and_members_re_enter_after_the_cooldown(engine, settings, smtp):
    clock = ManualClock(START)
    recipients = add_contacts(engine, 20)
    campaign = approved_sequence(engine, settings, [{"delay_days": 1, "purpose": "welcome"}],
                                 holdout_percent=50, reentry_cooldown_days=10)
    for day in (0, 1, 2):
        clock.set(START + days(day))
        run(engine, settings, clock, smtp)
    first_round = set(smtp.recipients())
    assert 3 <= len(first_round) <= 17, "about half are held out"
    held_out = sorted(set(recipients) - first_round)
    explained = call(engine, settings, "explain_contact", {"contact": held_out[0], "campaign": str(campaign)},
                     clock=clock)
    assert "held out as the control group (50" in explained.summary
    for day in (12, 13):
        clock.set(START + days(day))
        run(engine, settings, clock, smtp)
    counts = Counter(smtp.recipients())
    assert set(counts) == first_round and set(counts.values()) == {2}, "same holdout, second round"


def test_a_contact_who_bought_in_the_last_day_enters_already_exited(engine, settings, smtp):
    clock = ManualClock(START)
    add_contacts(engine, 2)
    track(engine, "u0", "Order Completed", START - days(0.25), order_id="o0", revenue=10)
    campaign = approved_sequence(engine, settings, THREE_STEPS)
    for day in range(7):
        clock.set(START + days(day))
        run(engine, settings, clock, smtp)
    assert len(smtp.messages) == 3
    explained = " ".join(call(engine, settings, "explain_contact", {"contact": "u0", "campaign": str(campaign)},
                              clock=clock).lines)
    assert "already converted" in explained

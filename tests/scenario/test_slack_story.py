"""The headline story through Slack's HTTP mode, end to end, with the offline planner.

A marketer mentions Nudge; the reply (updated in place) carries the three draft cards; a draft
is edited through the modal; a non-approver's click is refused and audited; the approver
approves (one double click counts once) and schedules; simulated time sends the emails.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.display import ids
from tests.scenario.slack_kit import APPROVER, CHANNEL, HEADLINE, MARKETER, start
from tools.core.clock import SYSTEM_CLOCK, ManualClock
from tools.core.models import (
    Approval,
    AuditEntry,
    Campaign,
    ConversationTurn,
    Draft,
    Message,
)


@pytest.fixture
def slack(settings, database_url, monkeypatch):
    harness, stop = start(monkeypatch, database_url)
    yield harness
    stop()


def buttons(blocks, action_id):
    return [element["value"] for block in blocks if block["type"] == "actions"
            for element in block["elements"] if element["action_id"] == action_id]


def last_update(fake, count):
    return fake.wait_for("chat.update", count)[-1]


def test_headline_story_through_slack(slack, db):
    fake = slack.fake
    assert slack.mention(HEADLINE).status_code == 200
    working = fake.wait_for("chat.postMessage")[0]
    assert working["text"] == "Working on it..." and working["channel"] == CHANNEL
    card = last_update(fake, 1)
    drafts = buttons(card["blocks"], ids.APPROVE)
    assert len(drafts) == 3 and not buttons(card["blocks"], ids.SCHEDULE)
    assert "Preflight" in card["text"] and "Subject:" in json.dumps(card["blocks"])
    message_ts = card["ts"]

    # Edit step 1 through the modal: a new version, rechecked, card updated in place.
    slack.click(ids.EDIT, drafts[0], user=MARKETER, message_ts=message_ts)
    modal = fake.wait_for("views.open")[0]["view"]
    assert modal["callback_id"] == ids.EDIT_VIEW
    response = slack.submit(modal, {
        ids.SUBJECT_BLOCK: {ids.SUBJECT_INPUT: "Your cart misses you, {{ first_name }}"},
        ids.PREHEADER_BLOCK: {ids.PREHEADER_INPUT: "Pick up where you left off"},
        ids.BODY_BLOCK: {ids.BODY_INPUT: "Hi {{ first_name }},\n\nYour cart is saved."},
    }, user=MARKETER)
    assert response.status_code == 200
    edited = last_update(fake, 2)
    drafts = buttons(edited["blocks"], ids.APPROVE)
    assert len(drafts) == 3
    assert drafts[0] != buttons(card["blocks"], ids.APPROVE)[0]
    assert "Your cart misses you" in json.dumps(edited["blocks"])

    # A non-approver is refused, privately, and the attempt is audited.
    slack.click(ids.APPROVE, drafts[0], user=MARKETER, message_ts=message_ts)
    refusal = fake.wait_for("chat.postEphemeral")[0]
    assert refusal["user"] == MARKETER and "NUDGE_APPROVERS" in refusal["text"]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Approval)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "tool.refused", AuditEntry.actor == MARKETER)) == 1

    # The approver approves all three, double-clicking the first: one approval each.
    for draft in [drafts[0], *drafts]:
        slack.click(ids.APPROVE, draft, message_ts=message_ts)
    fake.wait_for("chat.update", 6)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Approval)) == 3
    final = last_update(fake, 6)
    schedule = buttons(final["blocks"], ids.SCHEDULE)
    assert schedule, "every step approved: the Schedule button appears"

    # Schedule proposes first: what will happen, with Confirm / Cancel for the approver only.
    posted = len(fake.calls("chat.postMessage"))
    slack.click(ids.SCHEDULE, schedule[0], message_ts=message_ts)
    proposal = fake.wait_for("chat.postMessage", posted + 1)[-1]
    assert "contact(s) in its segment" in proposal["text"] and "cannot be recalled" in proposal["text"]
    db.expire_all()
    assert db.get(Campaign, int(schedule[0])).status == "awaiting_approval"
    [confirm] = buttons(proposal["blocks"], ids.CONFIRM)
    slack.click(ids.CONFIRM, confirm, user=MARKETER, message_ts=PROPOSAL_TS)
    assert "who asked for this" in fake.wait_for("chat.postEphemeral", 2)[-1]["text"]
    for _double_click in range(2):
        slack.click(ids.CONFIRM, confirm, message_ts=PROPOSAL_TS)
    scheduled = last_update(fake, 7)
    assert "Confirmed by" in json.dumps(scheduled["blocks"])
    assert "already confirmed" in fake.wait_for("chat.postEphemeral", 3)[-1]["text"]
    db.expire_all()
    campaign = db.get(Campaign, int(schedule[0]))
    assert campaign.status == "active"
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "campaign.scheduled")) == 1

    sent = run_scheduler(slack)
    assert sent > 0


PROPOSAL_TS = "1700000099.000100"


def run_scheduler(slack) -> int:
    from scheduler.jobs import dispatch, enrol
    from scheduler.senders import sender_for

    clock = ManualClock(SYSTEM_CLOCK.now())
    sender = sender_for(slack.settings)
    enrol(slack.engine, slack.settings, clock)
    for _ in range(36):
        clock.advance(timedelta(hours=2))
        dispatch(slack.engine, slack.settings, clock, sender)
    from tools.core.db import session_scope

    with session_scope(slack.engine) as session:
        return session.scalar(select(func.count()).select_from(Message).where(Message.status == "sent"))


def test_follow_up_in_the_thread_refers_to_the_campaign(slack, db):
    fake = slack.fake
    slack.mention(HEADLINE)
    first = fake.wait_for("chat.update")[0]
    root = fake.calls("chat.postMessage")[0]["thread_ts"]
    slack.mention("make day 5 15% off", thread_ts=root)
    second = fake.wait_for("chat.update", 2)[-1]
    assert "15% off" in json.dumps(second["blocks"]) or "15%" in second["text"]
    db.expire_all()
    statuses = [c.status for c in db.scalars(select(Campaign).order_by(Campaign.id))]
    assert statuses == ["awaiting_approval"], "the follow-up edits the campaign in place"
    assert first["ts"] != second["ts"]
    turns = db.scalar(select(func.count()).select_from(ConversationTurn))
    assert turns == 4


def test_slash_command_and_direct_message(slack, db):
    fake = slack.fake
    assert slack.command("what's scheduled?").status_code == 200
    assert "No campaigns" in fake.wait_for("chat.update")[0]["text"]
    dm = {"type": "message", "channel_type": "im", "channel": "DMARKETER", "user": MARKETER,
          "text": "how many people abandoned a cart in the last 24 hours?", "ts": "1.1"}
    slack.event(dm)
    answer = fake.wait_for("chat.update", 2)[-1]
    assert "contacts" in answer["text"]
    slack.event({**dm, "bot_id": "BOTHER", "ts": "1.2"})
    slack.event({**dm, "subtype": "message_changed", "ts": "1.3"})
    from tests.scenario.slack_kit import settle

    settle()
    assert len(fake.calls("chat.postMessage")) == 2


def test_approver_can_reject_with_a_reason(slack, db):
    fake = slack.fake
    slack.mention(HEADLINE)
    card = fake.wait_for("chat.update")[0]
    draft = buttons(card["blocks"], ids.APPROVE)[2]
    slack.click(ids.REJECT, draft, message_ts=card["ts"])
    modal = fake.wait_for("views.open")[0]["view"]
    assert modal["callback_id"] == ids.REJECT_VIEW
    empty = slack.submit(modal, {ids.REASON_BLOCK: {ids.REASON_INPUT: "  "}})
    assert empty.json()["response_action"] == "errors"
    slack.submit(modal, {ids.REASON_BLOCK: {ids.REASON_INPUT: "Too pushy for our brand"}})
    updated = fake.wait_for("chat.update", 2)[-1]
    assert "Too pushy" in json.dumps(updated["blocks"])
    db.expire_all()
    approval = db.scalar(select(Approval).where(Approval.draft_id == int(draft)))
    assert (approval.decision, approval.decided_by) == ("rejected", APPROVER)
    assert db.get(Draft, int(draft)).status == "rejected"

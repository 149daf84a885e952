"""Bad input through Slack's HTTP door: each gets a clear reply or a 4xx, and nothing half-made.

Unsigned, badly signed and replayed requests; retried events; another workspace; malformed
payloads; unknown buttons; an empty mention; a 40,000-character message; a tool failing in the
middle of a plan.
"""

from __future__ import annotations

import dataclasses
import json
import time

import pytest
from sqlalchemy import func, select

from bot.display import ids
from bot.engine import messages
from bot.engine.conversation import Conversation
from tests.scenario.slack_kit import APPROVER, HEADLINE, SIGNING_SECRET, settle, start
from tools import registry
from tools.core.context import ToolError
from tools.core.models import (
    AuditEntry,
    Campaign,
    CampaignStep,
    Draft,
    IdempotencyKey,
    Segment,
)


@pytest.fixture
def slack(settings, database_url, monkeypatch):
    harness, stop = start(monkeypatch, database_url, contacts=150, SLACK_TEAM_ID="T0NUDGE")
    yield harness
    stop()


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_unsigned_badly_signed_and_replayed_requests_are_refused(slack, db):
    body = json.dumps({"type": "event_callback", "team_id": "T0NUDGE", "event_id": "Ev1",
                       "event": {"type": "app_mention", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.0"}})
    unsigned = slack.client.post("/slack/events", content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    assert slack.signed(body, "application/json", secret="not-the-secret").status_code == 401
    replayed = slack.signed(body, "application/json", timestamp=int(time.time()) - 6 * 60)
    assert replayed.status_code == 401
    future = slack.signed(body, "application/json", timestamp=int(time.time()) + 6 * 60)
    assert future.status_code == 401
    settle()
    assert slack.fake.calls("chat.postMessage") == []
    assert count(db, IdempotencyKey) == 0


def test_a_retried_event_is_handled_once(slack, db):
    event = {"type": "app_mention", "user": "U1", "text": "<@UNUDGEBOT> what's scheduled?", "channel": "C1",
             "ts": "1700000000.000001"}
    assert slack.event(event, event_id="EvSAME").status_code == 200
    retry = slack.event(event, event_id="EvSAME", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    slack.fake.wait_for("chat.update")
    settle()
    assert len(slack.fake.calls("chat.postMessage")) == 1


def test_another_workspace_is_refused_and_audited(slack, db):
    response = slack.click(ids.APPROVE, "1", team="TOTHER")
    assert response.status_code == 403
    assert slack.mention("what's scheduled?", team="TOTHER").status_code == 403
    settle()
    assert slack.fake.calls("chat.postMessage") == []
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "slack.wrong_workspace")) == 2


@pytest.mark.parametrize("body, content_type", [
    ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ("{not json", "application/json"),
    ("payload=" + json.dumps({"type": "block_actions"}), "application/x-www-form-urlencoded"),
    (json.dumps({"type": "event_callback", "team_id": "T0NUDGE", "event_id": "EvX"}), "application/json"),
    ("", "application/json"),
])
def test_malformed_payloads_get_a_clean_answer(slack, body, content_type):
    response = slack.signed(body, content_type)
    assert response.status_code < 500
    settle()
    assert slack.fake.calls("chat.postMessage") == []


def test_oversized_and_non_utf8_bodies_are_refused(slack):
    assert slack.signed("x" * 1_100_000, "application/json").status_code == 413
    raw = b"payload=\xff\xfe"
    signature_response = slack.client.post("/slack/events", content=raw, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=00"})
    assert 400 <= signature_response.status_code < 500


def test_unknown_action_ids_get_an_ephemeral_answer(slack):
    slack.click("nudge_launch_missiles", "1")
    answer = slack.fake.wait_for("chat.postEphemeral")[0]
    assert "not one I know" in answer["text"]


def test_buttons_with_bad_values_change_nothing(slack, db):
    slack.click(ids.APPROVE, "not-a-number")
    slack.click(ids.APPROVE, "987654")
    answers = sorted(call["text"].lower() for call in slack.fake.wait_for("chat.postEphemeral", 2))
    assert "no draft with id 987654" in answers[0]
    assert "no valid draft or campaign id" in answers[1]
    settle()
    assert len(slack.fake.calls("chat.postEphemeral")) == 2
    assert count(db, AuditEntry) == 0


def test_empty_mention_gets_help(slack):
    slack.event({"type": "app_mention", "user": "U1", "text": "<@UNUDGEBOT>", "channel": "C1", "ts": "1.5"})
    reply = slack.fake.wait_for("chat.update")[0]
    assert reply["text"].startswith(messages.EMPTY_REQUEST)
    assert "abandoned-cart" in reply["text"]


def test_a_40000_character_message_is_refused_plainly(slack, db):
    slack.mention(HEADLINE + " " + "x" * 40_000)
    reply = slack.fake.wait_for("chat.update")[0]
    assert "40," in reply["text"] and "4,000" in reply["text"]
    assert count(db, Campaign) == 0


def test_schedule_by_a_non_approver_is_refused(slack, db):
    slack.click(ids.SCHEDULE, "1", user="UMARKETER")
    refusal = slack.fake.wait_for("chat.postEphemeral")[0]
    assert "NUDGE_APPROVERS" in refusal["text"]
    db.expire_all()
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "tool.refused"))
    assert entry.actor == "UMARKETER" and entry.details["tool"] == "schedule_campaign"
    assert entry.details["surface"] == "slack/button"


def test_reject_modal_is_not_opened_for_a_non_approver(slack):
    slack.click(ids.REJECT, "1", user="UMARKETER")
    slack.fake.wait_for("chat.postEphemeral")
    settle()
    assert slack.fake.calls("views.open") == []


def test_a_tool_error_mid_plan_leaves_nothing_half_created(settings, engine, db, monkeypatch):
    def broken(ctx, args):
        raise ToolError("preflight could not read the audience")

    monkeypatch.setitem(registry.BY_NAME, "preflight", dataclasses.replace(registry.BY_NAME["preflight"], function=broken))
    reply = Conversation(engine, settings, use_agent=False).handle(HEADLINE, APPROVER, "mid-plan")
    assert "preflight could not read the audience" in reply.text
    assert "Nothing from this request was saved" in reply.text
    assert [(c.name, c.ok) for c in reply.calls] == [("create_sequence", True), ("preflight", False)]
    for model in (Campaign, CampaignStep, Draft, Segment):
        assert count(db, model) == 0, model.__name__


def test_an_unexpected_failure_is_a_plain_reply(settings, engine, monkeypatch):
    def crash(ctx, args):
        raise RuntimeError("boom")

    monkeypatch.setitem(registry.BY_NAME, "list_campaigns", dataclasses.replace(registry.BY_NAME["list_campaigns"], function=crash))
    reply = Conversation(engine, settings, use_agent=False).handle("what's scheduled?", APPROVER, "crash")
    assert reply.text == messages.INTERNAL_ERROR.format(kind="RuntimeError")
    assert "boom" not in reply.text


def test_signing_secret_is_required_for_http_mode(settings, monkeypatch):
    from bot.web.slack import routes
    from tools.core.settings import load_settings

    assert routes(load_settings(slack_bot_token="xoxb-1", slack_signing_secret="")) == []
    assert SIGNING_SECRET not in messages.INTERNAL_ERROR


def test_slash_command_where_nudge_may_not_post_is_answered_privately(slack):
    slack.fake.fail("chat.postMessage", "not_in_channel")
    assert slack.command("what's scheduled?").status_code == 200
    answer = slack.fake.wait_for("response_url")[0]
    assert "invite" in answer["text"].lower() and answer["response_type"] == "ephemeral"

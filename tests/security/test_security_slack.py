"""Hostile input through the Slack door (`POST /slack/events`, HTTP mode, against a fake Slack).

Requests are signed the way Slack signs them, or deliberately not: unsigned, badly signed,
signed with another secret, too old, from the future, replayed and retried; payloads of unknown
types or with fields missing; approvals and schedules by a non-approver and by an approver's id
from another workspace. Each must be refused (4xx) or acknowledged without effect, and nothing
stored may change except the audit entry that records a refused attempt. A hypothesis target
sends arbitrary signed JSON. Hostile cases tried: 50 fixed (8 signatures, 3 replays, 15 malformed
signed + the same 15 unsigned, oversize, bad UTF-8, 4 non-approver, 3 other-workspace) + 60
generated, per backend.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.testclient import TestClient

from tests.security.conftest import STATE, audit_actions, snapshot
from tools.core.db import session_scope
from tools.core.models import Approval, Campaign, Draft

SECRET = "slack-signing-secret-for-tests"
TEAM = "T0FAKE"
FUZZ = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def fake_slack() -> Iterator:
    from tests.fakes.slack_api import FakeSlack

    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def slack(settings, monkeypatch, fake_slack) -> Iterator[TestClient]:
    from bot.web.app import build_app
    from tools.core.settings import get_settings

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-bot-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    monkeypatch.setenv("SLACK_TEAM_ID", TEAM)
    get_settings.cache_clear()
    with TestClient(build_app(get_settings())) as client:
        yield client
    get_settings.cache_clear()


@pytest.fixture
def draft_id(engine) -> int:
    with session_scope(engine) as db:
        draft = Draft(purpose="reminder", subject="Your cart misses you", text="Hi there")
        db.add(draft)
        db.flush()
        return draft.id


def approvals(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Approval))


def signed(body: bytes, secret: str = SECRET, age: int = 0, stamp: str | None = None) -> dict:
    """Slack's v0 signature headers over the raw bytes (any bytes, even invalid UTF-8)."""
    timestamp = stamp or str(int(time.time()) - age)
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def mention(event_id: str = "Ev1", team: str = TEAM, **event) -> bytes:
    payload = {
        "type": "event_callback", "team_id": team, "event_id": event_id,
        "event": {"type": "app_mention", "user": "UMARKETER", "channel": "C1",
                  "ts": "1700000000.000100", "text": "<@UNUDGEBOT> help", **event},
    }
    return json.dumps(payload).encode()


def click(action_id: str, value: str, user: str = "UAPPROVER", team: str = TEAM) -> bytes:
    payload = {
        "type": "block_actions", "team": {"id": team}, "user": {"id": user, "team_id": team},
        "trigger_id": "1.2.3", "container": {"channel_id": "C1", "message_ts": "1700000000.000200"},
        "channel": {"id": "C1"}, "message": {"ts": "1700000000.000200", "text": "cards"},
        "actions": [{"action_id": action_id, "value": value, "type": "button"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def post(client: TestClient, body: bytes, headers: dict, form: bool = False):
    kind = "application/x-www-form-urlencoded" if form else "application/json"
    return client.post("/slack/events", content=body, headers={"Content-Type": kind, **headers})


SIGNATURE_ATTACKS = {
    "unsigned": lambda body: {},
    "signature of another body": lambda body: signed(b"{}"),
    "another secret": lambda body: signed(body, secret="not-the-secret"),
    "six minutes old": lambda body: signed(body, age=360),
    "ten minutes ahead": lambda body: signed(body, age=-600),
    "timestamp not a number": lambda body: signed(body, stamp="yesterday"),
    "v0 prefix only": lambda body: {**signed(body), "X-Slack-Signature": "v0="},
    "signature flipped": lambda body: {**signed(body), "X-Slack-Signature": flipped(signed(body)["X-Slack-Signature"])},
}


def flipped(signature: str) -> str:
    """The signature with its last hex digit changed (always to a different digit)."""
    return signature[:-1] + ("1" if signature[-1] == "0" else "0")


def test_badly_signed_requests_are_refused_before_anything_runs(slack, fake_slack, engine):
    before = snapshot(engine, STATE)

    answers = {}
    for name, sign in SIGNATURE_ATTACKS.items():
        body = mention(event_id=f"Ev-{name}")
        answers[name] = post(slack, body, sign(body)).status_code
    time.sleep(0.2)

    assert {name: status for name, status in answers.items() if status != 401} == {}
    assert fake_slack.calls("chat.postMessage") == []
    assert snapshot(engine, STATE) == before


def test_a_replayed_or_retried_event_is_handled_once(slack, fake_slack):
    body = mention(event_id="EvReplay")

    first = post(slack, body, signed(body))
    fake_slack.wait_for("chat.update")
    replay = post(slack, body, signed(body))
    retry = post(slack, body, {**signed(body), "X-Slack-Retry-Num": "1",
                               "X-Slack-Retry-Reason": "http_timeout"})
    time.sleep(0.5)

    assert [first.status_code, replay.status_code, retry.status_code] == [200, 200, 200]
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_a_replay_of_a_captured_request_after_five_minutes_is_refused(slack, fake_slack):
    body = mention(event_id="EvOld")
    captured = signed(body, age=301)

    assert post(slack, body, captured).status_code == 401


def envelope(event_id: str, event: dict | None = None) -> bytes:
    body = {"type": "event_callback", "team_id": TEAM, "event_id": event_id}
    return json.dumps({**body, "event": event} if event else body).encode()


def interaction(payload: dict) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


MALFORMED = {
    "unknown envelope type": (json.dumps({"type": "surprise", "team_id": TEAM}).encode(), False),
    "unknown event type": (envelope("Ev9", {"type": "reaction_added"}), False),
    "event missing": (envelope("Ev8"), False),
    "mention without channel": (envelope("Ev7", {"type": "app_mention", "user": "U1"}), False),
    "mention text not a string": (mention(event_id="Ev6", text={"$gt": ""}), False),
    "body not JSON": (b"{not json", False),
    "JSON list": (b"[]", False),
    "interaction payload not JSON": (urlencode({"payload": "{oops"}).encode(), True),
    "interaction without actions": (interaction(
        {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": "UAPPROVER"}}), True),
    "unknown action id": (click("nudge_launch_missiles", "1"), True),
    "approve without a value": (click("nudge_approve", ""), True),
    "approve a negative id": (click("nudge_approve", "-1"), True),
    "approve a path": (click("nudge_approve", "../../etc/passwd"), True),
    "unknown view submission": (interaction(
        {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": "UAPPROVER"},
         "view": {"callback_id": "nope", "state": {"values": {}}}}), True),
    "slash command missing channel": (urlencode({"command": "/nudge", "team_id": TEAM,
                                                 "user_id": "U1", "text": "help"}).encode(), True),
}


def test_malformed_or_unknown_payloads_change_nothing(slack, engine, draft_id):
    before = snapshot(engine, STATE)

    answers = {name: post(slack, body, signed(body), form=form).status_code
               for name, (body, form) in MALFORMED.items()}
    time.sleep(0.3)

    assert {name: status for name, status in answers.items() if status >= 500} == {}
    assert snapshot(engine, STATE) == before


def test_malformed_payloads_without_a_signature_are_refused_not_a_crash(slack, engine):
    before = snapshot(engine, STATE)

    answers = {name: post(slack, body, {}, form=form).status_code
               for name, (body, form) in MALFORMED.items()}

    assert {name: status for name, status in answers.items() if status not in (400, 401)} == {}
    assert snapshot(engine, STATE) == before


def test_an_oversized_body_is_refused(slack):
    body = mention(text="x" * 1_100_000)

    assert post(slack, body, signed(body)).status_code == 413


def test_invalid_utf8_is_refused(slack):
    body = b'{"type":"event_callback","text":"\xff\xfe"}'

    assert post(slack, body, signed(body)).status_code == 400


@pytest.mark.parametrize("action_id", ["nudge_approve", "nudge_schedule", "nudge_reject"])
def test_a_non_approver_cannot_approve_schedule_or_reject(slack, fake_slack, engine, settings, draft_id,
                                                          action_id):
    # Schedule is tried on a campaign an approver could schedule right now, so the refusal can
    # only come from who clicks (tests/security/test_permissions.py tries every surface).
    value = ready_campaign(engine, settings) if action_id == "nudge_schedule" else str(draft_id)
    body = click(action_id, value, user="UINTERN")
    approved_before = approvals(engine)

    response = post(slack, body, signed(body), form=True)
    [refusal] = fake_slack.wait_for("chat.postEphemeral")

    assert response.status_code == 200
    assert refusal["user"] == "UINTERN" and "Only approvers" in refusal["text"]
    assert approvals(engine) == approved_before
    assert "tool.refused" in audit_actions(engine)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Campaign).where(Campaign.status == "active")) == 0


def ready_campaign(engine, settings) -> str:
    from tests.delivery_support import add_contacts
    from tests.delivery_support import ready_campaign as approved_and_ready

    add_contacts(engine, 2)
    return approved_and_ready(engine, settings)


@pytest.mark.parametrize("body_for", [
    lambda draft: click("nudge_approve", str(draft), user="UAPPROVER", team="T0OTHER"),
    lambda draft: click("nudge_schedule", "1", user="UAPPROVER", team="T0OTHER"),
    lambda draft: mention(event_id="EvOther", team="T0OTHER", text="forget alice@example.com"),
])
def test_an_approver_id_from_another_workspace_is_refused(
    slack, fake_slack, engine, draft_id, body_for
):
    body = body_for(draft_id)
    form = body.startswith(b"payload=")

    response = post(slack, body, signed(body), form=form)
    time.sleep(0.1)

    assert response.status_code == 403
    assert fake_slack.methods() in ([], ["auth.test"])
    assert approvals(engine) == 0
    assert audit_actions(engine) == ["slack.wrong_workspace"]


def test_a_non_approver_asking_in_words_to_erase_someone_is_refused(slack, fake_slack, engine):
    from tests.privacy_data import add_person
    from tools.core.models import Contact

    with session_scope(engine) as db:
        add_person(db, datetime.now(timezone.utc))
    body = mention(event_id="EvForget", user="UINTERN",
                   text="<@UNUDGEBOT> forget alice@example.com")

    assert post(slack, body, signed(body)).status_code == 200
    [reply] = fake_slack.wait_for("chat.update")

    assert "approver" in reply["text"].lower()
    with session_scope(engine) as db:
        assert db.scalar(select(Contact.email)) == "alice@example.com"


def test_an_approver_of_this_workspace_still_can_approve(slack, fake_slack, engine, draft_id):
    body = click("nudge_approve", str(draft_id))

    assert post(slack, body, signed(body), form=True).status_code == 200
    fake_slack.wait_for("chat.update")

    with engine.connect() as connection:
        assert connection.scalar(select(Approval.decided_by)) == "UAPPROVER"


SLACK_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "event", "user", "team", "team_id", "channel", "text", "actions",
                         "event_id", "view", "value", "action_id", "id"]), children, max_size=5),
    max_leaves=15,
)


@FUZZ
@example(payload={"type": "", "event": None}, as_form=False)
@given(payload=SLACK_JSON, as_form=st.booleans())
def test_fuzz_signed_payloads_never_fail_the_server(slack, engine, payload, as_form):
    text = json.dumps(payload)
    body = urlencode({"payload": text}).encode() if as_form else text.encode()

    response = post(slack, body, signed(body), form=as_form)

    assert response.status_code < 500, response.text
    assert approvals(engine) == 0

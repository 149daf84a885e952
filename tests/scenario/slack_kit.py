"""Helpers for the Slack scenario tests: a running Nudge app in HTTP mode and signed payloads.

`slack_env` configures Slack's HTTP mode against a `FakeSlack`, seeds a small store and serves
the real Starlette app through TestClient; the `post_*` helpers sign event, command, action and
view payloads exactly as Slack does, so the app's own signature checks run.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from starlette.testclient import TestClient

from tests.fakes.slack_api import FakeSlack

SIGNING_SECRET = "test-signing-secret-0123456789"
TEAM = "T0NUDGE"
BOT = "UNUDGEBOT"
APPROVER = "UAPPROVER"
MARKETER = "UMARKETER"
CHANNEL = "CMARKETING"
HEADLINE = ("build an abandoned-cart sequence: reminder on day 1, reviews on day 3, "
            "10% off on day 5, stop when they buy")


@dataclass
class SlackHarness:
    client: TestClient
    fake: FakeSlack
    engine: Any
    settings: Any

    def signed(self, body: str, content_type: str, timestamp: int | None = None,
               headers: dict[str, str] | None = None, secret: str = SIGNING_SECRET):
        timestamp = int(time.time()) if timestamp is None else timestamp
        signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
        sent = {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature,
                "Content-Type": content_type, **(headers or {})}
        return self.client.post("/slack/events", content=body.encode(), headers=sent)

    def event(self, event: dict[str, Any], event_id: str | None = None, team: str = TEAM, **options):
        body = {"token": "legacy", "team_id": team, "api_app_id": "ANUDGE", "type": "event_callback",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}", "event_time": int(time.time()),
                "authorizations": [{"team_id": team, "user_id": BOT, "is_bot": True}], "event": event}
        return self.signed(json.dumps(body), "application/json", **options)

    def mention(self, text: str, user: str = MARKETER, thread_ts: str | None = None, **options):
        ts = f"{time.time():.6f}"
        event = {"type": "app_mention", "user": user, "text": f"<@{BOT}> {text}", "channel": CHANNEL,
                 "ts": ts, "event_ts": ts}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, **options)

    def command(self, text: str, user: str = MARKETER, team: str = TEAM):
        form = {"token": "legacy", "team_id": team, "channel_id": CHANNEL, "user_id": user,
                "command": "/nudge", "text": text, "response_url": self.fake.response_url,
                "trigger_id": "trig.1"}
        return self.signed(urlencode(form), "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any], **options):
        return self.signed(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", **options)

    def click(self, action_id: str, value: str, user: str = APPROVER, message_ts: str = "1700000001.000100",
              team: str = TEAM, text: str = "the campaign"):
        payload = {
            "type": "block_actions", "team": {"id": team}, "user": {"id": user, "team_id": team},
            "api_app_id": "ANUDGE", "trigger_id": f"trig.{uuid.uuid4().hex[:6]}",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": CHANNEL},
            "channel": {"id": CHANNEL}, "message": {"ts": message_ts, "text": text},
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                         "action_ts": f"{time.time():.6f}"}],
        }
        return self.interaction(payload)

    def submit(self, view: dict[str, Any], values: dict[str, dict[str, str]], user: str = APPROVER):
        state = {block: {action: {"type": "plain_text_input", "value": value}}
                 for block, (action, value) in ((b, next(iter(v.items()))) for b, v in values.items())}
        payload = {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": user, "team_id": TEAM},
                   "api_app_id": "ANUDGE", "view": {**view, "id": "V1", "state": {"values": state}}}
        return self.interaction(payload)


def settle(seconds: float = 0.3) -> None:
    """Give lazy listeners a moment when a test asserts that nothing happened."""
    time.sleep(seconds)


def start(monkeypatch, database_url: str, contacts: int = 400, **env: str):
    """Configure HTTP mode against a new FakeSlack, seed a store, and build the app.

    Returns (harness, stop): call stop() at the end of the test.
    """
    from bot.web.app import build_app
    from tools.core.db import engine_for
    from tools.core.settings import get_settings
    from tools.ingest.seed import seed_store

    fake = FakeSlack().__enter__()
    values = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
              "SLACK_API_URL": fake.base_url, "NUDGE_APPROVERS": APPROVER, **env}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    settings = get_settings()
    engine = engine_for(database_url)
    seed_store(engine, contacts=contacts)
    client = TestClient(build_app(settings, migrate=False))
    harness = SlackHarness(client, fake, engine, settings)

    def stop() -> None:
        client.close()
        fake.__exit__(None, None, None)

    return harness, stop

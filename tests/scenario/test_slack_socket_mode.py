"""Socket Mode as Slack really behaves: the real slack_sdk client and Bolt app against local fakes.

`FakeSocketMode` speaks Slack's envelope protocol and `FakeSlack` answers the Web API (including
`apps.connections.open`, which hands out the websocket URL for the app-level token). Nudge gets
only base URLs and tokens through its settings, exactly as in production. Covered: the first
connection and its hello, a mention answered through the Web API, a button click, the slash
command, Slack's periodic refresh with an envelope right after it (acked within 1 s; the SDK's
built-in client alone took 3.1 s), an envelope Bolt cannot read (acked, nothing done, the HTTP
door answers 400), and a wrong app token (`nudge run` ends with one line and exit code 2).
"""

from __future__ import annotations

import json
import socket
import sys
import time

import pytest

from bot.engine import messages
from bot.slack.app import connect_socket_mode
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, FakeSlack
from tests.fakes.socket_mode import FakeSocketMode
from tests.scenario.slack_kit import settle, start
from tools.core.db import engine_for
from tools.core.settings import get_settings

APP_TOKEN = "xapp-1-A0FAKEAPP-1-right"
CHANNEL = "CMARKETING"
MARKETER = "UMARKETER"


@pytest.fixture
def socket_mode(settings, database_url, monkeypatch):
    """Nudge connected over Socket Mode to a fake Slack: yields (web api fake, socket fake)."""
    with FakeSlack() as slack, FakeSocketMode(slack, app_token=APP_TOKEN) as fake_socket:
        for name, value in {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_APP_TOKEN": APP_TOKEN,
                            "SLACK_API_URL": slack.base_url}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        handler = connect_socket_mode(get_settings(), engine_for(database_url))
        try:
            fake_socket.wait_connections(1)
            yield slack, fake_socket
        finally:
            handler.close()


def mention(text: str) -> dict:
    ts = f"{time.time():.6f}"
    return {"type": "app_mention", "user": MARKETER, "text": f"<@{BOT_USER_ID}> {text}", "channel": CHANNEL,
            "ts": ts, "event_ts": ts}


def click(action_id: str, value: str = "1", actions: list | None = None) -> dict:
    message_ts = "1700000001.000100"
    default = [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                "action_ts": f"{time.time():.6f}"}]
    return {"type": "block_actions", "team": {"id": TEAM_ID}, "user": {"id": MARKETER, "team_id": TEAM_ID},
            "api_app_id": "A0FAKEAPP", "trigger_id": "trig.1",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": CHANNEL},
            "channel": {"id": CHANNEL}, "message": {"ts": message_ts, "text": "a card"},
            "actions": default if actions is None else actions}


def test_a_mention_a_click_and_the_slash_command_are_acked_and_answered(socket_mode):
    slack, fake_socket = socket_mode
    assert slack.calls("apps.connections.open"), "the client asked the Web API for its websocket URL"

    event = fake_socket.push_event(mention("what's scheduled?"))
    assert fake_socket.wait_ack(event).latency < 1
    posted = slack.wait_for("chat.postMessage")
    assert posted[0]["channel"] == CHANNEL and posted[0]["text"] == messages.WORKING
    slack.wait_for("chat.update")

    pressed = fake_socket.push_interactive(click("no_such_button"))
    assert fake_socket.wait_ack(pressed).latency < 1
    refusal = slack.wait_for("chat.postEphemeral")[0]
    assert refusal["user"] == MARKETER and "no_such_button" in refusal["text"]

    command = fake_socket.push_slash_command({
        "token": "legacy", "team_id": TEAM_ID, "channel_id": CHANNEL, "user_id": MARKETER,
        "command": "/nudge", "text": "what's scheduled?", "response_url": slack.response_url,
        "trigger_id": "trig.2"})
    assert fake_socket.wait_ack(command).latency < 1
    slack.wait_for("chat.postMessage", count=2)
    slack.wait_for("chat.update", count=2)


def test_after_a_refresh_the_first_envelope_on_the_new_socket_is_acked_within_a_second(socket_mode):
    slack, fake_socket = socket_mode
    for refresh in range(1, 3):
        fake_socket.disconnect("refresh_requested")
        fake_socket.wait_connections(1 + refresh)
        envelope = fake_socket.push_interactive(click("no_such_button"))
        ack = fake_socket.wait_ack(envelope)
        assert ack.connection == refresh, "the ack came on the new socket"
        assert ack.latency < 1.0, f"acked {ack.latency:.2f} s after it was sent; Slack gives up at 3 s"
    assert len(slack.calls("apps.connections.open")) == 3, "every new socket got a fresh URL from the Web API"
    settle(0.2)
    assert fake_socket.open_connections() == 1, "each replaced socket was closed"


def test_an_envelope_bolt_cannot_read_is_acked_and_refused_harmlessly(socket_mode):
    slack, fake_socket = socket_mode
    for unreadable in (click("approve_draft", actions=[]), click("approve_draft", actions=["x"]),
                       {"type": "view_submission", "team": {"id": TEAM_ID}, "user": {"id": MARKETER},
                        "view": "not an object"}):
        envelope = fake_socket.push_interactive(unreadable)
        assert fake_socket.wait_ack(envelope).payload is None
    settle()
    assert slack.methods().count("chat.postEphemeral") == 0 and "chat.postMessage" not in slack.methods()
    # The socket still serves the next envelope.
    assert fake_socket.wait_ack(fake_socket.push_event(mention("what's scheduled?"))).latency < 1
    slack.wait_for("chat.update")


def test_http_mode_answers_400_to_the_same_unreadable_payload(settings, database_url, monkeypatch):
    harness, stop = start(monkeypatch, database_url, contacts=20)
    try:
        payload = click("approve_draft", actions=[])
        payload["team"] = {"id": "T0NUDGE"}
        assert harness.interaction(payload).status_code == 400
        settle()
        assert harness.fake.calls("chat.postEphemeral") == []
    finally:
        stop()


def test_nudge_run_with_a_wrong_app_token_prints_one_line_and_exits_2(settings, database_url, monkeypatch,
                                                                      capsys):
    from bot.cli import main as cli
    from tools.ingest.seed import seed_store

    seed_store(engine_for(database_url), contacts=20)  # not empty, so `nudge run` does not seed 2,000
    with FakeSlack() as slack, FakeSocketMode(slack, app_token=APP_TOKEN) as fake_socket:
        for name, value in {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_APP_TOKEN": "xapp-1-wrong",
                            "SLACK_API_URL": slack.base_url, "NUDGE_HTTP_PORT": str(free_port())}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        monkeypatch.setattr(sys, "argv", ["nudge", "run"])
        with pytest.raises(SystemExit) as exited:
            cli.main()
        assert fake_socket.connections() == 0
    out, err = capsys.readouterr()
    assert exited.value.code == 2
    assert err.splitlines() == [
        "nudge: setting SLACK_APP_TOKEN: Slack refused the app-level token (invalid_auth); create one with the "
        "connections:write scope under Basic Information -> App-Level Tokens (xapp-...)"]
    assert "connecting to Slack over Socket Mode" in out and "connected to Slack" not in out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_fake_refuses_a_ticket_it_did_not_issue_or_already_used(socket_mode):
    """The fake keeps the client honest: a reconnect must ask apps.connections.open again."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    slack, fake_socket = socket_mode
    url = fake_socket.issue_url()
    with connect(url) as first:
        assert json.loads(first.recv(timeout=2))["type"] == "hello"
    with pytest.raises(InvalidStatus):
        connect(url)

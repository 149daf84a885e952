"""Secrets never appear in logs, errors, HTTP answers or Slack replies, through a whole story.

Every secret Nudge holds is set to a recognisable value; then one story runs through every door
with the error paths included: ingest with the right and a wrong key, Slack requests signed and
badly signed, a mention answered while the model endpoint is down, a sequence approved and
dispatched while the SMTP server is unreachable and then refusing the login, the CLI reading
the audit log and erasing a contact. Everything captured (all log records at DEBUG, stdout,
stderr, HTTP bodies, every Slack API body, stored errors, audit and conversation rows) is
grepped for each secret. Settings' own repr and a malformed-URL error are checked too.
Hostile cases: 7 secrets x 1 story with 11 error paths, plus 3 direct checks.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from tests.security.conftest import basic
from tests.security.test_security_slack import click, mention, post, signed

SECRETS = {
    "NUDGE_WRITE_KEY": "wk-LEAKCHECK-7f3a9c",
    "NUDGE_SECRET": "ts-LEAKCHECK-5b2e11",
    "SLACK_BOT_TOKEN": "xoxb-LEAKCHECK-1111",
    "SLACK_APP_TOKEN": "xapp-LEAKCHECK-2222",
    "SLACK_SIGNING_SECRET": "slack-signing-secret-for-tests",
    "OPENAI_API_KEY": "sk-LEAKCHECK-4444",
    "SMTP_PASSWORD": "pw-LEAKCHECK-5555",
}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def leaks(text_seen: str) -> list[str]:
    encoded_key = base64.b64encode(f"{SECRETS['NUDGE_WRITE_KEY']}:".encode()).decode()
    found = [name for name, value in SECRETS.items() if value in text_seen]
    return found + (["write key (base64)"] if encoded_key in text_seen else [])


@pytest.fixture
def secret_settings(settings, monkeypatch) -> Iterator:
    from tests.fakes.slack_api import FakeSlack
    from tools.core.settings import get_settings

    with FakeSlack() as fake:
        for name, value in SECRETS.items():
            if name != "SMTP_PASSWORD":
                monkeypatch.setenv(name, value)
        monkeypatch.setenv("SLACK_API_URL", fake.base_url)
        monkeypatch.setenv("SLACK_TEAM_ID", "T0FAKE")
        monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
        password = SECRETS["SMTP_PASSWORD"]
        monkeypatch.setenv("SMTP_URL", f"smtp://mailer:{password}@127.0.0.1:{closed_port()}")
        get_settings.cache_clear()
        yield get_settings(), fake
    get_settings.cache_clear()


def test_no_secret_reaches_logs_errors_or_replies_in_a_whole_story(
    secret_settings, engine, caplog, capfd
):
    from starlette.testclient import TestClient

    from bot.cli.main import app, register_commands
    from bot.web.app import build_app
    from scheduler import jobs
    from scheduler.senders import SmtpSender
    from tests.fakes.smtp_server import FakeSMTP
    from tools.core.clock import ManualClock
    from tools.core.db import session_scope
    from tools.core.models import AuditEntry, ConversationTurn, Message

    settings, fake = secret_settings
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    key = basic(SECRETS["NUDGE_WRITE_KEY"])
    with TestClient(build_app(settings), raise_server_exceptions=False) as http:
        for n in range(3):
            traits = {"email": f"u{n}@example.com", "email_consent": "opt_in",
                      "consent_source": "checkout"}
            seen.append(http.post("/v1/identify", headers=key,
                                  json={"userId": f"u{n}", "traits": traits}).text)
        refused = http.post("/v1/track", headers=basic("wrong"), json={"userId": "u1", "event": "E"})
        seen.append(refused.text)
        seen.append(http.post("/v1/track", headers=key, content=b"{broken").text)
        body = mention(event_id="EvSecret", text="<@UNUDGEBOT> how many people abandoned a cart?")
        seen.append(post(http, body, signed(body)).text)
        fake.wait_for("chat.update", timeout=30)
        seen.append(post(http, body, signed(body, secret="wrong")).text)
        denied = click("nudge_approve", "1", user="UINTERN")
        seen.append(post(http, denied, signed(denied), form=True).text)
        fake.wait_for("chat.postEphemeral")

    from tests.delivery_support import START, THREE_STEPS, approved_sequence
    approved_sequence(engine, settings, THREE_STEPS[:1])
    clock = ManualClock(START.replace(year=START.year + 1))
    jobs.enrol(engine, settings, clock)
    clock.set(clock.now().replace(day=clock.now().day + 2))
    jobs.dispatch(engine, settings, clock, SmtpSender(settings.smtp_url, timeout=2))
    with FakeSMTP() as smtp:
        url = smtp.url.replace("smtp://", f"smtp://mailer:{SECRETS['SMTP_PASSWORD']}@")
        jobs.dispatch(engine, settings, clock, SmtpSender(url, timeout=2))

    register_commands()
    runner = CliRunner()
    for arguments in (["audit", "--since", "2w"], ["audit", "--csv"], ["forget", "u2"],
                      ["forget", "nobody"]):
        result = runner.invoke(app, arguments)
        seen += [result.stdout, result.stderr]

    with session_scope(engine) as db:
        seen += [str(row) for row in db.scalars(select(Message.error))]
        seen += [json.dumps(e.details) + str(e.subject) for e in db.scalars(select(AuditEntry))]
        seen += [t.content + json.dumps(t.data) for t in db.scalars(select(ConversationTurn))]
        seen += [str(row) for row in db.execute(text("select * from app_state"))]
    for call in fake.all_calls():
        seen.append(json.dumps(call.body, default=str))
        seen += [value for name, value in call.headers.items() if name != "authorization"]
    captured = capfd.readouterr()
    everything = "\n".join([caplog.text, captured.out, captured.err, *seen])

    assert fake.calls("chat.update"), "the story reached Slack"
    assert any("error" in text_seen for text_seen in seen), "the error paths ran"
    assert leaks(everything) == []


def test_settings_never_print_their_secrets(secret_settings):
    settings, _ = secret_settings

    assert leaks(repr(settings) + str(settings)) == []


def test_a_malformed_database_url_error_does_not_echo_its_password(monkeypatch, settings):
    from tools.core.settings import SettingsError, load_settings

    monkeypatch.setenv("DATABASE_URL", f"mysql://root:{SECRETS['SMTP_PASSWORD']}@db.example/shop")

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert SECRETS["SMTP_PASSWORD"] not in str(refused.value)


def test_the_cli_never_prints_a_database_password(monkeypatch, settings, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("only a PostgreSQL URL carries a password here")
    from bot.cli.main import app, register_commands
    from tools.core.settings import get_settings

    with_password = database_url.replace("postgres@", f"postgres:{SECRETS['SMTP_PASSWORD']}@")
    monkeypatch.setenv("DATABASE_URL", with_password)
    get_settings.cache_clear()
    register_commands()

    result = CliRunner().invoke(app, ["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert SECRETS["SMTP_PASSWORD"] not in result.stdout + result.stderr

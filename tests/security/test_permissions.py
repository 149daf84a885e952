"""Every protected tool, tried by a non-approver on every surface that can reach it.

Surfaces: `registry.call` itself, the CLI command (`nudge --user U...`), the LLM agent (a
scripted model on the real OpenAI client), `nudge ask`, the console and a Slack mention (the
offline planner, from a request in words), and the Slack card button where one exists.

The list of protected tools comes from the registry itself (`approver_only`), so a tool added
later with approver-only access is tried here without anyone writing a test for it, and a
protected tool that no surface table below knows fails `test_every_protected_tool_has_a_path`.
The store is built so that every call *would* succeed for an approver (checked first, with the
same arguments): a refusal therefore comes from who asks, never from a campaign that cannot be
scheduled anyway. Each attempt must be refused, change no stored row, and add exactly one
`tool.refused` audit entry naming the actor, the tool and the surface.

Mutations tried: `schedule_campaign` declared for everyone in tools/registry.py fails
`test_every_protected_tool_has_a_path` (and the README's permission table test); the question
rule switched off in `registry.refusal` fails `test_questions_never_write_whatever_plans_them`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.cli import main as cli
from bot.console import Console
from bot.display import ids
from bot.engine.conversation import Conversation
from tests.delivery_support import EVERYONE, add_contacts, call, ready_campaign
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.fakes.slack_api import FakeSlack
from tests.scenario.slack_kit import SIGNING_SECRET, SlackHarness
from tools import registry
from tools.core.columns import Base
from tools.core.context import ToolContext, ToolRefused
from tools.core.db import session_scope
from tools.core.models import AuditEntry
from tools.core.settings import get_settings

INTRUDER = "UINTRUDER"
PROTECTED = sorted(tool.name for tool in registry.TOOLS if tool.approver_only)
UNWATCHED = {"audit_log", "conversation_turns", "idempotency_keys", "app_state", "apscheduler_jobs"}
runner = CliRunner()
cli.register_commands()


@dataclass
class Store:
    pending_draft: int
    ready: str  # a campaign with every draft approved: schedulable right now
    live: str
    paused: str


@pytest.fixture
def store(engine, settings) -> Store:
    add_contacts(engine, 3, now=datetime.now(timezone.utc))
    call(engine, settings, "create_segment", {"name": "vip", "spec": EVERYONE})
    campaigns = [ready_campaign(engine, settings, name) for name in ("Ready", "Live", "Held")]
    call(engine, settings, "schedule_campaign", {"campaign": campaigns[1]})
    call(engine, settings, "schedule_campaign", {"campaign": campaigns[2]})
    call(engine, settings, "pause_campaign", {"campaign": campaigns[2]})
    pending = call(engine, settings, "draft_email", {"purpose": "welcome"}).draft_id
    return Store(pending, *campaigns)


def arguments(tool: str, store: Store) -> dict[str, Any]:
    """Arguments with which `tool` succeeds for an approver on `store`."""
    return {
        "forget_contact": {"contact": "u0@example.com"},
        "export_contact": {"contact": "u1@example.com"},
        "approve_draft": {"draft_id": store.pending_draft},
        "reject_draft": {"draft_id": store.pending_draft, "reason": "too pushy"},
        "schedule_campaign": {"campaign": store.ready},
        "resume_campaign": {"campaign": store.paused},
        "cancel_campaign": {"campaign": store.live},
        "export_audience": {"segment": "vip", "platform": "meta"},
        "export_buyer_suppression": {"platform": "meta"},
        "export_lookalike_seed": {"platform": "meta"},
        "set_rule": {"key": "quiet_hours", "value": "off"},
        "purge_old_data": {},
    }[tool]


def command_line(tool: str, store: Store) -> list[str]:
    """The `nudge` command that runs `tool` (with --yes, so only the permission can stop it)."""
    return {
        "forget_contact": ["forget", "u0@example.com", "--yes"],
        "export_contact": ["export-contact", "u1@example.com", "--yes"],
        "approve_draft": ["draft", "approve", str(store.pending_draft)],
        "reject_draft": ["draft", "reject", str(store.pending_draft), "--reason", "too pushy"],
        "schedule_campaign": ["campaign", "schedule", store.ready, "--yes"],
        "resume_campaign": ["campaign", "resume", store.paused, "--yes"],
        "cancel_campaign": ["campaign", "cancel", store.live, "--yes"],
        "export_audience": ["audience", "export", "vip", "--platform", "meta", "--yes"],
        "export_buyer_suppression": ["audience", "buyers", "--platform", "meta", "--yes"],
        "export_lookalike_seed": ["audience", "lookalike", "--platform", "meta", "--yes"],
        "set_rule": ["rules", "set", "quiet_hours", "off", "--yes"],
        "purge_old_data": ["purge"],
    }[tool]


def phrase(tool: str, store: Store) -> str | None:
    """A request in words that the offline planner turns into `tool`, or None (not in words yet)."""
    return {
        "forget_contact": "forget u0@example.com",
        "export_contact": "export everything we hold on u1@example.com",
        "schedule_campaign": f"schedule campaign {store.ready}",
        "resume_campaign": f"resume campaign {store.paused}",
        "cancel_campaign": f"cancel campaign {store.live}",
        "export_audience": "export segment vip to meta",
        "set_rule": "turn off quiet hours",
        "approve_draft": f"approve draft {store.pending_draft}",
        "reject_draft": f"reject draft {store.pending_draft} because it is too pushy",
        "export_buyer_suppression": "export a buyer suppression list for meta",
        "export_lookalike_seed": "export a lookalike seed for meta",
        "purge_old_data": "purge the old data now",
    }.get(tool)


def button(tool: str, store: Store) -> tuple[str, str] | None:
    """The Slack button (action id, value) that runs `tool`, where a card has one."""
    return {
        "approve_draft": (ids.APPROVE, str(store.pending_draft)),
        "reject_draft": (ids.REJECT, str(store.pending_draft)),
        "schedule_campaign": (ids.SCHEDULE, store.ready),
    }.get(tool)


def snapshot(engine) -> dict[str, list]:
    with engine.connect() as connection:
        return {table.name: sorted(map(repr, connection.execute(select(table))))
                for table in Base.metadata.sorted_tables if table.name not in UNWATCHED}


def refusals(engine, tool: str) -> list[dict]:
    with engine.connect() as connection:
        # in the order they were written: PostgreSQL returns an unordered scan in any order
        rows = connection.execute(select(AuditEntry.actor, AuditEntry.details).where(
            AuditEntry.action == "tool.refused", AuditEntry.subject == tool).order_by(AuditEntry.id))
        return [{"actor": actor, **details} for actor, details in rows]


@pytest.fixture
def model(settings, monkeypatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def slack(settings, engine) -> Iterator[SlackHarness]:
    """Nudge's HTTP app in Slack HTTP mode (offline planner) against a fake Slack."""
    from bot.web.app import build_app

    with FakeSlack() as fake:
        slack_settings = settings.model_copy(update={
            "slack_bot_token": "xoxb-test-token", "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": fake.base_url, "openai_base_url": "", "openai_api_key": ""})
        with TestClient(build_app(slack_settings, migrate=False)) as client:
            yield SlackHarness(client, fake, engine, slack_settings)


def attempts(tool: str, store: Store, engine, settings, model: FakeOpenAI, slack: SlackHarness):
    """(surface, audit surface, attempt) for each way a non-approver can ask for `tool`."""
    args = arguments(tool, store)

    def direct() -> None:
        with session_scope(engine) as db:
            registry.call(ToolContext(db=db, settings=settings, actor=INTRUDER, confirmed=True), tool, args)

    def command() -> None:
        result = runner.invoke(cli.app, ["--user", INTRUDER, *command_line(tool, store)])
        assert result.exit_code == 2 and "only approvers" in result.stderr, result.output

    def agent() -> None:
        model.script(Reply.tool_calls((tool, args)), Reply.text("done"))
        reply = Conversation(engine, settings, use_agent=True).handle("please go ahead", INTRUDER, f"agent-{tool}",
                                                                       surface="ask")
        assert [(c.name, c.ok) for c in reply.calls] == [(tool, False)], reply.calls

    yield "registry", "cli", direct
    yield "cli", "cli", command
    yield "agent", "ask/agent", agent
    if (pressed := button(tool, store)) is not None:
        def click() -> None:
            seen = len(slack.fake.calls("chat.postEphemeral"))
            slack.click(*pressed, user=INTRUDER)
            assert "only approvers" in slack.fake.wait_for("chat.postEphemeral", seen + 1)[-1]["text"].lower()

        yield "slack button", "slack/button", click
    words = phrase(tool, store)
    if words is None:
        return

    def ask() -> None:
        get_settings.cache_clear()  # the offline planner: no model for this one
        offline = {"OPENAI_BASE_URL": None, "OPENAI_API_KEY": None}
        result = runner.invoke(cli.app, ["ask", words, "--user", INTRUDER, "--yes"], env=offline)
        get_settings.cache_clear()
        assert result.exit_code == 0 and "only approvers" in result.output, result.output

    def console() -> None:
        lines = iter([words + "\n"])
        output: list[str] = []
        Console(Conversation(engine, settings, use_agent=False), lines, output.append, user=INTRUDER).run()
        assert "only approvers" in "\n".join(output)

    def mention() -> None:
        seen = len(slack.fake.calls("chat.update"))
        slack.mention(words, user=INTRUDER)
        assert "only approvers" in slack.fake.wait_for("chat.update", seen + 1)[-1]["text"]

    yield "nudge ask", "ask/planner", ask
    yield "console", "console/planner", console
    yield "slack mention", "slack/planner", mention


def test_every_protected_tool_has_a_path():
    """A new approver-only tool must be added to the tables above (or this fails), and the
    registry's protected set is the one the README and the issue name."""
    dummy = Store(1, "1", "2", "3")
    assert PROTECTED == sorted(["approve_draft", "cancel_campaign", "export_audience", "export_buyer_suppression",
                                "export_contact", "export_lookalike_seed", "forget_contact", "reject_draft",
                                "purge_old_data", "resume_campaign", "schedule_campaign", "set_rule"])
    for tool in PROTECTED:
        assert arguments(tool, dummy) is not None and command_line(tool, dummy) and phrase(tool, dummy)


@pytest.mark.parametrize("tool", PROTECTED)
def test_a_non_approver_is_refused_on_every_surface(tool, store, engine, settings, model, slack, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    get_settings.cache_clear()
    settings = get_settings()
    # The same call succeeds for an approver, so the refusals below are about who asks.
    with session_scope(engine) as db:
        approver = ToolContext(db=db, settings=settings, actor="UAPPROVER", confirmed=True)
        registry.call(approver, tool, arguments(tool, store))
        db.rollback()
    for surface, audited_as, attempt in attempts(tool, store, engine, settings, model, slack):
        before, audited = snapshot(engine), len(refusals(engine, tool))
        try:
            attempt()
        except ToolRefused:
            pass
        assert snapshot(engine) == before, f"{surface} changed the store"
        rows = refusals(engine, tool)
        assert len(rows) == audited + 1, f"{surface}: expected one audit row, saw {rows[audited:]}"
        assert rows[-1]["actor"] == INTRUDER and rows[-1]["surface"] == audited_as, surface
        assert rows[-1]["reason"] == "not an approver"


def test_questions_never_write_whatever_plans_them(store, engine, settings, model, monkeypatch):
    """A question turn reaches only reading tools: a writing call from the offline planner or
    the model is refused with a plain sentence and audited, and nothing changes."""
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    get_settings.cache_clear()
    agent = Conversation(engine, get_settings(), use_agent=True)
    before = snapshot(engine)
    model.script(Reply.tool_calls(("pause_campaign", {"campaign": store.live})), Reply.text("paused"))
    reply = agent.handle(f"is campaign {store.live} still sending?", "UAPPROVER", "q1")
    assert [(c.name, c.ok) for c in reply.calls] == [("pause_campaign", False)]
    assert "reads as a question" in reply.calls[0].summary
    assert snapshot(engine) == before
    [row] = refusals(engine, "pause_campaign")
    assert row["reason"] == "question" and row["surface"] == "chat/agent"

    with session_scope(engine) as db:
        from tools.core.models import Campaign

        assert db.scalar(select(func.count()).select_from(Campaign).where(Campaign.status == "active")) == 1

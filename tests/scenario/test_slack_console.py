"""The local doors to the conversation engine: `nudge chat`, `nudge ask` and `nudge demo`.

Driven through Typer's CliRunner on `bot.cli.main.app`, like a user at a terminal: the console builds,
edits, approves and schedules the abandoned-cart sequence with numbered buttons and ends
cleanly at end of input; `ask --json` lists the tool calls; the demo runs the whole story.
"""

from __future__ import annotations

import json
import mailbox
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.main import app, register_commands
from tests.scenario.slack_kit import HEADLINE
from tools.core.models import Approval, Campaign, ConversationTurn, Draft
from tools.ingest.seed import seed_store

register_commands()
runner = CliRunner()


def test_console_builds_edits_approves_and_schedules(settings, engine, db):
    seed_store(engine, contacts=150)
    # Edit is button 2 of the first card; once a card is approved its buttons go, so the next
    # card's Approve becomes button 1; with all approved, button 1 is Schedule, which shows what
    # it would do with Confirm as button 1.
    script = [HEADLINE, "2", "Back in stock: your cart, {{ first_name }}", "", "", "1", "1", "1", "1", "1"]
    result = runner.invoke(app, ["chat"], input="\n".join(script) + "\n")
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("bye")
    assert "Back in stock: your cart" in result.output
    assert "] Schedule (" in result.output
    assert "] Confirm (" in result.output and "Confirmed by @console" in result.output
    db.expire_all()
    campaign = db.scalar(select(Campaign))
    assert campaign.status == "active", result.output[-3000:]
    assert db.scalar(select(func.count()).select_from(Approval)) == 3
    assert db.scalar(select(func.count()).select_from(Draft)) == 4

    again = runner.invoke(app, ["chat"], input="what's scheduled?\n")
    assert "active" in again.output


def test_console_survives_bad_choices_and_quits_at_end_of_input(settings, engine):
    result = runner.invoke(app, ["chat", "--no-seed"], input="\n42\nhello there\n")
    assert result.exit_code == 0
    assert "didn't understand" in result.output
    assert "bye" in result.output


def test_ask_prints_the_reply_and_json_calls(settings, engine, db):
    seed_store(engine, contacts=120)
    plain = runner.invoke(app, ["ask", "how many people abandoned a cart in the last 24 hours?"])
    assert plain.exit_code == 0 and "contacts" in plain.output
    result = runner.invoke(app, ["ask", HEADLINE, "--json", "--user", "UAPPROVER", "--thread", "T9"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [call["name"] for call in data["calls"]] == ["create_sequence", "preflight"]
    assert data["calls"][0]["arguments"]["steps"][2]["discount_percent"] == 10
    assert all(call["ok"] and call["summary"] for call in data["calls"])
    assert isinstance(data["calls"][0]["result"]["campaign_id"], int)  # the tool's result model
    counted = json.loads(runner.invoke(app, ["ask", "how many contacts in germany?", "--json"]).output)
    assert counted["reply"].startswith("Read as:") and isinstance(counted["calls"][0]["result"]["count"], int)
    # without --thread each ask is a fresh thread: a follow-up has nothing to refer to
    alone = json.loads(runner.invoke(app, ["ask", "make day 5 15% off", "--json", "--user", "UAPPROVER"]).output)
    assert alone["calls"] == [] and alone["thread"] != counted["thread"]
    follow = json.loads(runner.invoke(app, ["ask", "make day 5 15% off", "--json", "--user", "UAPPROVER",
                                            "--thread", "T9"]).output)
    assert [call["name"] for call in follow["calls"]] == ["update_sequence"]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(ConversationTurn).where(ConversationTurn.thread == "T9")) == 4


def test_demo_runs_the_story_and_exits_zero(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("NUDGE_", "SLACK_", "OPENAI_", "SMTP_", "DATABASE_URL")) and not name.startswith("NUDGE_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    from tools.core.settings import get_settings

    get_settings.cache_clear()
    result = runner.invoke(app, ["demo", "--contacts", "300"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    for heading in ("=== 1.", "=== 2.", "=== 3.", "=== 4.", "=== 5.", "=== 6."):
        assert heading in result.output
    assert "is active" in result.output and "exited" in result.output and "digest" in result.output
    assert len(mailbox.Maildir(Path(tmp_path / "outbox"), create=False)) > 0
    assert not Path(tmp_path / "nudge.db").exists(), "the demo never touches the configured database"


@pytest.mark.parametrize("arguments", [["ask", ""], ["ask", "x" * 40_000]])
def test_ask_with_bad_input_answers_plainly(settings, engine, arguments):
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0
    assert "Traceback" not in result.output and result.output.strip()

"""The delivery commands from a terminal: campaign list/schedule/pause/resume/cancel, explain,
worker (into the Maildir) and their one-line errors."""

from __future__ import annotations

import mailbox

import pytest
from typer.testing import CliRunner

from bot.cli import main as cli
from scheduler import jobs
from tests.delivery_support import EVERYONE, add_contacts, call, daytime_zone
from tools.core.clock import SYSTEM_CLOCK

cli.register_commands()


@pytest.fixture
def nudge(settings):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli.app, list(args))

    return run


def test_schedule_send_and_explain_from_the_cli(engine, settings, nudge):
    now = SYSTEM_CLOCK.now()
    add_contacts(engine, 2, now=now, zone=daytime_zone(now))
    created = call(engine, settings, "create_sequence", {
        "name": "Hello", "segment": EVERYONE, "steps": [{"delay_hours": 0, "purpose": "welcome"}]})
    refused = nudge("campaign", "schedule", str(created.campaign_id))
    assert refused.exit_code == 2 and "is not approved" in refused.stderr
    assert "Traceback" not in refused.output
    call(engine, settings, "approve_draft", {"draft_id": created.draft_ids[0]})
    unconfirmed = nudge("campaign", "schedule", str(created.campaign_id))
    assert unconfirmed.exit_code == 2 and "--yes" in unconfirmed.stderr and "2 contact(s)" in unconfirmed.stderr
    assert "(sequence, awaiting approval)" in nudge("campaign", "list").stdout
    assert nudge("campaign", "schedule", str(created.campaign_id), "--yes").exit_code == 0
    assert "(sequence, active)" in nudge("campaign", "list").stdout
    jobs.enrol(engine, settings, SYSTEM_CLOCK)
    jobs.materialise(engine, SYSTEM_CLOCK)
    worked = nudge("worker", "--once")
    assert worked.exit_code == 0, worked.output
    assert "2 sent" in worked.stderr and len(list(mailbox.Maildir(settings.outbox_dir))) == 2
    explained = nudge("explain", "u0@example.com", "Hello")
    assert explained.exit_code == 0 and "step 1 (welcome): sent " in explained.stdout


def test_state_commands_and_their_errors(engine, settings, nudge):
    created = call(engine, settings, "create_sequence", {
        "name": "Hello", "segment": EVERYONE, "steps": [{"delay_hours": 0, "purpose": "welcome"}]})
    ref = str(created.campaign_id)
    paused = nudge("campaign", "pause", ref)
    assert paused.exit_code == 2 and "can be paused only when it is active" in paused.stderr
    assert nudge("campaign", "cancel", ref).exit_code == 0
    assert "cancelled" in nudge("campaign", "list", "--status", "cancelled").stdout
    missing = nudge("campaign", "resume", "999")
    assert missing.exit_code == 2 and "no campaign '999'" in missing.stderr
    unknown = nudge("explain", "nobody", ref)
    assert unknown.exit_code == 2 and "no contact 'nobody'" in unknown.stderr

"""Irreversible actions asked for in words are proposed, shown, and run once on confirmation.

"forget alice" and "schedule campaign N" become proposals with Confirm / Cancel; nothing changes
until the proposer confirms; a double confirmation runs once; another person (even an approver)
cannot confirm it; it expires; an approver removed from NUDGE_APPROVERS meanwhile cannot confirm
their own proposal; `nudge ask --yes` goes ahead at once, and without `--yes` says how.

Mutations tried: `tools.proposals.decide` without its "already decided" checks (the read and
the conditional UPDATE's `decided_at IS NULL`): two tests fail (a second Confirm runs the call
again); the proposer check removed: another approver's Confirm runs it, and a test fails.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import main as cli
from bot.display import ids
from bot.display.blocks import as_text
from bot.engine.conversation import Conversation
from tests.delivery_support import START, add_contacts, ready_campaign
from tools.core.clock import ManualClock
from tools.core.models import AuditEntry, Campaign, Contact
from tools.core.settings import get_settings

runner = CliRunner()
cli.register_commands()


@pytest.fixture
def ready(engine, settings) -> str:
    add_contacts(engine, 3)
    return ready_campaign(engine, settings)


def status(engine, campaign: str) -> str:
    with engine.connect() as connection:
        return connection.scalar(select(Campaign.status).where(Campaign.id == int(campaign)))


def confirm_button(reply) -> int:
    [value] = [value for _label, action, value in as_text(reply.blocks)[1] if action == ids.CONFIRM]
    return int(value)


def test_schedule_in_words_is_proposed_then_confirmed_once(engine, settings, ready):
    clock = ManualClock(START)
    conversation = Conversation(engine, settings, clock, use_agent=False)
    proposed = conversation.handle(f"schedule campaign {ready}", "UAPPROVER", "T1", surface="slack")
    assert "3 contact(s) in its segment" in proposed.text and "Confirm" in proposed.text
    assert status(engine, ready) == "awaiting_approval"
    proposal = confirm_button(proposed)

    stranger = conversation.decide(proposal, "UOTHERAPPROVER", "T1", True, "slack/button")
    assert stranger.failed and "who asked for this" in stranger.text
    first = conversation.decide(proposal, "UAPPROVER", "T1", True, "slack/button")
    second = conversation.decide(proposal, "UAPPROVER", "T1", True, "slack/button")
    assert not first.failed and "is active" in first.text
    assert second.failed and "already confirmed" in second.text
    assert status(engine, ready) == "active"
    with engine.connect() as connection:
        scheduled = connection.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "campaign.scheduled"))
        refused = connection.scalar(select(AuditEntry.actor).where(AuditEntry.action == "proposal.refused"))
    assert scheduled == 1 and refused == "UOTHERAPPROVER"


def test_a_proposal_expires_and_cancel_drops_it(engine, settings, ready):
    clock = ManualClock(START)
    conversation = Conversation(engine, settings, clock, use_agent=False)
    proposal = confirm_button(conversation.handle(f"schedule campaign {ready}", "UAPPROVER", "T2"))
    clock.advance(timedelta(minutes=31))
    late = conversation.decide(proposal, "UAPPROVER", "T2", True, "console/button")
    assert late.failed and "expired" in late.text and status(engine, ready) == "awaiting_approval"

    fresh = confirm_button(conversation.handle(f"schedule campaign {ready}", "UAPPROVER", "T2"))
    cancelled = conversation.decide(fresh, "UAPPROVER", "T2", False, "console/button")
    assert "Cancelled" in cancelled.text
    again = conversation.decide(fresh, "UAPPROVER", "T2", True, "console/button")
    assert again.failed and "already cancelled" in again.text
    assert status(engine, ready) == "awaiting_approval"


def test_an_approver_removed_meanwhile_cannot_confirm(engine, settings, ready, monkeypatch):
    conversation = Conversation(engine, settings, ManualClock(START), use_agent=False)
    proposal = confirm_button(conversation.handle(f"schedule campaign {ready}", "UAPPROVER", "T3"))
    monkeypatch.setenv("NUDGE_APPROVERS", "USOMEONEELSE")
    get_settings.cache_clear()
    demoted = Conversation(engine, get_settings(), ManualClock(START), use_agent=False)
    refused = demoted.decide(proposal, "UAPPROVER", "T3", True, "slack/button")
    assert refused.failed and "only approvers" in refused.text
    assert status(engine, ready) == "awaiting_approval"


def test_forget_in_words_waits_for_confirmation(engine, settings):
    add_contacts(engine, 2)
    conversation = Conversation(engine, settings, ManualClock(START), use_agent=False)
    proposed = conversation.handle("forget u0@example.com", "UAPPROVER", "T4")
    assert "cannot be undone" in proposed.text
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Contact).where(Contact.email == "u0@example.com")) == 1
    done = conversation.decide(confirm_button(proposed), "UAPPROVER", "T4", True, "slack/button")
    assert not done.failed
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Contact).where(Contact.email == "u0@example.com")) == 0


def test_nudge_ask_describes_then_goes_ahead_with_yes(engine, settings, ready):
    described = runner.invoke(cli.app, ["ask", f"schedule campaign {ready}"])
    assert described.exit_code == 0 and "--yes" in described.output and "[1] Confirm" not in described.output
    assert status(engine, ready) == "awaiting_approval"
    done = runner.invoke(cli.app, ["ask", f"schedule campaign {ready}", "--yes"])
    assert done.exit_code == 0 and "is active" in done.output, done.output
    assert status(engine, ready) == "active"

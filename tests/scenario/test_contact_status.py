"""explain_contact without a campaign answers where a person stands: "is jo@example.com
unsubscribed?", "what's jo's consent status?", "why did jo get an email from us?". Through
`registry.call` and `nudge explain`, on SQLite and PostgreSQL.

Mutations tried: `_person_status` leaving out `_suppression_lines` fails
`test_an_unsubscribed_person_is_told_so_with_the_date_and_their_messages`; `_address_only`
returning None fails `test_an_erased_address_is_still_known_as_erased`.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from scheduler import jobs
from scheduler.senders import sender_for
from tests.delivery_support import START, add_contacts, approved_sequence, call, days
from tools.core.clock import ManualClock
from tools.core.context import ToolError

LATER = ManualClock(START + days(2))


@pytest.fixture
def one_sent(engine, settings) -> None:
    """u0 and u1 (opted in, US); both got the welcome email of "Hello" a day after START."""
    add_contacts(engine, 2)
    approved_sequence(engine, settings, [{"delay_hours": 1, "purpose": "welcome"}], name="Hello")
    clock = ManualClock(START)
    jobs.enrol(engine, settings, clock)
    clock.advance(days(1))
    jobs.dispatch(engine, settings, clock, sender_for(settings))


def status(engine, settings, who: str) -> str:
    return call(engine, settings, "explain_contact", {"contact": who}, clock=LATER).summary


def test_an_unsubscribed_person_is_told_so_with_the_date_and_their_messages(engine, settings, one_sent):
    call(engine, settings, "unsubscribe_contact", {"contact": "u0@example.com"}, clock=LATER)
    text = status(engine, settings, "u0@example.com")
    assert text.startswith("u0@example.com (contact ")
    assert "email consent: opt out" in text and "ads: ad consent no, do-not-sell no" in text
    assert "may be emailed now: no (unsubscribed)" in text
    assert "suppressed: unsubscribed on 2026-12-03 10:00 their time (UTC)" in text
    assert "- 'Hello' step 1 (after 1 h welcome): sent, at 2026-12-02" in text


def test_a_subscribed_person_may_be_emailed_and_is_not_suppressed(engine, settings, one_sent):
    text = status(engine, settings, "u1")
    assert "email consent: opt in" in text and "may be emailed now: yes" in text
    assert "not suppressed" in text and "latest message:" in text and "'Hello'" in text


def test_an_erased_address_is_still_known_as_erased(engine, settings, one_sent):
    call(engine, settings, "forget_contact", {"contact": "u1@example.com"}, clock=LATER)
    text = status(engine, settings, "U1@example.com")
    assert "u1@example.com: no contact holds this address" in text
    assert "suppressed: erased on 2026-12-03" in text


def test_nobody_is_a_clear_error(engine, settings, one_sent):
    with pytest.raises(ToolError, match="no contact 'ghost@example.com'"):
        status(engine, settings, "ghost@example.com")


def test_with_a_campaign_the_answer_is_still_step_by_step(engine, settings, one_sent):
    lines = call(engine, settings, "explain_contact", {"contact": "u0", "campaign": "hello"}, clock=LATER).lines
    assert lines[0].startswith("u0 in campaign") and "step 1 (welcome): sent" in lines[-1]


def test_nudge_explain_takes_a_contact_alone(settings, one_sent):
    from bot.cli.main import app, register_commands

    register_commands()
    result = CliRunner().invoke(app, ["explain", "u0@example.com"])
    assert result.exit_code == 0, result.stderr
    assert "email consent: opt in" in result.stdout and "'Hello'" in result.stdout

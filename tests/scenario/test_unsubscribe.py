"""Unsubscribing a person at their request: in words (any team member, through the conversation
engine and the offline planner) and with `nudge unsubscribe`.

It must do what the unsubscribe link does: the address suppressed as "unsubscribed", consent
opt_out, waiting messages skipped, one audit row; a second request changes nothing and says so;
an address not held yet is suppressed too; a malformed one is a clear error.

Mutation tried: dropping the `suppress` call for an unknown address in
`tools.privacy.unsubscribe` fails `test_an_address_not_held_yet_is_suppressed_for_later`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.main import app, register_commands
from bot.engine.conversation import Conversation
from tests.privacy_data import add_person
from tools.core.identity import email_hash, email_salt
from tools.core.models import AuditEntry, Contact, Message, Suppression

register_commands()
NOW = datetime.now(timezone.utc)


def _reasons(db, address: str) -> list[str]:
    hashed = email_hash(email_salt(db), address)
    return list(db.scalars(select(Suppression.reason).where(Suppression.email_hash == hashed)))


def test_a_team_member_unsubscribes_a_person_in_words(engine, settings, db):
    person = add_person(db, NOW)
    db.commit()
    conversation = Conversation(engine, settings, use_agent=False)

    reply = conversation.handle(f"please remove {person.email} from our mailing list", "UMEMBER", "T1")

    assert reply.text.splitlines()[0] == f"Read as: unsubscribe {person.email} from marketing email"
    assert [call.name for call in reply.calls] == ["unsubscribe_contact"]
    db.expire_all()
    assert _reasons(db, person.email) == ["unsubscribed"]
    assert db.get(Contact, person.contact_id).email_consent == "opt_out"
    assert db.get(Message, person.pending_id).status == "skipped"
    assert db.scalar(select(AuditEntry.actor).where(AuditEntry.action == "unsubscribe_contact")) == "UMEMBER"

    again = conversation.handle(f"unsubscribe {person.email}", "UMEMBER", "T2")
    assert "already unsubscribed" in again.text


def test_an_address_not_held_yet_is_suppressed_for_later(engine, settings, db):
    reply = Conversation(engine, settings, use_agent=False).handle("stop emailing new.person@example.com", "U1", "T3")
    assert "not a contact yet" in reply.text, reply.text
    assert _reasons(db, "new.person@example.com") == ["unsubscribed"]


def test_the_cli_unsubscribes_and_a_bad_address_is_one_clear_line(db, settings):
    person = add_person(db, NOW)
    db.commit()
    runner = CliRunner()

    result = runner.invoke(app, ["unsubscribe", person.user_id])
    assert result.exit_code == 0, result.output
    assert f"Unsubscribed {person.email}" in result.stdout
    db.expire_all()
    assert db.get(Contact, person.contact_id).email_consent == "opt_out"

    bad = runner.invoke(app, ["unsubscribe", "jo@"])
    assert bad.exit_code == 2
    assert "'jo@' is not a valid email address" in bad.stderr

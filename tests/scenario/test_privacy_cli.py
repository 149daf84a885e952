"""`nudge forget`, `nudge export-contact`, `nudge audit` and `nudge purge` through the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.main import app, register_commands
from tests.privacy_data import add_person
from tools.core import audit
from tools.core.models import AuditEntry, Contact, Event

register_commands()
NOW = datetime.now(timezone.utc)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def nudge(runner: CliRunner, *arguments: str):
    return runner.invoke(app, list(arguments))


def test_forget_from_the_cli_erases_and_says_what_it_did(runner, db, settings):
    person = add_person(db, NOW)

    result = nudge(runner, "forget", "alice@example.com", "--yes")

    assert result.exit_code == 0, result.output
    assert "Erased 1 contact record(s)" in result.stdout
    db.expire_all()
    assert db.get(Contact, person.contact_id).email is None
    assert db.scalar(select(AuditEntry.actor).where(AuditEntry.action == "forget_contact")) == "cli"


def test_forget_of_an_unknown_user_id_is_one_clear_line(runner, settings):
    result = nudge(runner, "forget", "ghost")

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "nudge: no contact with user id 'ghost'; give an email address (alice@example.com) "
        "or the shop's user id (u123)"]


def test_export_contact_writes_json_inside_the_working_directory(runner, db, settings, tmp_path):
    add_person(db, NOW)

    result = nudge(runner, "export-contact", "alice@example.com", "--out", "requests/alice.json", "--yes")

    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "requests" / "alice.json").read_text())
    assert data["contacts"][0]["profile"]["email"] == "alice@example.com"


def test_export_contact_without_out_prints_json(runner, db, settings):
    add_person(db, NOW)

    result = nudge(runner, "export-contact", "u1", "--yes")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["contacts"][0]["profile"]["user_id"] == "u1"


@pytest.mark.parametrize("target", [
    "../outside.json", "/tmp/nudge-outside.json", "~/nudge-outside.json",
    "requests/../../outside.json", "link/escaped.json", ".", "",
])
def test_export_contact_refuses_paths_outside_the_working_directory(
    runner, db, settings, tmp_path, target
):
    add_person(db, NOW)
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    outside.mkdir()
    (tmp_path / "link").symlink_to(outside)

    result = nudge(runner, "export-contact", "alice@example.com", "--out", target)

    assert result.exit_code == 2
    assert result.stderr.startswith("nudge: output path") and len(result.stderr.splitlines()) == 1
    assert list(outside.iterdir()) == [] and not (tmp_path.parent / "outside.json").exists()
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "export_contact")) is None


def test_audit_csv_quotes_formula_cells(runner, db, settings):
    audit.record(db, "UAPPROVER", "draft.approved", "draft:1", at=NOW - timedelta(hours=1))
    for subject in ('=HYPERLINK("http://evil.example","Click")', "+1+1", "-2", "@SUM(A1)"):
        audit.record(db, "U2", "segment.saved", subject, {"name": subject}, at=NOW)
    audit.record(db, "U3", "ancient", "old", at=NOW - timedelta(days=30))
    db.commit()

    result = nudge(runner, "audit", "--since", "7d", "--csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["at", "actor", "action", "subject", "thread", "details"]
    assert [row[3] for row in rows[1:]] == [
        "draft:1", '\'=HYPERLINK("http://evil.example","Click")', "'+1+1", "'-2", "'@SUM(A1)"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_audit_filters_and_neutralises_terminal_escapes(runner, db, settings):
    audit.record(db, "UAPPROVER", "draft.approved", "draft:7\x1b[2J", at=NOW)
    audit.record(db, "U2", "segment.saved", "segment:vip", at=NOW)
    db.commit()

    result = nudge(runner, "audit", "--action", "approved")

    assert result.exit_code == 0, result.output
    assert "draft:7\\x1b[2J" in result.stdout and "\x1b" not in result.stdout
    assert "segment:vip" not in result.stdout


def test_audit_with_an_unreadable_since_is_one_clear_line(runner, settings):
    result = nudge(runner, "audit", "--since", "fortnight")

    assert result.exit_code == 2
    assert result.stderr.startswith("nudge: since 'fortnight' is not understood")


def test_purge_applies_the_retention_period_now(runner, db, settings):
    db.add(Event(name="Product Viewed", anonymous_id="a1", properties={},
                 occurred_at=NOW - timedelta(days=800), received_at=NOW))
    db.add(Event(name="Product Viewed", anonymous_id="a2", properties={},
                 occurred_at=NOW - timedelta(days=8), received_at=NOW))
    db.commit()

    result = nudge(runner, "purge")

    assert result.exit_code == 0, result.output
    assert "deleted 1 event(s)" in result.stdout
    assert db.scalar(select(Event.anonymous_id)) == "a2"
    assert db.scalar(select(AuditEntry.actor).where(AuditEntry.action == "purge_expired")) == "cli"

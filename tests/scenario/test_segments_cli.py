"""The segment and audience commands, run through the real Typer app."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from bot.cli.main import app, register_commands
from tests.unit.segments_support import NOW, add_contact, add_event

register_commands()
RUNNER = CliRunner()


@pytest.fixture
def store(db, settings, tmp_path):
    """Two visitors (one German without ad consent) and a spec file for them."""
    # the CLI counts against the real clock, the helpers against their fixed NOW: five hours ago, really
    hours_ago = 5 - (datetime.now(timezone.utc) - NOW).total_seconds() / 3600
    add_event(db, add_contact(db, 1, email="ann@example.com", country="US"), "Product Viewed", hours_ago)
    add_event(db, add_contact(db, 2, email="ben@example.com", country="DE"), "Product Viewed", hours_ago)
    db.commit()
    path = tmp_path / "visitors.json"
    path.write_text(json.dumps({"event": "Product Viewed", "within_last": "7d"}))
    return path


def run(*arguments: str):
    return RUNNER.invoke(app, list(arguments))


def test_preview_create_list_and_export(store, tmp_path):
    preview = run("segment", "preview", str(store))
    assert preview.exit_code == 0, preview.output
    assert "This segment has 2 contacts; 1 reachable by email (excluded: no consent 1)" in preview.output
    created = run("segment", "create", "visitors", str(store), "--description", "site visitors")
    assert created.exit_code == 0 and "Saved segment 'visitors': 2 contacts" in created.output
    listed = run("segment", "list")
    assert "visitors  v1" in listed.output
    assert run("segment", "preview", "visitors").exit_code == 0
    exported = run("audience", "export", "visitors", "--platform", "meta", "--out", "meta.csv", "--yes")
    assert exported.exit_code == 0, exported.output
    assert "Left out: no ad consent 1" in exported.output
    with open(tmp_path / "meta.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["email"], [hashlib.sha256(b"ann@example.com").hexdigest()]]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["segment", "preview", "missing.json"], "missing.json: no such file"),
        (["segment", "preview", "nobody"], "no segment named 'nobody'"),
        (["audience", "export", "visitors", "--platform", "myspace"], "platform: Input should be 'meta' or 'google'"),
        (["audience", "export", "visitors", "--out", "/tmp/outside.csv"], "outside the export folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(store, arguments, message):
    run("segment", "create", "visitors", str(store))
    result = run(*arguments)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_invalid_spec_file_names_the_problem(store, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"attribute": "ltv", "op": "gt", "value": 1}')
    result = run("segment", "preview", str(bad))
    assert result.exit_code == 2 and "unknown field 'ltv'" in result.output
    bad.write_text("{not json")
    result = run("segment", "create", "x", str(bad))
    assert result.exit_code == 2 and "not valid JSON (line 1" in result.output

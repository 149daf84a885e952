"""An access request in words delivers the person's record: "what data do we have on X".

Confirmed by the approver who asked, the console and `nudge ask --yes` write the JSON under
NUDGE_EXPORT_DIR (owner-only) and print its path; Slack uploads it to the approver in a direct
message (files_upload_v2 against the fake Web API) and tells them so privately, while the
thread only says that it was exported.

Mutation tried: `deliverables.attachments` returning nothing: no path is printed, no file is
written and nothing is uploaded, so every test here fails.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import main as cli
from bot.console import Console
from bot.display import ids
from bot.engine.conversation import Conversation
from tests.delivery_support import START, add_contacts, track
from tests.scenario.slack_kit import APPROVER, start
from tools.core.clock import ManualClock
from tools.core.models import Contact

runner = CliRunner()
cli.register_commands()
REQUEST = "what data do we have on u0@example.com"


def written(line: str) -> Path:
    path = Path(line.rsplit("written to ", 1)[1])
    assert path.parent == Path("exports") and path.name.startswith("contact-export-u0-example-com-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "personal data: readable by its owner only"
    return path


@pytest.fixture
def person(engine, settings):
    add_contacts(engine, 2)
    track(engine, "u0", "Product Viewed", START, product_id="p1")


def test_the_console_writes_the_record_and_prints_where(engine, settings, person, tmp_path):
    out: list[str] = []
    conversation = Conversation(engine, settings, ManualClock(START), use_agent=False)
    console = Console(conversation, iter([REQUEST, "1"]), out.append)
    console.run()
    text = "\n".join(out)
    assert "Confirm" in text and "Exported 1 contact record(s) with 1 event(s) as JSON." in text
    [line] = [line for line in out if "written to" in line]
    data = json.loads((tmp_path / written(line)).read_text())
    assert data["contacts"][0]["profile"]["email"] == "u0@example.com"


def test_nudge_ask_yes_writes_the_record_and_prints_where(engine, settings, person, tmp_path):
    result = runner.invoke(cli.app, ["ask", REQUEST, "--yes"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if "written to" in line]
    assert json.loads((tmp_path / written(line)).read_text())["request"] == "GDPR Art. 15 access"
    as_json = runner.invoke(cli.app, ["ask", REQUEST, "--yes", "--json"])
    assert "written to exports/contact-export-u0-example-com-" in json.loads(as_json.stdout)["files"][0]


def test_slack_uploads_the_record_to_the_approver_privately(settings, database_url, monkeypatch):
    slack, stop = start(monkeypatch, database_url, contacts=20)
    try:
        fake = slack.fake
        with slack.engine.connect() as connection:
            email = connection.scalar(select(Contact.email).where(Contact.email.is_not(None)).order_by(Contact.id))
        slack.mention(f"what data do we have on {email}", user=APPROVER)
        proposal = fake.wait_for("chat.update")[-1]
        [confirm] = [element["value"] for block in proposal["blocks"] if block["type"] == "actions"
                     for element in block["elements"] if element["action_id"] == ids.CONFIRM]
        slack.click(ids.CONFIRM, confirm, message_ts=proposal["ts"])
        [completed] = fake.wait_for("files.completeUploadExternal")
        assert [call["users"] for call in fake.calls("conversations.open")] == [APPROVER]
        assert completed["channel_id"] == f"D{APPROVER}", "into the approver's DM, not the channel"
        [upload] = fake.calls("upload")
        assert json.loads(upload["data"])["contacts"][0]["profile"]["email"] == email
        note = fake.wait_for("chat.postEphemeral")[-1]
        assert note["user"] == APPROVER and "in a direct message" in note["text"]
        thread = fake.wait_for("chat.update", 2)[-1]
        assert "Exported 1 contact record(s)" in thread["text"] and email not in json.dumps(thread["blocks"])
    finally:
        stop()

"""Privacy commands: export what is held about a person, and read the audit log.

`nudge export-contact EMAIL` runs the same tool Slack uses (so the same checks and audit entries
apply; `nudge forget` and `nudge purge` are generated from their tools); `nudge audit --since 7d
[--csv]` prints the audit log.
"""

from __future__ import annotations

import json
import sys

import typer

from bot.cli.common import YES_OPTION, fail, run_tool
from bot.runtime import database
from tools.core.clock import SYSTEM_CLOCK
from tools.core.context import ToolError
from tools.core.db import session_scope
from tools.core.safe_output import output_path, write_csv
from tools.core.settings import get_settings
from tools.core.windows import PERIOD_HELP
from tools.privacy.audit_trail import matching_entries, since_moment

AUDIT_COLUMNS = ["at", "actor", "action", "subject", "thread", "details"]


def export_contact(
    contact: str = typer.Argument(..., metavar="EMAIL", help="Email address or user id."),
    out: str = typer.Option(None, "--out", help="Write the JSON here (inside this directory)."),
    yes: bool = YES_OPTION,
) -> None:
    """Everything held about a person as JSON (GDPR right of access), on stdout or to --out."""
    try:
        target = output_path(out) if out is not None else None
    except ToolError as error:
        fail(str(error))
    result = run_tool("export_contact", {"contact": contact}, yes)
    document = json.dumps(result.data, indent=2, ensure_ascii=False)
    if target is None:
        typer.echo(document)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(document + "\n", encoding="utf-8")
    typer.echo(f"{result.summary} Written to {target}.", err=True)


def audit(
    since: str = typer.Option("7d", help=f"How far back: {PERIOD_HELP}."),
    action: str = typer.Option(None, help="Only actions containing this, e.g. 'approved'."),
    subject: str = typer.Option(None, help="Only entries about this, e.g. a campaign name."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV (spreadsheet-safe) instead."),
) -> None:
    """Print the audit log: who did what, when, and from which thread."""
    settings = get_settings()
    try:
        moment = since_moment(since, SYSTEM_CLOCK.now(), settings.zone)
    except ToolError as error:
        fail(str(error))
    with session_scope(database(settings)) as db:
        rows = [_audit_row(entry) for entry in matching_entries(db, moment, action, subject)]
    if as_csv:
        write_csv(sys.stdout, AUDIT_COLUMNS, rows)
        return
    for row in rows:
        typer.echo("  ".join(_printable(cell) for cell in row if cell))
    typer.echo(f"{len(rows)} audit entries since {moment:%Y-%m-%d %H:%M} UTC.", err=True)


def _audit_row(entry) -> list:
    details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True) if entry.details else ""
    at = entry.at.strftime("%Y-%m-%d %H:%M:%S")
    return [at, entry.actor, entry.action, entry.subject or "", entry.thread or "", details]


def _printable(cell: str) -> str:
    # A subject can carry customer text; escape sequences must not repaint the operator's terminal.
    return "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in cell)


def register(app: typer.Typer) -> None:
    app.command("export-contact")(export_contact)
    app.command("audit")(audit)

"""`nudge digest`: the morning digest from a terminal (`nudge report` is generated from its tool).

`nudge digest [--date D] [--print] [--png FILE]` builds the digest on demand: printed, its chart
written to a file, and posted to NUDGE_DIGEST_CHANNEL when Slack is configured and `--print` is
not given. An on-demand post does not count as the day's scheduled digest.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer
from slack_sdk.errors import SlackApiError

from bot.cli.common import fail
from bot.runtime import database
from scheduler.digest import post_digest, slack_client_for
from tools.core.clock import SYSTEM_CLOCK
from tools.core.context import ToolError
from tools.core.db import session_scope
from tools.core.safe_output import output_path
from tools.core.settings import get_settings
from tools.reporting.digest import build_digest


def digest(
    day: str = typer.Option(None, "--date", help="Digest date YYYY-MM-DD (reports the day before); default today."),
    print_only: bool = typer.Option(False, "--print", help="Print it here instead of posting to Slack."),
    png: Path = typer.Option(None, "--png", help="Also write the chart to this PNG file (inside the working directory)."),
) -> None:
    """Build the daily digest now: print it, save its chart, or post it to the digest channel."""
    settings = get_settings()
    when = _digest_date(day, settings)
    target = _chart_path(png) if png is not None else None
    engine = database(settings)
    with session_scope(engine) as db:
        built = build_digest(db, settings, when)
    client = None if print_only else slack_client_for(settings)
    if client is None:
        typer.echo(built.text)
        if target is not None:
            _write_png(target, built.chart_png)
        if not print_only:
            typer.echo("(not posted: set SLACK_BOT_TOKEN and NUDGE_DIGEST_CHANNEL to post to Slack)", err=True)
        return
    if target is not None:
        _write_png(target, built.chart_png)
    if not settings.digest_channel:
        fail("NUDGE_DIGEST_CHANNEL is not set; set it to the channel to post to, or use --print")
    try:
        with_chart = post_digest(client, settings.digest_channel, built)
    except SlackApiError as error:
        fail(f"Slack refused the digest: {error.response.get('error', 'unknown error')}")
    note = "" if with_chart else " (the chart upload failed; see the log)"
    typer.echo(f"digest for {when.isoformat()} posted to {settings.digest_channel}{note}")


def _digest_date(text: str | None, settings) -> date:
    if text is None:
        return SYSTEM_CLOCK.now().astimezone(settings.zone).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--date '{text}' is not a date; use YYYY-MM-DD, e.g. 2026-11-28")


def _chart_path(requested: Path) -> Path:
    try:
        return output_path(requested, example="exports/digest.png")
    except ToolError as error:
        fail(str(error))


def _write_png(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        fail(f"cannot write the chart to {path}: {error.strerror}")
    sys.stdout.flush()  # the digest text is on stdout: the note must not land inside its last line
    typer.echo(f"chart written to {path}", err=True)


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)

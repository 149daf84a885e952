"""What every `nudge` command shares: one-line failures, and running a tool as the shell's user.

`run_tool` is the one way a command acts on data: it opens the migrated database, calls the tool
through `tools.registry.call` as the command's user (`cli`, an approver, unless `nudge --user U...`
says otherwise), and turns a refusal or bad input into one line on stderr with exit code 2. An
irreversible tool (erasing, scheduling, exporting personal data, ...) is proposed first: on a
terminal the command shows what would happen and asks; otherwise it needs `--yes`.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from bot.engine import messages
from bot.runtime import database, tool_context
from tools import registry
from tools.core.context import NeedsConfirmation, ToolError, ToolResult
from tools.core.settings import get_settings

YES_OPTION = typer.Option(False, "--yes", "-y", help="Go ahead without asking (irreversible actions ask first).")
LOCAL_USER = "cli"
_who = {"user": LOCAL_USER}


def set_user(user: str) -> None:
    _who["user"] = user or LOCAL_USER


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"nudge: {message}", err=True)
    raise typer.Exit(code)


def run_tool(name: str, arguments: dict[str, Any], yes: bool = False) -> ToolResult:
    """Run tool `name` as this command's user; asks (or needs --yes) before anything irreversible."""
    settings = get_settings()
    engine = database(settings)
    try:
        try:
            return _call(name, arguments, settings, engine, confirmed=yes)
        except NeedsConfirmation as needed:
            if not sys.stdin.isatty():
                fail(messages.ASK_YES.format(summary=needed.summary))
            if not typer.confirm(f"{needed.summary}\nGo ahead?", default=False, err=True):
                fail("nothing was done")
            return _call(name, arguments, settings, engine, confirmed=True)
    except ToolError as error:
        fail(str(error))


def _call(name: str, arguments: dict[str, Any], settings, engine, confirmed: bool) -> ToolResult:
    with tool_context(actor=_who["user"], settings=settings, engine=engine) as ctx:
        ctx.confirmed = confirmed
        return registry.call(ctx, name, arguments)

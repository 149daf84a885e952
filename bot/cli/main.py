"""The `nudge` command line: every capability of Nudge from a terminal.

`nudge run` is what `make run` starts; the other commands are grouped by area (`db`, `import`,
`segment`, `audience`, `draft`, `campaign`, ...). A bad setting or bad input ends the command
with one clear line on stderr and exit code 2, never a traceback; so does a database that cannot
be used (missing, unreachable, locked), naming DATABASE_URL with its password masked.
"""

from __future__ import annotations

import sys

import typer

from bot.cli.common import set_user
from tools.core.context import ToolError
from tools.core.settings import SettingsError, get_settings, redact_url

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__.split("\n\n")[0])
db_app = typer.Typer(no_args_is_help=True, help="Database schema commands.")
app.add_typer(db_app, name="db")


@app.callback()
def options(
    user: str = typer.Option("cli", "--user", help="Act as this Slack user id (default: the local "
                             "operator, an approver); permissions are checked as for that user."),
) -> None:
    set_user(user)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending Alembic migration to DATABASE_URL."""
    from bot.runtime import database
    from tools.core import db as nudge_db

    settings = get_settings()
    database(settings)
    revisions = ", ".join(nudge_db.current_revisions(settings.database_url))
    typer.echo(f"database {redact_url(settings.database_url)} is at revision {revisions}")


@app.command()
def run() -> None:
    """Migrate, seed a demo store if empty, serve HTTP, start the scheduler, then talk (Slack or console)."""
    from bot.launcher import run as launch

    launch(get_settings(), typer.echo)


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to listen on (default NUDGE_HTTP_HOST)."),
    port: int = typer.Option(None, help="Port to listen on (default NUDGE_HTTP_PORT)."),
) -> None:
    """Serve the HTTP endpoints (ingest, tracking, Slack HTTP mode) with uvicorn."""
    import uvicorn

    from bot.web.app import build_app

    settings = get_settings()
    host, port = host or settings.http_host, port or settings.http_port
    web_app = build_app(settings)  # first, so a database that is gone is the only line printed
    typer.echo(f"nudge: HTTP server on http://{host}:{port} (database {redact_url(settings.database_url)})")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


def register_commands() -> None:
    """Attach every command: one per tool from the registry, then each area's own commands."""
    from bot.cli import (
        campaigns,
        chat,
        data,
        discounts,
        privacy,
        report,
        segments,
        tool_commands,
    )

    groups: dict[str, typer.Typer] = {}
    tool_commands.register(app, groups)
    for area in (data, privacy, report, chat, campaigns, discounts):
        area.register(app)
    segments.register(app, groups)


def main() -> None:
    register_commands()
    try:
        app()
    except SettingsError as error:
        typer.echo(f"nudge: setting {error}", err=True)
        sys.exit(2)
    except ToolError as error:
        typer.echo(f"nudge: {error}", err=True)
        sys.exit(2)
    except Exception as error:
        # Every command opens the database through bot.runtime; one that fails later (the
        # server going away mid-command) is reported the same way.
        from tools.core import db as nudge_db

        if not nudge_db.is_unavailable(error):
            raise
        typer.echo(f"nudge: {nudge_db.unavailable(error, _database_url())}", err=True)
        sys.exit(2)


def _database_url() -> str:
    try:
        return get_settings().database_url
    except SettingsError:
        return "(unreadable: check the settings)"

"""Talking to Nudge from a terminal: `nudge chat`, `nudge ask` and `nudge demo`.

`chat` is the interactive console (on the demo store when the database is empty), `ask` answers
one request (with `--json`, the tool calls made as JSON for scripts), and `demo` walks through
the headline story on a fresh demo store without any input.
"""

from __future__ import annotations

import json
import sys
import uuid

import typer
from sqlalchemy import func, select

from bot.engine import deliverables
from bot.engine.conversation import Conversation
from bot.runtime import database
from tools.core.db import session_scope
from tools.core.models import Contact
from tools.core.settings import get_settings

DEMO_CONTACTS = 300


def register(app: typer.Typer) -> None:
    app.command()(chat)
    app.command()(ask)
    app.command()(demo)


def chat(
    thread: str = typer.Option("console", help="Conversation thread; reuse it to continue later."),
    seed: bool = typer.Option(True, help="Seed a small demo store when the database is empty."),
) -> None:
    """Chat with Nudge in the terminal; buttons become numbered choices. Ctrl-D quits."""
    from bot.console import Console, terminal_prompt

    settings = get_settings()
    engine = database(settings)
    if seed:
        seed_if_empty(engine)
    lines = iter(sys.stdin.readline, "")
    Console(Conversation(engine, settings), lines, typer.echo, thread=thread, **terminal_prompt()).run()


def ask(
    text: str = typer.Argument(..., help="The request, in plain words."),
    user: str = typer.Option("cli", help="Who is asking (a Slack user id, or cli)."),
    thread: str = typer.Option(None, help="Conversation thread, to follow up on an earlier request "
                               "(without it each call starts a fresh thread, named in the output)."),
    as_json: bool = typer.Option(False, "--json", help="Print the reply, the thread and each tool call with its structured result as JSON."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Go ahead with an irreversible action (erasing, "
                             "scheduling, exporting personal data) instead of only saying what it would do."),
) -> None:
    """Ask Nudge one thing and print the answer."""
    from bot.display.blocks import as_text

    settings = get_settings()
    # A fresh thread per call unless one is named: one request must not follow up on another's.
    thread = thread or f"cli:{user}:{uuid.uuid4().hex[:12]}"
    reply = Conversation(database(settings), settings).handle(text, user, thread, surface="ask", confirmed=yes)
    files = deliverables.save_all(reply.attachments, settings)
    if as_json:
        typer.echo(json.dumps({"reply": reply.text, "thread": thread, "calls": reply.calls_json(), "files": files},
                              indent=2, default=str))
        return
    typer.echo(as_text(reply.blocks)[0])
    for line in files:
        typer.echo(line)
    typer.echo(f"(thread {thread}: pass --thread {thread} to follow up)", err=True)


def demo(
    contacts: int = typer.Option(DEMO_CONTACTS, min=20, max=5000, help="Contacts in the demo store."),
) -> None:
    """Walk through the headline story on a fresh demo store, printing each step."""
    from bot.demo import run_demo

    run_demo(contacts, typer.echo)


def seed_if_empty(engine) -> None:
    with session_scope(engine) as session:
        empty = not session.scalar(select(func.count()).select_from(Contact))
    if empty:
        from tools.ingest.seed import seed_store

        typer.echo(f"(empty database: seeding a demo store of {DEMO_CONTACTS} contacts)")
        seed_store(engine, contacts=DEMO_CONTACTS)

"""What `nudge run` (and so `make run`) starts, in order, saying what it does and where.

1. migrate the database; 2. seed a demo store if it is empty; 3. serve HTTP (ingest, tracking,
Slack HTTP mode) on a background thread; 4. start the scheduler (on standby if another Nudge
already leads this database); 5. talk: Slack Socket Mode when SLACK_BOT_TOKEN and SLACK_APP_TOKEN
are set, Slack HTTP mode when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are, and otherwise the
local console on standard input until it ends.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable

import uvicorn
from sqlalchemy import Engine

from bot.runtime import database
from tools.core.clock import SYSTEM_CLOCK
from tools.core.db import session_scope
from tools.core.models import KeyValue
from tools.core.settings import Settings, redact_url

DEMO_STORE_CONTACTS = 2_000

Echo = Callable[[str], None]


DEMO_STORE_FLAG = "demo_store"
DEMO_IDENTITY = {
    "sender": "Demo Shop <hello@shop.example>",
    "postal_address": "1 Market St, Springfield, OR 97477, USA",
}


def run(settings: Settings, echo: Echo) -> None:
    engine = database(settings)
    echo(f"nudge: database {redact_url(settings.database_url)} is migrated")
    seed_demo_store_if_empty(engine, echo)
    settings = with_demo_identity(settings, engine, echo)
    server = start_http_server(settings, echo)
    runner = start_scheduler(engine, settings, echo)
    try:
        talk(settings, engine, server, echo)
    finally:
        runner.stop()
        if server is not None:
            server.should_exit = True
        echo("nudge: stopped")


def seed_demo_store_if_empty(engine: Engine, echo: Echo) -> None:
    from tools.ingest.seed import seed_store, store_is_empty

    if not store_is_empty(engine):
        return
    echo(f"nudge: the database is empty; seeding a demo store of {DEMO_STORE_CONTACTS:,} contacts")
    summary = seed_store(engine, contacts=DEMO_STORE_CONTACTS)
    with session_scope(engine) as session:
        session.merge(KeyValue(key=DEMO_STORE_FLAG, value="1"))
    for line in summary.lines():
        echo(f"  {line}")


def with_demo_identity(settings: Settings, engine: Engine, echo: Echo) -> Settings:
    """A demo store that mails only the local Maildir gets a stand-in sender and address.

    Compliance rightly blocks scheduling without NUDGE_SENDER and NUDGE_POSTAL_ADDRESS; on the
    seeded demo store, with no SMTP relay, that would only stop a new user trying Nudge out.
    """
    missing = {key: value for key, value in DEMO_IDENTITY.items() if not getattr(settings, key)}
    if not missing or settings.smtp_url:
        return settings
    with session_scope(engine) as session:
        if session.get(KeyValue, DEMO_STORE_FLAG) is None:
            return settings
    echo("nudge: demo store: using a stand-in " + " and ".join(k.replace("_", " ") for k in missing)
         + "; set NUDGE_SENDER and NUDGE_POSTAL_ADDRESS before mailing real customers")
    return settings.model_copy(update=missing)


def start_http_server(settings: Settings, echo: Echo) -> uvicorn.Server | None:
    from bot.web.app import build_app

    if not port_is_free(settings.http_host, settings.http_port):
        echo(f"nudge: port {settings.http_port} is in use, so the HTTP server is not started; "
             "set NUDGE_HTTP_PORT to a free port")
        return None
    config = uvicorn.Config(build_app(settings, migrate=False), host=settings.http_host,
                            port=settings.http_port, log_level="warning")
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, name="nudge-http", daemon=True).start()
    echo(f"nudge: HTTP server on http://{settings.http_host}:{settings.http_port} "
         "(ingest /v1/*, shops /shopify/webhooks /woocommerce/webhooks, tracking /o /c /u, Slack /slack/events, /healthz, /readyz)")
    return server


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def start_scheduler(engine: Engine, settings: Settings, echo: Echo):
    from scheduler.setup import start_scheduler as start

    slack_client = None
    if settings.slack_bot_token:
        from bot.slack.services import web_client

        slack_client = web_client(settings)
    runner = start(engine, settings, SYSTEM_CLOCK, slack_client)
    mail = f"SMTP {redact_url(settings.smtp_url)}" if settings.smtp_url else f"Maildir ./{settings.outbox_dir}"
    echo(f"nudge: scheduler started (enrol and dispatch every 30 s, digest at {settings.digest_time} "
         f"{settings.timezone}); mail goes to {mail}")
    return runner


def talk(settings: Settings, engine: Engine, server: uvicorn.Server | None, echo: Echo) -> None:
    if settings.slack_bot_token and settings.slack_app_token:
        from bot.slack.app import connect_socket_mode

        echo("nudge: connecting to Slack over Socket Mode")
        handler = connect_socket_mode(settings, engine)
        echo("nudge: connected to Slack over Socket Mode; mention @nudge, message it or use /nudge; Ctrl-C stops")
        try:
            wait_forever()
        finally:
            handler.close()
    elif settings.slack_bot_token and settings.slack_signing_secret and server is not None:
        echo(f"nudge: Slack HTTP mode: point the app's request URL at {settings.public_url}/slack/events; "
             "Ctrl-C stops")
        wait_forever()
    else:
        run_console(settings, engine, echo)


def wait_forever() -> None:
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


def run_console(settings: Settings, engine: Engine, echo: Echo) -> None:
    from bot.console import Console, terminal_prompt
    from bot.engine.conversation import Conversation

    echo("nudge: no Slack tokens set, so this is the local console (you are an approver)")
    lines = iter(sys.stdin.readline, "")
    try:
        Console(Conversation(engine, settings), lines, echo, **terminal_prompt()).run()
    except KeyboardInterrupt:
        echo("")

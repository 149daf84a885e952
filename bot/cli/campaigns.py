"""Delivery commands: `nudge worker` and `nudge scheduler` (the campaign commands, `nudge
campaign list|create|schedule|pause|resume|cancel|discard` and `nudge explain`, are generated
from the tools: `bot/cli/tool_commands.py`).

`nudge worker` delivers outbox messages (run several, on several machines, against one
PostgreSQL to send faster); `nudge scheduler` runs the scheduler in the foreground, on standby
while another process leads.
"""

from __future__ import annotations

import signal
import threading

import typer
from sqlalchemy.exc import DBAPIError
from tenacity import Retrying, retry_if_exception_type, wait_exponential

from bot.cli.common import fail
from bot.runtime import database
from scheduler.digest import slack_notifier
from scheduler.outbox import OutboxWorker
from scheduler.senders import sender_for
from scheduler.setup import start_scheduler
from tools.core.clock import SYSTEM_CLOCK
from tools.core.settings import get_settings


def worker(
    once: bool = typer.Option(False, "--once", help="Deliver what is due now, then exit."),
    batch_size: int = typer.Option(200, min=1, max=5000, help="Messages claimed per batch."),
    interval: float = typer.Option(2.0, min=0.1, help="Seconds between polls when idle."),
) -> None:
    """Deliver due outbox messages (SMTP_URL, or the Maildir in NUDGE_OUTBOX_DIR)."""
    settings = get_settings()
    sender = _sender(settings)
    outbox = OutboxWorker(database(settings), settings, SYSTEM_CLOCK, sender, batch_size=batch_size,
                          notify=slack_notifier(settings))  # a paused campaign is said in Slack
    typer.echo(f"nudge: worker {outbox.name} delivering to {sender.describe()}", err=True)
    stop = _stop_event()
    while True:
        stats = _deliver_surviving_the_database(outbox, stop)
        if stats is None:
            return
        if stats.counts:
            typer.echo(f"nudge: {stats.text()}", err=True)
        if once or stop.wait(interval):
            return


def _deliver_surviving_the_database(outbox: OutboxWorker, stop: threading.Event):
    """One delivery pass; when the database connection is lost (a failover, a terminated
    session) the pass is retried with exponential backoff (tenacity, 0.5 s up to 30 s) and the
    worker's claims are given back at once. None when stopped meanwhile."""

    def pass_once():
        try:
            return outbox.run_once()
        except DBAPIError as error:
            typer.echo(f"nudge: lost the database ({type(error.orig or error).__name__}); "
                       "reconnecting", err=True)
            raise

    def release(_state) -> None:
        try:
            outbox.release_claims()
        except DBAPIError:
            pass  # still gone: the next attempt tries again

    for attempt in Retrying(retry=retry_if_exception_type(DBAPIError), reraise=True,
                            wait=wait_exponential(multiplier=0.5, max=30), after=release,
                            sleep=lambda seconds: stop.wait(seconds)):
        if stop.is_set():
            return None
        with attempt:
            return pass_once()
    return None


def scheduler() -> None:
    """Run the scheduler in the foreground (standby while another process leads)."""
    settings = get_settings()
    runner = start_scheduler(database(settings), settings, SYSTEM_CLOCK, sender=_sender(settings))
    typer.echo("nudge: scheduler started; it runs jobs while it holds the database's leadership "
               "(Ctrl-C to stop)", err=True)
    stop = _stop_event()
    leader = None
    while not stop.wait(1.0):
        if runner.is_leader != leader:
            leader = runner.is_leader
            typer.echo("nudge: this process is the scheduler leader" if leader else
                       "nudge: on standby: another scheduler leads this database", err=True)
    runner.stop()


def _sender(settings):
    try:
        return sender_for(settings)
    except ValueError as error:
        fail(f"setting SMTP_URL: {error}")


def _stop_event() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("scheduler")(scheduler)

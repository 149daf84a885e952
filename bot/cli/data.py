"""Data commands: `nudge import contacts|events|shopify-customers|shopify-orders FILE`, `nudge seed`.

Imports stream the file in batches, show a progress bar when stderr is a terminal (and nothing
when piped), print each bad row as `line N: reason` on stderr, and end with a one-line summary.
The exit code is 0 when every row was imported, 1 when some rows were rejected (the good rows
are kept either way) and 2 when the file could not be read at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TimeRemainingColumn,
)

from bot.cli.common import fail
from bot.runtime import database
from tools.ingest import importer, shop_exports
from tools.ingest.seed import seed_store, store_is_empty

PRINTED_PROBLEMS = 100

import_app = typer.Typer(no_args_is_help=True,
                         help="Bulk import contacts (CSV), events (JSON Lines) and Shopify's CSV exports.")
IMPORTERS = {
    "contacts": importer.import_contacts,
    "events": importer.import_events,
    "shopify-customers": shop_exports.import_customers,
    "shopify-orders": shop_exports.import_orders,
}


@contextmanager
def progress_bar(description: str, in_bytes: bool) -> Iterator[tuple[Callable | None, Console]]:
    """A (done, total) callback driving a rich bar on a terminal, or None when not a terminal."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None, console
        return
    columns = [BarColumn(), DownloadColumn() if in_bytes else TaskProgressColumn(), TimeRemainingColumn()]
    with Progress(*Progress.get_default_columns()[:1], *columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield (lambda done, total: bar.update(task, completed=done, total=total)), bar.console


def run_import(kind: str, path: Path) -> None:
    engine = database()
    run = IMPORTERS[kind]
    printed = 0
    with progress_bar(f"importing {path.name}", in_bytes=True) as (progress, console):

        def on_problem(line: int, reason: str) -> None:
            nonlocal printed
            printed += 1
            if printed <= PRINTED_PROBLEMS:
                console.print(f"line {line}: {reason}", markup=False, highlight=False)

        summary = run(engine, path, on_problem=on_problem, progress=progress)
    if printed > PRINTED_PROBLEMS:
        typer.echo(f"... and {printed - PRINTED_PROBLEMS:,} more rejected rows", err=True)
    for line in summary.lines():
        typer.echo(line)
    if summary.rejected:
        raise typer.Exit(1)


@import_app.command("contacts")
def import_contacts(
    path: Path = typer.Argument(..., help="CSV with a header row: user_id, email, first_name, ..."),
) -> None:
    """Upsert contacts from a CSV file (columns as identify traits; other columns become traits)."""
    run_import("contacts", path)


@import_app.command("events")
def import_events(
    path: Path = typer.Argument(..., help="JSON Lines file: one Segment identify/track call per line."),
) -> None:
    """Store Segment-format identify/track calls from a JSON Lines file (deduplicated by messageId)."""
    run_import("events", path)


@import_app.command("shopify-customers")
def import_shopify_customers(
    path: Path = typer.Argument(..., help="The CSV from Shopify admin: Customers -> Export."),
) -> None:
    """Upsert contacts from Shopify's customers export (consent from "Accepts Email Marketing")."""
    run_import("shopify-customers", path)


@import_app.command("shopify-orders")
def import_shopify_orders(
    path: Path = typer.Argument(..., help="The CSV from Shopify admin: Orders -> Export (a row per line item)."),
) -> None:
    """Store paid orders from Shopify's orders export as "Order Completed" (once per order)."""
    run_import("shopify-orders", path)


def seed(
    contacts: int = typer.Option(5000, "--contacts", min=0, help="How many contacts (u1..uN)."),
    days: int = typer.Option(30, "--days", min=1, max=730, help="Days of shopping history."),
    seed_value: int = typer.Option(7, "--seed", help="Random seed: the same seed makes the same store."),
) -> None:
    """Fill an empty database with a realistic, deterministic demo store."""
    engine = database()
    if not store_is_empty(engine):
        fail("the store already has contacts, events or products; `nudge seed` only fills an "
             "empty database (point DATABASE_URL at a new one)")
    with progress_bar("seeding contacts", in_bytes=False) as (progress, _):
        summary = seed_store(engine, contacts, days=days, seed=seed_value, progress=progress)
    for line in summary.lines():
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.command("seed")(seed)

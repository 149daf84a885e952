"""Segment and audience commands: preview, save and list segments; export ad audiences.

`nudge segment preview FILE.json` (or a saved name), `nudge segment create NAME FILE.json`,
`nudge segment list`, and `nudge audience export SEGMENT --platform meta --out FILE` (plus
`audience buyers` and `audience lookalike`) run the same tools Slack uses, so the checks,
errors and audit entries are the same. Bad input ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from bot.cli.common import YES_OPTION, fail, run_tool
from tools.core.context import ToolResult

segment_app = typer.Typer(no_args_is_help=True, help="Build, preview and list segments.")
audience_app = typer.Typer(no_args_is_help=True, help="Export hashed ad audiences (Meta, Google).")


def _run(name: str, arguments: dict[str, Any], yes: bool = False) -> ToolResult:
    return run_tool(name, arguments, yes)


def _read_spec(path: str) -> Any:
    file = Path(path)
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{path}: cannot read it ({error.__class__.__name__})")
    except json.JSONDecodeError as error:
        fail(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})")


def _out(path: str | None) -> str | None:
    # The shell user means a path relative to where they stand, not to the export folder.
    return None if path is None else str(Path(path).expanduser().absolute())


@segment_app.command("preview")
def preview(
    source: str = typer.Argument(..., metavar="FILE.json|NAME", help="A spec file or a saved segment."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Count a segment, show five members and who is reachable by email."""
    is_file = source.endswith(".json") or Path(source).is_file()
    arguments = {"spec": _read_spec(source)} if is_file else {"name": source}
    result = _run("preview_segment", arguments)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(result.summary)
    for member in result.samples:
        typer.echo(f"  #{member.id} {member.user_id} {member.email or '-'} {member.country or '-'}")


@segment_app.command("create")
def create(
    name: str = typer.Argument(..., help="A unique name, e.g. abandoned-cart-24h."),
    file: str = typer.Argument(..., metavar="FILE.json", help="The segment spec."),
    replace: bool = typer.Option(False, "--replace", help="Save a new version of an existing segment."),
    description: str = typer.Option(None, help="What the segment is for."),
) -> None:
    """Save a segment spec under a name."""
    arguments = {"name": name, "spec": _read_spec(file), "replace": replace, "description": description}
    typer.echo(_run("create_segment", arguments).summary)


@segment_app.command("list")
def list_() -> None:
    """List saved segments."""
    result = _run("list_segments", {})
    for row in result.segments:
        typer.echo(f"{row.name}  v{row.version}  {row.created_at:%Y-%m-%d}  {row.description or ''}".rstrip())
    typer.echo(result.summary, err=True)


@audience_app.command("export")
def export(
    segment: str = typer.Argument(..., help="The saved segment to export."),
    platform: str = typer.Option("meta", help="meta or google."),
    out: str = typer.Option(None, "--out", help="The CSV file to write (default: the export folder)."),
    exclude_converted_within: str = typer.Option("30d", help="Leave out buyers of this window."),
    keep_buyers: bool = typer.Option(False, "--keep-buyers", help="Do not leave out recent buyers."),
    yes: bool = YES_OPTION,
) -> None:
    """Write a segment as a hashed customer-list CSV for Meta or Google."""
    arguments = {"segment": segment, "platform": platform, "out": _out(out),
                 "exclude_converted_within": None if keep_buyers else exclude_converted_within}
    typer.echo(_run("export_audience", arguments, yes).summary)


@audience_app.command("buyers")
def buyers(
    platform: str = typer.Option("meta", help="meta or google."),
    within: str = typer.Option("30d", help="Buyers who ordered within this window."),
    out: str = typer.Option(None, "--out", help="The CSV file to write."),
    yes: bool = YES_OPTION,
) -> None:
    """Write recent buyers as a hashed exclusion list."""
    arguments = {"platform": platform, "within": within, "out": _out(out)}
    typer.echo(_run("export_buyer_suppression", arguments, yes).summary)


@audience_app.command("lookalike")
def lookalike(
    platform: str = typer.Option("meta", help="meta or google."),
    metric: str = typer.Option("spend", help="spend or orders."),
    top: int = typer.Option(1000, help="How many best customers."),
    out: str = typer.Option(None, "--out", help="The CSV file to write."),
    yes: bool = YES_OPTION,
) -> None:
    """Write the best customers as a hashed lookalike seed list."""
    arguments = {"platform": platform, "metric": metric, "top": top, "out": _out(out)}
    typer.echo(_run("export_lookalike_seed", arguments, yes).summary)


def register(app: typer.Typer) -> None:
    app.add_typer(segment_app, name="segment")
    app.add_typer(audience_app, name="audience")

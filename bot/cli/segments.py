"""`nudge segment preview FILE.json|NAME`: count a segment from a spec file or a saved name.

The other segment and audience commands (`nudge segment create NAME FILE.json`, `segment list`,
`audience export|buyers|lookalike`) are generated from their tools (`bot/cli/tool_commands.py`).

It runs the same `preview_segment` tool Slack uses. Bad input ends with one line on stderr and
exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from bot.cli.common import fail, run_tool
from tools.core.context import ToolResult


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


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    groups["segment"].command("preview")(preview)

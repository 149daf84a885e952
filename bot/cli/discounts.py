"""Discount code commands: `nudge discount import FILE.csv --campaign C --step N` and
`nudge discount status CAMPAIGN`.

`import` reads the file here (a tool is given the text, never a path) and hands it to the
`import_discount_codes` tool: each bad row is printed as `line N: reason` on stderr, then one
summary line. The exit code is 0 when every row was a code, 1 when some rows were rejected (the
good codes are kept either way) and 2 when the file could not be read or has no code column.
"""

from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.common import fail, run_tool
from tools.campaigns.discounts import MAX_FILE_CHARACTERS
from tools.core.lookup import CAMPAIGN_HELP

discount_app = typer.Typer(no_args_is_help=True, help="Single-use discount codes for a campaign step.")


@discount_app.command("import")
def import_codes(
    path: Path = typer.Argument(..., metavar="FILE.csv",
                                help="Your shop's discount code export (a Code column) or one code a line."),
    campaign: str = typer.Option(..., "--campaign", help=CAMPAIGN_HELP),
    step: int = typer.Option(..., "--step", min=1, help="The step's position (1 for the first email)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Add single-use codes to a step's pool: each recipient of the step gets one of its own."""
    text = _read(path)
    result = run_tool("import_discount_codes", {"campaign": campaign, "step": step, "text": text,
                                                "source": path.name})
    for problem in result.problems:
        typer.echo(problem, err=True)
    if len(result.problems) < result.rejected:
        typer.echo(f"... and {result.rejected - len(result.problems):,} more rejected rows", err=True)
    typer.echo(result.model_dump_json(indent=2) if as_json else result.summary)
    if result.rejected:
        raise typer.Exit(1)


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_CHARACTERS:
            fail(f"{path} is larger than {MAX_FILE_CHARACTERS // 1_000_000} MB; split it and import the parts")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail(f"no file {path}; give the CSV your shop exported (Shopify: Discounts > the discount > Export codes)")
    except IsADirectoryError:
        fail(f"{path} is a directory; give the CSV file of codes")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text; export the codes as CSV")
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}")
    return ""


@discount_app.command("status")
def status(
    campaign: str = typer.Argument(..., metavar="CAMPAIGN", help=CAMPAIGN_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Codes left in each step's pool, given out and sent, and messages waiting for a code."""
    result = run_tool("show_discount_codes", {"campaign": campaign})
    typer.echo(result.model_dump_json(indent=2) if as_json else result.summary)


def register(app: typer.Typer) -> None:
    app.add_typer(discount_app, name="discount")

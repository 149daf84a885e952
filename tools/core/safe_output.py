"""Files Nudge writes for people to open elsewhere: inside the working directory, inert in Excel.

A customer's name such as `=HYPERLINK("http://evil.example","Click")` is stored exactly as given
(it is data), but a CSV cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
is written with a leading `'`, so Excel, Numbers or Sheets show it as text instead of running it
(OWASP "CSV injection"). Output paths given on the command line or by a tool must resolve inside
the working directory, so a request cannot write over `~/.ssh/authorized_keys` or `/etc`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from tools.core.context import ToolError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet will show it, never evaluate it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(stream: TextIO, header: list[str], rows: Iterable[Iterable[Any]]) -> int:
    """Write a header and rows with every text cell made safe; returns the number of rows."""
    writer = csv.writer(stream)
    writer.writerow([safe_cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
    return count


def output_path(requested: str | Path, base: Path | None = None, example: str = "exports/out.json") -> Path:
    """The resolved path for a file to write, refused unless it lies inside `base` (the cwd).

    Symbolic links are followed before the check, so a link pointing outside is refused too.
    """
    base = (base or Path.cwd()).resolve()
    text = str(requested)
    if not text.strip() or "\x00" in text:
        raise ToolError(f"output path {text!r} is not a file name; give one like out.json")
    path = (base / Path(text).expanduser()).resolve()
    if path != base and base not in path.parents:
        raise ToolError(
            f"output path '{text}' is outside the working directory {base}: Nudge writes files only "
            f"inside the directory it runs in (so no path can overwrite anything else); give a path "
            f"inside it, e.g. {example}"
        )
    if path.is_dir():
        raise ToolError(f"output path '{text}' is a directory; give a file name inside it")
    return path

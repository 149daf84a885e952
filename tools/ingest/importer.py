"""Bulk import from files: contacts from CSV, Segment calls from JSON Lines, streamed in batches.

Files are read line by line and written every `BATCH` rows, so memory stays flat however big
the file is. A bad row is reported with its line number and the reason (through `on_problem`
as it is found, and in the summary) and skipped; the good rows around it are kept. Re-importing
the same file changes nothing: contacts are upserted and unchanged ones are not written, and
events are deduplicated by messageId (or by an id derived from their content). Cells are stored
as the text they are: a cell such as `=HYPERLINK(...)` is kept as plain text and never evaluated.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tools.core.audit import record
from tools.core.bulk import lock_for_writing, write_turn
from tools.core.clock import SYSTEM_CLOCK, Clock
from tools.core.context import ToolError
from tools.core.db import session_scope
from tools.core.identity import email_salt
from tools.ingest.calls import MAX_CALL_BYTES, ingest_calls
from tools.ingest.contacts import ContactTraits, contact_fields, upsert_contacts

BATCH = 1000
KEPT_PROBLEMS = 1000
KNOWN_COLUMNS = {"user_id", *ContactTraits.model_fields}
Problem = Callable[[int, str], None]
Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    """What an import did; `problems` keeps the first KEPT_PROBLEMS (line, reason) pairs."""

    kind: str
    path: str
    rows: int = 0
    imported: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_events: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    def reject(self, line: int, reason: str, on_problem: Problem | None) -> None:
        self.rejected += 1
        if len(self.problems) < KEPT_PROBLEMS:
            self.problems.append((line, reason))
        if on_problem:
            on_problem(line, reason)

    def lines(self) -> list[str]:
        done = f"{self.path}: {self.rows:,} rows read, {self.imported:,} imported, {self.rejected:,} rejected"
        if self.kind == "contacts":
            done += f" ({self.created:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged)"
        else:
            done += f" ({self.new_events:,} new events; duplicates skipped)"
        return [done]


def import_contacts(
    engine: Engine, path: str | Path, clock: Clock = SYSTEM_CLOCK,
    on_problem: Problem | None = None, progress: Progress | None = None,
) -> ImportSummary:
    """Upsert contacts from a CSV file with a header row naming at least a `user_id` column."""
    summary = ImportSummary("contacts", str(path))
    with open_import(path) as raw:
        counter = ByteCounter(raw, os.fstat(raw.fileno()).st_size, progress)
        reader = csv.reader(counter.lines())
        header = _header(reader, path)
        store_rows(engine, numbered_rows(reader, counter), lambda cells: _contact_row(header, cells),
                   _flush_contacts, summary, clock, on_problem)
    return summary


Flush = Callable[[Engine, list, datetime, Any], None]


def store_rows(engine: Engine, rows: Iterable[tuple[int, list[str], str | None]], to_row: Callable[[list[str]], Any],
               flush: Flush, summary: Any, clock: Clock, on_problem: Problem | None) -> None:
    """The loop every CSV import shares: each good row converted, each bad one named by its line,
    written every BATCH rows (`flush` empties the list), and the import audited once at the end."""
    pending: list = []
    for line, cells, problem in rows:
        summary.rows += 1
        try:
            if problem:
                raise ValueError(problem)
            pending.append(to_row(cells))
        except ValueError as error:
            summary.reject(line, str(error), on_problem)
        if len(pending) >= BATCH:
            flush(engine, pending, clock.now(), summary)
    flush(engine, pending, clock.now(), summary)
    audit_import(engine, summary, clock.now())


def import_events(
    engine: Engine, path: str | Path, clock: Clock = SYSTEM_CLOCK,
    on_problem: Problem | None = None, progress: Progress | None = None,
) -> ImportSummary:
    """Store Segment `identify`/`track` calls from a JSON Lines file, one call per line."""
    summary = ImportSummary("events", str(path))
    with open_import(path) as raw:
        counter = ByteCounter(raw, os.fstat(raw.fileno()).st_size, progress)
        calls, numbers = [], []
        for line, text in enumerate(counter.raw_lines(), start=1):
            if not text.strip():
                continue
            summary.rows += 1
            try:
                calls.append(_json_call(text))
                numbers.append(line)
            except ValueError as error:
                summary.reject(line, str(error), on_problem)
            if len(calls) >= BATCH:
                flush_events(engine, calls, numbers, clock.now(), summary, on_problem)
        flush_events(engine, calls, numbers, clock.now(), summary, on_problem)
    audit_import(engine, summary, clock.now())
    return summary


def open_import(path: str | Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise ToolError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ToolError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise ToolError(f"{path}: not readable (permission denied)") from None


class ByteCounter:
    """Reads a binary file line by line, counting bytes for progress and noting bad UTF-8."""

    def __init__(self, raw: BinaryIO, total: int, progress: Progress | None) -> None:
        self.raw, self.total, self.progress = raw, total, progress
        self.done = 0
        self.bad_lines: set[int] = set()

    def raw_lines(self) -> Iterator[bytes]:
        for number, line in enumerate(self.raw, start=1):
            self.done += len(line)
            if self.progress and number % BATCH == 0:
                self.progress(self.done, self.total)
            yield line
        if self.progress:
            self.progress(self.done, self.total)

    def lines(self) -> Iterator[str]:
        for number, line in enumerate(self.raw_lines(), start=1):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                self.bad_lines.add(number)
                text = line.decode("utf-8", "replace")
            yield text.removeprefix("\ufeff") if number == 1 else text


def _header(reader: Iterable[list[str]], path) -> list[str]:
    try:
        header = [_column(cell) for cell in next(iter(reader))]
    except StopIteration:
        raise ToolError(f"{path}: the file is empty; expected a header row with a user_id column") from None
    except csv.Error as error:
        raise ToolError(f"{path}: line 1: unreadable header ({error})") from None
    if "user_id" not in header:
        found = ", ".join(cell[:40] for cell in header[:12]) or "none"
        raise ToolError(f"{path}: the header has no user_id column (columns found: {found})")
    return header


def _column(name: str) -> str:
    """A header cell: known columns match whatever their case; other names are kept as given."""
    name = name.strip()
    return name.lower() if name.lower() in KNOWN_COLUMNS else name


def numbered_rows(reader, counter: ByteCounter) -> Iterator[tuple[int, list[str], str | None]]:
    """(first line number, cells, problem) per record; blank lines are skipped."""
    first = 2
    while True:
        problem = None
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            cells, problem = [], f"unreadable CSV ({error})"
        if any(first <= number <= reader.line_num for number in counter.bad_lines):
            problem = "not valid UTF-8; save the file as UTF-8"
        counter.bad_lines.clear()
        if cells or problem:
            yield first, cells, problem
        first = reader.line_num + 1


def _contact_row(header: list[str], cells: list[str]) -> dict:
    if len(cells) != len(header):
        raise ValueError(f"has {len(cells)} cells but the header has {len(header)} columns")
    if sum(len(cell) for cell in cells) > MAX_CALL_BYTES:
        raise ValueError(f"row is larger than {MAX_CALL_BYTES // 1024} KB")
    if any("\x00" in cell for cell in cells):
        raise ValueError("contains a NUL character, which cannot be stored")
    values = {name: cell for name, cell in zip(header, cells) if name and cell.strip()}
    user_id = values.pop("user_id", "").strip()
    if not user_id:
        raise ValueError("user_id is empty")
    if len(user_id) > 255:
        raise ValueError("user_id is longer than 255 characters")
    return contact_fields(user_id, values, prefix="")


def _flush_contacts(engine: Engine, pending: list[dict], now: datetime, summary: ImportSummary) -> None:
    if not pending:
        return
    with write_turn(engine), session_scope(engine) as db:
        lock_for_writing(db)
        outcome = upsert_contacts(db, pending, email_salt(db), now)
    summary.imported += len(pending)
    summary.created += outcome.created
    summary.updated += outcome.updated
    summary.unchanged += outcome.unchanged
    pending.clear()


def _json_call(text: bytes) -> dict:
    if len(text) > MAX_CALL_BYTES:
        raise ValueError(f"call is larger than {MAX_CALL_BYTES // 1024} KB")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise ValueError(f"not valid UTF-8 JSON: {error}") from None


def flush_events(engine, calls: list, numbers: list[int], now, summary: Any, on_problem,
                 prepare: Callable[[Session, list], None] | None = None) -> None:
    """Store a batch of Segment calls from a file (`prepare` may first adjust them in the same
    transaction), count what was new, and name each rejected call by its line."""
    if not calls:
        return
    with write_turn(engine), session_scope(engine) as db:
        lock_for_writing(db)
        if prepare is not None:
            prepare(db, calls)
        outcome = ingest_calls(db, calls, now, check_sizes=False, count_new=True)
    summary.imported += outcome.accepted
    summary.new_events += outcome.new_events
    for rejection in outcome.rejected:
        summary.reject(numbers[rejection.index], rejection.error, on_problem)
    calls.clear()
    numbers.clear()


def audit_import(engine: Engine, summary: ImportSummary, now: datetime) -> None:
    details = {k: getattr(summary, k) for k in ("rows", "imported", "rejected", "created", "updated")}
    with session_scope(engine) as db:
        record(db, "cli", f"import_{summary.kind}", Path(summary.path).name, details, at=now)

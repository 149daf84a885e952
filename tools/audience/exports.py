"""Retargeting files for ad platforms: customer-list audiences, buyer exclusions, lookalike seeds.

Nudge does not buy ads; it writes the CSV a marketer uploads. Every file holds only SHA-256
hashes of normalised (trimmed, lower-case) addresses, never plain text, in the column each
platform expects for customer lists: Meta `email` (EMAIL_SHA256), Google Customer Match `Email`.
Who may be shared is decided by `tools.audience.policy` for the "ads" channel (never do-not-sell
or suppressed contacts; EU/EEA/UK only with ad consent), and the export reports how many were
left out by each rule. Each file is recorded (`ExportRecord`) and audited, so an erasure
request can list what to withdraw from the platforms. Files go under `NUDGE_EXPORT_DIR`; a path
outside that folder and the working directory is refused.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field
from sqlalchemy import Select, and_, desc, false, func, select
from sqlalchemy.sql.elements import ColumnElement

from tools.audience.order_value import order_value
from tools.audience.policy import reachable_clause, reason_expression
from tools.audience.rollup import PURCHASE_EVENT, ordered_since
from tools.audience.segments import load_spec, query_form
from tools.audience.spec import Window
from tools.audience.sql import condition
from tools.core import audit, windows
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.identity import normalise_email
from tools.core.models import Contact, Event, ExportRecord

Platform = Literal["meta", "google"]
EMAIL_COLUMN = {"meta": "email", "google": "Email"}
PAGE = 5000


class ExportAudienceInput(ToolInput):
    segment: str = Field(description="the saved segment to export")
    platform: Platform = "meta"
    exclude_converted_within: Window | None = Field(
        "30d", description="leave out anyone who bought within this window (null: keep buyers)"
    )
    out: str | None = Field(None, description="file name under the export folder (optional)")


class ExportBuyersInput(ToolInput):
    platform: Platform = "meta"
    within: Window = Field("30d", description="buyers who ordered within this window")
    out: str | None = None


class ExportLookalikeInput(ToolInput):
    platform: Platform = "meta"
    metric: Literal["spend", "orders"] = "spend"
    top: int = Field(1000, ge=1, le=1_000_000, description="how many best customers")
    out: str | None = None


class ExportResult(ToolResult):
    path: str
    rows: int
    excluded: dict[str, int]
    frequency_cap: int | None = None


def export_audience(ctx: ToolContext, args: ExportAudienceInput) -> ExportResult:
    """Write a saved segment as an ad-platform customer list (hashed emails, Meta or Google),
    leaving out contacts the ads rules exclude and, by default, anyone who bought in the last
    30 days. Reports the exclusions per rule and the recommended frequency cap."""
    now = ctx.now()
    members = condition(load_spec(ctx.db, args.segment), now, query_form(ctx.db))
    converted = _bought_within(now, args.exclude_converted_within)
    excluded = _exclusions(ctx, members, converted, now)
    wanted = and_(members, reachable_clause("ads", ctx.settings, now))
    if converted is not None:
        wanted = and_(wanted, ~converted)
    path = _target(ctx, args.out, f"{_slug(args.segment)}-{args.platform}", now)
    rows = _write(path, [EMAIL_COLUMN[args.platform]], _hashed_rows(ctx, wanted), excluded)
    _record(ctx, "audience", args.platform, args.segment, path, rows, excluded)
    cap = ctx.settings.ad_frequency_cap
    return ExportResult(
        summary=_summary(f"Exported '{args.segment}' for {args.platform}", path, rows, excluded)
        + f" Recommended ad-set frequency cap: {cap} impressions per person per day.",
        path=str(path), rows=rows, excluded=dict(excluded), frequency_cap=cap,
    )


def export_buyer_suppression(ctx: ToolContext, args: ExportBuyersInput) -> ExportResult:
    """Write recent buyers (ordered within the window, default 30 days) as a hashed customer
    list to upload as an exclusion audience, so ads stop showing to people who converted."""
    now = ctx.now()
    buyers = _bought_within(now, args.within)
    excluded = _exclusions(ctx, buyers, None, now)
    wanted = and_(buyers, reachable_clause("ads", ctx.settings, now))
    path = _target(ctx, args.out, f"buyers-{args.within}-{args.platform}", now)
    rows = _write(path, [EMAIL_COLUMN[args.platform]], _hashed_rows(ctx, wanted), excluded)
    _record(ctx, "buyer_suppression", args.platform, None, path, rows, excluded)
    return ExportResult(
        summary=_summary(f"Exported buyers of the last {args.within} for {args.platform} as an "
                         "exclusion list", path, rows, excluded),
        path=str(path), rows=rows, excluded=dict(excluded),
    )


def export_lookalike_seed(ctx: ToolContext, args: ExportLookalikeInput) -> ExportResult:
    """Write the best customers (top N by lifetime spend or order count) as a hashed seed list
    for a lookalike audience; Meta files carry a value column for value-based lookalikes."""
    now = ctx.now()
    ranked = _ranking(args.metric, args.top)
    reason = reason_expression("ads", ctx.settings, now)
    query = select(Contact.email, ranked.c.score, reason).join(ranked, ranked.c.contact_id == Contact.id)
    excluded: Counter = Counter()
    columns = [EMAIL_COLUMN[args.platform]] + (["value"] if args.platform == "meta" else [])

    def rows() -> Iterator[list[str]]:
        for email, score, why in ctx.db.execute(query.order_by(desc(ranked.c.score), Contact.id)):
            if why:
                excluded[why] += 1
            elif hashed := _hash(email):
                yield [hashed, f"{score:.2f}"][: len(columns)]
            else:
                excluded["invalid_email"] += 1

    path = _target(ctx, args.out, f"lookalike-{args.metric}-top{args.top}-{args.platform}", now)
    count = _write(path, columns, rows(), excluded)
    _record(ctx, "lookalike_seed", args.platform, None, path, count, excluded)
    return ExportResult(
        summary=_summary(f"Exported the top {args.top:,} customers by {args.metric} as a "
                         f"lookalike seed for {args.platform}", path, count, excluded),
        path=str(path), rows=count, excluded=dict(excluded),
    )


def _bought_within(now: datetime, window: str | None) -> ColumnElement[bool] | None:
    if window is None:
        return None
    return ordered_since(now - windows.duration(window))


def _ranking(metric: str, top: int):
    value = order_value(Event.properties)
    score = func.coalesce(func.sum(value), 0.0) if metric == "spend" else func.count()
    query: Select = (
        select(Event.contact_id, score.label("score"))
        .where(Event.name == PURCHASE_EVENT, Event.contact_id.is_not(None))
        .group_by(Event.contact_id)
        .order_by(desc("score"), Event.contact_id)
        .limit(top)
    )
    return query.subquery()


def _exclusions(ctx: ToolContext, members, converted, now: datetime) -> Counter:
    """How many members each ads rule (and a recent purchase) leaves out, in one query."""
    reason = reason_expression("ads", ctx.settings, now).label("reason")
    bought = converted if converted is not None else false()
    rows = select(reason, bought.label("bought")).where(members).subquery()
    query = select(rows.c.reason, rows.c.bought, func.count()).group_by(rows.c.reason, rows.c.bought)
    excluded: Counter = Counter()
    for why, was_bought, count in ctx.db.execute(query):
        if why:
            excluded[why] += count
        elif was_bought:
            excluded["converted"] += count
    return excluded


def _hashed_rows(ctx: ToolContext, wanted: ColumnElement[bool]) -> Iterator[list[str]]:
    """Hashed addresses of the wanted contacts, read in keyset pages."""
    last = 0
    while True:
        query = select(Contact.id, Contact.email).where(wanted, Contact.id > last)
        page = ctx.db.execute(query.order_by(Contact.id).limit(PAGE)).all()
        for _, email in page:
            hashed = _hash(email)
            yield [hashed] if hashed else []
        if len(page) < PAGE:
            return
        last = page[-1][0]


def _hash(email: str | None) -> str | None:
    """SHA-256 hex of the normalised address, as both platforms specify (no salt)."""
    cleaned = normalise_email(email)
    return hashlib.sha256(cleaned.encode()).hexdigest() if cleaned else None


def _write(path: Path, header: list[str], rows: Iterator[list[str]], excluded: Counter) -> int:
    """Write the CSV through a temporary file, so a failure never leaves half a list behind."""
    partial = path.with_name(path.name + ".partial")
    count = 0
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                if not row:
                    excluded["invalid_email"] += 1
                    continue
                writer.writerow(row)
                count += 1
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "audience"


def check_target(ctx: ToolContext, out: str | None) -> None:
    """Refuse an `out` the export may not write, before anything else is asked or done."""
    if out is not None:
        _target_path(ctx, out, "", ctx.now())


def _target(ctx: ToolContext, out: str | None, stem: str, now: datetime) -> Path:
    path = _target_path(ctx, out, stem, now)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _target_path(ctx: ToolContext, out: str | None, stem: str, now: datetime) -> Path:
    """Where to write: under the export folder, or inside the working directory; never over an
    existing file and never outside those two places."""
    folder = Path(ctx.settings.export_dir).expanduser().resolve()
    if out is None:
        path = folder / f"{stem}-{now:%Y%m%d-%H%M%S}.csv"
    else:
        given = Path(out).expanduser()
        path = (given if given.is_absolute() else folder / given).resolve()
        if not (path.is_relative_to(folder) or path.is_relative_to(Path.cwd().resolve())):
            raise ToolError(
                f"'{out}' is outside the export folder ({folder}) and the working directory; "
                "choose a file name there"
            )
    if path.exists():
        raise ToolError(f"'{path}' already exists; choose another file name (nothing was written)")
    return path


def _record(ctx: ToolContext, kind: str, platform: str, segment: str | None, path: Path,
            rows: int, excluded: Counter) -> None:
    ctx.db.add(ExportRecord(kind=kind, platform=platform, segment_name=segment, path=str(path),
                            row_count=rows, created_by=ctx.actor, created_at=ctx.now()))
    audit.record(ctx.db, ctx.actor, f"export.{kind}", subject=segment or kind,
                 details={"platform": platform, "path": str(path), "rows": rows,
                          "excluded": dict(excluded)}, thread=ctx.thread, at=ctx.now())


def _summary(what: str, path: Path, rows: int, excluded: Counter) -> str:
    left_out = ", ".join(f"{why.replace('_', ' ')} {n:,}" for why, n in excluded.most_common() if n)
    text = f"{what}: {rows:,} hashed emails written to {path}."
    return text + (f" Left out: {left_out}." if left_out else " Nobody was left out.")

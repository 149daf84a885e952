"""Segments: saving, previewing and listing audiences, and streaming their members.

A segment is a named, versioned `SegmentSpec` (see `tools.audience.spec` for the language and
`tools.audience.sql` for its SQL). The tools here check a spec's event names against the
e-commerce names Nudge knows and the names already in the events table, count and sample the
members, break them down by country, region and email reachability (the rules of
`tools.audience.policy`), and stream members in keyset pages so a million ids never sit in
memory at once.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Select, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tools.audience.policy import reason_expression
from tools.audience.spec import SegmentSpec, event_names
from tools.audience.sql import Form, compile_spec, condition
from tools.core import audit
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.models import Contact, Event, Segment

__all__ = [
    "compile_spec", "count_members", "load_spec", "member_batches", "member_ids", "query_form", "resolve",
]

# Segment's e-commerce spec v2 names, plus page views; names already tracked are accepted too.
KNOWN_EVENTS = (
    "Products Searched", "Product List Viewed", "Product List Filtered", "Promotion Viewed",
    "Promotion Clicked", "Product Clicked", "Product Viewed", "Product Added", "Product Removed",
    "Cart Viewed", "Checkout Started", "Checkout Step Viewed", "Checkout Step Completed",
    "Payment Info Entered", "Order Updated", "Order Completed", "Order Refunded",
    "Order Cancelled", "Coupon Entered", "Coupon Applied", "Coupon Denied", "Coupon Removed",
    "Product Added to Wishlist", "Product Removed from Wishlist",
    "Wishlist Product Added to Cart", "Product Shared", "Cart Shared", "Product Reviewed",
    "Page Viewed", "Viewed Page",
)
NAME_PATTERN = re.compile(r"^[\w][\w .\-]{0,99}$")
REACHABILITY = ("reachable", "no_email", "no_consent", "unsubscribed", "bounced", "complained", "erased")
SAMPLE_SIZE = 5
TOP = 10
PAGE_SIZE = 5000
SMALL_SET = 100_000
# Below this many events PostgreSQL looks a test's contacts up by key instead of scanning all
# contacts for a semi-join (the "array" form of tools.audience.sql). On a million contacts that
# won from 34,000 events (0.08 s against 0.14 s) to 480,000 (0.31 s against 0.36 s); the cap
# bounds the array the server builds in memory.
ARRAY_SET = 200_000


class CreateSegmentInput(ToolInput):
    name: str = Field(description="a short unique name, e.g. abandoned-cart-24h")
    spec: SegmentSpec
    description: str | None = Field(None, max_length=500)
    replace: bool = Field(False, description="save a new version of an existing segment")

    @model_validator(mode="after")
    def _name(self) -> CreateSegmentInput:
        self.name = self.name.strip()
        if not NAME_PATTERN.match(self.name):
            raise ValueError(
                f"segment name '{self.name}' must start with a letter or digit and use only "
                "letters, digits, spaces, '.', '_' or '-' (max 100)"
            )
        return self


class SegmentInput(ToolInput):
    name: str | None = Field(None, description="a saved segment's name")
    spec: SegmentSpec | None = Field(None, description="or an unsaved spec")

    @model_validator(mode="after")
    def _one(self) -> SegmentInput:
        if (self.name is None) == (self.spec is None):
            raise ValueError("give either name (a saved segment) or spec, not both or neither")
        return self


class ListSegmentsInput(ToolInput):
    pass


class CreateSegmentResult(ToolResult):
    name: str
    version: int
    count: int


class SampleMember(BaseModel):
    id: int
    user_id: str
    email: str | None
    country: str | None
    region: str | None


class PreviewSegmentResult(ToolResult):
    count: int
    samples: list[SampleMember]
    by_country: dict[str, int]
    by_region: dict[str, int]
    reachability: dict[str, int]


class SegmentInfo(BaseModel):
    name: str
    version: int
    description: str | None
    created_by: str | None
    created_at: datetime


class ListSegmentsResult(ToolResult):
    segments: list[SegmentInfo]


def create_segment(ctx: ToolContext, args: CreateSegmentInput) -> CreateSegmentResult:
    """Save an audience under a unique name. Re-saving an existing name needs replace=true and
    makes a new version (old versions are kept). Returns the member count now."""
    existing = current_segment(ctx.db, args.name)
    if existing and not args.replace:
        raise ToolError(
            f"a segment named '{existing.name}' already exists (version {existing.version}); "
            "pass replace=true to save a new version, or choose another name"
        )
    check_event_names(ctx.db, args.spec)
    count = count_members(ctx.db, args.spec, ctx.now())
    row = _save(ctx, args, existing)
    verb = "Saved" if row.version == 1 else f"Saved version {row.version} of"
    return CreateSegmentResult(
        summary=f"{verb} segment '{row.name}': {count:,} contacts match now.",
        name=row.name, version=row.version, count=count,
    )


def _save(ctx: ToolContext, args: CreateSegmentInput, existing: Segment | None) -> Segment:
    row = Segment(
        name=existing.name if existing else args.name,
        version=existing.version + 1 if existing else 1,
        spec=args.spec.stored(), description=args.description, is_current=True,
        created_by=ctx.actor, created_at=ctx.now(),
    )
    try:
        with ctx.db.begin_nested():
            if existing:
                existing.is_current = False
            ctx.db.add(row)
    except IntegrityError:
        raise ToolError(
            f"segment '{args.name}' was saved by someone else at the same moment; try again"
        ) from None
    action = "segment.replace" if existing else "segment.create"
    audit.record(ctx.db, ctx.actor, action, subject=row.name,
                 details={"version": row.version, "spec": row.spec}, thread=ctx.thread, at=ctx.now())
    return row


def preview_segment(ctx: ToolContext, args: SegmentInput) -> PreviewSegmentResult:
    """Show who is in a segment (saved name or spec): the count, five sample members, and a
    breakdown by country, region and email reachability (reachable, or excluded for no email,
    no consent, unsubscribed, bounced, complained, erased)."""
    label = f"'{args.name}'" if args.name else "This segment"
    spec = resolve(ctx.db, args.name or args.spec)
    if args.spec is not None:
        check_event_names(ctx.db, spec)
    now = ctx.now()
    where = condition(spec, now, query_form(ctx.db))
    groups = _breakdown(ctx, where, now)
    count = sum(groups.values())
    countries, regions, reachability = _tallies(groups)
    return PreviewSegmentResult(
        summary=_preview_summary(label, count, countries, reachability),
        count=count, samples=_samples(ctx.db, where), by_country=countries,
        by_region=regions, reachability=reachability,
    )


def _breakdown(ctx: ToolContext, where, now: datetime) -> Counter:
    reason = reason_expression("email", ctx.settings, now).label("reason")
    members = select(Contact.country, Contact.region, reason).where(where).subquery()
    query = select(members.c.country, members.c.region, members.c.reason, func.count()).group_by(
        members.c.country, members.c.region, members.c.reason
    )
    return Counter({(c, r, why): n for c, r, why, n in ctx.db.execute(query)})


def _top(counter: Counter) -> dict[str, int]:
    top = dict(counter.most_common(TOP))
    rest = sum(counter.values()) - sum(top.values())
    return top | ({"other": rest} if rest else {})


def _tallies(groups: Counter) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    countries, regions, reasons = Counter(), Counter(), Counter({name: 0 for name in REACHABILITY})
    for (country, region, reason), count in groups.items():
        countries[country or "unknown"] += count
        regions[f"{country or 'unknown'}/{region or 'unknown'}"] += count
        reasons[reason or "reachable"] += count
    return _top(countries), _top(regions), dict(reasons)


def _mask(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email
    local, domain = email.split("@", 1)
    return f"{local[:2]}***@{domain}"


def _samples(db: Session, where) -> list[SampleMember]:
    query = select(Contact).where(where).order_by(Contact.id).limit(SAMPLE_SIZE)
    return [
        SampleMember(id=c.id, user_id=c.user_id, email=_mask(c.email), country=c.country, region=c.region)
        for c in db.scalars(query)
    ]


def _preview_summary(label: str, count: int, countries: dict, reachability: dict) -> str:
    excluded = ", ".join(f"{why.replace('_', ' ')} {n:,}" for why, n in reachability.items()
                         if why != "reachable" and n)
    top = ", ".join(f"{country} {n:,}" for country, n in list(countries.items())[:5])
    text = f"{label} has {count:,} contacts; {reachability['reachable']:,} reachable by email"
    text += f" (excluded: {excluded})." if excluded else "."
    return text + (f" Top countries: {top}." if top else "")


def list_segments(ctx: ToolContext, args: ListSegmentsInput) -> ListSegmentsResult:
    """List the saved segments (current versions) with who saved them and when."""
    query = select(Segment).where(Segment.is_current.is_(True)).order_by(Segment.name)
    rows = [SegmentInfo.model_validate(row, from_attributes=True) for row in ctx.db.scalars(query)]
    names = ", ".join(f"{row.name} (v{row.version})" for row in rows)
    summary = f"{len(rows)} saved segments: {names}." if rows else "No segments saved yet."
    return ListSegmentsResult(summary=summary, segments=rows)


def current_segment(db: Session, name: str) -> Segment | None:
    """The current version of the segment called `name` (case-insensitive)."""
    query = select(Segment).where(
        func.lower(Segment.name) == name.strip().lower(), Segment.is_current.is_(True)
    )
    return db.scalars(query).first()


def load_spec(db: Session, name: str) -> SegmentSpec:
    """The current spec of a saved segment, or a ToolError listing the saved names."""
    row = current_segment(db, name)
    if row is None:
        current = select(Segment.name).where(Segment.is_current.is_(True)).order_by(Segment.name)
        names = list(db.scalars(current))
        known = ", ".join(names) if names else "none saved yet"
        raise ToolError(f"no segment named '{name}'; saved segments: {known}")
    return SegmentSpec.model_validate(row.spec)


def resolve(db: Session, spec_or_name: SegmentSpec | str | dict) -> SegmentSpec:
    """A spec from a saved name, a spec, or a spec's JSON."""
    if isinstance(spec_or_name, SegmentSpec):
        return spec_or_name
    if isinstance(spec_or_name, str):
        return load_spec(db, spec_or_name)
    return SegmentSpec.model_validate(spec_or_name)


def check_event_names(db: Session, spec: SegmentSpec) -> None:
    """Refuse event names that are neither known e-commerce names nor already tracked."""
    unknown = sorted(event_names(spec) - set(KNOWN_EVENTS))
    if not unknown:
        return
    tracked = set(db.scalars(select(Event.name).where(Event.name.in_(unknown)).distinct()))
    missing = [name for name in unknown if name not in tracked]
    if missing:
        choices = sorted(set(KNOWN_EVENTS) | set(_tracked_names(db)))
        close = difflib.get_close_matches(missing[0], choices, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ToolError(
            f"unknown event '{missing[0]}'{hint}; known events: {', '.join(choices)}"
        )


def _tracked_names(db: Session) -> list[str]:
    return list(db.scalars(select(Event.name).distinct().limit(200)))


def query_form(db: Session) -> Form:
    """How to phrase positive event tests for counting on this database.

    PostgreSQL turns `IN (subquery)` into a semi-join only as a conjunct of the whole WHERE;
    under an OR it would hash the whole subquery per query, or worse, so there it gets a
    correlated EXISTS. SQLite runs `IN (subquery)` by building the whole set first, which wins
    for a rare event (24 h of checkouts) and loses badly for a common one (a month of product
    views), where probing each contact's events in id order is cheaper. Measured on a million
    contacts, the set wins up to about 1.5 events per contact (0.7 s for 1.1 million events,
    1.4 s for 1.8 million, against about 1 s to probe every contact); counting the test's
    events by name and window (an index range, capped there) tells which side of that a test is
    on. On PostgreSQL the same count picks the "array" form for a conjunct with a small set."""
    if db.get_bind().dialect.name != "sqlite":
        return lambda sizer, top: ("array" if _fewer(db, sizer, ARRAY_SET) else "set") if top else "exists"
    limit = max(SMALL_SET, 3 * (db.scalar(select(func.max(Contact.id))) or 0) // 2)
    return lambda sizer, top: "set" if _fewer(db, sizer, limit) else "exists"


def _fewer(db: Session, sizer: Select, limit: int) -> bool:
    """Does the test select fewer than `limit` events? (Counting stops at the limit.)"""
    return db.scalar(select(func.count()).select_from(sizer.limit(limit).subquery())) < limit


def _page(db: Session, query: Select) -> list[int]:
    """One keyset page of member ids.

    PostgreSQL answers a "did not" test on such a page with a merge anti-join that reads the
    event index from the lowest contact id on every page: 0.5 s a page on a million contacts,
    25 s to stream 400,000 members. Probing each candidate's events (a nested loop) takes
    0.05 s a page, so merge joins are off for the page query and back on straight after.
    """
    if db.get_bind().dialect.name != "postgresql":
        return list(db.scalars(query))
    db.execute(text("SET LOCAL enable_mergejoin = off"))
    page = list(db.scalars(query))
    db.execute(text("SET LOCAL enable_mergejoin = DEFAULT"))
    return page


def count_members(db: Session, spec: SegmentSpec, now: datetime) -> int:
    where = condition(spec, now, query_form(db))
    return db.scalar(select(func.count()).select_from(Contact).where(where))


def member_batches(
    db: Session, spec_or_name: SegmentSpec | str | dict, now: datetime, batch_size: int = PAGE_SIZE
) -> Iterator[list[int]]:
    """The member ids in ascending pages of at most `batch_size`. Each page is its own query
    (`id > last`), so the caller may commit between pages and memory stays one page."""
    where = condition(resolve(db, spec_or_name), now, "exists")
    last = 0
    while True:
        query = select(Contact.id).where(where, Contact.id > last).order_by(Contact.id).limit(batch_size)
        page = _page(db, query)
        if page:
            yield page
        if len(page) < batch_size:
            return
        last = page[-1]


def member_ids(
    db: Session, spec_or_name: SegmentSpec | str | dict, now: datetime, batch_size: int = PAGE_SIZE
) -> Iterator[int]:
    """Every member id, ascending, fetched in pages (see `member_batches`)."""
    for page in member_batches(db, spec_or_name, now, batch_size):
        yield from page

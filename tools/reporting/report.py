"""Campaign performance: what was sent, skipped, opened, clicked and bought, and what it caused.

Counts come from SQL aggregations over the outbox (`messages`), what happened to each message
(`message_events`) and attributed orders (`conversions`), grouped by campaign, step, variant and
a time bucket (a local day, "yesterday", the whole period). Everything here only reads:
conversions are written by `tools.reporting.attribution` alone (its scheduler job), by the one rule (the
last message clicked within `attribution_click_days`, else opened within `attribution_open_days`).
Two statistics keep the numbers honest: the holdout lift (sent vs. held out, with a 95%
Newcombe interval) separates revenue a sequence caused from revenue it merely touched, and the
subject-line test names a winner only when a two-proportion z-test is significant. The
`campaign_report` tool puts all of it in plain words.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import Select, String, case, cast, distinct, func, literal, select
from sqlalchemy.orm import Session

from tools.audience.order_value import ORDER_EVENT, order_value
from tools.audience.spec import Window, window_delta
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.lookup import find_campaign
from tools.core.models import (
    Campaign,
    CampaignStep,
    Conversion,
    Draft,
    Enrolment,
    Event,
    Message,
    MessageEvent,
)
from tools.core.settings import Settings
from tools.core.vocabulary import NOT_SENT, CampaignStatus
from tools.reporting.attribution import order_filter

EVENT_KINDS = {"open": "opens", "click": "clicks", "unsubscribe": "unsubscribes",
               "bounce": "bounces", "complaint": "complaints"}
ACTIVE_STATUSES = (CampaignStatus.ACTIVE,)
Z_95 = 1.959963984540054
Dimension = Literal["campaign", "step", "variant"]
_DIMENSION_COLUMNS = {"campaign": "campaign_id", "step": "step_id", "variant": "variant"}


# --- time buckets ---------------------------------------------------------------------------

def local_day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local calendar day begins (DST-correct)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


@dataclass(frozen=True)
class Buckets:
    """Contiguous labelled intervals: label i covers [bounds[i], bounds[i+1])."""

    labels: tuple[str, ...]
    bounds: tuple[datetime, ...]

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    def expression(self, column: Any) -> Any:
        """A SQL CASE giving each row's label (callers keep rows to [start, end) themselves)."""
        return cast(_bisecting_case(column, self.labels, self.bounds), String(40))

    def clipped(self, start: datetime, end: datetime) -> Buckets:
        """The same labels with the first bucket starting at `start` and the last ending at `end`."""
        return Buckets(self.labels, (max(start, self.start), *self.bounds[1:-1], min(end, self.end)))


def _bisecting_case(column: Any, labels: Sequence[str], bounds: Sequence[datetime]) -> Any:
    # Nested halves cost each row about log2(n) comparisons instead of n/2: this runs per row.
    if len(labels) == 1:
        return literal(labels[0])
    middle = len(labels) // 2
    return case((column < bounds[middle], _bisecting_case(column, labels[:middle], bounds[:middle + 1])),
                else_=_bisecting_case(column, labels[middle:], bounds[middle:]))


def day_buckets(first: date, last: date, zone: ZoneInfo) -> Buckets:
    """One bucket per local day from `first` to `last` inclusive, labelled 'YYYY-MM-DD'."""
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    bounds = [local_day_start(day, zone) for day in days] + [local_day_start(last + timedelta(days=1), zone)]
    return Buckets(tuple(day.isoformat() for day in days), tuple(bounds))


def period_bucket(start: datetime, end: datetime, label: str = "period") -> Buckets:
    return Buckets((label,), (start, end))


# --- tallies ----------------------------------------------------------------------------------

@dataclass
class Tally:
    """The numbers for one group (campaign / step / variant) in one bucket.

    Summing tallies adds `recipients` too, which over-counts people reached in several
    buckets; ask `collect` for the wider bucket when distinct recipients matter.
    """

    sent: int = 0
    recipients: int = 0
    opens: int = 0
    clicks: int = 0
    unsubscribes: int = 0
    bounces: int = 0
    complaints: int = 0
    conversions: int = 0
    revenue: Decimal = Decimal("0")
    skipped: Counter = field(default_factory=Counter)
    deferred: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)

    def __iadd__(self, other: Tally) -> Tally:
        for name in ("sent", "recipients", "opens", "clicks", "unsubscribes", "bounces",
                     "complaints", "conversions", "revenue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in NOT_SENT:
            getattr(self, name).update(getattr(other, name))
        return self

    def rate(self, count: int | Decimal) -> float:
        return float(count) / self.sent if self.sent else 0.0

    @property
    def conversion_rate(self) -> float:
        return self.rate(self.conversions)

    @property
    def revenue_per_recipient(self) -> float:
        return float(self.revenue) / self.recipients if self.recipients else 0.0


GroupKey = tuple[int, int | None, str | None, str]


def collect(
    db: Session,
    buckets: Buckets,
    grain: Sequence[Dimension] = ("campaign",),
    campaign_ids: Iterable[int] | None = None,
    recipients: bool = False,
) -> dict[GroupKey, Tally]:
    """Tallies keyed by (campaign_id, step_id, variant, bucket label), from four aggregations.

    Sends count on the day they were sent, skips and deferrals on the day they were due, each
    tracking kind once per message and bucket on the day it happened, and orders on the day
    they were placed. `recipients` adds a distinct-contact count (costlier; reports need it for
    revenue per recipient, the digest does not).
    """
    ids = sorted(set(campaign_ids)) if campaign_ids is not None else None
    tallies: dict[GroupKey, Tally] = defaultdict(Tally)
    for row in db.execute(_sent_query(buckets, grain, ids, recipients)):
        tally = tallies[_key(grain, row)]
        tally.sent, tally.recipients = row.n, (row.people if recipients else 0)
    for row in db.execute(_non_send_query(buckets, grain, ids)):
        getattr(tallies[_key(grain, row)], row.status)[row.reason or "no reason given"] += row.n
    for row in db.execute(_event_query(buckets, grain, ids)):
        setattr(tallies[_key(grain, row)], EVENT_KINDS[row.kind], row.n)
    for row in db.execute(_conversion_query(buckets, grain, ids)):
        tally = tallies[_key(grain, row)]
        tally.conversions, tally.revenue = row.n, Decimal(row.revenue or 0)
    return dict(tallies)


def _key(grain: Sequence[Dimension], row: Any) -> GroupKey:
    return (
        row.campaign_id,
        row.step_id if "step" in grain else None,
        row.variant if "variant" in grain else None,
        row.bucket,
    )


def _grouped(inner: Select, grain: Sequence[Dimension], extra: Sequence[str], aggregates: list) -> Select:
    """Group an inner select by its dimension columns and bucket.

    The bucket CASE is computed in a subquery and grouped by name from outside, because
    PostgreSQL cannot tell that two bound copies of the CASE are the same expression.
    """
    sub = inner.subquery()
    keys = [sub.c[_DIMENSION_COLUMNS[d]] for d in grain] + [sub.c.bucket] + [sub.c[e] for e in extra]
    return select(*keys, *[aggregate(sub) for aggregate in aggregates]).group_by(*keys)


def _dimensions(grain: Sequence[Dimension]) -> list:
    return [getattr(Message, _DIMENSION_COLUMNS[d]) for d in grain]


def _sent_query(buckets: Buckets, grain: Sequence[Dimension], ids: list[int] | None, recipients: bool) -> Select:
    columns = [*_dimensions(grain), buckets.expression(Message.sent_at).label("bucket")]
    if recipients:
        columns.append(Message.contact_id)
    inner = select(*columns).where(Message.sent_at >= buckets.start, Message.sent_at < buckets.end)
    if ids is not None:
        inner = inner.where(Message.campaign_id.in_(ids))
    aggregates = [lambda sub: func.count().label("n")]
    if recipients:
        aggregates.append(lambda sub: func.count(distinct(sub.c.contact_id)).label("people"))
    return _grouped(inner, grain, [], aggregates)


def _non_send_query(buckets: Buckets, grain: Sequence[Dimension], ids: list[int] | None) -> Select:
    inner = select(
        *_dimensions(grain), buckets.expression(Message.due_at).label("bucket"),
        Message.status, Message.reason,
    ).where(
        Message.status.in_(NOT_SENT), Message.due_at >= buckets.start, Message.due_at < buckets.end
    )
    if ids is not None:
        inner = inner.where(Message.campaign_id.in_(ids))
    return _grouped(inner, grain, ["status", "reason"], [lambda sub: func.count().label("n")])


def _event_query(buckets: Buckets, grain: Sequence[Dimension], ids: list[int] | None) -> Select:
    inner = (
        select(
            *_dimensions(grain), buckets.expression(MessageEvent.occurred_at).label("bucket"),
            MessageEvent.kind, MessageEvent.message_id,
        )
        .join(Message, Message.id == MessageEvent.message_id)
        .where(
            MessageEvent.occurred_at >= buckets.start,
            MessageEvent.occurred_at < buckets.end,
            MessageEvent.kind.in_(list(EVENT_KINDS)),
        )
    )
    if ids is not None:
        inner = inner.where(Message.campaign_id.in_(ids))
    return _grouped(inner, grain, ["kind"], [lambda sub: func.count(distinct(sub.c.message_id)).label("n")])


def _conversion_query(buckets: Buckets, grain: Sequence[Dimension], ids: list[int] | None) -> Select:
    bucket = buckets.expression(Conversion.occurred_at).label("bucket")
    if list(grain) == ["campaign"]:
        # Conversions carry their campaign, so the campaign grain needs no join.
        inner = select(Conversion.campaign_id, bucket, Conversion.revenue)
    else:
        inner = select(*_dimensions(grain), bucket, Conversion.revenue).join(
            Message, Message.id == Conversion.message_id
        )
    inner = inner.where(
        Conversion.message_id.is_not(None),
        Conversion.occurred_at >= buckets.start,
        Conversion.occurred_at < buckets.end,
    )
    if ids is not None:
        inner = inner.where(Conversion.campaign_id.in_(ids))
    return _grouped(inner, grain, [], [
        lambda sub: func.count().label("n"), lambda sub: func.sum(sub.c.revenue).label("revenue"),
    ])


def totals_by_bucket(tallies: dict[GroupKey, Tally]) -> dict[str, Tally]:
    merged: dict[str, Tally] = defaultdict(Tally)
    for (_campaign, _step, _variant, bucket), tally in tallies.items():
        merged[bucket] += tally
    return dict(merged)


# --- statistics -------------------------------------------------------------------------------

def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for one proportion (no continuity correction)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return (centre - spread) / denominator, (centre + spread) / denominator


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, z: float = Z_95) -> tuple[float, float]:
    """Newcombe's hybrid score interval (his method 10) for p1 - p2; sound for small counts."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Pooled two-proportion z statistic for p1 - p2 and its two-sided p-value."""
    if not n1 or not n2:
        return 0.0, 1.0
    pooled = (x1 + x2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / spread
    return z, math.erfc(abs(z) / math.sqrt(2))


class LiftResult(BaseModel):
    sent_contacts: int
    sent_conversions: int
    holdout_contacts: int
    holdout_conversions: int
    sent_rate: float
    holdout_rate: float
    lift: float | None
    ci_low: float | None
    ci_high: float | None
    significant: bool
    words: str


def lift_from_counts(x_sent: int, n_sent: int, x_held: int, n_held: int) -> LiftResult:
    """Absolute lift of the sent group's conversion rate over the holdout's, with a 95% CI."""
    sent_rate = x_sent / n_sent if n_sent else 0.0
    held_rate = x_held / n_held if n_held else 0.0
    base = dict(sent_contacts=n_sent, sent_conversions=x_sent, holdout_contacts=n_held,
                holdout_conversions=x_held, sent_rate=sent_rate, holdout_rate=held_rate)
    if not n_sent or not n_held:
        return LiftResult(**base, lift=None, ci_low=None, ci_high=None, significant=False,
                          words="no lift yet: both the sent group and the holdout need contacts")
    low, high = newcombe_interval(x_sent, n_sent, x_held, n_held)
    significant = low > 0 or high < 0
    words = (f"converted {_pct(sent_rate)} of contacts sent vs {_pct(held_rate)} held out: "
             f"lift {_points(sent_rate - held_rate)} (95% CI {_points(low)} to {_points(high)})")
    words += "" if significant else ", not significant yet"
    return LiftResult(**base, lift=sent_rate - held_rate, ci_low=low, ci_high=high,
                      significant=significant, words=words)


def holdout_lift(db: Session, settings: Settings, campaign: Campaign, since: datetime,
                 until: datetime) -> LiftResult:
    """Conversion of contacts who entered in [since, until), sent vs. held out.

    Everyone assigned to be sent counts as sent (intention to treat), so contacts who bought
    before their first message cannot flatter either group. A contact converts with an order
    between entering and the last step's delay plus the click window.
    """
    last_delay = db.scalar(select(func.max(CampaignStep.delay_minutes)).where(
        CampaignStep.campaign_id == campaign.id)) or 0
    window = timedelta(minutes=last_delay, days=settings.attribution_click_days)
    entered = {row.id: row for row in db.execute(
        select(Enrolment.id, Enrolment.holdout, Enrolment.entered_at).where(
            Enrolment.campaign_id == campaign.id, Enrolment.entered_at >= since, Enrolment.entered_at < until))}
    orders = db.execute(
        select(Enrolment.id, Event.occurred_at)
        .join(Event, Event.contact_id == Enrolment.contact_id)
        .where(Enrolment.campaign_id == campaign.id, Enrolment.entered_at >= since,
               Enrolment.entered_at < until, Event.name == ORDER_EVENT,
               Event.occurred_at >= Enrolment.entered_at, Event.occurred_at < until + window)
    )
    converted = {eid for eid, at in orders if at < entered[eid].entered_at + window}
    counts = Counter((row.holdout, row.id in converted) for row in entered.values())
    n_held = counts[(True, True)] + counts[(True, False)]
    n_sent = counts[(False, True)] + counts[(False, False)]
    return lift_from_counts(counts[(False, True)], n_sent, counts[(True, True)], n_held)


class SplitTestResult(BaseModel):
    step: int
    metric: str
    subject_a: str | None
    subject_b: str | None
    sent_a: int
    sent_b: int
    count_a: int
    count_b: int
    z: float
    p_value: float
    winner: Literal["a", "b"] | None
    words: str


def split_test(step: int, metric: str, a: Tally, b: Tally, subject_a: str | None = None,
               subject_b: str | None = None) -> SplitTestResult:
    """Subject A vs B on `metric` ("clicks" or "conversions"); a winner only when p < 0.05."""
    count_a, count_b = getattr(a, metric), getattr(b, metric)
    z, p_value = two_proportion_z(count_b, b.sent, count_a, a.sent)
    winner = ("b" if z > 0 else "a") if p_value < 0.05 else None
    rates = f"A {_pct(a.rate(count_a))} of {a.sent}, B {_pct(b.rate(count_b))} of {b.sent}"
    if winner:
        words = f"step {step} subject test: {winner.upper()} wins on {metric} ({rates}, p={p_value:.3f})"
    else:
        words = f"step {step} subject test: no winner on {metric} yet ({rates}, p={p_value:.2f})"
    return SplitTestResult(step=step, metric=metric, subject_a=subject_a, subject_b=subject_b,
                           sent_a=a.sent, sent_b=b.sent, count_a=count_a, count_b=count_b,
                           z=z, p_value=p_value, winner=winner, words=words)


# --- the tool ---------------------------------------------------------------------------------

PERIOD_HELP = ("'7d', '24h', '2w', 'today', 'yesterday', a date '2026-11-01' "
               "or a range '2026-11-01..2026-11-07'")


def parse_period(text: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) for a period phrase, ending now for relative ones; local days otherwise."""
    spec = text.strip().lower()
    today = now.astimezone(zone).date()
    relative = re.fullmatch(r"(\d{1,4})\s*([hdw])", spec)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        if amount == 0:
            raise ToolError(f"period '{text}' is empty; use a positive length such as {PERIOD_HELP}")
        length = {"h": timedelta(hours=amount), "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]
        return now - length, now
    if spec in ("today", "yesterday"):
        day = today if spec == "today" else today - timedelta(days=1)
        return local_day_start(day, zone), min(now, local_day_start(day + timedelta(days=1), zone))
    first, _, last = spec.partition("..")
    try:
        start_day = date.fromisoformat(first.strip())
        end_day = date.fromisoformat(last.strip()) if last else start_day
    except ValueError:
        raise ToolError(f"period '{text}' is not understood; use {PERIOD_HELP}") from None
    if end_day < start_day:
        raise ToolError(f"period '{text}' ends before it starts; put the earlier date first")
    return local_day_start(start_day, zone), local_day_start(end_day + timedelta(days=1), zone)


class CampaignReportInput(ToolInput):
    campaign: str | None = Field(None, description="Campaign name or id; every campaign when omitted.")
    period: str = Field("7d", description=f"How far back to look: {PERIOD_HELP}.")
    ab_metric: Literal["clicks", "conversions"] = Field(
        "clicks", description="What the subject-line test compares.")


class MetricsRow(BaseModel):
    step: int | None = None
    variant: str | None = None
    day: str | None = None
    sent: int
    recipients: int
    skipped: dict[str, int]
    deferred: dict[str, int]
    failed: dict[str, int]
    opens: int
    clicks: int
    unsubscribes: int
    bounces: int
    complaints: int
    conversions: int
    revenue: float
    conversion_rate: float
    revenue_per_recipient: float


class CampaignMetrics(BaseModel):
    campaign_id: int
    name: str
    status: str
    totals: MetricsRow
    steps: list[MetricsRow]
    days: list[MetricsRow]
    lift: LiftResult | None
    split_tests: list[SplitTestResult]
    words: str


class CampaignReportResult(ToolResult):
    since: datetime
    until: datetime
    campaigns: list[CampaignMetrics]


def campaign_report(ctx: ToolContext, args: CampaignReportInput) -> CampaignReportResult:
    """How campaigns performed over a period: sends, skips and deferrals with their reasons,
    opens, clicks, unsubscribes, bounces, orders, revenue, conversion rate and revenue per
    recipient, per step and subject variant and per day; the holdout lift with a 95% interval,
    and the subject-line test's winner when it is significant. Use for "how did the cart
    sequence do last week?". Leave `campaign` empty for every campaign.
    """
    since, until = parse_period(args.period, ctx.now(), ctx.settings.zone)
    campaigns = _chosen_campaigns(ctx.db, args.campaign, since, until)
    ids = [c.id for c in campaigns]
    whole = period_bucket(since, until)
    totals = collect(ctx.db, whole, ("campaign",), ids, recipients=True)
    steps = collect(ctx.db, whole, ("campaign", "step", "variant"), ids, recipients=True)
    zone = ctx.settings.zone
    daily = day_buckets(since.astimezone(zone).date(), (until - timedelta(microseconds=1)).astimezone(zone).date(), zone)
    days = collect(ctx.db, daily.clipped(since, until), ("campaign",), ids, recipients=True)
    reports = [
        _campaign_metrics(ctx, campaign, since, until, totals, steps, days, args.ab_metric)
        for campaign in campaigns
    ]
    return CampaignReportResult(summary=_report_summary(reports, since, until, ctx.settings.zone),
                                since=since, until=until, campaigns=reports)


def _chosen_campaigns(db: Session, wanted: str | None, since: datetime, until: datetime) -> list[Campaign]:
    if wanted is None or not wanted.strip():
        touched = select(Message.campaign_id).where(Message.due_at >= since, Message.due_at < until)
        return list(db.scalars(select(Campaign).where(
            Campaign.status.in_(ACTIVE_STATUSES) | Campaign.id.in_(touched)).order_by(Campaign.id)))
    return [find_campaign(db, wanted)]


def _campaign_metrics(ctx: ToolContext, campaign: Campaign, since: datetime, until: datetime,
                      totals: dict, steps: dict, days: dict, ab_metric: str) -> CampaignMetrics:
    positions = dict(ctx.db.execute(select(CampaignStep.id, CampaignStep.position).where(
        CampaignStep.campaign_id == campaign.id)).all())
    total = totals.get((campaign.id, None, None, "period"), Tally())
    step_rows = sorted(
        (_row(tally, step=positions.get(step_id), variant=variant)
         for (cid, step_id, variant, _b), tally in steps.items() if cid == campaign.id),
        key=lambda row: (row.step or 0, row.variant or ""))
    day_rows = sorted((_row(tally, day=bucket) for (cid, _s, _v, bucket), tally in days.items()
                       if cid == campaign.id), key=lambda row: row.day)
    lift = holdout_lift(ctx.db, ctx.settings, campaign, since, until) if campaign.holdout_percent else None
    tests = _split_tests(ctx.db, campaign, steps, positions, ab_metric)
    return CampaignMetrics(campaign_id=campaign.id, name=campaign.name, status=campaign.status,
                           totals=_row(total), steps=step_rows, days=day_rows, lift=lift,
                           split_tests=tests, words=_campaign_words(campaign.name, total, lift, tests))


def _split_tests(db: Session, campaign: Campaign, steps: dict, positions: dict[int, int],
                 metric: str) -> list[SplitTestResult]:
    by_step: dict[int, dict[str, Tally]] = defaultdict(dict)
    for (cid, step_id, variant, _bucket), tally in steps.items():
        if cid == campaign.id and variant in ("a", "b"):
            by_step[step_id][variant] = tally
    results = []
    for step_id, variants in sorted(by_step.items(), key=lambda item: positions.get(item[0], 0)):
        if len(variants) < 2:
            continue
        draft = db.scalar(select(Draft).join(CampaignStep, CampaignStep.draft_id == Draft.id).where(
            CampaignStep.id == step_id))
        results.append(split_test(positions.get(step_id, 0), metric, variants["a"], variants["b"],
                                  draft.subject if draft else None, draft.subject_b if draft else None))
    return results


def _row(tally: Tally, **where: Any) -> MetricsRow:
    return MetricsRow(
        **where, sent=tally.sent, recipients=tally.recipients, skipped=dict(tally.skipped),
        deferred=dict(tally.deferred), failed=dict(tally.failed), opens=tally.opens, clicks=tally.clicks,
        unsubscribes=tally.unsubscribes, bounces=tally.bounces, complaints=tally.complaints,
        conversions=tally.conversions, revenue=float(tally.revenue),
        conversion_rate=tally.conversion_rate, revenue_per_recipient=tally.revenue_per_recipient,
    )


def _campaign_words(name: str, total: Tally, lift: LiftResult | None, tests: list[SplitTestResult]) -> str:
    words = (f"{name}: {total.sent:,} sent, {total.opens:,} opened ({_pct(total.rate(total.opens))}), "
             f"{total.clicks:,} clicked ({_pct(total.rate(total.clicks))}), {total.conversions:,} orders "
             f"worth {money(total.revenue)}, conversion {_pct(total.conversion_rate)}, "
             f"{money(total.revenue_per_recipient)} per recipient")
    if total.unsubscribes or total.bounces or total.complaints:
        words += (f"; {total.unsubscribes} unsubscribed, {total.bounces} bounced, "
                  f"{total.complaints} complained")
    for label, reasons in (("skipped", total.skipped), ("deferred", total.deferred), ("failed", total.failed)):
        if reasons:
            listed = ", ".join(f"{reason} {n}" for reason, n in by_count(reasons))
            words += f"; {sum(reasons.values()):,} {label} ({listed})"
    if lift:
        words += f". Holdout: {lift.words}"
    for test in tests:
        words += f". {test.words[0].upper()}{test.words[1:]}"
    return words + "."


def _report_summary(reports: list[CampaignMetrics], since: datetime, until: datetime, zone: ZoneInfo) -> str:
    span = f"{since.astimezone(zone):%Y-%m-%d %H:%M} to {until.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
    if not reports:
        return f"No campaigns were active or sent anything from {span}."
    return f"From {span}:\n" + "\n".join(f"- {report.words}" for report in reports)


def by_count(reasons: Counter) -> list[tuple[str, int]]:
    """Reasons, most frequent first, ties by name so the wording is stable."""
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _points(difference: float) -> str:
    return f"{difference * 100:+.1f} pts"


def money(amount: Decimal | float) -> str:
    return f"{float(amount):,.2f}"


class OrderSummaryInput(ToolInput):
    """Orders and revenue over a period ending now."""

    period: Window = Field("7d", description='how far back to count: a window such as "24h", "7d", "2w"')


class OrderSummaryResult(ToolResult):
    orders: int
    buyers: int
    revenue: float
    since: datetime
    until: datetime


def order_summary(ctx: ToolContext, params: OrderSummaryInput) -> OrderSummaryResult:
    """How many orders (Order Completed events), from how many buyers, and their revenue (each
    order's value by the one order-value rule: total, then revenue, then products' price x
    quantity, then value) in the last `period`. Read-only; answers "how many orders last week"
    and "revenue since Black Friday"."""
    until = ctx.clock.now()
    since = until - window_delta(params.period)
    orders, buyers, revenue = ctx.db.execute(select(
        func.count(), func.count(distinct(Event.contact_id)), func.coalesce(func.sum(order_value(Event.properties)), 0),
    ).where(*order_filter(since, until))).one()
    money = round(float(revenue), 2)
    period = params.period
    summary = f"{orders:,} orders from {buyers:,} buyers in the last {period}, revenue {money:,.2f}."
    return OrderSummaryResult(summary=summary, orders=orders, buyers=buyers, revenue=money, since=since, until=until)

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

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from tools.audience import segments
from tools.audience.order_value import order_value
from tools.audience.sql import compile_spec
from tools.core.context import ToolContext, ToolInput, ToolResult
from tools.core.lookup import find_campaign
from tools.core.models import (
    Campaign,
    CampaignStep,
    Contact,
    Draft,
    Event,
    Message,
)
from tools.core.money import money
from tools.core.vocabulary import CampaignStatus
from tools.core.windows import DURATION, PERIOD_HELP
from tools.reporting.attribution import order_currency, order_filter
from tools.reporting.buckets import (
    day_buckets,
    parse_period,
    period_bucket,
)
from tools.reporting.stats import (
    LiftResult,
    SplitTestResult,
    holdout_lift,
    percent,
    split_test,
)
from tools.reporting.tallies import Tally, by_count, collect

ACTIVE_STATUSES = (CampaignStatus.ACTIVE,)


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
    currency: str = ""  # of the attributed orders (their `currency`); "" when they name none
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
    currency = order_currency(ctx.db, since, until)
    reports = [
        _campaign_metrics(ctx, campaign, since, until, totals, steps, days, args.ab_metric, currency)
        for campaign in campaigns
    ]
    return CampaignReportResult(summary=_report_summary(reports, since, until, ctx.settings.zone),
                                since=since, until=until, currency=currency, campaigns=reports)


def _chosen_campaigns(db: Session, wanted: str | None, since: datetime, until: datetime) -> list[Campaign]:
    if wanted is None or not wanted.strip():
        touched = select(Message.campaign_id).where(Message.due_at >= since, Message.due_at < until)
        return list(db.scalars(select(Campaign).where(
            Campaign.status.in_(ACTIVE_STATUSES) | Campaign.id.in_(touched)).order_by(Campaign.id)))
    return [find_campaign(db, wanted)]


def _campaign_metrics(ctx: ToolContext, campaign: Campaign, since: datetime, until: datetime,
                      totals: dict, steps: dict, days: dict, ab_metric: str, currency: str) -> CampaignMetrics:
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
                           split_tests=tests, words=_campaign_words(campaign.name, total, lift, tests, currency))


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


def _campaign_words(name: str, total: Tally, lift: LiftResult | None, tests: list[SplitTestResult],
                    currency: str) -> str:
    words = (f"{name}: {total.sent:,} sent, {total.opens:,} opened ({percent(total.rate(total.opens))}), "
             f"{total.clicks:,} clicked ({percent(total.rate(total.clicks))}), {total.conversions:,} orders "
             f"worth {money(total.revenue, currency)}, conversion {percent(total.conversion_rate)}, "
             f"{money(total.revenue_per_recipient, currency)} per recipient")
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


class OrderSummaryInput(ToolInput):
    """Orders and revenue over a period: a window ending now, or calendar days."""

    period: str = Field("7d", max_length=40, description=f"Which orders to count: {PERIOD_HELP}. Calendar words "
                        "mean calendar days: 'last month' is e.g. '2026-11-01..2026-11-30'.")
    segment: str | dict[str, Any] | None = Field(
        None, description="Only orders by these contacts: a saved segment's name or a segment spec "
                          '("revenue from customers in Canada": {"attribute": "country", "op": "in", "value": ["CA"]}).')
    min_value: float | None = Field(None, ge=0, description='Only orders worth more than this ("orders over 300").')
    max_value: float | None = Field(None, gt=0, description='Only orders worth less than this ("orders under 50").')
    by: Literal["country"] | None = Field(None, description='Also break the orders down by the buyer\'s country ("top countries '
                                                             'by revenue", "break that down by country"), best first.')
    rank: Literal["revenue", "orders", "buyers", "average_order_value"] = Field(
        "revenue", description="What `by` ranks the groups by: revenue, orders, buyers or average order value.")


class OrderGroup(BaseModel):
    name: str = Field(description="the group, e.g. a country code ('unknown' when the contact has none)")
    orders: int
    buyers: int
    revenue: float
    average_order_value: float


class OrderSummaryResult(ToolResult):
    orders: int
    buyers: int
    revenue: float
    average_order_value: float = Field(description="revenue / orders (0 when there were none)")
    since: datetime
    until: datetime
    first_order_at: datetime | None = Field(None, description="the earliest of these orders")
    last_order_at: datetime | None = Field(None, description="the latest of these orders (\"when did jo last order\")")
    groups: list[OrderGroup] = Field(default_factory=list, description="with `by`: every group, ranked best first")


def order_summary(ctx: ToolContext, params: OrderSummaryInput) -> OrderSummaryResult:
    """How many orders (Order Completed events), from how many buyers, their revenue and average
    order value (each order's value by the one order-value rule: total, then revenue, then
    products' price x quantity, then value) in `period`: a window ending now or calendar days.
    Read-only; answers "how many orders last week", "revenue since Black Friday", "AOV in November"."""
    since, until = parse_period(params.period, ctx.now(), ctx.settings.zone)
    who = []
    if params.segment is not None:
        spec = segments.resolve(ctx.db, params.segment)
        segments.check_event_names(ctx.db, spec)
        who = [Event.contact_id.in_(compile_spec(spec, ctx.now(), segments.query_form(ctx.db)))]
    value = order_value(Event.properties)
    worth = ([value > params.min_value] if params.min_value is not None else []) + (
        [value < params.max_value] if params.max_value is not None else [])
    orders, buyers, revenue, first, last = ctx.db.execute(select(
        func.count(), func.count(distinct(Event.contact_id)), func.coalesce(func.sum(value), 0),
        func.min(Event.occurred_at), func.max(Event.occurred_at),
    ).where(*order_filter(since, until), *who, *worth)).one()
    money = round(float(revenue), 2)
    span = f"in the last {params.period}" if DURATION.match(params.period) else (
        f"from {since.astimezone(ctx.settings.zone):%Y-%m-%d %H:%M} to {until.astimezone(ctx.settings.zone):%Y-%m-%d %H:%M}")
    average = round(money / orders, 2) if orders else 0.0
    by = " in the segment" if params.segment is not None else ""
    by += f" worth over {params.min_value:,.2f}" if params.min_value is not None else ""
    by += f" worth under {params.max_value:,.2f}" if params.max_value is not None else ""
    summary = (f"{orders:,} order{'s' * (orders != 1)} from {buyers:,} buyer{'s' * (buyers != 1)}{by} {span}, "
               f"revenue {money:,.2f}, average order value {average:,.2f}.")
    if last is not None and buyers == 1:  # one person's orders: when they last ordered, and what, is the question's point
        summary += f" Latest order: {last.astimezone(ctx.settings.zone):%Y-%m-%d %H:%M}" + _what_was_in(ctx, [*order_filter(since, until), *who, *worth])
        summary += f"; first: {first.astimezone(ctx.settings.zone):%Y-%m-%d}." if orders > 1 else "."
    groups = _order_groups(ctx, params, [*order_filter(since, until), *who, *worth], value) if params.by else []
    if groups:
        label = params.rank.replace("_", " ")
        summary += f" By country, ranked by {label}: " + "; ".join(
            f"{group.name} {group.orders:,} order{'s' * (group.orders != 1)}, {group.buyers:,} buyer{'s' * (group.buyers != 1)}, "
            f"revenue {group.revenue:,.2f}, AOV {group.average_order_value:,.2f}" for group in groups[:10]) + (
            f"; and {len(groups) - 10} more." if len(groups) > 10 else ".")
    return OrderSummaryResult(summary=summary, orders=orders, buyers=buyers, revenue=money, average_order_value=average,
                              since=since, until=until, first_order_at=first, last_order_at=last, groups=groups)


def _what_was_in(ctx: ToolContext, where: list) -> str:
    """", 116.99: Trail Sneaker x1" for the newest of these orders ("what did she buy last")."""
    properties = ctx.db.scalars(select(Event.properties).where(*where).order_by(Event.occurred_at.desc(), Event.id.desc()).limit(1)).first() or {}
    lines = [line for line in properties.get("products") or [] if isinstance(line, dict) and line.get("name")]
    total = properties.get("total", properties.get("revenue"))
    said = f", {float(total):,.2f}" if isinstance(total, (int, float)) else ""
    return said + (": " + ", ".join(f"{line['name']} x{line.get('quantity') or 1}" for line in lines[:10]) if lines else "")


def _order_groups(ctx: ToolContext, params: OrderSummaryInput, where: list, value: Any) -> list[OrderGroup]:
    """The same orders per buyer's country, ranked by `params.rank` (ties by name)."""
    # (grouped by the column itself: PostgreSQL does not match two COALESCEs with bound literals)
    rows = ctx.db.execute(select(
        Contact.country, func.count(), func.count(distinct(Event.contact_id)), func.coalesce(func.sum(value), 0),
    ).join(Contact, Contact.id == Event.contact_id).where(*where).group_by(Contact.country)).all()
    groups = [OrderGroup(name=name or "unknown", orders=count, buyers=people, revenue=round(float(total), 2),
                         average_order_value=round(float(total) / count, 2) if count else 0.0) for name, count, people, total in rows]
    return sorted(groups, key=lambda group: (-getattr(group, params.rank), group.name))

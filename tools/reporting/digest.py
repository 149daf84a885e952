"""The morning digest: yesterday against the 7-day average, per campaign, with what needs a look.

`build_digest(db, settings, day)` describes the local day before `day` (the morning it is
posted): totals and each active campaign against its own average over the seven days before,
the top performer, and anomalies in plain words, each with a suggested action (unsubscribe rate
over twice its baseline, bounce rate over 2%, any spam complaint, an active campaign that had
messages due yesterday and sent none of them). It returns the text, Slack blocks and the chart; posting is the scheduler's job.
It only reads: the scheduler's digest job attributes yesterday's orders (`tools.reporting.attribution`)
before building it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.core.blockkit import DIVIDER, context, escape, header, section
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.models import Campaign, Message
from tools.core.money import money
from tools.core.settings import Settings
from tools.core.vocabulary import CLAIMABLE
from tools.reporting.attribution import order_currency
from tools.reporting.buckets import Buckets, day_buckets
from tools.reporting.charts import ChartSeries, digest_chart
from tools.reporting.report import ACTIVE_STATUSES
from tools.reporting.stats import percent
from tools.reporting.tallies import Tally, by_count, collect

CHART_DAYS = 14
BASELINE_DAYS = 7
BOUNCE_LIMIT = 0.02
# A quiet week has almost no unsubscribes; doubling "nothing" is noise, so the baseline never
# counts as lower than a typical healthy rate, and one unsubscribe is never an anomaly.
UNSUBSCRIBE_FLOOR = 0.002
UNSUBSCRIBE_MIN_COUNT = 2


@dataclass(frozen=True)
class Anomaly:
    campaign: str
    kind: str
    words: str
    action: str


@dataclass
class CampaignDay:
    campaign: Campaign
    yesterday: Tally
    week: Tally


@dataclass(frozen=True)
class Digest:
    day: date
    text: str
    blocks: list[dict]
    chart_png: bytes
    chart_series: ChartSeries
    anomalies: list[Anomaly]
    top_performer: str | None


def build_digest(db: Session, settings: Settings, day: date) -> Digest:
    """The digest to post on the morning of `day` (local to NUDGE_TIMEZONE), about `day - 1`."""
    yesterday = day - timedelta(days=1)
    buckets = day_buckets(yesterday - timedelta(days=CHART_DAYS - 1), yesterday, settings.zone)
    tallies = collect(db, buckets, ("campaign",))
    campaigns = _campaigns(db, {key[0] for key in tallies})
    rows = [_campaign_day(campaign, tallies, buckets) for campaign in campaigns]
    shown = [row for row in rows if row.campaign.status in ACTIVE_STATUSES or row.yesterday.sent
             or row.yesterday.conversions]
    anomalies = [a for row in rows for a in anomalies_for(db, row, buckets.bounds[-2], buckets.end)]
    top = top_performer(shown)
    currency = order_currency(db, buckets.start, buckets.end)
    chart = digest_chart(_series(buckets, tallies, rows, currency))
    total = _sum(row.yesterday for row in rows)
    week = _sum(row.week for row in rows)
    text = _text(yesterday, total, week, shown, top, anomalies, currency)
    blocks = _blocks(yesterday, total, week, shown, top, anomalies, currency)
    return Digest(day, text, blocks, chart.png, chart.series, anomalies,
                  top.campaign.name if top else None)


def _campaigns(db: Session, with_activity: set[int]) -> list[Campaign]:
    query = select(Campaign).where(Campaign.status.in_(ACTIVE_STATUSES) | Campaign.id.in_(with_activity))
    return list(db.scalars(query.order_by(Campaign.id)))


def _campaign_day(campaign: Campaign, tallies: dict, buckets: Buckets) -> CampaignDay:
    yesterday_label = buckets.labels[-1]
    week_labels = buckets.labels[-1 - BASELINE_DAYS:-1]
    week = _sum(tallies.get((campaign.id, None, None, label), Tally()) for label in week_labels)
    return CampaignDay(campaign, tallies.get((campaign.id, None, None, yesterday_label), Tally()), week)


def _sum(tallies) -> Tally:
    total = Tally()
    for tally in tallies:
        total += tally
    return total


def anomalies_for(db: Session, row: CampaignDay, day_start: datetime, day_end: datetime) -> list[Anomaly]:
    """What about this campaign's yesterday deserves a person's attention, and what to do."""
    name, y = row.campaign.name, row.yesterday
    found = []
    baseline = max(row.week.rate(row.week.unsubscribes), UNSUBSCRIBE_FLOOR)
    if y.unsubscribes >= UNSUBSCRIBE_MIN_COUNT and y.rate(y.unsubscribes) > 2 * baseline:
        found.append(Anomaly(name, "unsubscribes",
            f"{name}: {y.unsubscribes} unsubscribed yesterday ({percent(y.rate(y.unsubscribes))} of sends), "
            f"over twice its usual {percent(row.week.rate(row.week.unsubscribes))}.",
            "Review how often it sends and what the latest email says; pause it if this goes on."))
    if y.sent and y.rate(y.bounces) > BOUNCE_LIMIT:
        found.append(Anomaly(name, "bounces",
            f"{name}: {percent(y.rate(y.bounces))} of yesterday's emails bounced ({y.bounces} of {y.sent}), "
            f"above the 2% that mailbox providers tolerate.",
            "Check where these addresses came from and clean the list; bounced addresses are "
            "already suppressed."))
    if y.complaints:
        found.append(Anomaly(name, "complaints",
            f"{name}: {y.complaints} {'person' if y.complaints == 1 else 'people'} marked it as spam yesterday.",
            "Check the consent source of its audience and pause it until the copy and targeting "
            "are reviewed."))
    if not y.sent and _something_was_due(db, row.campaign, day_start, day_end):
        held = _sum_reasons(y)
        found.append(Anomaly(name, "silent", f"{name} is active but sent nothing yesterday.{' ' + held if held else ''}",
            "Check that its segment still has members and its drafts are approved, or pause it."))
    return found


def _something_was_due(db: Session, campaign: Campaign, day_start: datetime, day_end: datetime) -> bool:
    """A message of this active campaign fell due yesterday, or was due before and is still waiting.

    Nothing due (an empty segment, steps not yet reached) is not a failure to send.
    """
    if campaign.status != "active":
        return False
    if campaign.kind == "one_off" and campaign.send_at is not None and day_start <= campaign.send_at < day_end:
        return True
    due = select(Message.id).where(
        Message.campaign_id == campaign.id, Message.due_at < day_end,
        (Message.due_at >= day_start) | Message.status.in_(CLAIMABLE))
    return db.scalar(due.limit(1)) is not None


def _sum_reasons(tally: Tally) -> str:
    reasons = tally.skipped + tally.deferred + tally.failed
    if not reasons:
        return ""
    listed = ", ".join(f"{reason} ({n})" for reason, n in by_count(reasons)[:3])
    return f"{sum(reasons.values())} messages were held back: {listed}."


def top_performer(rows: list[CampaignDay]) -> CampaignDay | None:
    """Yesterday's best campaign by revenue, then orders, then clicks; none if all were idle."""
    ranked = sorted(rows, key=lambda r: (r.yesterday.revenue, r.yesterday.conversions, r.yesterday.clicks),
                    reverse=True)
    if not ranked or not (ranked[0].yesterday.revenue or ranked[0].yesterday.conversions
                          or ranked[0].yesterday.clicks):
        return None
    return ranked[0]


def _series(buckets: Buckets, tallies: dict, rows: list[CampaignDay], currency: str = "") -> ChartSeries:
    by_day = {label: Tally() for label in buckets.labels}
    revenue: dict[str, Decimal] = {}
    names = {row.campaign.id: row.campaign.name for row in rows}
    for (campaign_id, _step, _variant, label), tally in tallies.items():
        by_day[label] += tally
        if campaign_id in names and (tally.sent or tally.revenue):
            revenue[names[campaign_id]] = revenue.get(names[campaign_id], Decimal(0)) + tally.revenue
    return ChartSeries(
        days=[date.fromisoformat(label) for label in buckets.labels],
        sends=[by_day[label].sent for label in buckets.labels],
        conversions=[by_day[label].conversions for label in buckets.labels],
        revenue_by_campaign={name: float(value) for name, value in revenue.items()},
        currency=currency,
    )


def _line(tally: Tally, week: Tally, currency: str) -> str:
    def average(name: str) -> float:
        return float(getattr(week, name)) / BASELINE_DAYS

    return (f"{tally.sent:,} sent (avg {average('sent'):,.0f}), "
            f"{tally.opens:,} opened ({percent(tally.rate(tally.opens))}), "
            f"{tally.clicks:,} clicked (avg {average('clicks'):,.1f}), "
            f"{tally.conversions:,} orders (avg {average('conversions'):,.1f}), "
            f"revenue {money(tally.revenue, currency)} (avg {money(average('revenue'), currency)})")


def _text(day: date, total: Tally, week: Tally, rows: list[CampaignDay], top: CampaignDay | None,
          anomalies: list[Anomaly], currency: str) -> str:
    lines = [f"Nudge daily digest for {day:%A %d %B %Y}, against the 7-day average",
             f"All campaigns: {_line(total, week, currency)}"]
    lines += [f"- {row.campaign.name}: {_line(row.yesterday, row.week, currency)}" for row in rows] or [
        "- No active campaigns."]
    lines.append(_top_words(top, currency))
    if anomalies:
        lines.append("Needs attention:")
        lines += [f"- {a.words} Suggested: {a.action}" for a in anomalies]
    else:
        lines.append("Nothing unusual: unsubscribes, bounces and complaints are within normal range.")
    return "\n".join(lines)


def _top_words(top: CampaignDay | None, currency: str) -> str:
    if top is None:
        return "Top performer: none yesterday (no clicks or orders)."
    y = top.yesterday
    return (f"Top performer: {top.campaign.name}, {y.conversions} orders worth {money(y.revenue, currency)} "
            f"from {y.clicks} clicks.")


def _blocks(day: date, total: Tally, week: Tally, rows: list[CampaignDay], top: CampaignDay | None,
            anomalies: list[Anomaly], currency: str) -> list[dict]:
    blocks: list[dict] = [
        header(f"Daily digest: {day:%a %d %b %Y}"),
        section(f"*All campaigns* (vs 7-day average)\n{_line(total, week, currency)}"),
        DIVIDER,
    ]
    blocks += [section(f"*{escape(row.campaign.name)}*\n{_line(row.yesterday, row.week, currency)}") for row in rows[:20]]
    blocks.append(section(f":trophy: {escape(_top_words(top, currency))}"))
    if anomalies:
        listed = "\n".join(f"• {escape(a.words)}\n    _Suggested:_ {escape(a.action)}" for a in anomalies)
        blocks.append(section(f":warning: *Needs attention*\n{listed}"))
    else:
        blocks.append(section(":white_check_mark: Nothing unusual yesterday."))
    blocks.append(context("Ask me \"how did the cart sequence do last week?\" for any campaign's full report."))
    return blocks



class DigestInput(ToolInput):
    day: str = Field("today", max_length=20, description=(
        "The morning to build the digest for; it reports the day before: 'today', 'yesterday' "
        "or a date YYYY-MM-DD."))


class DigestAnomaly(BaseModel):
    campaign: str
    kind: str
    words: str
    action: str


class DigestResult(ToolResult):
    day: date
    blocks: list[dict[str, Any]]
    anomalies: list[DigestAnomaly]
    top_performer: str | None


def daily_digest(ctx: ToolContext, args: DigestInput) -> DigestResult:
    """The morning digest: yesterday against the 7-day average per campaign, the top performer
    and what needs a look. Read-only; answers "show me the digest" and "how did we do yesterday"."""
    today = ctx.now().astimezone(ctx.settings.zone).date()
    words = args.day.strip().lower()
    try:
        day = {"today": today, "yesterday": today - timedelta(days=1)}.get(words) or date.fromisoformat(words)
    except ValueError:
        raise ToolError(f"day '{args.day}' is not a date; use 'today', 'yesterday' or YYYY-MM-DD") from None
    built = build_digest(ctx.db, ctx.settings, day)
    return DigestResult(summary=built.text, day=day, blocks=built.blocks, top_performer=built.top_performer,
                        anomalies=[DigestAnomaly(**vars(anomaly)) for anomaly in built.anomalies])

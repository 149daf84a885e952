"""Preflight: before anyone approves, what each step of a campaign will actually do.

For the campaign's real audience (its segment's members now), each step is forecast at its
planned moment (now, or the campaign's send time, plus the step's delay). Every member is
counted once, under the first cause that applies: excluded for no consent (including no
address, do-not-sell, no ad consent), suppressed (unsubscribed, bounced, complained, erased),
already converted (did the exit event in the last 24 hours, so the sequence would stop at
once), or already in another active sequence; deferred for the frequency cap (messages
already sent plus this campaign's earlier steps) or for quiet hours in their time zone; the rest
are reached on time. The counting is SQL grouped by cause and time zone over the segment's
members; only the quiet-hours test per zone runs in Python.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, case, exists, false, func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from tools.audience import frequency
from tools.audience.policy import reason_expression
from tools.audience.segments import compile_spec, resolve
from tools.audience.spec import SegmentSpec, event_names
from tools.campaigns.holdout import in_holdout
from tools.campaigns.timing import TIMING_NOTE, first_delay, trigger_words
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.lookup import find_campaign, steps_of
from tools.core.models import (
    Campaign,
    Contact,
    Enrolment,
    Event,
    Message,
    Segment,
)
from tools.core.settings import Settings
from tools.drafting import discount_codes

EXCLUDED = ("held_out", "no_consent", "suppressed", "already_converted", "other_sequence")
DEFERRED = ("frequency_cap", "quiet_hours")
SUPPRESSION_REASONS = ("erased", "complained", "bounced", "unsubscribed")
WORDS = {
    "held_out": "are held out as the control group", "no_consent": "have no consent", "suppressed": "are suppressed",
    "already_converted": "already converted", "other_sequence": "are in another active sequence",
    "frequency_cap": "wait for the frequency cap", "quiet_hours": "wait for quiet hours to end",
}


@dataclass
class StepForecast:
    position: int
    purpose: str | None
    channel: str
    planned_at: datetime
    audience: int
    reached: int
    excluded: dict[str, int] = field(default_factory=dict)
    deferred: dict[str, int] = field(default_factory=dict)
    codes_left: int | None = None  # the step's pool of single-use discount codes, when it has one
    campaign_id: int | None = None
    delay_minutes: int = 0
    from_trigger: bool = False  # counted from each member's triggering event (their abandonment)
    trigger: str = "the abandonment"  # that event in words: "their latest cart add or checkout"
    at_once: int = 0  # members whose abandonment is older than the delay: due as they enter
    once: bool = False  # a one-off: sent once, to everyone, at its send time

    @property
    def recipients(self) -> int:
        return self.reached + sum(self.deferred.values())

    def sentence(self) -> str:
        parts = [f"{n} {WORDS[cause]}" for cause, n in {**self.excluded, **self.deferred}.items() if n]
        detail = f"; {', '.join(parts)}" if parts else ""
        return (f"Step {self.position} ({self.purpose or self.channel}, {self._timing()}): {self.reached} of "
                f"{self.audience} reached on time{detail}.{self._codes()}")

    def _timing(self) -> str:
        """When the step goes: after the abandonment (entry as the floor), or after entry."""
        when = self.planned_at.strftime("%a %d %b %H:%M UTC")
        if self.once:
            return f"sent once to everyone, {when}"
        if not self.from_trigger:
            return f"{_after(self.delay_minutes)} entry, {when}"
        now = f"{self.at_once} at once as they enter (that is older), the rest " if self.at_once else ""
        return f"{_after(self.delay_minutes)} {self.trigger}: {now}by {when}"

    def _codes(self) -> str:
        if self.codes_left is None:
            return ""
        text = f" Discount codes: {self.codes_left:,} left for {self.recipients:,} recipient(s)"
        short = self.recipients - self.codes_left
        if short > 0:
            return text + (f"; {short:,} would wait for a code (and are never sent one without): import more "
                           f"with `nudge discount import FILE.csv --campaign {self.campaign_id} --step {self.position}`.")
        return text + "."


def forecast(db: Session, campaign: Campaign, settings: Settings, now: datetime) -> list[StepForecast]:
    """Every step's forecast for `campaign`'s current audience."""
    segment = db.get(Segment, campaign.segment_id) if campaign.segment_id else None
    if segment is None:
        raise ToolError(f"campaign '{campaign.name}' has no segment; give it an audience first")
    members = Contact.id.in_(compile_spec(resolve(db, segment.spec), now))
    steps = steps_of(db, campaign)
    start = campaign.send_at if campaign.send_at and campaign.send_at > now else now
    rules = frequency.current_rules(db, settings)
    planned = {step.id: start + timedelta(minutes=step.delay_minutes) for step in steps}
    forecasts = [_step(db, campaign, step, steps, planned, members, rules, settings, now) for step in steps]
    if campaign.kind == "one_off":
        for result in forecasts:  # one send to everyone at once: no triggering event to count from
            result.once = True
    else:
        _timings(db, segment, steps, forecasts, members, start)
    pools = discount_codes.pool_counts(db, [step.id for step in steps])
    for step, result in zip(steps, forecasts):
        if step.id in pools:
            result.codes_left, result.campaign_id = pools[step.id].left, campaign.id
    return forecasts


def _step(db, campaign, step, steps, planned, members, rules, settings, now) -> StepForecast:
    at = planned[step.id]
    channel = "ads" if step.channel == "ads" else "email"
    reason = reason_expression(channel, settings, now)
    cause = case(
        (reason.in_(SUPPRESSION_REASONS), "suppressed"),
        (reason.is_not(None), "no_consent"),
        (recently_converted(campaign, now), "already_converted"),
        (_other_sequence(campaign), "other_sequence"),
        (_capped(step, steps, planned, rules, at) if channel == "email" else false(), "frequency_cap"),
        else_="",
    ).label("cause")
    percent = float(campaign.holdout_percent or 0)
    # with a holdout, each member is looked at: the control group is chosen per contact, as enrolment does
    grouping = (cause, Contact.timezone, Contact.id) if percent else (cause, Contact.timezone)
    rows = db.execute(select(*grouping, func.count()).where(members).group_by(*grouping))
    result = StepForecast(step.position, step.purpose, step.channel, at, 0, 0,
                          dict.fromkeys(EXCLUDED, 0), dict.fromkeys(DEFERRED, 0))
    for name, zone, *rest in rows:
        n = rest[-1]
        result.audience += n
        if percent and in_holdout(campaign.id, rest[0], percent):
            result.excluded["held_out"] += n
        elif name in EXCLUDED:
            result.excluded[name] += n
        elif name:
            result.deferred[name] += n
        elif channel == "email" and frequency.quiet_end(rules, at, _zone(zone, settings)):
            result.deferred["quiet_hours"] += n
        else:
            result.reached += n
    return result


def _timings(db: Session, segment: Segment, steps, forecasts: list[StepForecast], members, start: datetime) -> None:
    """Say how each step is timed (tools.campaigns.lifecycle.step_due): from each member's
    triggering event, the entry (here: `start`) being the floor. Only the first step can fall
    due at entry: later ones keep their spacing from it."""
    names = sorted(event_names(SegmentSpec.model_validate(segment.spec)))
    first = first_delay(steps)
    for step, result in zip(steps, forecasts):
        result.delay_minutes, result.from_trigger = step.delay_minutes, bool(names)
        result.trigger = trigger_words(names)
    if not names or not forecasts:
        return
    trigger = (select(func.max(Event.occurred_at)).where(Event.contact_id == Contact.id, Event.name.in_(names),
                                                          Event.occurred_at <= start).scalar_subquery())
    older = db.scalar(select(func.count()).where(members, trigger <= start - timedelta(minutes=first))) or 0
    for step, result in zip(steps, forecasts):
        result.at_once = older if step.delay_minutes == first else 0


def _after(minutes: int) -> str:
    if minutes == 0:
        return "right after"
    if minutes % 1440 == 0:
        return f"{minutes // 1440} day{'s' if minutes != 1440 else ''} after"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes != 60 else ''} after"
    return f"{minutes} minutes after"


def _zone(name: str | None, settings: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else settings.zone
    except (ZoneInfoNotFoundError, ValueError):
        return settings.zone


RECENT_CONVERSION = timedelta(hours=24)


def recently_converted(campaign: Campaign, now: datetime) -> ColumnElement[bool]:
    """Contacts who did the campaign's exit event in the last 24 hours.

    Enrolment lets them enter already exited, with that reason stored, so nobody who bought an
    hour ago is reminded of their cart; older orders do not count, or a loyal customer's new
    abandoned cart would never be followed up.
    """
    if not campaign.exit_event:
        return false()
    return exists().where(Event.contact_id == Contact.id, Event.name == campaign.exit_event,
                          Event.occurred_at >= now - RECENT_CONVERSION, Event.occurred_at <= now)


def _other_sequence(campaign: Campaign) -> ColumnElement[bool]:
    return exists().where(Enrolment.contact_id == Contact.id, Enrolment.status == "active",
                          Enrolment.campaign_id != campaign.id)


def _capped(step, steps, planned, rules: frequency.Rules, at: datetime) -> ColumnElement[bool]:
    """Members the caps would defer at `at`: recent sends on file plus this campaign's earlier steps."""
    earlier = [planned[s.id] for s in steps if s.channel != "ads" and s.position < step.position]
    gap = timedelta(hours=rules.email_min_gap_hours)
    if any(at - moment < gap for moment in earlier):
        return true()
    in_week = sum(1 for moment in earlier if at - moment < frequency.WEEK)
    sent = lambda since: and_(  # noqa: E731 - one shared filter for both caps
        Message.contact_id == Contact.id, Message.channel == "email", Message.status == "sent", Message.sent_at > since
    )
    recent = exists().where(sent(at - gap))
    if rules.email_weekly_cap - in_week <= 0:
        return true()
    weekly = select(func.count()).where(sent(at - frequency.WEEK)).scalar_subquery() >= rules.email_weekly_cap - in_week
    return recent | weekly


class PreflightInput(ToolInput):
    campaign: str


class PreflightResult(ToolResult):
    steps: list[dict]


def preflight(ctx: ToolContext, args: PreflightInput) -> PreflightResult:
    """Before approving, show for a campaign (name or id) how many contacts each step will reach
    on time, and how many are excluded (no consent, suppressed, already converted, in another
    active sequence) or deferred (frequency cap, quiet hours), counted on the real audience.
    """
    campaign = find_campaign(ctx.db, args.campaign)
    steps = forecast(ctx.db, campaign, ctx.settings, ctx.now())
    if not steps:
        return PreflightResult(summary=f"Campaign '{campaign.name}' has no steps yet.", steps=[])
    # the campaign's state first: "show me / status of the cart rescue" is answered by this line
    head = (f"Preflight for '{campaign.name}' (campaign {campaign.id}, {str(campaign.status).replace('_', ' ')}; "
            f"{steps[0].audience} in the audience now"
            + (f", {float(campaign.holdout_percent):g}% held out as a control group" if campaign.holdout_percent else "") + "):")
    summary = "\n".join([head, *(step.sentence() for step in steps)] + ([TIMING_NOTE] if campaign.kind == "sequence" else []))
    return PreflightResult(summary=summary, steps=[_plain(step) for step in steps])


def _plain(step: StepForecast) -> dict:
    data = asdict(step)
    data["planned_at"] = step.planned_at.isoformat()
    return data

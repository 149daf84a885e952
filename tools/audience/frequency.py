"""Frequency caps and quiet hours: whether a contact may get a message now, later, or not at all.

The team's rules live in the `rules` table (changed with the `set_rule` tool; defaults below):
at most 1 marketing email per contact per 16 hours ("smart sending"), at most 2 per day, 3 per
7 days and 15 per 30 days across all campaigns (rolling windows; the daily and monthly defaults
never bind under the other two, they are there to be tightened), no email during quiet hours 21:00-08:00 in the contact's own time zone
(the team's zone when the contact's is unknown), and an ads frequency cap of 3 per day.
`decide` is asked at send time. Rather than silently dropping a capped message, it defers it to
the next allowed moment while the step's deadline allows, and only then skips it; every defer
and skip carries a plain-words reason for the outbox row. Transactional messages are exempt.
Sent messages are counted from the outbox (`messages` with status "sent", by `sent_at`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.core import audit
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.models import Contact, Message, Rule
from tools.core.settings import Settings

MESSAGE_CHANNELS = ("email", "sms", "push")
AD_CHANNEL = "ads"
WEEK = timedelta(days=7)
DAY = timedelta(days=1)
MONTH = timedelta(days=30)  # "a month" in a cap is a rolling 30 days
_QUIET = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class RuleSpec:
    key: str
    meaning: str
    low: int | None = None
    high: int | None = None


RULE_SPECS = {
    spec.key: spec
    for spec in [
        RuleSpec("email_min_gap_hours", "hours between two marketing emails to one contact", 0, 168),
        RuleSpec("email_daily_cap", "marketing emails per contact per 24 hours", 1, 20),
        RuleSpec("email_weekly_cap", "marketing emails per contact per 7 days", 1, 50),
        RuleSpec("email_monthly_cap", "marketing emails per contact per 30 days", 1, 200),
        RuleSpec("quiet_hours", "local hours with no email, as HH:MM-HH:MM, or 'off'"),
        RuleSpec("ads_daily_cap", "ad impressions per person per day (exported with audiences)", 1, 20),
    ]
}


@dataclass(frozen=True)
class Rules:
    email_min_gap_hours: int = 16
    email_daily_cap: int = 2
    email_weekly_cap: int = 3
    email_monthly_cap: int = 15
    quiet_hours: str = "21:00-08:00"
    ads_daily_cap: int = 3

    @property
    def quiet_window(self) -> tuple[time, time] | None:
        match = _QUIET.fullmatch(self.quiet_hours)
        if not match:
            return None
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        return time(h1, m1), time(h2, m2)


@dataclass(frozen=True)
class Decision:
    """`send`, `defer` (until, reason) or `skip` (reason); `cause` names the rule that acted:
    smart_sending, daily_cap, weekly_cap, monthly_cap, quiet_hours or ads_cap."""

    action: str
    until: datetime | None = None
    reason: str | None = None
    cause: str | None = None


def defaults(settings: Settings) -> dict[str, int | str]:
    return {**Rules().__dict__, "ads_daily_cap": settings.ad_frequency_cap}


def current_rules(db: Session, settings: Settings) -> Rules:
    """The team's rules: stored values over the defaults."""
    values = defaults(settings)
    stored = {rule.key: rule.value for rule in db.scalars(select(Rule).where(Rule.key.in_(RULE_SPECS)))}
    return Rules(**{**values, **stored})


def contact_zone(contact: Contact, settings: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(contact.timezone) if contact.timezone else settings.zone
    except (ZoneInfoNotFoundError, ValueError):
        return settings.zone


def decide(
    db: Session,
    contact: Contact,
    channel: str,
    at: datetime,
    settings: Settings,
    *,
    transactional: bool = False,
    deadline: datetime | None = None,
) -> Decision:
    """May `contact` get a `channel` message at `at`? Send, defer to the next allowed moment, or skip."""
    if channel not in (*MESSAGE_CHANNELS, AD_CHANNEL):
        raise ValueError(f"unknown channel '{channel}'; known channels: {', '.join((*MESSAGE_CHANNELS, AD_CHANNEL))}")
    if transactional:
        return Decision("send")
    rules = current_rules(db, settings)
    history = sent_times(db, contact.id, channel, at - MONTH)
    moment, cause, why = next_allowed(rules, history, channel, at, contact_zone(contact, settings))
    if moment == at:
        return Decision("send")
    if deadline is not None and moment > deadline:
        return Decision("skip", None, f"{why}; the next allowed moment ({_stamp(moment)}) is after the deadline ({_stamp(deadline)})", cause)
    return Decision("defer", moment, f"{why}; deferred to {_stamp(moment)}", cause)


def sent_times(db: Session, contact_id: int, channel: str, since: datetime) -> list[datetime]:
    """When `contact_id` was sent `channel` messages since `since`, oldest first."""
    return list(
        db.scalars(
            select(Message.sent_at)
            .where(Message.contact_id == contact_id, Message.channel == channel, Message.status == "sent")
            .where(Message.sent_at > since)
            .order_by(Message.sent_at)
        )
    )


def next_allowed(
    rules: Rules, history: list[datetime], channel: str, at: datetime, zone: ZoneInfo
) -> tuple[datetime, str | None, str | None]:
    """The first moment from `at` that every rule allows, with the first rule that moved it."""
    checks = [("ads_cap", _ads_cap)] if channel == AD_CHANNEL else [
        ("smart_sending", _min_gap), ("daily_cap", _daily_cap), ("weekly_cap", _weekly_cap),
        ("monthly_cap", _monthly_cap), ("quiet_hours", _quiet_hours)
    ]
    moment, cause, why = at, None, None
    # Each move only goes forward and caps only loosen with time, so this settles quickly.
    for _ in range(2 * len(history) + 4):
        moved = False
        for name, check in checks:
            later, reason = check(rules, history, moment, zone)
            if later > moment:
                moment, moved = later, True
                cause, why = (cause, why) if cause else (name, reason)
        if not moved:
            break
    return moment, cause, why


def _min_gap(rules: Rules, history: list[datetime], moment: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    gap = timedelta(hours=rules.email_min_gap_hours)
    earlier = [sent for sent in history if sent <= moment]
    reason = f"frequency cap: at most 1 marketing email per {rules.email_min_gap_hours} hours"
    if earlier and moment - earlier[-1] < gap:
        return earlier[-1] + gap, f"{reason} (the last one went at {_stamp(earlier[-1])})"
    return moment, reason


def _weekly_cap(rules: Rules, history: list[datetime], moment: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    return _rolling_cap(history, moment, WEEK, rules.email_weekly_cap), (
        f"frequency cap: at most {rules.email_weekly_cap} marketing emails per 7 days"
    )


def _daily_cap(rules: Rules, history: list[datetime], moment: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    return _rolling_cap(history, moment, DAY, rules.email_daily_cap), (
        f"frequency cap: at most {rules.email_daily_cap} marketing emails per 24 hours"
    )


def _monthly_cap(rules: Rules, history: list[datetime], moment: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    return _rolling_cap(history, moment, MONTH, rules.email_monthly_cap), (
        f"frequency cap: at most {rules.email_monthly_cap} marketing emails per 30 days"
    )


def _ads_cap(rules: Rules, history: list[datetime], moment: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    return _rolling_cap(history, moment, DAY, rules.ads_daily_cap), f"ads frequency cap: {rules.ads_daily_cap} per day"


def _rolling_cap(history: list[datetime], moment: datetime, window: timedelta, cap: int) -> datetime:
    inside = [sent for sent in history if moment - window < sent <= moment]
    if len(inside) < cap:
        return moment
    return inside[len(inside) - cap] + window


def _quiet_hours(rules: Rules, history: list[datetime], moment: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    reason = f"quiet hours {rules.quiet_hours} in {zone.key}"
    end = quiet_end(rules, moment, zone)
    return (end if end else moment), reason


def quiet_end(rules: Rules, moment: datetime, zone: ZoneInfo) -> datetime | None:
    """When the quiet hours around `moment` end (UTC), or None when `moment` is not quiet."""
    window = rules.quiet_window
    if window is None or window[0] == window[1]:
        return None
    start, end = window
    local = moment.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    wraps = start > end
    quiet = (now >= start or now < end) if wraps else (start <= now < end)
    if not quiet:
        return None
    day = local.date() + timedelta(days=1) if wraps and now >= start else local.date()
    # Wall-clock times are built in the zone then converted, so DST shifts land on local 08:00.
    return datetime.combine(day, end, tzinfo=zone).astimezone(timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def parse_rule(key: str, raw: str) -> int | str:
    """`raw` as a valid value for rule `key`, or ToolError saying what is allowed."""
    spec = RULE_SPECS.get(key)
    if spec is None:
        raise ToolError(f"unknown rule '{key}'; known rules: {', '.join(RULE_SPECS)}")
    text = str(raw).strip()
    if key == "quiet_hours":
        if text.lower() == "off" or _QUIET.fullmatch(text):
            return text.lower()
        raise ToolError(f"quiet_hours '{text}' must look like 21:00-08:00 (24-hour HH:MM-HH:MM) or 'off'")
    try:
        value = int(text)
    except ValueError:
        raise ToolError(f"{key} must be a whole number from {spec.low} to {spec.high}, not '{text}'") from None
    if not spec.low <= value <= spec.high:
        raise ToolError(f"{key} must be from {spec.low} to {spec.high} ({spec.meaning}), not {value}")
    return value


class SetRuleInput(ToolInput):
    key: str
    value: str


class RulesResult(ToolResult):
    rules: dict[str, int | str]


def set_rule(ctx: ToolContext, args: SetRuleInput) -> RulesResult:
    """Change one of the team's frequency rules.

    Keys: email_min_gap_hours (hours between two marketing emails to one contact, default 16),
    email_daily_cap (emails per contact per 24 hours, default 2), email_weekly_cap (emails per
    contact per 7 days, default 3), email_monthly_cap (emails per contact per 30 days, default 15), quiet_hours (local HH:MM-HH:MM
    with no email, default 21:00-08:00, or 'off'), ads_daily_cap (ad frequency cap per day, default 3).
    """
    value = parse_rule(args.key, args.value)
    before = getattr(current_rules(ctx.db, ctx.settings), args.key)
    rule = ctx.db.get(Rule, args.key) or Rule(key=args.key)
    rule.value, rule.updated_by, rule.updated_at = value, ctx.actor, ctx.now()
    ctx.db.add(rule)
    audit.record(ctx.db, ctx.actor, "rule.set", args.key, {"from": before, "to": value}, ctx.thread, ctx.now())
    ctx.db.flush()
    rules = current_rules(ctx.db, ctx.settings).__dict__
    return RulesResult(summary=f"{args.key} is now {value} (was {before}).", rules=rules)


class ShowRulesInput(ToolInput):
    pass


def show_rules(ctx: ToolContext, args: ShowRulesInput) -> RulesResult:
    """Show the team's frequency caps and quiet hours, and what each means."""
    rules = current_rules(ctx.db, ctx.settings).__dict__
    lines = [f"{key} = {rules[key]} ({spec.meaning})" for key, spec in RULE_SPECS.items()]
    return RulesResult(summary="Frequency rules:\n" + "\n".join(lines), rules=rules)

"""Answering "why did (or didn't) this contact get that step?" with the send-time rules.

`explain_contact` walks a contact's enrolments in a campaign, step by step: sent (and when),
deferred (by which rule, until when), skipped (why), or, for a step still to come, what the
worker would decide now: consent, suppression and frequency rules are the same functions the
outbox applies, so the explanation cannot promise a send the worker would refuse.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.audience import frequency
from tools.audience.policy import check_contact
from tools.campaigns.timing import step_due
from tools.core.context import (
    ToolContext,
    ToolInput,
    ToolResult,
)
from tools.core.lookup import CAMPAIGN_HELP, find_campaign, find_contact, steps_of
from tools.core.models import (
    Campaign,
    Contact,
    Enrolment,
    Message,
    Segment,
)
from tools.core.vocabulary import UNSENT_CAMPAIGN


class ExplainInput(ToolInput):
    contact: str = Field(description="The contact's user_id, email address, or numeric id.")
    campaign: str = Field(description=CAMPAIGN_HELP)


class ExplainResult(ToolResult):
    lines: list[str]


def explain_contact(ctx: ToolContext, args: ExplainInput) -> ExplainResult:
    """Explain, step by step, why a contact got, did not get, or will get a campaign's emails
    (sent when, deferred by which rule, skipped for which reason, exited on which purchase)."""
    campaign = find_campaign(ctx.db, args.campaign)
    contact = find_contact(ctx.db, args.contact)
    zone = _zone(contact, ctx.settings.timezone)
    enrolments = list(ctx.db.scalars(select(Enrolment).where(
        Enrolment.campaign_id == campaign.id, Enrolment.contact_id == contact.id
    ).order_by(Enrolment.round)))
    who = contact.user_id
    if not enrolments:
        lines = [f"{who} has not entered campaign {campaign.id} '{campaign.name}': "
                 + _not_entered_reason(ctx.db, campaign)]
    else:
        lines = [line for enrolment in enrolments
                 for line in _explain_round(ctx, campaign, contact, enrolment, zone, len(enrolments) > 1)]
        lines.insert(0, f"{who} in campaign {campaign.id} '{campaign.name}' ({campaign.status}):")
    return ExplainResult(summary="\n".join(lines), lines=lines)


def _not_entered_reason(db: Session, campaign: Campaign) -> str:
    if campaign.status in UNSENT_CAMPAIGN:
        return "the campaign is not scheduled yet (it awaits approval)"
    if campaign.status == "cancelled":
        return "the campaign was cancelled"
    segment = db.get(Segment, campaign.segment_id) if campaign.segment_id else None
    name = segment.name if segment else "?"
    return f"they have not been in segment '{name}' while the campaign was active"


def _explain_round(ctx: ToolContext, campaign: Campaign, contact: Contact, enrolment: Enrolment,
                   zone: ZoneInfo, several: bool) -> list[str]:
    db = ctx.db
    prefix = f"round {enrolment.round}: " if several else ""
    lines = [f"{prefix}entered {_local(enrolment.entered_at, zone)}"]
    if enrolment.holdout:
        return lines + [f"{prefix}held out as the control group ({campaign.holdout_percent}%): "
                        "gets no emails from this campaign, so its effect can be measured"]
    messages = {m.step_id: m for m in db.scalars(select(Message).where(Message.enrolment_id == enrolment.id))}
    steps = steps_of(db, campaign)
    for step in steps:
        due = step_due(enrolment, step, steps)
        message = messages.get(step.id)
        words = _step_words(message, enrolment, campaign, due, zone)
        if _waiting(message, enrolment, campaign):
            words = _send_time_words(ctx, contact, step.channel, message.due_at if message else due, zone) or words
        lines.append(f"{prefix}step {step.position} ({step.purpose or 'email'}): {words}")
    if enrolment.status == "exited":
        lines.append(f"{prefix}exited: {_exit_words(enrolment.exit_reason)}")
    return lines


def _exit_words(reason: str | None) -> str:
    # The outbox stores "exited: <event> on <time>"; the line already says "exited".
    text = reason or "no reason recorded"
    return text[len("exited: "):] if text.startswith("exited: ") else text


def _waiting(message: Message | None, enrolment: Enrolment, campaign: Campaign) -> bool:
    """Not decided yet: the send-time rules will decide it, so the explanation applies them now."""
    return (campaign.status == "active" and enrolment.status == "active"
            and (message is None or message.status == "pending"))


def _send_time_words(ctx: ToolContext, contact: Contact, channel: str, due: datetime,
                     zone: ZoneInfo) -> str | None:
    """What the worker's rules say about this step now (consent, suppression, caps, quiet hours):
    the words when they hold it back, None when it would go out as planned. The same functions
    the outbox worker and the preflight apply (tools.audience.policy, tools.audience.frequency)."""
    now = ctx.now()
    verdict = check_contact(ctx.db, contact, channel, ctx.settings, now)
    if not verdict.allowed:
        return (f"due {_local(due, zone)}, will not be sent as things stand: {_reason_words(verdict.reason)} "
                "(checked again at send time)")
    decision = frequency.decide(ctx.db, contact, channel, max(due, now), ctx.settings)
    if decision.action == "defer":
        return (f"due {_local(due, zone)}, would wait for {_reason_words(decision.cause)} until "
                f"{_local(decision.until, zone)}")
    if decision.action == "skip":
        return f"due {_local(due, zone)}, would be skipped: {decision.reason}"
    return None


def _step_words(message: Message | None, enrolment: Enrolment, campaign: Campaign,
                due: datetime, zone: ZoneInfo) -> str:
    if message is None:
        if enrolment.status == "exited":
            return f"not sent: exited ({_exit_words(enrolment.exit_reason)})"
        if enrolment.status == "cancelled" or campaign.status == "cancelled":
            return "not sent: the campaign was cancelled"
        if campaign.status == "paused":
            return f"due {_local(due, zone)}, waiting: the campaign is paused"
        return f"will be sent {_local(due, zone)} if still allowed then"
    return _message_words(message, campaign, zone)


def _message_words(message: Message, campaign: Campaign, zone: ZoneInfo) -> str:
    deferral = _deferral_words(message, zone)
    if message.status == "sent":
        sent = f"sent {_local(message.sent_at, zone)}"
        return f"{deferral}, {sent}" if deferral else sent
    if message.status == "deferred":
        return f"{deferral}, until {_local(message.due_at, zone)}"
    if message.status == "skipped":
        return f"not sent: {_reason_words(message.reason)}"
    if message.status == "failed":
        return f"failed: {message.error or message.reason or 'unknown error'}"
    if message.status == "sending":
        return "being handed to the mail server now"
    if campaign.status == "paused":
        return f"due {_local(message.due_at, zone)}, waiting: the campaign is paused"
    return f"due {_local(message.due_at, zone)}, about to be checked and sent"


def _deferral_words(message: Message, zone: ZoneInfo) -> str:
    if message.deferred_at is None:
        return ""
    return f"deferred by {_reason_words(message.reason)} at {_local(message.deferred_at, zone, date=False)}"


def _reason_words(reason: str | None) -> str:
    return (reason or "no reason recorded").replace("_", " ")


def _zone(contact: Contact, default: str) -> ZoneInfo:
    try:
        return ZoneInfo(contact.timezone or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def _local(moment: datetime | None, zone: ZoneInfo, date: bool = True) -> str:
    if moment is None:
        return "(unknown time)"
    local = moment.astimezone(zone)
    text = local.strftime("%Y-%m-%d %H:%M") if date else local.strftime("%H:%M")
    return f"{text} their time ({zone.key})"

"""Answering "why did (or didn't) this contact get that step?" with the send-time rules, and,
asked about a person with no campaign, where they stand.

`explain_contact` walks a contact's enrolments in a campaign, step by step: sent (and when),
deferred (by which rule, until when), skipped (why), or, for a step still to come, what the
worker would decide now: consent, suppression and frequency rules are the same functions the
outbox applies, so the explanation cannot promise a send the worker would refuse.

Without a campaign it answers "is jo@example.com unsubscribed?", "what's jo's consent status?"
and "why did jo get an email from us?": their email consent, ad consent and do-not-sell, what
the send-time rule says about emailing them now, every suppression of their address (with its
date), and their latest messages. An address no contact holds any more (an erased person) still
gets its suppressions, as they are kept by the address's hash.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.audience import frequency
from tools.audience.policy import check_contact
from tools.audience.suppressions import suppressions_of
from tools.campaigns.timing import delay_words, step_due
from tools.core.context import (
    ToolContext,
    ToolError,
    ToolInput,
    ToolResult,
)
from tools.core.identity import email_hash, email_salt, normalise_email
from tools.core.lookup import CAMPAIGN_HELP, find_campaign, find_contact, steps_of
from tools.core.models import (
    Campaign,
    CampaignStep,
    Contact,
    Enrolment,
    Message,
    Segment,
)
from tools.core.vocabulary import OPEN, UNSENT_CAMPAIGN

LATEST_MESSAGES = 10


class ExplainInput(ToolInput):
    contact: str = Field(description="The contact's user_id, email address, or numeric id.")
    campaign: str | None = Field(None, description=CAMPAIGN_HELP + " Leave it out to get the person's "
                                 "consent, suppressions (unsubscribed, bounced, complained, erased) and latest messages.")


class ExplainResult(ToolResult):
    lines: list[str]


def explain_contact(ctx: ToolContext, args: ExplainInput) -> ExplainResult:
    """Explain, step by step, why a contact got, did not get, or will get a campaign's emails
    (sent when, deferred by which rule, skipped for which reason, exited on which purchase).

    Without a campaign, say where the person stands: email consent (and its source), ad consent
    and do-not-sell, whether they may be emailed now, suppressions of their address
    (unsubscribed, bounced, complained, erased, with dates) and their latest messages (campaign,
    step, status, reason, when). Use it for "is jo@example.com unsubscribed?", "what's the
    consent status of jo@example.com?" or "why did jo@example.com get an email from us?".
    """
    if args.campaign is None:
        return _person_status(ctx, args.contact)
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


def _person_status(ctx: ToolContext, ref: str) -> ExplainResult:
    try:
        contact = find_contact(ctx.db, ref)
    except ToolError:
        lines = _address_only(ctx, ref)
        if lines is None:
            raise
        return ExplainResult(summary="\n".join(lines), lines=lines)
    zone = _zone(contact, ctx.settings.timezone)
    who = contact.email or contact.user_id
    verdict = check_contact(ctx.db, contact, "email", ctx.settings, ctx.now())
    lines = [f"{who} (contact {contact.id}, user id {contact.user_id}"
             + (f", {contact.country}" if contact.country else "") + "):",
             _consent_words(contact, zone),
             f"ads: ad consent {_yes(contact.ad_consent)}, do-not-sell {_yes(contact.do_not_sell)}",
             f"signed up: {_local(contact.created_at, zone)}",
             "may be emailed now: " + ("yes" if verdict.allowed else f"no ({_reason_words(verdict.reason)})")]
    lines += _suppression_lines(ctx.db, contact.email_hash, zone)
    lines += _latest_messages(ctx.db, contact, zone)
    return ExplainResult(summary="\n".join(lines), lines=lines)


def _address_only(ctx: ToolContext, ref: str) -> list[str] | None:
    """What the suppression list holds for an address no contact holds, or None when nothing."""
    address = normalise_email(ref) if "@" in ref else None
    if address is None:
        return None
    zone = ZoneInfo(ctx.settings.timezone)
    found = _suppression_lines(ctx.db, email_hash(email_salt(ctx.db), address), zone)
    if not found[0].startswith("suppressed"):
        return None
    return [f"{address}: no contact holds this address (now or any more)."] + found


def _consent_words(contact: Contact, zone: ZoneInfo) -> str:
    words = f"email consent: {contact.email_consent.replace('_', ' ')}"
    if contact.consent_source:
        words += f", from {contact.consent_source}"
    if contact.consent_at:
        words += f", since {_local(contact.consent_at, zone)}"
    return words


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _suppression_lines(db: Session, hashed: str | None, zone: ZoneInfo) -> list[str]:
    entries = suppressions_of(db, hashed)
    if not entries:
        return ["not suppressed: no unsubscribe, bounce, complaint or erasure on record for this address"]
    return [f"suppressed: {entry.reason} on {_local(entry.created_at, zone)}"
            + (f" ({entry.source})" if entry.source else "") for entry in entries]


def _latest_messages(db: Session, contact: Contact, zone: ZoneInfo) -> list[str]:
    rows = db.execute(
        select(Message, Campaign.name, CampaignStep.position, CampaignStep.purpose, CampaignStep.delay_minutes)
        .join(Campaign, Campaign.id == Message.campaign_id).join(CampaignStep, CampaignStep.id == Message.step_id)
        .where(Message.contact_id == contact.id)
        .order_by(Message.due_at.desc(), Message.id.desc()).limit(LATEST_MESSAGES)).all()
    if not rows:
        return ["no messages from any campaign yet"]
    lines = [f"latest {len(rows)} message(s), newest first:" if len(rows) > 1 else "latest message:"]
    for message, name, position, purpose, delay in rows:
        waiting = message.status in OPEN
        when = message.due_at if waiting else (message.sent_at or message.updated_at)
        reason = f" ({_reason_words(message.reason)})" if message.reason else ""
        lines.append(f"- '{name}' step {position} ({delay_words(delay)} {purpose or 'email'}): "
                     f"{message.status}{reason}, {'due' if waiting else 'at'} {_local(when, zone)}")
    return lines


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

"""Campaigns and sequences: creating them and moving them through their states behind approvals.

A campaign is a sequence (steps sent a delay after a contact enters, e.g. day 1 / 3 / 5, to
everyone who enters its segment, until an exit event such as "Order Completed") or a one-off
(one step, sent once to the segment at `send_at`). Its life: draft -> awaiting_approval ->
active <-> paused -> finished / cancelled; each change is audited with who made it. Scheduling
is refused unless every step's newest draft version is approved by an approver and has no
`block` compliance finding. The scheduler (`scheduler/`) does the enrolling and sending; this
module owns the states. When steps fall due is `tools.campaigns.timing`; "why did (or didn't)
this contact get that step?" is `tools.campaigns.explain`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tools.audience import segments
from tools.campaigns.timing import delay_words, step_due
from tools.core import audit
from tools.core.context import (
    ToolContext,
    ToolError,
    ToolInput,
    ToolResult,
    validation_message,
)
from tools.core.lookup import CAMPAIGN_HELP, find_campaign, steps_of
from tools.core.models import (
    Campaign,
    CampaignStep,
    Draft,
    Enrolment,
    Message,
    Segment,
)
from tools.core.settings import DISCOUNT_CODE
from tools.core.vocabulary import LIVE_CAMPAIGN, UNSENT_CAMPAIGN, CampaignStatus
from tools.drafting.approvals import approved_by_approver, newest_version
from tools.drafting.compliance import block_findings
from tools.drafting.drafts import DraftEmailInput, Purpose, draft_email

STATUSES = tuple(status.value for status in CampaignStatus)


class StepInput(ToolInput):
    delay_days: float | None = Field(None, ge=0, le=365, description="Days after entry.")
    delay_hours: float | None = Field(None, ge=0, le=8760, description="Hours after entry.")
    purpose: Purpose = Field(description="What the email is for; its draft is written for it.")
    discount_percent: float | None = Field(None, gt=0, le=90)
    discount_code: str | None = Field(None, pattern=DISCOUNT_CODE,
                                      description="The shop's code for the discount (default NUDGE_DISCOUNT_CODE).")
    brief: str | None = Field(None, max_length=2000, description="What it should say (for custom).")
    draft_id: int | None = Field(None, description="Use this existing draft instead of writing one.")
    deadline_hours: float | None = Field(
        None, gt=0, le=8760, description="Drop the step if it cannot be sent this long after due."
    )

    @model_validator(mode="after")
    def _one_delay(self) -> "StepInput":
        if self.delay_days is not None and self.delay_hours is not None:
            raise ValueError("give delay_days or delay_hours, not both")
        return self

    @property
    def delay_minutes(self) -> int:
        if self.delay_hours is not None:
            return round(self.delay_hours * 60)
        return round((self.delay_days or 0) * 1440)


class CreateSequenceInput(ToolInput):
    name: str = Field(min_length=1, max_length=200)
    segment: str | dict[str, Any] = Field(description="A saved segment's name, or a segment spec.")
    steps: list[StepInput] = Field(min_length=1, max_length=10)
    exit_event: str | None = Field("Order Completed", max_length=200)
    holdout_percent: float = Field(0, ge=0, le=50, description="Share kept out as a control group.")
    reentry_cooldown_days: int = Field(30, ge=0, le=3650)
    kind: Literal["sequence", "one_off"] = "sequence"
    send_at: datetime | None = Field(None, description="For a one-off: when to send (default now).")

    @model_validator(mode="after")
    def _shape(self) -> "CreateSequenceInput":
        delays = [step.delay_minutes for step in self.steps]
        if delays != sorted(delays):
            raise ValueError("steps must be in order of their delay (day 1 before day 3)")
        if self.kind == "one_off" and len(self.steps) != 1:
            raise ValueError("a one_off campaign has exactly one step")
        if self.send_at is not None and self.send_at.tzinfo is None:
            raise ValueError("send_at needs a time zone (e.g. 2026-12-01T09:00:00+00:00)")
        return self


class CampaignRef(ToolInput):
    campaign: str = Field(description=CAMPAIGN_HELP)


class ListCampaignsInput(ToolInput):
    status: Literal[STATUSES] | None = None  # type: ignore[valid-type]


class CampaignResult(ToolResult):
    campaign_id: int
    status: str
    draft_ids: list[int] = []


class CampaignLine(ToolResult):
    campaign_id: int
    name: str
    kind: str
    status: str
    steps: int
    enrolled: int
    sent: int
    next_send_at: datetime | None = None


class ListCampaignsResult(ToolResult):
    campaigns: list[CampaignLine]


def create_sequence(ctx: ToolContext, args: CreateSequenceInput) -> CampaignResult:
    """Create a campaign: a sequence of emails (delays after entry) or a one-off send.

    Writes a draft for each step (or uses the given draft_id), stops the sequence for a contact
    when the exit event (default "Order Completed") happens after entry, keeps holdout_percent
    of entrants out as a control group, and lets a contact re-enter after the cooldown. The
    campaign waits for approval: approve each draft, then call schedule_campaign.
    """
    segment = resolve_segment(ctx, args.segment, args.name)
    campaign = Campaign(
        name=args.name, kind=args.kind, status="draft", segment_id=segment.id,
        exit_event=args.exit_event, reentry_cooldown_days=args.reentry_cooldown_days,
        holdout_percent=args.holdout_percent, send_at=args.send_at, thread=ctx.thread,
        created_by=ctx.actor, created_at=ctx.now(),
    )
    ctx.db.add(campaign)
    ctx.db.flush()
    draft_ids = [add_step(ctx, campaign, position, step).draft_id
                 for position, step in enumerate(args.steps, start=1)]
    _change(ctx, campaign, "awaiting_approval", "campaign.created",
            {"segment": segment.name, "steps": len(args.steps), "kind": args.kind})
    plan = ", ".join(delay_words(step.delay_minutes) + f" {step.purpose}" for step in args.steps)
    return CampaignResult(
        summary=f"Campaign {campaign.id} '{campaign.name}' created for segment '{segment.name}': "
        f"{plan}. Drafts {', '.join(map(str, draft_ids))} await approval; then schedule it.",
        campaign_id=campaign.id, status=campaign.status, draft_ids=draft_ids,
    )


def schedule_campaign(ctx: ToolContext, args: CampaignRef) -> CampaignResult:
    """Start sending a campaign. Refused unless every step's draft is approved by an approver
    and has no blocking compliance finding; the refusal says which step needs what."""
    campaign = schedulable(ctx, args.campaign)
    _change(ctx, campaign, "active", "campaign.scheduled", {}, activated_at=ctx.now())
    when = "as contacts enter the segment" if campaign.kind == "sequence" else _when(campaign)
    return CampaignResult(summary=f"Campaign {campaign.id} '{campaign.name}' is active; "
                          f"it sends {when}.", campaign_id=campaign.id, status=campaign.status)


def schedulable(ctx: ToolContext, ref: str) -> Campaign:
    """The campaign `ref`, or a ToolError saying what stops it being scheduled now."""
    campaign = find_campaign(ctx.db, ref)
    if campaign.status not in UNSENT_CAMPAIGN:
        raise ToolError(f"campaign {campaign.id} is {campaign.status}; only a campaign awaiting "
                        "approval can be scheduled (use resume_campaign for a paused one)")
    problems = [problem for step in steps_of(ctx.db, campaign) for problem in _step_problems(ctx, step)]
    if problems:
        raise ToolError(f"campaign {campaign.id} cannot be scheduled: " + "; ".join(problems))
    return campaign


def pause_campaign(ctx: ToolContext, args: CampaignRef) -> CampaignResult:
    """Pause an active campaign: nothing more is sent until it is resumed."""
    return _transition(ctx, args, {"active"}, "paused", "campaign.paused",
                       "is paused; nothing more is sent until you resume it")


def resume_campaign(ctx: ToolContext, args: CampaignRef) -> CampaignResult:
    """Resume a paused campaign; steps that came due meanwhile are checked again and sent."""
    return _transition(ctx, args, {"paused"}, "active", "campaign.resumed", "is active again")


def cancel_campaign(ctx: ToolContext, args: CampaignRef) -> CampaignResult:
    """Cancel a campaign for good: unsent steps are dropped and nobody new enters."""
    result = _transition(ctx, args, UNSENT_CAMPAIGN | LIVE_CAMPAIGN,
                         "cancelled", "campaign.cancelled", "is cancelled; unsent steps are dropped")
    _drop_unsent(ctx.db, result.campaign_id, ctx.now())
    return result


def discard_campaign(ctx: ToolContext, args: CampaignRef) -> CampaignResult:
    """Discard a campaign that never went live (a draft or one awaiting approval), e.g. one a
    follow-up replaces. It sent nothing, so this is drafting; a live campaign is cancelled by an
    approver instead (cancel_campaign)."""
    return _transition(ctx, args, UNSENT_CAMPAIGN, "cancelled", "campaign.discarded",
                       "is discarded; it never sent anything")


def list_campaigns(ctx: ToolContext, args: ListCampaignsInput) -> ListCampaignsResult:
    """List campaigns with their status, steps, how many contacts entered and emails sent."""
    query = select(Campaign).order_by(Campaign.id)
    if args.status:
        query = query.where(Campaign.status == args.status)
    lines = [_campaign_line(ctx.db, campaign, ctx.now()) for campaign in ctx.db.scalars(query)]
    if not lines:
        return ListCampaignsResult(summary="No campaigns yet.", campaigns=[])
    return ListCampaignsResult(summary="\n".join(line.summary for line in lines), campaigns=lines)


def resolve_segment(ctx: ToolContext, segment: str | dict, campaign_name: str) -> Segment:
    """The saved segment a campaign uses: one named, or a spec saved under the campaign's name."""
    if isinstance(segment, dict):
        # An unsaved spec is saved under the campaign's name, with the segment tool's checks.
        name = re.sub(r"[^A-Za-z0-9 ._-]+", "-", f"{campaign_name} audience").strip(" .-_")[:100]
        try:
            args = segments.CreateSegmentInput(name=name or "campaign audience", spec=segment, replace=True)
        except ValidationError as error:
            raise ToolError(f"segment: {validation_message(error)}") from None
        segments.create_segment(ctx, args)
        segment = args.name
    row = segments.current_segment(ctx.db, segment)
    if row is None:
        segments.load_spec(ctx.db, segment)  # raises the ToolError listing saved segments
    return row


def add_step(ctx: ToolContext, campaign: Campaign, position: int, step: StepInput,
             field: str | None = None) -> CampaignStep:
    """Store `step` at `position`, with its draft written for it (or the draft it names).
    create_sequence's steps and update_sequence's added steps both come through here."""
    draft_id = step.draft_id or _write_draft(ctx, step)
    if ctx.db.get(Draft, draft_id) is None:
        raise ToolError(f"{field or f'steps.{position - 1}'}.draft_id: no draft with id {draft_id}")
    row = CampaignStep(
        campaign_id=campaign.id, position=position, delay_minutes=step.delay_minutes,
        purpose=step.purpose, draft_id=draft_id,
        deadline_minutes=round(step.deadline_hours * 60) if step.deadline_hours else None,
    )
    ctx.db.add(row)
    return row


def _write_draft(ctx: ToolContext, step: StepInput) -> int:
    arguments = {"purpose": step.purpose, "discount_percent": step.discount_percent,
                 "discount_code": step.discount_code, "brief": step.brief}
    result = draft_email(ctx, DraftEmailInput(**{k: v for k, v in arguments.items() if v is not None}))
    return result.draft_id


def _step_problems(ctx: ToolContext, step: CampaignStep) -> list[str]:
    if step.draft_id is None:
        return [f"step {step.position} has no draft"]
    step.draft_id = newest_version(ctx.db, step.draft_id)
    if not approved_by_approver(ctx.db, step.draft_id, ctx.settings):
        return [f"step {step.position}: draft {step.draft_id} is not approved by an approver "
                f"(approve_draft {step.draft_id})"]
    findings = block_findings(ctx.db, ctx.db.get(Draft, step.draft_id), ctx.settings)
    return [f"step {step.position}: draft {step.draft_id} is blocked: {_finding_text(f)}"
            for f in findings]


def _finding_text(finding: Any) -> str:
    return getattr(finding, "message", None) or getattr(finding, "code", None) or str(finding)


def _transition(ctx: ToolContext, args: CampaignRef, allowed: set[str], new: str, action: str,
                words: str) -> CampaignResult:
    campaign = find_campaign(ctx.db, args.campaign)
    if campaign.status == new:
        return CampaignResult(summary=f"Campaign {campaign.id} '{campaign.name}' already {words}.",
                              campaign_id=campaign.id, status=new)
    if campaign.status not in allowed:
        raise ToolError(f"campaign {campaign.id} is {campaign.status}; it can be {new} only when "
                        f"it is {' or '.join(sorted(allowed))}")
    _change(ctx, campaign, new, action, {})
    return CampaignResult(summary=f"Campaign {campaign.id} '{campaign.name}' {words}.",
                          campaign_id=campaign.id, status=new)


def _change(ctx: ToolContext, campaign: Campaign, status: str, action: str, details: dict,
            **values: Any) -> None:
    """The state change as one conditional UPDATE ... WHERE status = <the status we read>, so of
    several callers at once (processes, Slack and the CLI, on either database) exactly one wins
    and writes the audit row; the others are told the campaign changed meanwhile."""
    previous = campaign.status
    changed = ctx.db.execute(
        update(Campaign).where(Campaign.id == campaign.id, Campaign.status == previous)
        .values(status=status, updated_at=ctx.now(), **values)
        .execution_options(synchronize_session=False)).rowcount
    ctx.db.refresh(campaign)
    if changed != 1:
        raise ToolError(f"campaign {campaign.id} changed meanwhile: it is {campaign.status} now, "
                        f"not {previous}; nothing was done (look again, then retry)")
    audit.record(ctx.db, ctx.actor, action, f"campaign:{campaign.id}",
                 {"from": previous, "to": status, **details}, ctx.thread, ctx.now())


def _drop_unsent(db: Session, campaign_id: int, now: datetime) -> None:
    db.query(Message).filter(
        Message.campaign_id == campaign_id, Message.status.in_(("pending", "deferred"))
    ).update({Message.status: "skipped", Message.reason: "campaign cancelled",
              Message.updated_at: now}, synchronize_session=False)
    db.query(Enrolment).filter(Enrolment.campaign_id == campaign_id, Enrolment.status == "active") \
        .update({Enrolment.status: "cancelled", Enrolment.exited_at: now,
                 Enrolment.exit_reason: "campaign cancelled"}, synchronize_session=False)


def _next_send(db: Session, campaign: Campaign, now: datetime) -> datetime | None:
    """The earliest time a message of this live campaign is due (or its one-off send time)."""
    if campaign.status not in ("active", "paused"):
        return None
    due = db.scalar(select(func.min(Message.due_at)).where(
        Message.campaign_id == campaign.id, Message.status.in_(("pending", "deferred"))))
    upcoming = [moment for moment in (due, campaign.send_at) if moment is not None]
    if campaign.kind == "sequence":
        upcoming += _next_step_times(db, campaign)
    return max(min(upcoming), now) if upcoming else None


def _next_step_times(db: Session, campaign: Campaign) -> list[datetime]:
    """For active enrolments, when their first step without a message falls due (step_due)."""
    steps = steps_of(db, campaign)
    if not steps:
        return []
    enrolments = db.scalars(select(Enrolment).where(Enrolment.campaign_id == campaign.id,
                                                    Enrolment.status == "active").limit(500))
    times = []
    for enrolment in enrolments:
        made = set(db.scalars(select(Message.step_id).where(Message.enrolment_id == enrolment.id)))
        pending = [step_due(enrolment, step, steps) for step in steps if step.id not in made]
        if pending:
            times.append(min(pending))
    return times


def _campaign_line(db: Session, campaign: Campaign, now: datetime) -> CampaignLine:
    steps = len(steps_of(db, campaign))
    enrolled = db.scalar(select(func.count()).select_from(Enrolment)
                         .where(Enrolment.campaign_id == campaign.id)) or 0
    sent = db.scalar(select(func.count()).select_from(Message)
                     .where(Message.campaign_id == campaign.id, Message.status == "sent")) or 0
    summary = (f"{campaign.id} '{campaign.name}' ({campaign.kind.replace('_', '-')}, "
               f"{campaign.status.replace('_', ' ')}): {steps} step(s), {enrolled} entered, {sent} sent")
    next_send = _next_send(db, campaign, now)
    if next_send is not None:
        summary += f", next send {next_send:%Y-%m-%d %H:%M} UTC"
        if campaign.status == "paused":
            summary += " (when resumed)"
    elif campaign.status == "active":
        summary += ", nothing due yet (waiting for new segment members)"
    return CampaignLine(summary=summary, campaign_id=campaign.id, name=campaign.name,
                        kind=campaign.kind, status=campaign.status, steps=steps,
                        enrolled=enrolled, sent=sent, next_send_at=next_send)


def _when(campaign: Campaign) -> str:
    return f"at {campaign.send_at.isoformat()}" if campaign.send_at else "now"

"""Editing a campaign in place: a step's discount, subject or day, or the audience, without
rebuilding it, so the approvals of the steps that did not change are kept.

Approvals belong to a draft version. A step whose copy changes (a new subject, a new discount)
gets a new version of its draft, which needs approving again; the old version is superseded.
A step that only moves keeps its approved copy. Every edit is one `campaign.edited` audit row
listing what changed.

Who may edit what, decided here once:
- a campaign that never went live (draft, awaiting_approval): anyone, as drafting sends nothing;
- a paused campaign: approvers only, since it has sent before. The edit puts it back to
  awaiting_approval, so it cannot resume with unapproved copy: an approver approves the new
  versions and schedules it again (schedule_campaign checks every step). Messages already
  queued for a changed step are pointed at its new version;
- an active campaign: refused, pause it first; finished or cancelled ones: refused.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError, model_validator
from sqlalchemy import update

from tools.campaigns.lifecycle import resolve_segment
from tools.campaigns.timing import delay_words
from tools.core import audit
from tools.core.context import (
    ToolContext,
    ToolError,
    ToolInput,
    ToolResult,
    validation_message,
)
from tools.core.lookup import find_campaign, steps_of
from tools.core.models import Campaign, CampaignStep, Draft, Message
from tools.core.vocabulary import CLAIMABLE, UNSENT_CAMPAIGN
from tools.drafting import drafts
from tools.drafting.drafts import Purpose

DISCOUNT_PURPOSES = ("cart_discount", "winback", "welcome", "browse_abandonment")


class StepEdit(ToolInput):
    """One step to change: pick it by `step` (position), `day` or `purpose`, then say what changes."""

    step: int | None = Field(None, ge=1, description="Which step: its position (1 = the first).")
    day: float | None = Field(None, ge=0, description="Which step: the one sent on this day.")
    purpose: Purpose | None = Field(None, description="Which step: the one with this purpose, e.g. social_proof for the reviews email.")
    delay_days: float | None = Field(None, ge=0, le=365, description="Move it to this day.")
    delay_hours: float | None = Field(None, ge=0, le=8760, description="Move it to this many hours after entry.")
    discount_percent: float | None = Field(None, gt=0, le=90, description="Its new discount (the email is rewritten with it).")
    subject: str | None = Field(None, min_length=1, max_length=500, description="Its new subject line.")

    @model_validator(mode="after")
    def _shape(self) -> StepEdit:
        chosen = [name for name in ("step", "day", "purpose") if getattr(self, name) is not None]
        if len(chosen) != 1:
            raise ValueError("pick the step by exactly one of step (position), day or purpose")
        if self.delay_days is not None and self.delay_hours is not None:
            raise ValueError("give delay_days or delay_hours, not both")
        if all(getattr(self, name) is None for name in ("delay_days", "delay_hours", "discount_percent", "subject")):
            raise ValueError("say what changes: delay_days, delay_hours, discount_percent or subject")
        return self


class UpdateSequenceInput(ToolInput):
    campaign: str = Field(description="The campaign's id or exact name.")
    steps: list[StepEdit] = Field(default_factory=list, max_length=10)
    segment: str | dict[str, Any] | None = Field(None, description="A new audience: a saved segment's name or a segment spec.")

    @model_validator(mode="after")
    def _something(self) -> UpdateSequenceInput:
        if not self.steps and self.segment is None:
            raise ValueError("nothing to change: give steps (edits) or a segment")
        return self


class EditedStep(ToolResult):
    position: int
    delay_days: float | None = None
    delay_hours: float | None = None
    purpose: str | None = None
    discount_percent: float | None = None
    draft_id: int | None = None
    changed: bool = False


class UpdateSequenceResult(ToolResult):
    campaign_id: int
    status: str
    draft_ids: list[int] = []  # the new draft versions, to approve
    steps: list[EditedStep] = []
    changes: list[str] = []


def update_sequence(ctx: ToolContext, args: UpdateSequenceInput) -> UpdateSequenceResult:
    """Change a campaign in place: a step's day, discount or subject, or the audience.

    Pick each step by position, day or purpose. Changed copy becomes a new draft version that
    needs approval; unchanged steps keep their approvals. Anyone may edit a campaign that never
    went live; a paused one only an approver, and it goes back to awaiting approval (approve the
    new versions, then schedule it again). Pause an active campaign before editing it.
    """
    campaign = find_campaign(ctx.db, args.campaign)
    _check_editable(ctx, campaign)
    steps = steps_of(ctx.db, campaign)
    changes: list[str] = []
    new_drafts: list[int] = []
    touched: set[int] = set()
    for index, edit in enumerate(args.steps):
        step = _pick(steps, edit, index)
        touched.add(step.id)
        changes += _edit_step(ctx, campaign, step, edit, new_drafts)
    if args.segment is not None:
        changes.append(_change_segment(ctx, campaign, args.segment))
    _renumber(ctx, steps)
    previous = campaign.status
    if previous == "paused":
        campaign.status = "awaiting_approval"
        changes.append("back to awaiting approval: approve the new versions, then schedule it again")
    campaign.updated_at = ctx.now()
    audit.record(ctx.db, ctx.actor, "campaign.edited", f"campaign:{campaign.id}",
                 {"from": previous, "to": campaign.status, "changes": changes, "new_drafts": new_drafts},
                 ctx.thread, ctx.now())
    ctx.db.flush()
    lines = [_line(ctx, step, step.id in touched) for step in sorted(steps, key=lambda s: s.position)]
    summary = (f"Campaign {campaign.id} '{campaign.name}' changed: " + "; ".join(changes) + "."
               + (f" Drafts {', '.join(map(str, new_drafts))} await approval." if new_drafts else ""))
    return UpdateSequenceResult(summary=summary, campaign_id=campaign.id, status=campaign.status,
                                draft_ids=new_drafts, steps=lines, changes=changes)


def _check_editable(ctx: ToolContext, campaign: Campaign) -> None:
    if campaign.status in UNSENT_CAMPAIGN:
        return
    if campaign.status == "paused":
        if not ctx.is_approver:
            raise ToolError(f"campaign {campaign.id} is paused after going live; only approvers "
                            "(NUDGE_APPROVERS) may edit it, and it then needs approving again")
        return
    if campaign.status == "active":
        raise ToolError(f"campaign {campaign.id} is active; pause it first (pause_campaign {campaign.id}), "
                        "then edit it and schedule it again")
    raise ToolError(f"campaign {campaign.id} is {campaign.status}; it can no longer be edited")


def _pick(steps: list[CampaignStep], edit: StepEdit, index: int) -> CampaignStep:
    if edit.step is not None:
        found = [s for s in steps if s.position == edit.step]
        what = f"position {edit.step}"
    elif edit.day is not None:
        found = [s for s in steps if s.delay_minutes == round(edit.day * 1440)]
        what = f"day {edit.day:g}"
    else:
        found = [s for s in steps if s.purpose == edit.purpose]
        what = f"purpose {edit.purpose}"
    if len(found) == 1:
        return found[0]
    have = ", ".join(f"{s.position}: {delay_words(s.delay_minutes)} {s.purpose}" for s in steps)
    problem = "no step" if not found else f"{len(found)} steps"
    raise ToolError(f"steps.{index}: {problem} with {what}; the steps are {have} (pick one by step or day)")


def _edit_step(ctx: ToolContext, campaign: Campaign, step: CampaignStep, edit: StepEdit,
               new_drafts: list[int]) -> list[str]:
    changes = []
    if edit.delay_days is not None or edit.delay_hours is not None:
        minutes = round(edit.delay_days * 1440) if edit.delay_days is not None else round(edit.delay_hours * 60)
        changes.append(f"step {step.position} moved from {delay_words(step.delay_minutes)} to {delay_words(minutes)}")
        step.delay_minutes = minutes
    if edit.discount_percent is not None or edit.subject is not None:
        old = step.draft_id
        current = ctx.db.get(Draft, old) if old else None
        if current is None:
            raise ToolError(f"step {step.position} has no draft to change")
        if edit.discount_percent is not None:
            _rewrite_with_discount(ctx, step, current, edit.discount_percent)
            changes.append(f"step {step.position} now {edit.discount_percent:g}% off (draft {old} -> {step.draft_id})")
        if edit.subject is not None:
            revised = drafts.revise_draft(ctx, drafts.ReviseDraftInput(draft_id=step.draft_id, subject=edit.subject))
            step.draft_id = revised.draft_id
            changes.append(f"step {step.position} subject is now \"{edit.subject}\" (draft {revised.draft_id})")
        new_drafts.append(step.draft_id)
        ctx.db.execute(update(Message).where(Message.step_id == step.id, Message.status.in_(CLAIMABLE))
                       .values(draft_id=step.draft_id))
    return changes


def _rewrite_with_discount(ctx: ToolContext, step: CampaignStep, current: Draft, percent: float) -> None:
    """New copy written for the discount (the draft's code, tone, brief and product kept), stored
    as the next version of the step's draft."""
    params = dict(current.params or {})
    purpose = current.purpose if current.purpose in DISCOUNT_PURPOSES else "cart_discount"
    offer = {"purpose": purpose, "discount_percent": percent, "discount_code": params.get("discount_code"),
             "tone": params.get("tone"), "brief": params.get("brief"), "product": params.get("product")}
    try:
        request = drafts.DraftEmailInput(**{k: v for k, v in offer.items() if v is not None})
    except ValidationError as error:
        raise ToolError(f"step {step.position}: {validation_message(error)}") from None
    step.draft_id, step.purpose = drafts.redraft_email(ctx, current, request).draft_id, purpose


def _change_segment(ctx: ToolContext, campaign: Campaign, segment: str | dict[str, Any]) -> str:
    row = resolve_segment(ctx, segment, campaign.name)
    campaign.segment_id = row.id
    return f"audience is now segment '{row.name}' v{row.version}"


def _renumber(ctx: ToolContext, steps: list[CampaignStep]) -> None:
    """Positions follow the delays again after a move (in two passes, as positions are unique)."""
    ordered = sorted(steps, key=lambda s: (s.delay_minutes, s.position))
    if [s.position for s in ordered] == sorted(s.position for s in steps):
        return
    for step in steps:
        step.position += 1000
    ctx.db.flush()
    for position, step in enumerate(ordered, start=1):
        step.position = position
    ctx.db.flush()


def _line(ctx: ToolContext, step: CampaignStep, changed: bool) -> EditedStep:
    minutes = step.delay_minutes
    draft = ctx.db.get(Draft, step.draft_id) if step.draft_id else None
    discount = (draft.params or {}).get("discount_percent") if draft else None
    when = {"delay_days": minutes / 1440} if minutes % 1440 == 0 else {"delay_hours": minutes / 60}
    return EditedStep(summary=f"step {step.position}: {delay_words(minutes)} {step.purpose}", position=step.position,
                      purpose=step.purpose, discount_percent=discount, draft_id=step.draft_id, changed=changed, **when)



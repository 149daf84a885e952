"""Editing a campaign in place: a step's discount, code, subject or day, steps added or removed,
or the audience, without rebuilding it, so the approvals of the steps that did not change are kept.

Approvals belong to a draft version. A step whose copy changes (a new subject, a new discount or
code) gets a new version of its draft, which needs approving again; the old version is
superseded. An added step is drafted as create_sequence drafts one (`lifecycle.add_step`) and
needs approving too. A step that only moves keeps its approved copy, and removing a step leaves
the others' approvals alone. Steps stay in order of their delay. Every edit is one
`campaign.edited` audit row listing what changed.

Who may edit what is decided once, in tools.core.editable (revise_draft asks the same):
- a campaign that never went live (draft, awaiting_approval): anyone, as drafting sends nothing;
- a paused campaign: approvers only, since it has sent before. The edit puts it back to
  awaiting_approval, so it cannot resume with unapproved copy: an approver approves the new
  versions and schedules it again (schedule_campaign checks every step). Messages already
  queued for a changed step are pointed at its new version;
- an active campaign: refused, pause it first; finished or cancelled ones: refused.

A step that has sent (or skipped, or failed) any message cannot be removed: its outbox rows are
the reports' history and deleting the step would delete them. Its messages still waiting, and
the unused codes of its single-use pool, go with it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import Field, ValidationError, model_validator
from sqlalchemy import delete, func, select, update

from tools.campaigns.lifecycle import StepInput, add_step, resolve_segment
from tools.campaigns.timing import delay_words
from tools.core import audit
from tools.core.context import (
    ToolContext,
    ToolError,
    ToolInput,
    ToolResult,
    validation_message,
)
from tools.core.editable import check_editable
from tools.core.lookup import CAMPAIGN_HELP, find_campaign, steps_of
from tools.core.models import Campaign, CampaignStep, Draft, Message
from tools.core.settings import DISCOUNT_CODE
from tools.core.vocabulary import CLAIMABLE
from tools.drafting import discount_codes, drafts
from tools.drafting.drafts import Purpose, Tone

# Purposes whose copy carries an offer as it is; a cart reminder or social-proof step given one
# becomes the cart discount step, but a newsletter stays a newsletter (its copy prints the code).
DISCOUNT_PURPOSES = ("cart_discount", "winback", "welcome", "browse_abandonment", "announcement", "custom")
MAX_STEPS = 10  # as create_sequence allows
CHANGES = ("delay_days", "delay_hours", "discount_percent", "discount_code", "remove_offer", "tone", "brief", "subject")


class StepPick(ToolInput):
    """One step, picked by `step` (position), `day` or `purpose`: exactly one of them."""

    step: int | None = Field(None, ge=1, description="Which step: its position (1 = the first).")
    day: float | None = Field(None, ge=0, description="Which step: the one sent on this day.")
    purpose: Purpose | None = Field(None, description="Which step: the one with this purpose, e.g. social_proof for the reviews email.")

    @model_validator(mode="after")
    def _one_pick(self) -> StepPick:
        if sum(getattr(self, name) is not None for name in ("step", "day", "purpose")) != 1:
            raise ValueError("pick the step by exactly one of step (position), day or purpose")
        return self


class StepEdit(StepPick):
    """One step to change: pick it by `step` (position), `day` or `purpose`, then say what changes."""

    delay_days: float | None = Field(None, ge=0, le=365, description="Move it to this day.")
    delay_hours: float | None = Field(None, ge=0, le=8760, description="Move it to this many hours after entry.")
    discount_percent: float | None = Field(None, gt=0, le=90, description="Its new discount (the email is rewritten with it).")
    discount_code: str | None = Field(None, pattern=DISCOUNT_CODE,
                                      description="Its new discount code, one the shop created (the email is rewritten with it).")
    remove_offer: bool | None = Field(None, description="True: take its discount and code off (the email is rewritten "
                                                        "without an offer; a cart discount email becomes a reminder).")
    subject: str | None = Field(None, min_length=1, max_length=500, description="Its new subject line.")
    tone: Tone | None = Field(None, description="Rewrite its email in this tone (its offer, code and brief kept).")
    brief: str | None = Field(None, min_length=3, max_length=2000, description="Rewrite its email to say this, e.g. 'free shipping on "
                              "every order this weekend' (its offer, code and tone kept).")
    replaces: str | None = Field(None, min_length=2, max_length=200, description="With a new discount or code: the old offer's words "
                                 "it replaces ('free shipping'), taken out of the email so it does not promise both.")

    @model_validator(mode="after")
    def _shape(self) -> StepEdit:
        if self.delay_days is not None and self.delay_hours is not None:
            raise ValueError("give delay_days or delay_hours, not both")
        if self.remove_offer and (self.discount_percent is not None or self.discount_code is not None):
            raise ValueError("remove_offer takes the offer off: give it without discount_percent or discount_code")
        if self.replaces and self.discount_percent is None and self.discount_code is None:
            raise ValueError("replaces names the old offer a new one replaces: give it with discount_percent or discount_code")
        if all(getattr(self, name) is None for name in CHANGES) or self.remove_offer is False and all(
                getattr(self, name) is None for name in CHANGES if name != "remove_offer"):
            raise ValueError("say what changes: " + ", ".join(CHANGES[:-1]) + " or subject")
        return self


class UpdateSequenceInput(ToolInput):
    campaign: str = Field(description=CAMPAIGN_HELP)
    steps: list[StepEdit] = Field(default_factory=list, max_length=MAX_STEPS, description="Changes to existing steps.")
    add_steps: list[StepInput] = Field(default_factory=list, max_length=MAX_STEPS,
                                       description="New steps, drafted as create_sequence drafts them; kept in order of delay.")
    remove_steps: list[StepPick] = Field(default_factory=list, max_length=MAX_STEPS,
                                         description="Steps to remove, picked by step, day or purpose.")
    segment: str | dict[str, Any] | None = Field(None, description="A new audience: a saved segment's name or a segment spec.")
    send_at: datetime | None = Field(None, description="For a one-off: when it goes out instead (with a time zone, "
                                                       "e.g. 2026-12-05T10:00:00+00:00).")
    holdout_percent: float | None = Field(None, ge=0, le=50, description="A new share (0-50%) kept out as the control group; "
                                                                          "0 ends the holdout.")

    @model_validator(mode="after")
    def _something(self) -> UpdateSequenceInput:
        if self.send_at is not None and self.send_at.tzinfo is None:
            raise ValueError("send_at needs a time zone (e.g. 2026-12-05T10:00:00+00:00)")
        if not (self.steps or self.add_steps or self.remove_steps) and self.segment is None and self.send_at is None \
                and self.holdout_percent is None:
            raise ValueError("nothing to change: give steps (edits), add_steps, remove_steps, a segment, send_at or holdout_percent")
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
    """Change a campaign in place: a step's day, discount, discount code or subject; add steps
    (add_steps, drafted like create_sequence's) or remove them (remove_steps, by position, day
    or purpose; the last step cannot be removed); or change the audience.

    Pick each step by position, day or purpose. Changed copy and added steps become draft
    versions that need approval; unchanged steps keep their approvals. Anyone may edit a
    campaign that never went live; a paused one only an approver, and it goes back to awaiting
    approval (approve the new versions, then schedule it again). Pause an active campaign
    before editing it.
    """
    campaign = find_campaign(ctx.db, args.campaign)
    check_editable(ctx, campaign)
    steps = steps_of(ctx.db, campaign)
    removed = list(dict.fromkeys(_pick(steps, pick, index, "remove_steps")
                                 for index, pick in enumerate(args.remove_steps)))
    edited = [_pick(steps, edit, index) for index, edit in enumerate(args.steps)]
    _check_count(campaign, steps, removed, edited, args.add_steps)
    changes: list[str] = []
    new_drafts: list[int] = []
    for step, edit in zip(edited, args.steps):
        changes += _edit_step(ctx, step, edit, new_drafts)
    for step in removed:
        changes.append(_remove_step(ctx, step))
    steps = [step for step in steps if step not in removed]
    added = _add_steps(ctx, campaign, steps, args.add_steps, changes, new_drafts)
    if args.segment is not None:
        changes.append(_change_segment(ctx, campaign, args.segment))
    if args.send_at is not None:
        changes.append(_change_send_time(ctx, campaign, args.send_at))
    if args.holdout_percent is not None:
        # who is held out follows from the percent (tools/campaigns/holdout.py): contacts who
        # already entered keep the side they were put on
        changes.append(f"holdout {float(campaign.holdout_percent or 0):g}% -> {args.holdout_percent:g}% (the control group)")
        campaign.holdout_percent = args.holdout_percent
    _renumber(ctx, steps)
    previous = campaign.status
    # (a rewrite that read the same changed nothing: the paused campaign may simply resume)
    if previous == "paused" and (new_drafts or any(value is not None for value in (args.segment, args.send_at, args.holdout_percent))
                                 or args.add_steps or args.remove_steps):
        campaign.status = "awaiting_approval"
        changes.append("back to awaiting approval: approve the new versions, then schedule it again")
    campaign.updated_at = ctx.now()
    audit.record(ctx.db, ctx.actor, "campaign.edited", f"campaign:{campaign.id}",
                 {"from": previous, "to": campaign.status, "changes": changes, "new_drafts": new_drafts},
                 ctx.thread, ctx.now())
    ctx.db.flush()
    touched = {step.id for step in edited + added}
    lines = [_line(ctx, step, step.id in touched) for step in sorted(steps, key=lambda s: s.position)]
    summary = (f"Campaign {campaign.id} '{campaign.name}' changed: " + "; ".join(changes) + "."
               + (f" Drafts {', '.join(map(str, new_drafts))} await approval." if new_drafts else ""))
    return UpdateSequenceResult(summary=summary, campaign_id=campaign.id, status=campaign.status,
                                draft_ids=new_drafts, steps=lines, changes=changes)


def _change_send_time(ctx: ToolContext, campaign: Campaign, send_at: datetime) -> str:
    if campaign.kind != "one_off":
        raise ToolError(f"campaign {campaign.id} is a sequence: its steps go out at their delays after each contact "
                        "enters; send_at is for one-offs (move a step's day instead)")
    if send_at <= ctx.now():
        raise ToolError(f"send_at {send_at.isoformat()} is in the past; give a time from now on")
    before = campaign.send_at.isoformat() if campaign.send_at else "when scheduled"
    campaign.send_at = send_at
    return f"sends at {send_at.isoformat()} (was {before})"


def _check_count(campaign: Campaign, steps: list[CampaignStep], removed: list[CampaignStep],
                 edited: list[CampaignStep], added: list[StepInput]) -> None:
    both = sorted({step.position for step in removed} & {step.position for step in edited})
    if both:
        raise ToolError(f"step {both[0]} is both edited and removed; do one or the other")
    left = len(steps) - len(removed) + len(added)
    if left < 1:
        raise ToolError(f"campaign {campaign.id} would have no steps left; a campaign keeps at least "
                        "one (discard_campaign throws away one that never went live)")
    if left > MAX_STEPS:
        raise ToolError(f"campaign {campaign.id} would have {left} steps; at most {MAX_STEPS}")
    if campaign.kind == "one_off" and left != 1:
        raise ToolError(f"campaign {campaign.id} is a one-off, which has exactly one step")


def _pick(steps: list[CampaignStep], edit: StepPick, index: int, field: str = "steps") -> CampaignStep:
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
    raise ToolError(f"{field}.{index}: {problem} with {what}; the steps are {have} (pick one by step or day)")


def _edit_step(ctx: ToolContext, step: CampaignStep, edit: StepEdit, new_drafts: list[int]) -> list[str]:
    changes = []
    if edit.delay_days is not None or edit.delay_hours is not None:
        minutes = round(edit.delay_days * 1440) if edit.delay_days is not None else round(edit.delay_hours * 60)
        changes.append(f"step {step.position} moved from {delay_words(step.delay_minutes)} to {delay_words(minutes)}")
        step.delay_minutes = minutes
    if edit.discount_percent is not None or edit.discount_code is not None or edit.subject is not None or edit.remove_offer or edit.tone or edit.brief:
        old = step.draft_id
        current = ctx.db.get(Draft, old) if old else None
        if current is None:
            raise ToolError(f"step {step.position} has no draft to change")
        if edit.discount_percent is not None or edit.discount_code is not None:
            _rewrite_offer(ctx, step, current, edit)
            offer = [f"{edit.discount_percent:g}% off"] if edit.discount_percent is not None else []
            offer += [f"code {edit.discount_code}"] if edit.discount_code is not None else []
            kept = "" if edit.subject is not None else _keep_own_subjects(ctx, step, current, edit)
            changes.append(f"step {step.position} now {', '.join(offer)} (draft {old} -> {step.draft_id}){kept}")
        if edit.remove_offer:
            changes.append(_take_offer_off(ctx, step, current))
        if (edit.tone or edit.brief) and edit.discount_percent is None and edit.discount_code is None:
            changes.append(_rewrite(ctx, step, ctx.db.get(Draft, step.draft_id), edit))
        if edit.subject is not None:
            variant = (ctx.db.get(Draft, step.draft_id).content or {}).get("copy", {}).get("subject_b")
            revised = drafts.revise_draft(ctx, drafts.ReviseDraftInput(draft_id=step.draft_id, subject=edit.subject))
            step.draft_id = revised.draft_id
            dropped = f"; its A/B subject \"{variant}\" is dropped, so everyone gets this one" if variant else ""
            changes.append(f"step {step.position} subject is now \"{edit.subject}\" (draft {revised.draft_id}){dropped}")
        new_drafts += [step.draft_id] if step.draft_id != old else []  # a rewrite that read the same keeps its approval
        ctx.db.execute(update(Message).where(Message.step_id == step.id, Message.status.in_(CLAIMABLE))
                       .values(draft_id=step.draft_id))
    return changes


def _keep_own_subjects(ctx: ToolContext, step: CampaignStep, current: Draft, edit: StepEdit) -> str:
    """Subjects the marketer wrote (an A/B test, a subject of their own) survive a new offer: the
    rewritten copy takes them back, with the old percent and code replaced; "" when the old
    version's subjects were the writer's own, else the words saying they were kept."""
    if current.writer != "human":
        return ""
    old_copy = (current.content or {}).get("copy", {})
    params = current.params or {}
    own = {name: _with_new_offer(old_copy.get(name) or "", params, edit) for name in ("subject", "subject_b")}
    if not own["subject"]:
        return ""
    revised = drafts.revise_draft(ctx, drafts.ReviseDraftInput(draft_id=step.draft_id, **{k: v for k, v in own.items() if v}))
    step.draft_id = revised.draft_id
    shown = " vs ".join(f'"{value}"' for value in own.values() if value)
    return f"; your subject{'s' if own['subject_b'] else ''} {shown} kept (draft {revised.draft_id})"


def _with_new_offer(text: str, params: dict, edit: StepEdit) -> str:
    """`text` with the old discount and code replaced by the edit's."""
    if text and edit.discount_percent is not None and params.get("discount_percent") is not None:
        was = re.escape(f"{float(params['discount_percent']):g}")
        text = re.sub(rf"(?<![\d.]){was}\s*%", f"{edit.discount_percent:g}%", text)
    if text and edit.discount_code and params.get("discount_code"):
        text = re.sub(rf"\b{re.escape(params['discount_code'])}\b", edit.discount_code, text)
    return text


def _rewrite_offer(ctx: ToolContext, step: CampaignStep, current: Draft, edit: StepEdit) -> None:
    """New copy written for the changed discount or code (the draft's other offer, tone, brief
    and product kept), stored as the next version of the step's draft."""
    params = dict(current.params or {})
    purpose = current.purpose if current.purpose in DISCOUNT_PURPOSES else "cart_discount"
    product = params.get("product")
    # the brief's own words name the old offer ("early access, 20% off code VIPHOLIDAY"): the new one replaces it
    brief = _with_new_offer(edit.brief or params.get("brief") or "", params, edit) or None
    if brief and edit.replaces:
        # "10% off instead of free shipping": the old offer's words leave the email
        brief = re.sub(r"\s*,\s*,", ",", re.sub(rf"(?:\b(?:with|and|plus|\+)\s+)?\b{re.escape(edit.replaces)}\b", " ", brief, flags=re.I))
        brief = re.sub(r"\s+", " ", brief).strip(" ,.-") or None
    offer = {"purpose": purpose, "tone": edit.tone or params.get("tone"), "brief": brief,
             # A stored product is the catalogue item the writer saw; the request names it by id.
             "product": product.get("id") if isinstance(product, dict) else product,
             "discount_percent": params.get("discount_percent") if edit.discount_percent is None else edit.discount_percent,
             "discount_code": edit.discount_code or params.get("discount_code")}
    try:
        request = drafts.DraftEmailInput(**{k: v for k, v in offer.items() if v is not None})
    except ValidationError as error:
        raise ToolError(f"step {step.position}: {validation_message(error)}") from None
    step.draft_id, step.purpose = drafts.redraft_email(ctx, current, request).draft_id, purpose


def _rewrite(ctx: ToolContext, step: CampaignStep, current: Draft, edit: StepEdit) -> str:
    """The step's email written again in the edit's tone and/or to say its brief, everything else
    it had kept (a subject the marketer wrote too)."""
    tone, brief = edit.tone, edit.brief
    params = dict(current.params or {})
    product = params.get("product")
    request = {"purpose": current.purpose, "tone": tone or params.get("tone"), "brief": brief or params.get("brief"),
               "product": product.get("id") if isinstance(product, dict) else product,
               "discount_percent": params.get("discount_percent"), "discount_code": params.get("discount_code")}
    try:
        retoned = drafts.DraftEmailInput(**{k: v for k, v in request.items() if v is not None})
    except ValidationError as error:
        raise ToolError(f"step {step.position}: {validation_message(error)}") from None
    old = step.draft_id
    written = drafts.redraft_email(ctx, current, retoned)
    step.draft_id = written.draft_id
    said = f"in {'an' if tone[0] in 'aeiou' else 'a'} {tone} tone" if tone else ""
    said += (" and " if tone and brief else "") + (f"to say '{brief[:80]}'" if brief else "")
    note = written.note.rstrip(".")  # a tone the offline writer does not know, or copy that already read so
    if step.draft_id == old:
        return f"step {step.position} not rewritten {said}: {note}"
    kept = "" if edit.subject is not None else _keep_own_subjects(ctx, step, current, edit)
    return f"step {step.position} rewritten {said} (draft {old} -> {step.draft_id}){kept}" + (f" ({note})" if note else "")


# An offer in a step's own words ("25% off, code LAST25, final chance"): what goes with the offer.
_OFFER_WORDS = re.compile(r"\b(?:with |and |plus )?\d+(?:\.\d+)?\s*%\s*(?:off|discount)?|\b(?:with |using |use )?(?:the )?(?:promo |discount )?code\s+\S+", re.I)


def _take_offer_off(ctx: ToolContext, step: CampaignStep, current: Draft) -> str:
    """The step's email written again without its discount and code: a cart discount email
    becomes a cart reminder, any other purpose keeps its own copy; the brief loses the offer."""
    params = dict(current.params or {})
    if not params.get("discount_percent") and not params.get("discount_code"):
        raise ToolError(f"step {step.position} has no offer to take off")
    purpose = "cart_reminder" if current.purpose == "cart_discount" else current.purpose
    brief = re.sub(r"\s*,\s*,", ",", _OFFER_WORDS.sub("", params.get("brief") or "")).strip(" ,.-") or None
    product = params.get("product")
    request = {"purpose": purpose, "tone": params.get("tone"), "brief": brief,
               "product": product.get("id") if isinstance(product, dict) else product}
    try:
        plain = drafts.DraftEmailInput(**{k: v for k, v in request.items() if v is not None})
    except ValidationError as error:
        raise ToolError(f"step {step.position}: {validation_message(error)}") from None
    old = step.draft_id
    step.draft_id, step.purpose = drafts.redraft_email(ctx, current, plain).draft_id, purpose
    return f"step {step.position} has no offer now (draft {old} -> {step.draft_id})"


def _remove_step(ctx: ToolContext, step: CampaignStep) -> str:
    history = ctx.db.scalar(select(func.count()).select_from(Message).where(
        Message.step_id == step.id, Message.status.not_in(CLAIMABLE))) or 0
    what = f"step {step.position} ({delay_words(step.delay_minutes)} {step.purpose})"
    if history:
        raise ToolError(f"{what} has {history} message(s) sent, skipped or failed, which the reports "
                        "count; it cannot be removed. Change its copy or day instead, or build a new campaign")
    waiting = ctx.db.execute(delete(Message).where(Message.step_id == step.id)).rowcount or 0
    codes = discount_codes.drop_pool(ctx.db, step.id)
    ctx.db.delete(step)
    ctx.db.flush()
    dropped = [f"{waiting} waiting message(s)"] * bool(waiting) + [f"{codes} unused single-use code(s)"] * bool(codes)
    return f"removed {what}" + (f" with its {' and '.join(dropped)}" if dropped else "")


def _add_steps(ctx: ToolContext, campaign: Campaign, steps: list[CampaignStep], new: list[StepInput],
               changes: list[str], new_drafts: list[int]) -> list[CampaignStep]:
    """Store the added steps after the others; _renumber puts them where their delay goes."""
    added = []
    last = max((step.position for step in steps), default=0)
    for index, step in enumerate(new):
        row = add_step(ctx, campaign, last + 1 + index, step, field=f"add_steps.{index}")
        ctx.db.flush()
        steps.append(row)
        added.append(row)
        new_drafts.append(row.draft_id)
        changes.append(f"added {delay_words(row.delay_minutes)} {row.purpose} (draft {row.draft_id})")
    return added


def _change_segment(ctx: ToolContext, campaign: Campaign, segment: str | dict[str, Any]) -> str:
    row = resolve_segment(ctx, segment, campaign.name)
    campaign.segment_id = row.id
    return f"audience is now segment '{row.name}' v{row.version}"


def _renumber(ctx: ToolContext, steps: list[CampaignStep]) -> None:
    """Positions are 1, 2, ... in order of delay again after a move, an addition or a removal
    (in two passes, as positions are unique)."""
    ordered = sorted(steps, key=lambda s: (s.delay_minutes, s.position))
    if [s.position for s in ordered] == list(range(1, len(ordered) + 1)):
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



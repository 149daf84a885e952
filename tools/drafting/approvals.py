"""Approving or rejecting a draft: the gate between copy and a real inbox.

Only approvers (NUDGE_APPROVERS, plus the local console/CLI user) may decide. A draft version
gets at most one decision, enforced by the unique key on `approvals.draft_id`: a double click,
a retried Slack action or two approvers racing all end with the same single approval, and the
second caller is told who decided first. Editing a draft makes a new version that needs its own
approval, so only the newest version of a draft can be decided. A draft with a blocking
compliance finding is not approved: an approval says the copy may go out, and scheduling would
refuse it anyway.

"Approve the cart sequence" decides every step's draft of one campaign: each goes through the
same single decision (`_decide`), so the rules cannot differ, and a draft refused (blocked,
already decided the other way) is reported with its reason while the others are decided.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tools.core import audit
from tools.core.context import (
    ToolContext,
    ToolError,
    ToolInput,
    ToolResult,
    is_approver,
)
from tools.core.lookup import CAMPAIGN_HELP, find_campaign, steps_of
from tools.core.models import Approval, Campaign, CampaignStep, Draft
from tools.core.settings import Settings
from tools.drafting.compliance import block_findings


class _OneOrCampaign(ToolInput):
    @model_validator(mode="after")
    def _exactly_one(self) -> _OneOrCampaign:
        if (self.draft_id is None) == (self.campaign is None):
            raise ValueError("give draft_id (one draft version) or campaign (every step's draft), not both or neither")
        return self


class DraftDecisionInput(_OneOrCampaign):
    draft_id: int | None = Field(None, description="The id of the draft version to approve.")
    campaign: str | None = Field(None, description="Instead of draft_id: approve every step's newest draft of this "
                                 "campaign not approved yet. " + CAMPAIGN_HELP)


class RejectDraftInput(_OneOrCampaign):
    draft_id: int | None = Field(None, description="The id of the draft version to reject.")
    campaign: str | None = Field(None, description="Instead of draft_id: reject every step's newest draft of this "
                                 "campaign not rejected yet. " + CAMPAIGN_HELP)
    reason: str = Field(min_length=1, max_length=2000, description="Why, so the writer can fix it.")


class RefusedDraft(BaseModel):
    step: int
    draft_id: int | None
    reason: str


class DecisionResult(ToolResult):
    draft_id: int | None = None  # the one draft decided; None for a whole campaign
    decision: str
    decided_by: str
    already_decided: bool = False
    campaign_id: int | None = None
    decided: list[int] = []  # a whole campaign: the drafts this call approved (or rejected)
    already: list[int] = []  # ... those that already were
    refused: list[RefusedDraft] = []  # ... and those it could not decide, with the reason
    waiting: list[int] = []  # one draft approved: its campaign's other steps' drafts still undecided


def approve_draft(ctx: ToolContext, args: DraftDecisionInput) -> DecisionResult:
    """Approve a draft version so its campaign can be scheduled, or, given campaign instead of
    draft_id, the newest draft of each of that campaign's steps not approved yet ("approve the
    cart sequence"). Approvers only.

    Approving twice is harmless: the first approval stands. A rejected draft must be revised
    (which makes a new version) before it can be approved, and a draft with a blocking
    compliance finding is refused until it is fixed. For a campaign, each draft is decided on its
    own: the answer lists the drafts approved and those refused, with why.
    """
    if args.campaign is not None:
        return _decide_campaign(ctx, args.campaign, "approved", None)
    result = _decide(ctx, args.draft_id, "approved", None)
    _note_waiting(ctx, result)
    return result


def _note_waiting(ctx: ToolContext, result: DecisionResult) -> None:
    """One step approved of a campaign whose other steps still wait: said, with how to approve them
    all, so "approve it" after an edit never leaves the marketer thinking the campaign is ready."""
    chain, draft = {result.draft_id}, ctx.db.get(Draft, result.draft_id)
    while draft is not None and draft.previous_id is not None:
        chain.add(draft.previous_id)
        draft = ctx.db.get(Draft, draft.previous_id)
    step = ctx.db.scalar(select(CampaignStep).where(CampaignStep.draft_id.in_(chain)).limit(1))
    if step is None:
        return
    campaign = ctx.db.get(Campaign, step.campaign_id)
    for other in steps_of(ctx.db, campaign):
        newest = newest_version(ctx.db, other.draft_id) if other.draft_id is not None else None
        if newest is not None and newest != result.draft_id and approval_of(ctx.db, newest) is None:
            result.waiting.append(newest)
    result.campaign_id = campaign.id
    if result.waiting:
        result.summary += (f" Campaign {campaign.id} '{campaign.name}' still has {len(result.waiting)} step(s) waiting for approval "
                           f"(draft(s) {', '.join(map(str, result.waiting))}): 'approve campaign {campaign.id}' approves them all.")


def reject_draft(ctx: ToolContext, args: RejectDraftInput) -> DecisionResult:
    """Reject a draft version with a reason, or, given campaign instead of draft_id, the newest
    draft of each of that campaign's steps not rejected yet; revise a draft to make a new
    version. Approvers only. For a campaign the answer lists the drafts rejected and those
    refused (e.g. already approved), with why.
    """
    if args.campaign is not None:
        return _decide_campaign(ctx, args.campaign, "rejected", args.reason.strip())
    return _decide(ctx, args.draft_id, "rejected", args.reason.strip())


def approval_of(db: Session, draft_id: int) -> Approval | None:
    return db.scalar(select(Approval).where(Approval.draft_id == draft_id))


def newer_version(db: Session, draft_id: int) -> int | None:
    return db.scalar(select(Draft.id).where(Draft.previous_id == draft_id).order_by(Draft.id.desc()))


def _decide(ctx: ToolContext, draft_id: int, decision: str, reason: str | None) -> DecisionResult:
    draft = ctx.db.get(Draft, draft_id)
    if draft is None:
        raise ToolError(f"no draft with id {draft_id}; list drafts to find the right id")
    newer = newer_version(ctx.db, draft_id)
    if newer is not None:
        raise ToolError(f"draft {draft_id} has a newer version ({newer}); decide on that one")
    existing = approval_of(ctx.db, draft_id)
    if existing is None and decision == "approved":
        _refuse_blocked(ctx, draft)
    fresh = existing is None and _insert(ctx, draft, decision, reason)
    approval = approval_of(ctx.db, draft_id)
    if approval.decision != decision:
        raise ToolError(
            f"draft {draft_id} was already {approval.decision} by {approval.decided_by}; "
            "revise it to make a new version"
        )
    return _result(approval, fresh)


def _refuse_blocked(ctx: ToolContext, draft: Draft) -> None:
    blocks = block_findings(ctx.db, draft, ctx.settings)
    if blocks:
        found = "; ".join(f"{finding.message} ({finding.fix})" if finding.fix else finding.message for finding in blocks)
        raise ToolError(f"draft {draft.id} cannot be approved while compliance blocks it: {found}")


def _decide_campaign(ctx: ToolContext, ref: str, decision: str, reason: str | None) -> DecisionResult:
    """Every step's newest draft of campaign `ref`, decided one by one; a refusal is reported, not raised."""
    campaign = find_campaign(ctx.db, ref)
    result = DecisionResult(summary="", decision=decision, decided_by=ctx.actor, campaign_id=campaign.id)
    seen: set[int] = set()
    for step in steps_of(ctx.db, campaign):
        if step.draft_id is None:
            result.refused.append(RefusedDraft(step=step.position, draft_id=None, reason="the step has no draft"))
            continue
        draft_id = newest_version(ctx.db, step.draft_id)
        if draft_id in seen:
            continue
        seen.add(draft_id)
        try:
            decided = _decide(ctx, draft_id, decision, reason)
        except ToolError as error:
            result.refused.append(RefusedDraft(step=step.position, draft_id=draft_id, reason=str(error)))
            continue
        (result.already if decided.already_decided else result.decided).append(draft_id)
    result.summary = _campaign_summary(campaign.id, campaign.name, result)
    return result


def _campaign_summary(campaign_id: int, name: str, result: DecisionResult) -> str:
    verb = result.decision
    parts = [f"Campaign {campaign_id} '{name}':"]
    if result.decided:
        parts.append(f"{verb} draft(s) {', '.join(map(str, result.decided))}.")
    if result.already:
        parts.append(f"Already {verb}: {', '.join(map(str, result.already))}.")
    for refused in result.refused:
        which = f"draft {refused.draft_id}" if refused.draft_id else "no draft"
        parts.append(f"Not {verb}: step {refused.step} ({which}): {refused.reason.rstrip('.')}.")
    if not (result.decided or result.already or result.refused):
        parts.append("it has no steps.")
    return " ".join(parts)


def _insert(ctx: ToolContext, draft: Draft, decision: str, reason: str | None) -> bool:
    """Store the decision; False when someone else's decision got there first."""
    approval = Approval(
        draft_id=draft.id, decision=decision, decided_by=ctx.actor, reason=reason,
        decided_at=ctx.now(),
    )
    try:
        with ctx.db.begin_nested():
            ctx.db.add(approval)
            ctx.db.flush()
    except IntegrityError:
        # Someone decided this version between our read and our write: theirs stands.
        return False
    draft.status = decision
    audit.record(
        ctx.db, ctx.actor, f"draft.{decision}", f"draft:{draft.id}",
        {"reason": reason} if reason else {}, ctx.thread, ctx.now(),
    )
    return True


def _result(approval: Approval, fresh: bool) -> DecisionResult:
    verb = "approved" if approval.decision == "approved" else "rejected"
    summary = (
        f"Draft {approval.draft_id} {verb} by {approval.decided_by}."
        if fresh
        else f"Draft {approval.draft_id} was already {verb} by {approval.decided_by}; nothing changed."
    )
    return DecisionResult(
        summary=summary, draft_id=approval.draft_id, decision=approval.decision,
        decided_by=approval.decided_by, already_decided=not fresh,
    )


def newest_version(db: Session, draft_id: int) -> int:
    """Follow a draft's edits to its newest version (edits point back at their predecessor)."""
    while True:
        newer = db.scalar(select(Draft.id).where(Draft.previous_id == draft_id).order_by(Draft.id.desc()))
        if newer is None:
            return draft_id
        draft_id = newer


def approved_by_approver(db: Session, draft_id: int, settings: Settings) -> str | None:
    """Who approved this draft version, if it was an allowed approver; else None."""
    approval = approval_of(db, draft_id)
    if approval and approval.decision == "approved" and is_approver(settings, approval.decided_by):
        return approval.decided_by
    return None

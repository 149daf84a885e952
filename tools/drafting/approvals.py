"""Approving or rejecting a draft: the gate between copy and a real inbox.

Only approvers (NUDGE_APPROVERS, plus the local console/CLI user) may decide. A draft version
gets at most one decision, enforced by the unique key on `approvals.draft_id`: a double click,
a retried Slack action or two approvers racing all end with the same single approval, and the
second caller is told who decided first. Editing a draft makes a new version that needs its own
approval, so only the newest version of a draft can be decided.
"""

from __future__ import annotations

from pydantic import Field
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
from tools.core.models import Approval, Draft
from tools.core.settings import Settings


class DraftDecisionInput(ToolInput):
    draft_id: int = Field(description="The id of the draft version to approve.")


class RejectDraftInput(ToolInput):
    draft_id: int = Field(description="The id of the draft version to reject.")
    reason: str = Field(min_length=1, max_length=2000, description="Why, so the writer can fix it.")


class DecisionResult(ToolResult):
    draft_id: int
    decision: str
    decided_by: str
    already_decided: bool = False


def approve_draft(ctx: ToolContext, args: DraftDecisionInput) -> DecisionResult:
    """Approve a draft version so its campaign can be scheduled. Approvers only.

    Approving twice is harmless: the first approval stands. A rejected draft must be revised
    (which makes a new version) before it can be approved.
    """
    return _decide(ctx, args.draft_id, "approved", None)


def reject_draft(ctx: ToolContext, args: RejectDraftInput) -> DecisionResult:
    """Reject a draft version with a reason; revise it to make a new version. Approvers only."""
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
    fresh = existing is None and _insert(ctx, draft, decision, reason)
    approval = approval_of(ctx.db, draft_id)
    if approval.decision != decision:
        raise ToolError(
            f"draft {draft_id} was already {approval.decision} by {approval.decided_by}; "
            "revise it to make a new version"
        )
    return _result(approval, fresh)


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

"""Proposed irreversible actions: stored when proposed, run once when their proposer confirms.

When `tools.registry.call` raises `NeedsConfirmation`, the surface stores a `Proposal` here (the
call and whatever the same request meant to do after it) and shows its summary with Confirm and
Cancel. `decide` is the one way to act on it, whatever the surface (a Slack button, a console
choice): only the person who proposed it may decide, before it expires; the decision is claimed
with a conditional UPDATE, so two clicks (or two processes) confirm it once; and the calls then
run through `registry.call` as that person with `confirmed=True`, so permissions are checked
again at that moment (an approver removed from NUDGE_APPROVERS meanwhile cannot confirm).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from tools import registry
from tools.core import audit
from tools.core.context import (
    NeedsConfirmation,
    ToolContext,
    ToolError,
    ToolRefused,
    ToolResult,
)
from tools.core.models import Proposal

LIFETIME = timedelta(minutes=30)
CONFIRMED, CANCELLED = "confirmed", "cancelled"


def call_or_propose(ctx: ToolContext, name: str, arguments: dict[str, Any],
                    then: list[dict[str, Any]] | None = None) -> ToolResult | Proposal:
    """Run the tool through `registry.call`; an irreversible call (and the calls meant to follow
    it, `then`) is stored as a proposal instead, and the proposal is returned."""
    try:
        return registry.call(ctx, name, arguments)
    except NeedsConfirmation as needed:
        return propose(ctx, needed.summary, [{"name": needed.tool, "arguments": needed.arguments}, *(then or [])])


def propose(ctx: ToolContext, summary: str, calls: list[dict[str, Any]]) -> Proposal:
    """Store `calls` ([{"name", "arguments"}]) as a proposal of `ctx.actor`, to confirm later."""
    proposal = Proposal(actor=ctx.actor, surface=ctx.surface[:40], thread=(ctx.thread or "")[:200] or None,
                        summary=summary, calls=calls, created_at=ctx.now(), expires_at=ctx.now() + LIFETIME)
    ctx.db.add(proposal)
    ctx.db.flush()
    audit.record(ctx.db, ctx.actor, "proposal.made", f"proposal:{proposal.id}",
                 {"tools": [call["name"] for call in calls], "surface": ctx.surface}, ctx.thread, ctx.now())
    return proposal


def decide(ctx: ToolContext, proposal_id: int, confirm: bool) -> list[tuple[str, dict[str, Any], ToolResult]]:
    """Confirm (run its calls) or cancel proposal `proposal_id` as `ctx.actor`."""
    proposal = ctx.db.get(Proposal, proposal_id)
    if proposal is None:
        raise ToolError(f"there is no proposal {proposal_id}; ask me again")
    if proposal.actor != ctx.actor:
        _refuse(ctx, proposal, "not the proposer")
    if proposal.decided_at is not None:
        raise ToolError(f"proposal {proposal_id} was already {proposal.decision}; nothing more was done")
    if ctx.now() >= proposal.expires_at:
        raise ToolError(f"proposal {proposal_id} expired ({int(LIFETIME.total_seconds() // 60)} minutes "
                        "after it was made); ask me again to see what it would do now")
    claimed = ctx.db.execute(
        update(Proposal).where(Proposal.id == proposal_id, Proposal.decided_at.is_(None))
        .values(decided_at=ctx.now(), decision=CONFIRMED if confirm else CANCELLED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:  # another click or process decided between our read and our write
        raise ToolError(f"proposal {proposal_id} was already decided; nothing more was done")
    audit.record(ctx.db, ctx.actor, f"proposal.{CONFIRMED if confirm else CANCELLED}",
                 f"proposal:{proposal_id}", {"tools": [call["name"] for call in proposal.calls]},
                 ctx.thread, ctx.now())
    if not confirm:
        return []
    confirmed = replace(ctx, confirmed=True, question=False)
    return [(call["name"], call["arguments"], registry.call(confirmed, call["name"], call["arguments"]))
            for call in proposal.calls]


def _refuse(ctx: ToolContext, proposal: Proposal, reason: str) -> None:
    details = {"reason": reason, "proposer": proposal.actor, "surface": ctx.surface}
    audit.record_refusal(ctx.db, ctx.actor, "proposal.refused", f"proposal:{proposal.id}", details,
                         ctx.thread, ctx.now())
    raise ToolRefused(f"only the person who asked for this (<@{proposal.actor}>) can confirm or cancel it")

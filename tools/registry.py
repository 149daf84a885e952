"""The single list of Nudge's tools: name, input model, function, and who may run it how.

The LLM agent binds these as its tools (the input models are the JSON schemas), the offline
planner emits calls into them, the CLI, Slack, the console and tests call them, and `nudge help`
prints their descriptions. Each entry declares, once, who may run it (everyone or approvers),
whether it writes (a question turn may only read) and, for irreversible tools, the describer
of what it would do. `call()` is the only place these are checked: it refuses and audits, or
raises `NeedsConfirmation` with the describer's sentence, or validates and runs the tool. So a
model, a person and a test meet the same checks, the same clear errors and the same audit row,
whatever the surface.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, get_type_hints

from pydantic import BaseModel, ValidationError

from tools import risks
from tools.audience import exports, frequency, segments
from tools.campaigns import discounts, edits, explain, lifecycle, preflight
from tools.core import audit
from tools.core.context import (
    NeedsConfirmation,
    ToolContext,
    ToolError,
    ToolRefused,
    ToolResult,
    validation_message,
)
from tools.drafting import approvals, compliance, drafts
from tools.privacy import audit_trail, retention, rights, unsubscribe
from tools.reporting import digest, report

Describer = Callable[[ToolContext, Any], "str | None"]


class Access(str, Enum):
    """Who may run a tool."""

    EVERYONE = "everyone"
    APPROVERS = "approvers"


@dataclass(frozen=True)
class Tool:
    name: str
    input_model: type[BaseModel]
    function: Callable[[ToolContext, Any], ToolResult]
    description: str
    access: Access
    writes: bool
    # Irreversible tools: what this call would do, or None when this call needs no confirmation.
    confirm: Describer | None = None

    @property
    def approver_only(self) -> bool:
        return self.access is Access.APPROVERS


def tool(function: Callable[..., ToolResult], access: Access, *, writes: bool,
         confirm: Describer | None = None) -> Tool:
    """Describe `function` as a tool: its second parameter's type is the input model."""
    hints = get_type_hints(function)
    parameters = list(inspect.signature(function).parameters)
    input_model = hints[parameters[1]]
    description = inspect.cleandoc(function.__doc__ or function.__name__)
    return Tool(function.__name__, input_model, function, description, access, writes, confirm)


def _all_tools() -> list[Tool]:
    # Each capability's tool module is named here and only here; add a tool by adding a line, and
    # decide its access, whether it writes, and whether it must be confirmed. The README's
    # permission table is checked against this list by tests/unit/test_readme.py.
    everyone, approvers = Access.EVERYONE, Access.APPROVERS
    return [
        # Personal data: erasure and access requests are for approvers, and always confirmed.
        tool(rights.forget_contact, approvers, writes=True, confirm=risks.forget),
        tool(rights.export_contact, approvers, writes=False, confirm=risks.export_person),
        # Applying the retention period early deletes only what the daily job would.
        tool(retention.purge_old_data, approvers, writes=True),
        # Unsubscribing at a person's request only stops email: anyone, audited.
        tool(unsubscribe.unsubscribe_contact, everyone, writes=True),
        # Reading is for everyone.
        tool(audit_trail.audit_log, everyone, writes=False),
        tool(report.campaign_report, everyone, writes=False),
        tool(report.order_summary, everyone, writes=False),
        tool(digest.daily_digest, everyone, writes=False),
        # Deciding on drafts is the approvers' job; nothing reaches a contact without it.
        tool(approvals.approve_draft, approvers, writes=True),
        tool(approvals.reject_draft, approvers, writes=True),
        # Building a campaign is drafting (it sends nothing); going live is for approvers.
        tool(lifecycle.create_sequence, everyone, writes=True),
        tool(lifecycle.schedule_campaign, approvers, writes=True, confirm=risks.schedule),
        # Pausing is a safety brake anyone may pull; resuming and cancelling are not.
        tool(lifecycle.pause_campaign, everyone, writes=True),
        tool(lifecycle.resume_campaign, approvers, writes=True, confirm=risks.resume),
        tool(lifecycle.cancel_campaign, approvers, writes=True, confirm=risks.cancel),
        # Throwing away a draft campaign (a follow-up rebuilds it) sent nothing: drafting.
        tool(lifecycle.discard_campaign, everyone, writes=True),
        # Editing in place: anyone before it goes live; a paused one needs an approver (see edits).
        tool(edits.update_sequence, everyone, writes=True),
        tool(lifecycle.list_campaigns, everyone, writes=False),
        tool(explain.explain_contact, everyone, writes=False),
        # A saved segment is a definition, not an action on anyone.
        tool(segments.create_segment, everyone, writes=True),
        tool(segments.preview_segment, everyone, writes=False),
        tool(segments.list_segments, everyone, writes=False),
        # Exports hand personal data (hashed) to an ad platform: approvers, confirmed.
        tool(exports.export_audience, approvers, writes=True, confirm=risks.export_segment),
        tool(exports.export_buyer_suppression, approvers, writes=True, confirm=risks.export_buyers),
        tool(exports.export_lookalike_seed, approvers, writes=True, confirm=risks.export_lookalike),
        tool(drafts.draft_email, everyone, writes=True),
        tool(drafts.draft_ad_copy, everyone, writes=True),
        tool(drafts.revise_draft, everyone, writes=True),
        tool(drafts.preview_draft, everyone, writes=False),
        tool(compliance.check_compliance, everyone, writes=False),
        # Rules hold back every campaign's messages: approvers, confirmed while campaigns are live.
        tool(frequency.set_rule, approvers, writes=True, confirm=risks.rule_change),
        tool(frequency.show_rules, everyone, writes=False),
        tool(preflight.preflight, everyone, writes=False),
        # Codes the shop created, attached to a step (drafting: they change no approved copy).
        tool(discounts.import_discount_codes, everyone, writes=True),
        tool(discounts.show_discount_codes, everyone, writes=False),
    ]


TOOLS: list[Tool] = _all_tools()
BY_NAME: dict[str, Tool] = {t.name: t for t in TOOLS}


def get(name: str) -> Tool:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ToolError(f"unknown tool '{name}'; known tools: {', '.join(sorted(BY_NAME))}") from None


NOT_APPROVER, QUESTION = "not an approver", "question"


def refusal(ctx: ToolContext, chosen: Tool) -> tuple[str, str] | None:
    """(reason, sentence) when `ctx`'s asker may not run `chosen` now, or None when they may."""
    if chosen.approver_only and not ctx.is_approver:
        return NOT_APPROVER, (f"only approvers (NUDGE_APPROVERS) may use {chosen.name}; "
                              "I have noted the attempt; ask one of them")
    if chosen.writes and ctx.question:
        return QUESTION, (f"that reads as a question, so I only look things up: {chosen.name} "
                          "would change something, and I did not run it. If you meant it as a "
                          "request, say it as one (e.g. \"build ...\", \"pause campaign 3\").")
    return None


def check(ctx: ToolContext, name: str) -> Tool:
    """The tool `name`, or `ToolRefused` (audited) when `ctx`'s asker may not run it."""
    chosen = get(name)
    refused = refusal(ctx, chosen)
    if refused is not None:
        _audit_refusal(ctx, chosen, refused[0])
        raise ToolRefused(refused[1])
    return chosen


def _audit_refusal(ctx: ToolContext, chosen: Tool, reason: str) -> None:
    details = {"tool": chosen.name, "reason": reason, "surface": ctx.surface}
    audit.record_refusal(ctx.db, ctx.actor, "tool.refused", chosen.name, details, ctx.thread, ctx.now())


def call(ctx: ToolContext, name: str, arguments: dict[str, Any] | BaseModel) -> ToolResult:
    """Check who asks, validate `arguments` and run the tool, or raise `ToolError` saying what
    to fix (`ToolRefused` when not allowed, `NeedsConfirmation` for an unconfirmed irreversible
    call)."""
    chosen = check(ctx, name)
    if isinstance(arguments, BaseModel):
        arguments = arguments.model_dump()
    try:
        parsed = chosen.input_model.model_validate(arguments)
    except ValidationError as error:
        raise ToolError(f"{name}: {validation_message(error)}") from None
    if chosen.confirm is not None and not ctx.confirmed:
        summary = chosen.confirm(ctx, parsed)
        if summary is not None:
            raise NeedsConfirmation(name, parsed.model_dump(mode="json", exclude_unset=True), summary)
    return chosen.function(ctx, parsed)

"""The single list of Nudge's tools: name, pydantic input model, function and description.

The LLM agent binds these as its tools (the input models are the JSON schemas), the offline
planner emits calls into them, the CLI and tests call them, and `nudge help` prints their
descriptions. `call()` validates raw arguments with the tool's model, so a model, a user and a
test all meet the same checks and the same clear errors.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ValidationError

from tools.context import ToolContext, ToolError, ToolResult


@dataclass(frozen=True)
class Tool:
    name: str
    input_model: type[BaseModel]
    function: Callable[[ToolContext, Any], ToolResult]
    description: str
    approver_only: bool = False


def tool(function: Callable[..., ToolResult], approver_only: bool = False) -> Tool:
    """Describe `function` as a tool: its second parameter's type is the input model."""
    hints = get_type_hints(function)
    parameters = list(inspect.signature(function).parameters)
    input_model = hints[parameters[1]]
    description = inspect.cleandoc(function.__doc__ or function.__name__)
    return Tool(function.__name__, input_model, function, description, approver_only)


def _all_tools() -> list[Tool]:
    # Each capability module is imported here and only here; add a tool by adding a line.
    from tools import audit_trail, privacy
    from tools import reporting
    from tools import approvals, sequences
    from tools import audiences, segments
    from tools import compliance, drafting, frequency, preflight

    return [
        tool(privacy.forget_contact, approver_only=True),
        tool(privacy.export_contact, approver_only=True),
        tool(audit_trail.audit_log),
        tool(reporting.campaign_report),
        tool(reporting.order_summary),
        tool(approvals.approve_draft, approver_only=True),
        tool(approvals.reject_draft, approver_only=True),
        tool(sequences.create_sequence),
        tool(sequences.schedule_campaign),
        tool(sequences.pause_campaign),
        tool(sequences.resume_campaign),
        tool(sequences.cancel_campaign),
        tool(sequences.list_campaigns),
        tool(sequences.explain_contact),
        tool(segments.create_segment),
        tool(segments.preview_segment),
        tool(segments.list_segments),
        tool(audiences.export_audience, approver_only=True),
        tool(audiences.export_buyer_suppression, approver_only=True),
        tool(audiences.export_lookalike_seed, approver_only=True),
        tool(drafting.draft_email),
        tool(drafting.draft_ad_copy),
        tool(drafting.revise_draft),
        tool(drafting.preview_draft),
        tool(compliance.check_compliance),
        tool(frequency.set_rule),
        tool(frequency.show_rules),
        tool(preflight.preflight),
    ]


TOOLS: list[Tool] = _all_tools()
BY_NAME: dict[str, Tool] = {t.name: t for t in TOOLS}


def get(name: str) -> Tool:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ToolError(f"unknown tool '{name}'; known tools: {', '.join(sorted(BY_NAME))}") from None


def validation_message(error: ValidationError) -> str:
    """One readable line per problem: 'field.path: what is wrong'."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "input"
        lines.append(f"{where}: {problem['msg']}")
    return "; ".join(lines)


def call(ctx: ToolContext, name: str, arguments: dict[str, Any] | BaseModel) -> ToolResult:
    """Validate `arguments` and run the tool, or raise `ToolError` saying what to fix."""
    chosen = get(name)
    if chosen.approver_only and not ctx.is_approver:
        raise ToolError(f"only approvers (NUDGE_APPROVERS) may use {name}; ask one of them")
    if isinstance(arguments, BaseModel):
        arguments = arguments.model_dump()
    try:
        parsed = chosen.input_model.model_validate(arguments)
    except ValidationError as error:
        raise ToolError(f"{name}: {validation_message(error)}") from None
    return chosen.function(ctx, parsed)

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
    return []


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

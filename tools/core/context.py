"""What every tool call receives: the database session, settings, who is asking, and the clock.

Tools are plain functions `def tool(ctx: ToolContext, args: SomeInput) -> SomeResult`. The
context carries the actor (a Slack user id, "console", "cli", "scheduler") so audit entries and
approval checks know who acted, the thread and surface the request came from, whether the turn
asked a question (then only reading tools may run) and whether the person has confirmed an
irreversible action. `is_approver` is the one approver predicate of the whole product.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.orm import Session

from tools.core.clock import SYSTEM_CLOCK, Clock
from tools.core.settings import Settings

# The person at the local console or the shell of the server (they hold the database itself),
# and the shop: a signed customers/redact or data_request is the merchant's own request.
LOCAL_ACTORS = frozenset({"console", "cli", "shopify"})


def is_approver(settings: Settings, actor: str | None) -> bool:
    """Approvers are listed in NUDGE_APPROVERS; the local console and CLI user always is."""
    return bool(actor) and (actor in settings.approver_ids or actor in LOCAL_ACTORS)


@dataclass
class ToolContext:
    db: Session
    settings: Settings
    actor: str = "cli"
    thread: str | None = None
    clock: Clock = field(default=SYSTEM_CLOCK)
    # Where the call came from, for the audit log: "cli", "slack/button", "console/planner", ...
    surface: str = "cli"
    # The turn asked for information: `registry.call` refuses every tool that writes.
    question: bool = False
    # The person confirmed this very call (a Confirm button, --yes): irreversible tools run.
    confirmed: bool = False

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def is_approver(self) -> bool:
        return is_approver(self.settings, self.actor)


class ToolInput(BaseModel):
    """Base of every tool's input: unknown fields are an error, so typos are caught."""

    model_config = ConfigDict(extra="forbid")


class ToolResult(BaseModel):
    """Base of every tool's result: `summary` is the plain-words answer shown to the marketer."""

    summary: str


class ToolError(Exception):
    """A tool refused its input or could not act; the message says what to fix."""


class ToolRefused(ToolError):
    """The asker may not run this tool here (not an approver, or a question turn); audited."""


class NeedsConfirmation(ToolError):
    """An irreversible call was proposed, not run: `summary` says what would happen."""

    def __init__(self, tool: str, arguments: dict, summary: str) -> None:
        super().__init__(f"not done yet: {summary} Confirm to go ahead.")
        self.tool = tool
        self.arguments = arguments
        self.summary = summary


def validation_message(error: ValidationError) -> str:
    """One readable line per problem: 'field.path: what is wrong'."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "input"
        lines.append(f"{where}: {problem['msg']}")
    return "; ".join(lines)

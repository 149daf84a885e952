"""What every tool call receives: the database session, settings, who is asking, and the clock.

Tools are plain functions `def tool(ctx: ToolContext, args: SomeInput) -> SomeResult`. The
context carries the actor (a Slack user id, "console", "cli", "scheduler") so audit entries and
approval checks know who acted, and the thread the request came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from tools.clock import SYSTEM_CLOCK, Clock
from tools.settings import Settings


@dataclass
class ToolContext:
    db: Session
    settings: Settings
    actor: str = "cli"
    thread: str | None = None
    clock: Clock = field(default=SYSTEM_CLOCK)

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def is_approver(self) -> bool:
        """Approvers are listed in NUDGE_APPROVERS; the local console and CLI user always is, and
        so is "shopify": a signed customers/redact or data_request is the merchant's own request."""
        return self.actor in self.settings.approver_ids or self.actor in {"console", "cli", "shopify"}


class ToolInput(BaseModel):
    """Base of every tool's input: unknown fields are an error, so typos are caught."""

    model_config = ConfigDict(extra="forbid")


class ToolResult(BaseModel):
    """Base of every tool's result: `summary` is the plain-words answer shown to the marketer."""

    summary: str


class ToolError(Exception):
    """A tool refused its input or could not act; the message says what to fix."""

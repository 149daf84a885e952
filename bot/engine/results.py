"""What one request produces: the calls made, the outcome before rendering, and the reply.

The conversation engine and the LLM agent both build these, and every surface (Slack, the
console, `nudge ask`) reads a `Reply`; they live here, below both engines, so neither imports
the other for its result types.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from tools.core.models import Proposal


@dataclass
class CallRecord:
    """One tool call made for a request: what was asked, and the plain-words outcome."""

    name: str
    arguments: dict[str, Any]
    summary: str
    ok: bool = True
    result: dict[str, Any] | None = None  # the tool's result model, for `nudge ask --json`


@dataclass(frozen=True)
class Attachment:
    """A file a reply hands to the person who asked (an access request's JSON): the console and
    `nudge ask` write it under the export directory, Slack uploads it to them privately."""

    filename: str
    content: bytes
    title: str


@dataclass
class Reply:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)
    failed: bool = False  # nothing was done (a refusal, an expired proposal): show it privately
    attachments: list[Attachment] = field(default_factory=list)  # never stored with the turn

    def calls_json(self) -> list[dict[str, Any]]:
        return [asdict(call) for call in self.calls]


@dataclass
class Outcome:
    """What a planner run produced before it is rendered into a reply."""

    text: str
    calls: list[CallRecord]
    state: ThreadState
    blocks: list[dict[str, Any]] | None = None
    proposal_id: int | None = None


ASK_SURFACE = "ask"


@dataclass
class Turn:
    """Who asks, where, and how: what every tool context of one request carries."""

    user: str
    thread: str
    surface: str = "chat"
    question: bool = False
    confirmed: bool = False


def proposal_outcome(turn: Turn, proposal: Proposal, done: str, records: list[CallRecord],
                     state: ThreadState) -> Outcome:
    """What a proposed irreversible call looks like in the reply: Confirm / Cancel buttons, or,
    for `nudge ask` (which has no buttons), how to go ahead with --yes."""
    buttons = turn.surface != ASK_SURFACE
    asked = messages.proposed(proposal.summary) if buttons else messages.ASK_YES.format(summary=proposal.summary)
    text = "\n\n".join(part for part in (done, asked) if part)
    return Outcome(text, records, state, proposal_id=proposal.id if buttons else None)

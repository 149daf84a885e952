"""The one table of card buttons: what each is called, which tool it runs, and what it asks first.

Slack (`bot/slack/actions.py`, `bot/slack/views.py`) and the console (`bot/console.py`) both read
this table, so a button behaves the same wherever it is pressed: Approve runs `approve_draft` at
once, Reject asks a reason, Edit asks the new copy, Schedule runs `schedule_campaign` (which is
proposed, then confirmed), and Confirm / Cancel decide on a proposal. The surfaces only differ
in how they ask (a modal, a prompt) and how they show the result. The builders in
`bot/display/blocks.py` take each button's label and style from here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.display import ids

Target = Literal["draft", "campaign", "proposal"]
Asks = Literal["reason", "copy"]


@dataclass(frozen=True)
class Button:
    action_id: str
    label: str
    target: Target             # what the button's value numbers
    tool: str | None = None    # the tool it runs; None for Confirm / Cancel (a decision)
    asks: Asks | None = None   # what the person is asked before the tool runs
    style: str | None = None   # Slack's "primary" or "danger"
    confirm: bool | None = None  # for a decision: go ahead (True) or not (False)

    def arguments(self, number: int, answers: dict[str, Any] | None = None) -> dict[str, Any]:
        """The tool's arguments for the card numbered `number` and the person's answers."""
        key = {"draft": "draft_id", "campaign": "campaign"}[self.target]
        value: Any = number if self.target == "draft" else str(number)
        return {key: value, **(answers or {})}


BUTTONS: dict[str, Button] = {button.action_id: button for button in (
    Button(ids.APPROVE, "Approve", "draft", tool="approve_draft", style="primary"),
    Button(ids.EDIT, "Edit", "draft", tool="revise_draft", asks="copy"),
    Button(ids.REJECT, "Reject", "draft", tool="reject_draft", asks="reason", style="danger"),
    Button(ids.SCHEDULE, "Schedule", "campaign", tool="schedule_campaign", style="primary"),
    Button(ids.CONFIRM, "Confirm", "proposal", style="danger", confirm=True),
    Button(ids.CANCEL, "Cancel", "proposal", confirm=False),
)}

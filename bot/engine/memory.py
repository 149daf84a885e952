"""What a conversation thread has built so far, so follow-ups can refer to it.

"Make day 5 15% off" or "exclude Canada" only make sense against the campaign the thread
created. After each tool call the engine folds the result into a `ThreadState` (the campaign,
its status, the sequence request that built it, the last segment and drafts), and the state is
stored with the assistant's turn in `conversation_turns`, so a restart loses nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass
class ThreadState:
    campaign_id: int | None = None
    campaign_status: str | None = None
    sequence_request: dict[str, Any] | None = None
    segment: str | None = None
    draft_ids: list[int] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ThreadState:
        known = {name: value for name, value in (data or {}).items() if name in cls.__dataclass_fields__}
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def campaign_live(self) -> bool:
        return self.campaign_status in {"active", "paused", "finished"}

    def absorb(self, tool_name: str, arguments: dict[str, Any], result: BaseModel) -> None:
        """Remember what a successful tool call created or pointed at."""
        data = result.model_dump(mode="json")
        if tool_name == "create_sequence":
            self.sequence_request = arguments
        if tool_name == "update_sequence" and self.sequence_request:
            self.sequence_request = edited_request(self.sequence_request, arguments, data)
        if isinstance(data.get("campaign_id"), int) and tool_name != "list_campaigns":
            self.campaign_id = data["campaign_id"]
            self.campaign_status = data.get("status") or self.campaign_status
        drafts = [data["draft_id"]] if isinstance(data.get("draft_id"), int) else []
        drafts += [item for item in data.get("draft_ids") or [] if isinstance(item, int)]
        if drafts:
            self.draft_ids = drafts
        if tool_name == "create_segment" and isinstance(arguments.get("name"), str):
            self.segment = arguments["name"]


def edited_request(request: dict[str, Any], arguments: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The thread's sequence request after an edit in place: the campaign's steps as the tool
    reports them, and the new audience when the edit gave one; so the next follow-up reads the
    campaign as it is now."""
    steps = []
    for step in data.get("steps") or []:
        when = {"delay_days": step["delay_days"]} if step.get("delay_days") is not None else {"delay_hours": step["delay_hours"]}
        item = {**{k: (int(v) if float(v).is_integer() else v) for k, v in when.items()}, "purpose": step["purpose"]}
        if step.get("discount_percent"):
            item["discount_percent"] = step["discount_percent"]
        steps.append(item)
    edited = {**request, "steps": steps or request.get("steps", [])}
    if isinstance(arguments.get("segment"), (dict, str)):
        edited["segment"] = arguments["segment"]
    return edited

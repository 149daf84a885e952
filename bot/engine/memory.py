"""What a conversation thread has built so far, so follow-ups can refer to it.

"Make day 5 15% off" or "exclude Canada" only make sense against the campaign the thread
created. After each tool call the engine folds the result into a `ThreadState` (the campaign,
its status, the sequence request that built it, the last segment and drafts), and the state is
stored with the assistant's turn in `conversation_turns`, so a restart loses nothing.

The state also keeps every campaign the thread has seen (built, changed or listed) with its name
and status, so "the cart sequence" resolves by name within the thread, preferring a live
campaign over a draft duplicate (`campaign_named`), while "it" stays the thread's latest.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel

# Which campaign "the cart sequence" means when a thread has several: the live one first.
LIVENESS = {"active": 0, "paused": 1, "finished": 2, "awaiting_approval": 3, "draft": 4, "cancelled": 5}


@dataclass
class ThreadState:
    campaign_id: int | None = None
    campaign_status: str | None = None
    sequence_request: dict[str, Any] | None = None
    segment: str | None = None
    draft_ids: list[int] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)  # {"id", "name", "status"} seen here
    # the words of the thread's last audience question, for "what about France?" (planner.refine);
    # forgotten once a campaign is built or edited, so "only the ones in the US" then edits it
    audience_words: str | None = None
    # the words of the people whose orders the thread's last question asked about ("what's their
    # revenue in november" after a count): "and october?" then asks about the same people's orders
    orders_of: str | None = None
    person: str | None = None  # the contact the thread last asked about, for "unsubscribe her"
    ad_request: dict[str, Any] | None = None  # the last ad copy asked for, for "now do the same for meta"
    rule_key: str | None = None  # the last cap set here, for "make it 2 instead"
    # a request waiting for the answer to Nudge's question about it ("who counts as a VIP?"):
    # {"text": the request, "group": the words the answer replaces}; the next message only
    pending: dict[str, Any] | None = None
    # the saved segments this turn's words name (name -> its spec), put here by the engine before
    # planning (bot.engine.recall), so "how many are in french big spenders" is that segment
    saved_segments: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ThreadState:
        known = {name: value for name, value in (data or {}).items() if name in cls.__dataclass_fields__}
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def campaign_live(self) -> bool:
        return self.campaign_status in {"active", "paused", "finished"}

    def remember(self, campaign_id: int, name: str | None, status: str | None) -> None:
        """Note a campaign this thread has seen; a later sighting updates its name or status."""
        known = next((c for c in self.campaigns if c["id"] == campaign_id), None)
        if known is None:
            known = {"id": campaign_id, "name": None, "status": None}
            self.campaigns.append(known)
        known["name"] = name or known["name"]
        known["status"] = status or known["status"]

    def campaign_named(self, pattern: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """The thread's campaign whose name matches `pattern` (a regex, case-insensitive): the most
        live one (active, then paused, finished, awaiting approval, draft; newest first within
        a status), with the others that matched, or None when the thread has none."""
        matching = [c for c in self.campaigns if c["name"] and re.search(pattern, c["name"], re.I)]
        if not matching:
            return None
        ranked = sorted(matching, key=lambda c: (LIVENESS.get(c["status"], len(LIVENESS)), -c["id"]))
        return ranked[0], ranked[1:]

    def absorb(self, tool_name: str, arguments: dict[str, Any], result: BaseModel) -> None:
        """Remember what a successful tool call created or pointed at."""
        data = result.model_dump(mode="json")
        if tool_name == "create_sequence":
            # each step with the draft it got, so "show me the day 3 email" finds it
            drafts = data.get("draft_ids") or []
            steps = [{**step, **({"draft_id": drafts[index]} if index < len(drafts) else {})}
                     for index, step in enumerate(arguments.get("steps") or [])]
            self.sequence_request = {**arguments, "steps": steps}
        if tool_name in ("create_sequence", "update_sequence"):
            self.audience_words = None
        if tool_name == "draft_ad_copy":
            self.ad_request = arguments
        if tool_name == "set_rule" and str(arguments.get("key", "")).endswith("_cap"):
            self.rule_key = arguments["key"]
        if isinstance(arguments.get("contact"), str):
            self.person = arguments["contact"]
        segment = arguments.get("segment")
        if isinstance(segment, dict) and segment.get("attribute") == "email" and segment.get("op") == "eq":
            self.person = segment["value"]  # one person's orders: "unsubscribe him" may follow
        if tool_name in ("revise_draft", "approve_draft", "reject_draft") and self.sequence_request and isinstance(data.get("draft_id"), int):
            # a new version of a step's draft ("split test the first email's subject"): that step
            # now has this draft, so the next edit of it finds the newest version
            old = arguments.get("draft_id")
            for step in self.sequence_request.get("steps") or []:
                if old is not None and step.get("draft_id") == old:
                    step["draft_id"] = data["draft_id"]
        if tool_name == "update_sequence" and self.sequence_request:
            self.sequence_request = edited_request(self.sequence_request, arguments, data)
        if isinstance(data.get("campaign_id"), int) and tool_name != "list_campaigns":
            self.campaign_id = data["campaign_id"]
            self.campaign_status = data.get("status") or self.campaign_status
            name = arguments.get("name") if tool_name == "create_sequence" else None
            self.remember(data["campaign_id"], name, data.get("status"))
        if tool_name == "list_campaigns":
            for line in data.get("campaigns") or []:
                self.remember(line["campaign_id"], line.get("name"), line.get("status"))
        drafts = [data["draft_id"]] if isinstance(data.get("draft_id"), int) else []
        drafts += [item for item in data.get("draft_ids") or [] if isinstance(item, int)]
        if drafts:
            self.draft_ids = drafts
        if tool_name == "create_segment" and isinstance(arguments.get("name"), str):
            self.segment = arguments["name"]


def item_when(item: dict[str, Any]) -> dict[str, Any]:
    return {key: item[key] for key in ("delay_days", "delay_hours") if key in item}


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
        if step.get("draft_id"):
            item["draft_id"] = step["draft_id"]
        # what the tool does not report back (the step's own words, its code) is kept from before
        # (matched by its draft, which a move keeps, else by its timing, which a rewrite keeps)
        before = next((old for old in request.get("steps") or [] if item.get("draft_id") and old.get("draft_id") == item["draft_id"]), None) or next(
            (old for old in request.get("steps") or [] if {k: old.get(k) for k in when} == item_when(item)), {})
        item.update({key: before[key] for key in ("brief", "discount_code") if key in before and key not in item})
        steps.append(item)
    for edit in arguments.get("steps") or []:  # a new code is the step's now
        if edit.get("discount_code"):
            for position, item in enumerate(steps, start=1):
                if edit.get("step") == position or (edit.get("day") is not None and item.get("delay_days") == edit["day"]):
                    item["discount_code"] = edit["discount_code"]
    edited = {**request, "steps": steps or request.get("steps", [])}
    if isinstance(arguments.get("segment"), (dict, str)):
        edited["segment"] = arguments["segment"]
    return edited

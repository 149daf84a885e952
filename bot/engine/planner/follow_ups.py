"""Follow-ups on the thread's campaign ("make day 5 15% off", "exclude Canada"), read against
the `ThreadState` the thread built.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.plans import CAMPAIGN, Plan, PlannedCall
from bot.engine.planner.reading import countries_after, percent, with_countries
from bot.engine.planner.vocabulary import EXCLUDE_VERBS


def change_discount(clean: str, lowered: str, state: ThreadState) -> Plan:
    if refusal := _follow_up_refusal(state):
        return refusal
    day_match = re.search(r"day\s*(\d+)", lowered)
    value = percent(lowered)
    request = _copy_request(state)
    targets = [s for s in request["steps"] if day_match is None and s["purpose"] == "cart_discount"
               or day_match is not None and s.get("delay_days") == int(day_match.group(1))]
    if not targets:
        days = ", ".join(str(s.get("delay_days", 0)) for s in request["steps"])
        return Plan("follow_up", answer=messages.STEP_NOT_FOUND.format(day=day_match.group(1) if day_match else "?", days=days))
    for step in targets:
        step["discount_percent"] = value
        if step["purpose"] not in {"cart_discount", "winback"}:
            step["purpose"] = "cart_discount"
    return rebuild(state, request, "change_discount")


def exclude_countries(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    codes = countries_after(lowered, EXCLUDE_VERBS)
    if not codes:
        return None
    if refusal := _follow_up_refusal(state):
        return refusal
    request = _copy_request(state)
    request["segment"] = with_countries(request["segment"], [], codes)
    return rebuild(state, request, "exclude_countries")


def _follow_up_refusal(state: ThreadState) -> Plan | None:
    if not state.sequence_request:
        return Plan("follow_up", answer=messages.NOTHING_TO_REFER)
    if state.campaign_live:
        return Plan("follow_up", answer=messages.CAMPAIGN_LIVE.format(campaign_id=state.campaign_id, status=state.campaign_status))
    return None


def rebuild(state: ThreadState, request: dict[str, Any], intent: str) -> Plan:
    """Follow-ups on a not-yet-scheduled campaign replace it: cancel, rebuild, preflight."""
    calls = [PlannedCall("discard_campaign", {"campaign": str(state.campaign_id)})] if state.campaign_id else []
    calls += [PlannedCall("create_sequence", request), PlannedCall("preflight", {"campaign": CAMPAIGN})]
    return Plan(intent, calls)


def _copy_request(state: ThreadState) -> dict[str, Any]:
    return copy.deepcopy(state.sequence_request or {})

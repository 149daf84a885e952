"""Edits of one condition of a campaign's audience, in words: its window ("make it carts from the
last 3 days then", "i said 3 days, not 48 hours", "make it 120 days") and one condition taken out
("drop the $150 minimum", "remove the country filter", "get rid of the exclusion"). The rest of
the audience stays as it is; the reply says what changed and the preflight follows.

bot.engine.planner.audience_edits changes the audience as a whole (places, a new audience); the
shapes of a condition (a trigger, a place) are read with its helpers.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.audience_edits import place_part
from bot.engine.planner.conditions import time_of
from bot.engine.planner.dates import window, words_window, zone_now
from bot.engine.planner.extract import ORDER
from bot.engine.planner.follow_ups import campaign_edit, on_named_campaign
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.steps import thread_request
from tools.audience import recipes

# "make it carts from the last 3 days then", "signups from the last 90 days, not 24 hours",
# "change the window to 72 hours", "make it 120 days": the campaign's own window, nothing else
WINDOW_EDIT = re.compile(
    r"^(?:ok |okay |so |actually |and |but |hmm,? |no,? |please |can you |could you )*"
    r"(?:(?:i said|i meant|i asked for|i wanted|it should be|should be|supposed to be)\s+"
    r"|(?:make|change|set|switch|widen|extend|shorten|narrow|keep|cut|bump|expand) (?:it|that|this|the (?:window|time ?frame|period|lookback)|them)"
    r"(?: down| back| up)?(?: to| at)?\s+|(?:make|change|set) the (?:window|time ?frame|period|lookback)(?: to| at)?\s+"
    r"|(?:look|go|reach|check) back(?: over| to| for)?\s+)?"
    r"(?:(?:only |just )?(?:the )?(?:carts?|cart abandoners|abandoners|abandoned carts|checkouts?|sign.?ups|signups|new (?:sign.?ups|subscribers)"
    r"|subscribers|joiners|viewers|browsers|browse abandoners|people|ones|those|contacts|customers|shoppers)\s+)?"
    r"(?P<time>(?:from |in |within |over |during )?(?:the )?(?:last|past|previous) \d+\s*(?:h|hrs?|hours?|d|days?|w|wks?|weeks?|months?)"
    r"|(?:from |in |within |over |during )?(?:the )?(?:last|past|previous) (?:day|week|month|fortnight)|\d+\s*(?:h|hrs?|hours?|d|days?|w|wks?|weeks?|months?)"
    r"|since [a-z0-9 ']{3,30}?)"
    r"(?:\s*,?\s*(?:not|instead of|rather than) (?:just |only )?(?:the )?(?:last |past )?(?:\d+\s*(?:h|hrs?|hours?|d|days?|w|weeks?|months?)?"
    r"|yesterday|today|a day|1 day|24 hours|the day|a week|1 week))?"
    r"(?:\s*,?\s*(?:instead|then|please|only))*[.!]*$")


@on_named_campaign
def change_window(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """The window of the thread's campaign's trigger (the cart, the sign-up, the lapse) set to the
    time the follow-up names; the other conditions stay as they are."""
    match = WINDOW_EDIT.match(lowered)
    if state.campaign_id is None or match is None:
        return None
    said = match.group("time")
    if re.match(r"\d", said):
        said = "in the last " + said  # "make it 120 days": that many days
    time = time_of(said, zone_now())
    if time.win is None:
        return None  # a calendar period ("since black friday") is no sliding window: other readers
    segment = thread_request(state).get("segment")
    if not isinstance(segment, dict):
        return Plan("update_sequence", answer=messages.NOTHING_TO_REFER)
    new = window(time.win.hours)
    changed: list[str] = []

    def rewindow(part: dict[str, Any]) -> dict[str, Any]:
        if "since" in part and "within_last" in part:
            changed.append("the trigger window")
            return {**part, "within_last": new}
        if "inactive_for" in part:
            changed.append("the lapse")
            return {**part, "inactive_for": new}
        if part.get("attribute") == "created_at" and part.get("op") == "within_last":
            changed.append("the sign-up window")
            return {**part, "value": new}
        if "within_last" in part and part.get("event") and part.get("event") != ORDER:
            # the stage's other windows ("viewed shoes", "no cart add") go with its trigger, so the
            # audience is the same people over the new window; an order exclusion keeps its own
            changed.append("the trigger window")
            return {**part, "within_last": new}
        if "not" in part:
            return {**part, "not": rewindow(part["not"])}
        for key in ("all", "any"):
            if key in part:
                return {**part, key: [rewindow(child) for child in part[key]]}
        return part

    rewritten = rewindow(segment)
    if not changed:
        return None
    lapse = changed[0] == "the lapse"
    words = f"no order in the last {words_window(new)}" if lapse else f"the last {words_window(new)}"
    built = campaign_edit(state, {"segment": rewritten}, f"the same audience, with {changed[0]} now {words}")
    built.calls.append(PlannedCall("preflight", {"campaign": str(state.campaign_id)}))
    return built


# "drop the $100 minimum", "remove the spend condition", "get rid of the country filter": one
# condition of the campaign's audience taken out, the rest kept
DROP_CONDITION = re.compile(
    r"^(?:ok |okay |actually |and |also |please |hmm,? |can you |could you )*(?:drop|remove|get rid of|lose|ditch|scrap|take off|take out"
    r"|take away|forget|no need for|don'?t need|undo)\s+(?:the |that |this |our )?(?P<what>(?:[$€£]?\d[\d,.]*\s*(?:\+\s*)?)?(?:cart |order |basket |checkout )?"
    r"(?:value |total |spend |spending |amount |money |price |country |place |location |region |geo |geography |exclusion |excluded )?"
    r"(?:minimum|min|condition|filter|requirement|threshold|restriction|part|bit|criteri(?:on|a)|cut.?off|floor|exclusions?))\b"
    r"(?:\s+(?:from|on|for) (?:it|this|that|the audience|the segment|the campaign))?[.!]*$")


@on_named_campaign
def drop_condition(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """Take the condition the follow-up names out of the thread's campaign's audience: a value
    (a cart's, an order's, a lifetime spend), the places, or the people left out."""
    match = DROP_CONDITION.match(lowered)
    if state.campaign_id is None or match is None:
        return None
    what = match.group("what")
    segment = thread_request(state).get("segment")
    if not isinstance(segment, dict):
        return Plan("update_sequence", answer=messages.NOTHING_TO_REFER)
    kind = ("place" if re.search(r"country|place|location|region|geo", what) else "exclusion" if "exclu" in what
            else "value" if re.search(r"\d|value|total|spend|amount|money|price|minimum|\bmin\b|threshold|floor|cut.?off", what) else None)
    if kind is None:
        return Plan("update_sequence", answer=messages.WHICH_CONDITION.format(campaign=state.campaign_id))
    taken: list[str] = []
    # a one-off was written for whom it names ("everyone who started checkout ... over 100"): it stays theirs
    checkout_flow = "checkout" in str(thread_request(state).get("name") or "").lower() or thread_request(state).get("kind") == "one_off"

    def without(part: dict[str, Any]) -> dict[str, Any] | None:
        if kind == "place" and place_part(part):
            taken.append("the places")
            return None
        if kind == "exclusion" and "not" in part:
            taken.append("the people left out")
            return None
        if kind == "value" and part.get("aggregate"):
            taken.append(f"the spend over {part['value']:g}" if isinstance(part.get("value"), (int, float)) else "the spend")
            return None
        if kind == "value" and part.get("where") and any(w.get("property") == "total" for w in part["where"]):
            limit = next(w for w in part["where"] if w.get("property") == "total")
            owner = "cart" if part.get("since") == "Checkout Started" else "order"
            taken.append(f"the {owner} value {'under' if limit.get('op') == 'lt' else 'over'} {limit.get('value'):g}")
            if part.get("since") == "Checkout Started" and not checkout_flow:
                # a cart flow narrowed to checkouts by the value is a cart flow again; a checkout flow stays one
                return recipes.cart_abandoners(part["within_last"]) if part.get("within_last") else {k: v for k, v in part.items() if k != "where"}
            return {k: v for k, v in part.items() if k != "where"}
        for key in ("all", "any"):
            if key in part:
                kept = [child for child in (without(child) for child in part[key]) if child is not None]
                return {key: kept} if len(kept) > 1 else kept[0] if kept else None
        return part

    rewritten = without(segment)
    if not taken:
        return Plan("update_sequence", answer=messages.NO_SUCH_CONDITION.format(campaign=state.campaign_id, what=what))
    if rewritten is None:
        rewritten = {"attribute": "email", "op": "exists"}
    built = campaign_edit(state, {"segment": rewritten}, f"the same audience without {', '.join(dict.fromkeys(taken))}")
    built.words_all_read = True
    built.calls.append(PlannedCall("preflight", {"campaign": str(state.campaign_id)}))
    return built

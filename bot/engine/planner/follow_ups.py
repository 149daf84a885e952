"""Follow-ups on the thread's campaign, planned as edits in place (the update_sequence tool):
"make day 5 15% off", "change the subject of day 1 to ...", "move the reviews email to day 4",
"exclude Canada".

The step is picked from the words ("day 5", "the first email", "the reviews email") against the
sequence the thread built (`ThreadState.sequence_request`), so a day it does not have is named
back with the days it does have. An edit keeps the approvals of the steps it does not change;
an active campaign is left alone (pause it first), as the tool requires.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.extract import describe_audience
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import countries_after, percent, with_countries
from bot.engine.planner.sequences import CART_DEFAULT, parse_steps
from bot.engine.planner.vocabulary import EXCLUDE_VERBS, discount_codes

# Words that name a step by what it is for, and the purpose they mean.
STEP_PURPOSES = (
    (r"review|social proof|testimonial|rating", "social_proof"),
    (r"discount|coupon|offer|promo|\d+\s*%", "cart_discount"),
    (r"remind", "cart_reminder"),
    (r"welcome", "welcome"),
    (r"win.?back", "winback"),
    (r"brows", "browse_abandonment"),
)
def on_named_campaign(builder):
    """Run an edit on the campaign the sentence names by number ("the existing cart campaign
    (#1)", "campaign 3's day 2") when that is not the thread's own, else on the thread's."""
    def run(clean: str, lowered: str, state: ThreadState):
        return builder(clean, lowered, _named_campaign(lowered, state))
    run.__name__, run.__doc__ = builder.__name__, builder.__doc__
    return run


def _named_campaign(lowered: str, state: ThreadState) -> ThreadState:
    named = re.search(r"(?:\bcampaign\s*#?|#)(\d+)\b", lowered)
    if named is None or int(named.group(1)) == state.campaign_id:
        return state
    number = int(named.group(1))
    known = next((c for c in state.campaigns if c["id"] == number), {})
    return dataclasses.replace(state, campaign_id=number, campaign_status=known.get("status"), sequence_request=None)


ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5}


@on_named_campaign
def change_discount(clean: str, lowered: str, state: ThreadState) -> Plan:
    if refusal := _follow_up_refusal(state):
        return refusal
    value = percent(lowered)
    request = _request(state)
    day = re.search(r"day\s*(\d+)", lowered)
    if day is not None:
        targets = [_select(request, {"day": int(day.group(1))})]
        if targets[0] is None:
            return _step_not_found(request, day.group(1))
    else:
        targets = _offer_steps(request)
        if not targets and request:
            return _step_not_found(request, "?")
        targets = targets or [{"purpose": "cart_discount"}]
    edits = [{**target, "discount_percent": value} for target in targets]
    return _edit(state, {"steps": edits}, f"{value}% off on " + ", ".join(_words(t) for t in targets))


@on_named_campaign
def change_subject(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    match = re.search(r"\bsubject(?: line)?\b(?P<which>.*?)(?:\b(?:to|as|should be|should say|should read|becomes?|reads?)\b|:|=)\s*"
                      r"(?P<new>.+)$", clean, flags=re.I | re.S)
    # "both emails have the same subject line... make the second one say 'Still got your eye on it?'"
    match = match or re.search(r"\b(?:make|have|let)\b(?P<which>.*?)\b(?:say|read)\s+(?P<new>['\"\u201c].+)$", clean, flags=re.I | re.S)
    if match is None:
        return None
    subject = match.group("new").strip().lstrip(":= ").strip("\"'\u201c\u201d ").strip()
    if not subject:
        return Plan("update_sequence", answer=messages.EDIT_EMPTY_FIELD.format(field="subject"))
    if draft := re.search(r"\bdraft\s*#?(\d+)\b", match.group("which").lower()):  # a draft, not a step
        arguments = {"draft_id": int(draft.group(1)), "subject": subject[:500]}
        return Plan("revise_draft", [PlannedCall("revise_draft", arguments)],
                    reading=f"Read as: a new version of draft {draft.group(1)} with the subject \"{subject[:80]}\"")
    if refusal := _follow_up_refusal(state):
        return refusal
    # the step is named after "subject" ("the subject of day 1") or before it ("the day 1 subject")
    which = _which(lowered[:match.start()] + " " + match.group("which").lower(), _request(state))
    if which is None and len(_request(state).get("steps") or []) == 1:
        which = {"step": 1}  # a one-off has one email: that is the one
    if which is None:
        return Plan("update_sequence", answer="Which email's subject? Say e.g. \"change the subject of day 1 to ...\".")
    if "missing" in which:
        return _step_not_found(_request(state), which["missing"])
    return _edit(state, {"steps": [{**which, "subject": subject[:500]}]}, f"the subject of {_words(which)} becomes \"{subject[:80]}\"")


@on_named_campaign
def move_step(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    match = re.search(r"\b(?:move|shift|push|pull|reschedule|send|make)\b(?P<which>.*?)\b(?:(?:go|goes|going) out |be sent |arrive )?"
                      r"(?:to|on|until|back to|forward to)\s+"
                      r"(?:day\s*(?P<day>\d+)|(?P<amount>\d+)\s*(?P<unit>h|hours?|d|days?))\b", lowered)
    # "the first one should go out straight away, not day 1", "the reminder should be sent on day 2"
    match = match or re.search(r"^(?P<which>.*?)\b(?:should|must|needs to|has to|to)\s+(?:go out|be sent|send|go|arrive)\s+"
                               r"(?:(?P<now>straight away|right away|immediately|at once|instantly|on day 0)|(?:on |at )?day\s*(?P<day>\d+)"
                               r"|(?:after |in )?(?P<amount>\d+)\s*(?P<unit>h|hours?|d|days?)(?: after| later)?)\b", lowered)
    if match is None:
        return None
    if refusal := _follow_up_refusal(state):
        return refusal
    request = _request(state)
    which = _which(match.group("which"), request)
    if which is None:
        return Plan("update_sequence", answer="Which email should move? Say e.g. \"move the reviews email to day 4\".")
    if "missing" in which:
        return _step_not_found(request, which["missing"])
    if "now" in match.groupdict() and match.group("now"):
        when: dict[str, Any] = {"delay_days": 0}
    elif match.group("day"):
        when = {"delay_days": int(match.group("day"))}
    else:
        amount, unit = int(match.group("amount")), match.group("unit")
        when = {"delay_hours": amount} if unit.startswith("h") else {"delay_days": amount}
    target = f"day {when['delay_days']}" if "delay_days" in when else f"{when['delay_hours']} h"
    return _edit(state, {"steps": [{**which, **when}]}, f"{_words(which)} moves to {target}")


@on_named_campaign
def exclude_countries(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    codes = countries_after(lowered, EXCLUDE_VERBS)
    if not codes:
        return None
    if refusal := _follow_up_refusal(state):
        return refusal
    request = _request(state)
    if not isinstance(request.get("segment"), dict):
        return Plan("update_sequence", answer=messages.NOTHING_TO_REFER)
    segment = with_countries(request["segment"], [], codes)
    return _edit(state, {"segment": segment}, "the same audience, not in " + ", ".join(codes))


@on_named_campaign
def add_step(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"add another email on day 7 saying it's their last chance": a new step, drafted for its
    purpose (read as a new step of this kind of sequence would be), the others untouched."""
    if refusal := _follow_up_refusal(state):
        return refusal
    request = _request(state)
    purposes = [step["purpose"] for step in request.get("steps", [])]
    defaults = CART_DEFAULT if any(p.startswith("cart") or p == "social_proof" for p in purposes) else [
        (0, purposes[-1] if purposes else "custom", None)]
    codes = discount_codes(clean)
    steps = [step for step in parse_steps(lowered, defaults, codes) if not _has_day(request, step)]
    if not steps:
        return Plan("update_sequence", answer="On which day should the new email go out? Say e.g. \"add an email on day 7\".")
    if saying := re.search(r"\b(?:saying|that says|telling them|to say|about|reminding them)\b\s*(.+)$", clean, flags=re.I):
        for step in steps:
            step["brief"] = saying.group(1).strip(" .")[:2000]
    said = ", ".join(f"a new {step['purpose'].replace('_', ' ')} email on {_when(step)}" for step in steps)
    return _edit(state, {"add_steps": steps}, said)


@on_named_campaign
def remove_step(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"remove the second email", "drop the day 7 one": that step goes, the others stay."""
    if refusal := _follow_up_refusal(state):
        return refusal
    request = _request(state)
    which = _which(lowered, request)
    if which is None:
        if (kind := next((purpose for pattern, purpose in STEP_PURPOSES if re.search(pattern, lowered)), None)) is None:
            return Plan("update_sequence", answer="Which email should go? Say e.g. \"remove the day 3 email\".")
        which = {"purpose": kind}
    if "missing" in which:
        return _step_not_found(request, which["missing"])
    return _edit(state, {"remove_steps": [which]}, f"{_words(which)} is removed")


@on_named_campaign
def change_code(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"switch the code to WINBACK20 (and make it 20% off)": the offer step's code (and discount)."""
    codes = discount_codes(clean)
    if not codes:
        return None
    if refusal := _follow_up_refusal(state):
        return refusal
    request = _request(state)
    offers = _offer_steps(request)
    which = _which(lowered, request) if re.search(r"\bday\s*\d+|\b(first|second|third|last|final)\b", lowered) else None
    targets = [which] if which and "missing" not in which else offers[:1] or [{"step": 1}]
    change: dict[str, Any] = {"discount_code": codes[0]}
    if value := percent(lowered):
        change["discount_percent"] = value
    words = f"the code of {_words(targets[0])} becomes {codes[0]}" + (f", {value}% off" if value else "")
    return _edit(state, {"steps": [{**targets[0], **change}]}, words)


def show_drafts(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"show me the drafts for this one", "can i see what the day 3 email looks like?": each
    named step's draft (all of them when none is named), rendered for a sample contact."""
    steps = _request(state).get("steps") or []
    if state.campaign_id is None or not any(step.get("draft_id") for step in steps):
        return None
    which = _which(lowered, _request(state))
    if which and "missing" in which:
        return _step_not_found(_request(state), which["missing"])
    chosen = [step for index, step in enumerate(steps, start=1) if which is None or _is(step, index, which)] or steps
    drafts = [step["draft_id"] for step in chosen if step.get("draft_id")][:5]
    shown = ", ".join(str(draft) for draft in drafts)
    return Plan("preview_draft", [PlannedCall("preview_draft", {"draft_id": draft}) for draft in drafts],
                reading=f"Read as: show draft{'s' if len(drafts) > 1 else ''} {shown} of campaign {state.campaign_id}")


def step_draft(lowered: str, state: ThreadState) -> tuple[int, str] | None:
    """The draft of the one step a sentence names in the thread's campaign ("the first browse
    email", "the discount email", "day 3"), with words for it; None when it names no single step."""
    if state.campaign_id is None or re.search(r"\b(all|both|every|each|whole|entire|them|these|those|campaign|sequence|flow)\b", lowered):
        return None
    request = _request(state)
    steps = request.get("steps") or []
    which = _which(lowered, request)
    if which and "missing" in which:
        return None
    if which:
        chosen = [(index, step) for index, step in enumerate(steps, start=1) if _is(step, index, which)]
    else:  # "the free shipping email": the step whose own words or code the sentence names
        chosen = [(index, step) for index, step in enumerate(steps, start=1)
                  if any(word in lowered for word in _own_words(step))]
    if len(chosen) != 1 or not chosen[0][1].get("draft_id"):
        return None
    index, step = chosen[0]
    return step["draft_id"], f"step {index} ({_when(step) if 'delay_days' in step or 'delay_hours' in step else 'its'} email)"


def _own_words(step: dict[str, Any]) -> list[str]:
    words = re.findall(r"[a-z][a-z'-]{3,}", (step.get("brief") or "").lower())
    return [word for word in words if word not in {"with", "email", "emails", "that", "this", "their", "your", "from"}] + (
        [step["discount_code"].lower()] if step.get("discount_code") else [])


def _is(step: dict[str, Any], position: int, selector: dict[str, Any]) -> bool:
    if "day" in selector:
        return step.get("delay_days") == selector["day"]
    if "step" in selector:
        return position == selector["step"]
    return step.get("purpose") == selector.get("purpose")


def _offer_steps(request: dict[str, Any]) -> list[dict[str, Any]]:
    """Selectors of the offer steps: those with a discount, whatever their purpose (a win-back's
    day 0), or a cart_discount step."""
    return [{"day": s["delay_days"]} if "delay_days" in s else {"step": i}
            for i, s in enumerate(request.get("steps", []), start=1)
            if s["purpose"] == "cart_discount" or s.get("discount_percent")]


def _has_day(request: dict[str, Any], step: dict[str, Any]) -> bool:
    return any(existing.get("delay_days") == step.get("delay_days") and existing.get("delay_hours") == step.get("delay_hours")
               for existing in request.get("steps", []))


def _when(step: dict[str, Any]) -> str:
    return f"day {step['delay_days']}" if "delay_days" in step else f"{step['delay_hours']} h"


@on_named_campaign
def narrow_audience(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"only customers who spent over 200", "just the ones in Germany": the thread's campaign keeps
    its audience and adds the condition (declines when the thread has no campaign: then it is a
    look at that audience)."""
    if state.campaign_id is None:
        return None
    added = describe_audience(lowered)
    if added.spec is None:
        return None
    if refusal := _follow_up_refusal(state):
        return refusal
    segment = _request(state).get("segment")
    if not isinstance(segment, dict):
        return Plan("update_sequence", answer=messages.NOTHING_TO_REFER)
    new = [part for part in (added.spec["all"] if set(added.spec) == {"all"} else [added.spec])
           if part != {"attribute": "email", "op": "exists"}]
    old = list(segment["all"]) if set(segment) == {"all"} else [segment]
    if any(_place_part(part) for part in new):
        old = [part for part in old if not _place_part(part)]  # "make it US only": the new places replace the old
    built = _edit(state, {"segment": {"all": old + new}}, "the same audience, and only " + added.reading)
    built.calls.append(PlannedCall("preflight", {"campaign": str(state.campaign_id)}))  # how many that is now
    return built


@on_named_campaign
def replace_audience(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"change the audience to repeat customers who haven't ordered in 90 days": a new audience
    for the thread's campaign, as described, and how many that is now."""
    if state.campaign_id is None:
        return None
    match = re.search(r"\baudience\b.*?\b(?:to|be|is|as)\b\s+(.+)$", lowered)
    added = describe_audience(match.group(1)) if match else None
    if added is None or added.spec is None:
        return None
    if refusal := _follow_up_refusal(state):
        return refusal
    built = _edit(state, {"segment": added.spec}, "a new audience: " + added.reading)
    built.calls.append(PlannedCall("preflight", {"campaign": str(state.campaign_id)}))
    return built


def _place_part(part: dict[str, Any]) -> bool:
    """A condition on where contacts are (country or region, included or left out)."""
    if part.get("attribute") in ("country", "region"):
        return True
    children = part.get("all") or part.get("any") or ([part["not"]] if "not" in part else [])
    return bool(children) and all(_place_part(child) for child in children)


def _which(fragment: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """The step a fragment names, as update_sequence's selector (a day when the thread knows
    the steps), {"missing": day} for a day the campaign does not have, or None."""
    if day := re.search(r"\bday\s*(\d+)\b|\b(\d+)[ -]days? (?=email|one|message|step|mail|reminder)", fragment):
        number = day.group(1) or day.group(2)
        return _select(request, {"day": int(number)}) or {"missing": number}
    steps = request.get("steps") or []
    # "step 2", "email 2", and "the first email" (which normalising made "the 1 email")
    if position := re.search(r"\b(?:step|email|message)\s*#?(\d+)\b|\bthe (\d+)(?:st|nd|rd|th)? (?:email|step|message)\b", fragment):
        return _select(request, {"step": int(position.group(1) or position.group(2))})
    if re.search(r"\b(last|final)\b", fragment) and steps:
        return _select(request, {"step": len(steps)})
    if ordinal := re.search(r"\b(" + "|".join(ORDINALS) + r")\b", fragment):
        return _select(request, {"step": ORDINALS[ordinal.group(1)]})
    purpose = next((name for pattern, name in STEP_PURPOSES if re.search(pattern, fragment)), None)
    if purpose is None:
        return None
    matching = [i for i, s in enumerate(steps, start=1) if s.get("purpose") == purpose]
    if len(matching) == 1:
        return _select(request, {"step": matching[0]})
    if not matching and steps and purpose in ("cart_reminder", "cart_discount"):
        # "the reminder" of a win-back is its step without an offer; "the discount" its offer
        offer = purpose == "cart_discount"
        fitting = [i for i, s in enumerate(steps, start=1) if bool(s.get("discount_percent")) == offer]
        if len(fitting) == 1 or (fitting and not offer):
            return _select(request, {"step": fitting[-1]})
    return {"purpose": purpose}


def _select(request: dict[str, Any], selector: dict[str, Any]) -> dict[str, Any] | None:
    """The selector checked against the thread's steps; positions become days where they can."""
    steps = request.get("steps")
    if not steps:
        return selector
    if "day" in selector:
        return selector if any(s.get("delay_days") == selector["day"] for s in steps) else None
    position = selector["step"]
    if not 1 <= position <= len(steps):
        return None
    chosen = steps[position - 1]
    return {"day": chosen["delay_days"]} if "delay_days" in chosen else selector


def _words(selector: dict[str, Any]) -> str:
    if "day" in selector:
        return f"day {selector['day']:g}" if isinstance(selector["day"], float) else f"day {selector['day']}"
    if "step" in selector:
        return f"step {selector['step']}"
    return f"the {selector['purpose'].replace('_', ' ')} email"


def _edit(state: ThreadState, change: dict[str, Any], words: str) -> Plan:
    arguments = {"campaign": str(state.campaign_id), **change}
    return Plan("update_sequence", [PlannedCall("update_sequence", arguments)],
                reading=f"Read as: change campaign {state.campaign_id} in place: {words}")


def _step_not_found(request: dict[str, Any], day: str) -> Plan:
    days = ", ".join(f"{s.get('delay_days', 0):g}" if isinstance(s.get("delay_days"), float) else str(s.get("delay_days", 0))
                     for s in request.get("steps", []))
    return Plan("follow_up", answer=messages.STEP_NOT_FOUND.format(day=day, days=days))


def _follow_up_refusal(state: ThreadState) -> Plan | None:
    # The thread's memory of the status may be stale (another thread paused it): the tool, which
    # refuses to edit an active campaign, is the one to ask.
    if state.campaign_id is None:
        return Plan("follow_up", answer=messages.NOTHING_TO_REFER)
    return None


def _request(state: ThreadState) -> dict[str, Any]:
    return copy.deepcopy(state.sequence_request or {})

"""Follow-ups on the thread's campaign, planned as edits in place (the update_sequence tool):
"make day 5 15% off", "change the subject of day 1 to ...", "move the reviews email to day 4",
"exclude Canada".

The step is picked from the words (bot.engine.planner.steps) against the sequence the thread
built, so a day it does not have is named back with the days it does have. The campaign is the
thread's, or the one the sentence names by number. An edit keeps the approvals of the steps it
does not change; an active campaign is refused by the tool (pause it first).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.dates import ZONE_SAID, in_named_zone, send_time, zone_now
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import percent
from bot.engine.planner.sequences import (
    CART_DEFAULT,
    NO_HOLDOUT,
    holdout,
    parse_steps,
)
from bot.engine.planner.steps import (
    STEP_PURPOSES,
    checked_selector,
    has_day,
    is_step,
    latest_step,
    offer_steps,
    selector_words,
    step_named,
    step_not_found,
    step_when,
    thread_request,
)
from bot.engine.planner.vocabulary import discount_codes, words_to_numbers


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


@on_named_campaign
def change_discount(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    if refusal := follow_up_refusal(state):
        return refusal
    # "make the 15% one twenty percent": the new percent is not the one that names the step
    value = percent(re.sub(r"\bthe \d{1,2}\s*% (?:off )?(?:one|1|email|step|message)\b", " ", lowered)) or percent(lowered)
    if value is None and (bare := re.search(r"\b(?:discount|offer|it|code)\s+(?:up |down )?(?:to|at|of)\s+(\d{1,2}(?:\.\d+)?)\b(?!\s*(?:days?|hours?|h|d|weeks?|[$€£]))",
                                           lowered)):
        value = float(bare.group(1)) if "." in bare.group(1) else int(bare.group(1))  # "bump the discount to 25": percent
    if value is None and (bare := re.fullmatch(r"(?:and |ok |so |actually )*(?:make|change|bump|set|up) (?:it|that|the discount|the offer) (?:to )?(\d{1,2})"
                                               r"(?: percent| off| instead)*", lowered.strip(" .!?"))):
        value = int(bare.group(1)) if 5 <= int(bare.group(1)) <= 90 else None  # "and make it 15" after an offer edit: percent
    if value is None:
        return None  # "make it 2 instead": no percent said, so no offer changes
    request = thread_request(state)
    day = re.search(r"day\s*(\d+)", lowered)
    if day is not None:
        targets = [checked_selector(request, {"day": int(day.group(1))})]
        if targets[0] is None:
            return step_not_found(request, day.group(1))
    elif (named := step_named(lowered, request)) and ("step" in named or "day" in named):
        targets = [named]  # "make the last one 30% off", "the second email 15% off": that step only
    elif re.search(r"\b(?:that|this) (?:one|email|step|message)\b", lowered) and (latest := latest_step(state)):
        targets = [latest]  # "20% off on that one": the step the thread last made
    else:
        targets = offer_steps(request)
        if not targets and len(request.get("steps") or []) == 1:
            targets = [{"step": 1}]  # a one-off or a one-email flow: its only email gets the offer
        if not targets and request:
            return step_not_found(request, "email with an offer to change (name the step: 'make day 3 20% off')")
        targets = targets or [{"purpose": "cart_discount"}]
    edits = [{**target, "discount_percent": value, **replaced_offer(lowered)} for target in targets]
    codes = discount_codes(clean)
    if codes and len(edits) == 1:  # "make the discount 20%, code COMEBACK20": the code goes with it
        edits[0]["discount_code"] = codes[0]
    coded = f" with code {codes[0]}" if codes and len(edits) == 1 else ""
    built = campaign_edit(state, {"steps": edits}, f"{value}% off{coded} on " + ", ".join(selector_words(t) for t in targets))
    built.unused += [f"code {code}" for code in codes[1 if coded else 0:]]
    return built


@on_named_campaign
def change_subject(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    match = re.search(r"\bsubject(?: line)?\b(?P<which>.*?)(?:\b(?:to|as|should be|should say|should read|becomes?|reads?)\b|:|=|->|\u2192)\s*"
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
    if refusal := follow_up_refusal(state):
        return refusal
    # the step is named after "subject" ("the subject of day 1") or before it ("the day 1 subject")
    which = step_named(lowered[:match.start()] + " " + match.group("which").lower(), thread_request(state))
    if which is None and len(thread_request(state).get("steps") or []) == 1:
        which = {"step": 1}  # a one-off has one email: that is the one
    if which is None and re.search(r"\b(?:that|this) (?:one|email|step|message)\b|\bits\b", lowered):
        which = latest_step(state)  # "that one", "its subject": the step the thread last added or drafted
    if which is None:
        return Plan("update_sequence", answer="Which email's subject? Say e.g. \"change the subject of day 1 to ...\".")
    if "missing" in which:
        return step_not_found(thread_request(state), which["missing"])
    return campaign_edit(state, {"steps": [{**which, "subject": subject[:500]}]}, f"the subject of {selector_words(which)} becomes \"{subject[:80]}\"")


@on_named_campaign
def move_step(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    match = re.search(r"\b(?:move|shift|push|pull|reschedule|send|make)\b(?P<which>.*?)\b(?:(?:go|goes|going) out |be sent |arrive )?"
                      r"(?:to|on|until|back to|forward to)\s+"
                      r"(?:day\s*(?P<day>\d+)|(?P<amount>\d+)\s*(?P<unit>h|hours?|d|days?))\b", lowered)
    # "the first one should go out straight away, not day 1", "the reminder should be sent on day 2"
    match = match or re.search(r"^(?P<which>.*?)\b(?:should|must|needs to|has to|to)\s+(?:go out|be sent|send|go|arrive)\s+"
                               r"(?:(?P<now>straight away|right away|immediately|at once|instantly|on day 0)|(?:on |at )?day\s*(?P<day>\d+)"
                               r"|(?:after |in )?(?P<amount>\d+)\s*(?P<unit>h|hours?|d|days?)(?: after| later)?)\b", lowered)
    # "send the first one after 4 hours instead of 2"
    # "make the reminder go out 6 hours after instead of day 1"
    match = match or re.search(r"\b(?:send|sending|make|have)\b(?P<which>.*?)\b(?:go |go out |be sent |arrive )?(?:(?:after|in)\s+(?P<amount>\d+)\s*(?P<unit>h|hours?|d|days?)\b"
                               r"|(?P<amount2>\d+)\s*(?P<unit2>h|hours?|d|days?)\s+(?:after|later)\b)"
                               r"(?P<day>)(?=.*\b(?:instead|not|rather than)\b)", lowered)
    # "make the first one go after 2 hours"
    match = match or re.search(r"\b(?:make|have|let)\b(?P<which>.*?)\b(?:go|go out|be sent|arrive|send)\s+(?:after|in)\s+(?P<amount>\d+)\s*"
                               r"(?P<unit>h|hours?|d|days?)\b(?P<day>)", lowered)
    # "reminder after an hour instead", "the discount one on day 4 instead": the step, its time, "instead"
    match = match or re.match(r"^(?:ok |actually |no,? |and )*(?P<which>(?:the |that |this )?(?:\w+ ){0,2}?(?:one|1|email|step|message|reminder|reviews?"
                              r"|discount))\s+(?:(?:after|in)\s+(?P<amount>\d+)\s*(?P<unit>h|hours?|d|days?)|on day\s*(?P<day>\d+))\b"
                              r"\s*,?\s*(?:instead|then)\b", lowered)
    if match is None:
        return None
    if refusal := follow_up_refusal(state):
        return refusal
    request = thread_request(state)
    which = step_named(match.group("which"), request)
    if which is None:
        return Plan("update_sequence", answer="Which email should move? Say e.g. \"move the reviews email to day 4\".")
    if "missing" in which:
        return step_not_found(request, which["missing"])
    if "now" in match.groupdict() and match.group("now"):
        when: dict[str, Any] = {"delay_days": 0}
    elif match.group("day"):
        when = {"delay_days": int(match.group("day"))}
    else:
        found = match.groupdict()
        amount, unit = int(found.get("amount") or found["amount2"]), found.get("unit") or found["unit2"]
        when = {"delay_hours": amount} if unit.startswith("h") else {"delay_days": amount}
    target = f"day {when['delay_days']}" if "delay_days" in when else f"{when['delay_hours']} h"
    return campaign_edit(state, {"steps": [{**which, **when}]}, f"{selector_words(which)} moves to {target}")


@on_named_campaign
def add_step(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"add another email on day 7 saying it's their last chance": a new step, drafted for its
    purpose (read as a new step of this kind of sequence would be), the others untouched."""
    if refusal := follow_up_refusal(state):
        return refusal
    request = thread_request(state)
    purposes = [step["purpose"] for step in request.get("steps", [])]
    defaults = CART_DEFAULT if any(p.startswith("cart") or p == "social_proof" for p in purposes) else [
        (0, purposes[-1] if purposes else "custom", None)]
    codes = discount_codes(clean)
    steps = [step for step in parse_steps(lowered, defaults, codes) if not has_day(request, step)]
    if not steps:
        return Plan("update_sequence", answer="On which day should the new email go out? Say e.g. \"add an email on day 7\".")
    if saying := re.search(r"\b(?:saying|that says|telling them|tell them|to say|about|reminding them)\b\s*(.+)$", clean, flags=re.I):
        for step in steps:
            step["brief"] = saying.group(1).strip(" .")[:2000]
    for step in steps:  # "put back a email showing our bestsellers": the step's words, not the request's
        if step.get("brief"):
            brief = re.sub(r"^(?:\w+,\s*)?(?:put back|bring back|put in|add|insert|include)\s+(?:a|an|another|one more|the)?\s*(?:new\s+)?"
                           r"(?:email|e-mail|one|step|message)?\s*(?:showing|with|saying|that says|about)?\s*", "", step["brief"], flags=re.I).strip(" ,.")
            if len(brief) >= 3:
                step["brief"] = brief
    if len(steps) == 1:
        # one new email: every offer, code and word in the message is its own ("add a 3rd email
        # on day 12: 25% off, code LAST25, tell them it's the final chance")
        step = steps[0]
        if (value := percent(lowered)) and not step.get("discount_percent") and not re.search(r"\bno (?:discount|offer|code)\b", lowered):
            step["discount_percent"] = value
        if codes and not step.get("discount_code"):
            step["discount_code"] = codes[0]
        if step.get("discount_percent") and step["purpose"] in ("cart_reminder", "social_proof"):
            step["purpose"] = "cart_discount"
    for step in steps:
        if step["purpose"] == "custom" and not step.get("brief"):
            # "add a third email on day 30 with 10% off their next order": a custom email says its own words
            words = re.sub(r"^.*?\b(?:on |at |after )?day\s*\d+\b|^.*?\b\d+\s*(?:days?|weeks?)\s+(?:later|after)\b", "", clean, count=1, flags=re.I)
            step["brief"] = (re.sub(r"^\s*(?:with|saying|that|:|-|,)\s*", "", words).strip(" .,") or "a follow-up after their order")[:2000]
    said = ", ".join(f"a new {step['purpose'].replace('_', ' ')} email on {step_when(step)}"
                     + (f" ('{step['brief'][:80]}')" if step.get("brief") else "") for step in steps)
    return campaign_edit(state, {"add_steps": steps}, said)


@on_named_campaign
def remove_step(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"remove the second email", "drop the day 7 one": that step goes, the others stay."""
    if refusal := follow_up_refusal(state):
        return refusal
    request = thread_request(state)
    which = step_named(lowered, request)
    if re.search(r"^\S+(?: off)? (?:the |its |their )?(?:discount|offer|code|coupon|promo)s?\b(?! (?:email|one|step|message)s?\b)", lowered):
        return remove_offer(clean, lowered, state)
    if which is None:
        if (kind := next((purpose for pattern, purpose in STEP_PURPOSES if re.search(pattern, lowered)), None)) is None:
            if re.search(r"^(?:scrap|bin|trash|ditch|toss|junk|nuke|throw away) (?:this|that|it)(?: one| thing)?\s*[.!]*$", lowered):
                return None  # "scrap this one": the campaign itself, thrown away (discard_campaign)
            return Plan("update_sequence", answer="Which email should go? Say e.g. \"remove the day 3 email\".")
        which = {"purpose": kind}
    if "missing" in which:
        return step_not_found(request, which["missing"])
    return campaign_edit(state, {"remove_steps": [which]}, f"{selector_words(which)} is removed")


# "take the discount off the last email", "no discount on the day 6 one": the offer goes, the step stays
OFFER_OFF = re.compile(r"\b(?:take|drop|remove|get rid of|lose|strip|pull)\s+(?:the |its |their |that )?(?:discount|offer|code|coupon|promo)s?\s+"
                       r"(?:off|from|on|in)\b|\bno (?:discount|offer|code|coupon)s?\s+(?:on|for|in)\s+(?:the|that|this|it|day)\b"
                       r"|\b(?:without|minus) (?:the |a |any )?(?:discount|offer)\b(?! code)")


@on_named_campaign
def remove_offer(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"drop the discount on the last one": that step keeps going, without its offer (all offer
    steps when none is named)."""
    if refusal := follow_up_refusal(state):
        return refusal
    request = thread_request(state)
    moved = MOVE_OFFER.search(lowered)
    which = step_named(lowered[:moved.start()] if moved else lowered, request)
    if which and "missing" in which:
        return step_not_found(request, which["missing"])
    if moved and (plan := _offer_moved(state, request, which, moved.group("to"), clean)):
        return plan
    targets = [which] if which else offer_steps(request)
    if not targets:
        return step_not_found(request, "email with an offer")
    return campaign_edit(state, {"steps": [{**target, "remove_offer": True} for target in targets]},
                 " and ".join(f"{selector_words(target)} loses its offer" for target in targets))


# "... and put it on the last email instead": the offer taken off one step goes on another
MOVE_OFFER = re.compile(r"\b(?:and )?(?:put|move|give|add|use)\s+(?:it|that|them|the (?:discount|offer))\s+(?:on|to|in|onto|into)\s+(?P<to>.+)$")


@on_named_campaign
def move_offer(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"move the discount to the last email": the only offer step's offer goes there."""
    if refusal := follow_up_refusal(state):
        return refusal
    moved = MOVE_OFFER_TO.search(lowered)
    return _offer_moved(state, thread_request(state), None, moved.group("to"), clean) if moved else None


MOVE_OFFER_TO = re.compile(r"\b(?:move|shift|put)\s+(?:the |that |our )?(?:discount|offer|coupon|promo)\s+(?:over )?(?:to|on|onto)\s+(?P<to>.+)$")


def _offer_moved(state: ThreadState, request: dict[str, Any], source: dict[str, Any] | None, to: str, clean: str = "") -> Plan | None:
    """The offer of `source` (or the only offer step) taken off it and put on the step `to` names
    (with the new percent or code the words give: "... on the last email instead, 20% code X")."""
    offers = offer_steps(request)
    source = source if source and ("step" in source or "day" in source) else (offers[0] if len(offers) == 1 else None)
    target = step_named(to, request)
    if target and "missing" in target:
        return step_not_found(request, target["missing"])
    if source is None or not target or not ("step" in target or "day" in target) or target == source:
        return None
    steps = request.get("steps") or []
    offer = next((step for position, step in enumerate(steps, start=1) if is_step(step, position, source)), {})
    if not offer.get("discount_percent") and not offer.get("discount_code"):
        return step_not_found(request, f"offer on {selector_words(source)}")
    given = {key: offer[key] for key in ("discount_percent", "discount_code") if offer.get(key)}
    if value := percent(to):
        given["discount_percent"] = value
    if codes := [code for code in discount_codes(clean) if code != offer.get("discount_code")]:
        given["discount_code"] = codes[0]
    said = f"{given['discount_percent']:g}% off" if given.get("discount_percent") else f"code {given['discount_code']}"
    said += f", code {given['discount_code']}" if given.get("discount_percent") and given.get("discount_code") else ""
    return campaign_edit(state, {"steps": [{**source, "remove_offer": True}, {**target, **given}]},
                         f"the offer ({said}) moves from {selector_words(source)} to {selector_words(target)}")


@on_named_campaign
def change_code(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"switch the code to WINBACK20 (and make it 20% off)": the offer step's code (and discount)."""
    codes = discount_codes(clean)
    if not codes:
        return None
    if refusal := follow_up_refusal(state):
        return refusal
    request = thread_request(state)
    offers = offer_steps(request)
    # "put the MISSYOU20 code on that one too": the step the thread made last
    latest = re.search(r"\b(?:that|this) one\b|\bthe (?:new|newest|latest|last added) (?:one|email|step)\b|\b(?:on|to) it too\b", lowered)
    which = latest_step(state) if latest else step_named(lowered, request)
    if which and "missing" in which:
        return step_not_found(request, which["missing"])
    # a step named by day or place ("the second email", "step 2"); else the step with the offer
    targets = [which] if which and ("day" in which or "step" in which) else offers[:1] or [{"step": 1}]
    change: dict[str, Any] = {"discount_code": codes[0]}
    if value := percent(re.sub(r"\bthe \d{1,2}\s*% (?:off )?(?:one|1|email|step|message)\b", " ", lowered)):
        change["discount_percent"] = value
    words = f"the code of {selector_words(targets[0])} becomes {codes[0]}" + (f", {value}% off" if value else "")
    if replaced := replaced_offer(lowered):
        change.update(replaced)
        words += f", instead of {replaced['replaces']}"
    return campaign_edit(state, {"steps": [{**targets[0], **change}]}, words)


def replaced_offer(lowered: str) -> dict[str, str]:
    """"... instead of free shipping": the old offer's words, for the email to lose them (a
    percent or a code named there is replaced anyway)."""
    found = re.search(r"\b(?:instead of|rather than|in place of|replacing)\s+(?:the\s+)?([a-z][a-z -]{2,60}?)\s*(?=[.!,;]|$|\s+(?:and|with|code|w)\b)", lowered)
    if found is None or re.search(r"\d|\bcode\b|\b(?:discount|offer|one|email|it|that)$", found.group(1)):
        return {}
    return {"replaces": found.group(1).strip()}


@on_named_campaign
def change_send_time(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"push the send to saturday 10am": a one-off's new send time (declines for a sequence, whose
    steps have delays, or when no time is named)."""
    if state.campaign_id is None:
        return None
    request = state.sequence_request or {}
    if request.get("kind") != "one_off":
        if request.get("steps") and re.search(r"\b(?:send|it|the email|the campaign)\b", lowered):
            # "push the send to monday 8am" of a sequence: it has no one send time, said so
            return Plan("update_sequence", answer=messages.SEQUENCE_HAS_NO_SEND_TIME.format(campaign=state.campaign_id))
        return None
    when = send_time(lowered, zone_now())
    if when is None and request.get("send_at") and (clock := re.search(r"\b(?<![\d:])(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b", lowered)):
        # "change the send to 3pm": the same day, at that time
        day = datetime.fromisoformat(str(request["send_at"]))
        when = in_named_zone(day.replace(hour=int(clock.group(1)) % 12 + (12 if clock.group(3) == "pm" else 0), minute=int(clock.group(2) or 0)),
                             lowered)
    if when is None:
        return None
    zone = f" ({said.group(0).strip()})" if (said := ZONE_SAID.search(lowered)) else ""
    return campaign_edit(state, {"send_at": when.isoformat()}, f"it goes out at {when:%Y-%m-%d %H:%M} {when:%Z}{zone} instead")


@on_named_campaign
def set_holdout(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"add a 10 percent holdout", "hold out 10% as a control group", "no holdout": the thread's
    campaign keeps that share of its audience out as the control group."""
    if refusal := follow_up_refusal(state):
        return refusal
    ending = NO_HOLDOUT.search(lowered)
    share = 0.0 if ending else holdout(words_to_numbers(lowered))
    if not share and not ending:
        return None
    words = f"{share:g}% held out as the control group" if share else "no holdout (everyone gets the emails)"
    return campaign_edit(state, {"holdout_percent": share}, words)


# "first one should be a plain reminder not reviews", "make the day 3 email a discount instead
# of reviews", "turn the second email into a reminder": a step's kind changes
KIND_SWAP = re.compile(r"^(?:please |ok |actually |and |also |no,? )*(?:make |turn |switch |change )?(?P<which>.*?)\s+(?:should be|needs to be|to be|into|to|be|becomes?)"
                       r"\s+(?:a |an |just a |just an )?(?:plain |simple |normal |regular |basic |straight )?(?P<kind>[\w -]+?)"
                       r"(?:\s*,?\s*\b(?:not|instead of|rather than)\b\s+(?:a |an |the )?(?P<old>[\w -]+?))?(?:\s+instead)?[.!]*$")


@on_named_campaign
def change_kind(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """A step's kind changes: the step goes and one of the new kind takes its time (its offer
    kept), drafted afresh; the other steps keep their drafts and approvals."""
    # "make the day 2 email a reminder": read as "make the day 2 email into a reminder"
    lowered = re.sub(r"^(\W*(?:please |ok |actually )*(?:make|turn|switch|change)\s+(?:(?:the|that|this)\s+(?:[\w-]+\s+){0,3}?(?:email|one|step|message|mail)|day\s*\d+(?:\s+(?:email|one))?))"
                     r"\s+(?=an?\s)", r"\1 into ", lowered)
    match = KIND_SWAP.match(lowered)
    if match is None or not (match.group("old") or re.match(r"^(?:please |ok |actually |and |also |no,? )*(?:make|turn|switch|change)\b", lowered)):
        return None
    kind = next((name for pattern, name in STEP_PURPOSES if re.search(pattern, match.group("kind"))), None)
    request = thread_request(state)
    which = step_named(match.group("which"), request)
    if kind is None or which is None or not ("step" in which or "day" in which or "missing" in which):
        return None
    if refusal := follow_up_refusal(state):
        return refusal
    if "missing" in which:
        return step_not_found(request, which["missing"])
    steps = request.get("steps") or []
    old = next((step for position, step in enumerate(steps, start=1) if is_step(step, position, which)), None)
    if old is None:
        return None
    if old.get("purpose") == kind:
        return Plan("update_sequence", answer=f"{selector_words(which).capitalize()} is already a {kind.replace('_', ' ')} email.")
    # a reminder or reviews email carries no offer ("a plain reminder"); other kinds keep the step's
    plain = kind in ("cart_reminder", "social_proof")
    new = {key: old[key] for key in ("delay_days", "delay_hours", "discount_percent", "discount_code")
           if old.get(key) is not None and not (plain and key.startswith("discount"))}
    if kind == "cart_discount" and not new.get("discount_percent"):
        new["discount_percent"] = percent(lowered) or 10
    dropped = ", without its offer" if plain and (old.get("discount_percent") or old.get("discount_code")) else ""
    return campaign_edit(state, {"remove_steps": [which], "add_steps": [{**new, "purpose": kind}]},
                         f"{selector_words(which)} becomes a {kind.replace('_', ' ')} email{dropped} (written afresh; the others keep their drafts)")


def campaign_edit(state: ThreadState, change: dict[str, Any], words: str) -> Plan:
    arguments = {"campaign": str(state.campaign_id), **change}
    return Plan("update_sequence", [PlannedCall("update_sequence", arguments)],
                reading=f"Read as: change campaign {state.campaign_id} in place: {words}")


def follow_up_refusal(state: ThreadState) -> Plan | None:
    # The thread's memory of the status may be stale (another thread paused it): the tool, which
    # refuses to edit an active campaign, is the one to ask.
    if state.campaign_id is None:
        return Plan("follow_up", answer=messages.NOTHING_TO_REFER)
    return None




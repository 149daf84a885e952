"""Which step of the thread's campaign a sentence names: "day 5", "the first email", "the
reviews email", "the 7 day one", "the free shipping email" (its own words or code), checked
against the steps the thread knows (`ThreadState.sequence_request`), as update_sequence's step
selectors, and the draft a step has.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.plans import Plan

# Words that name a step by what it is for, and the purpose they mean.
STEP_PURPOSES = (
    (r"(?<!p)review|social proof|testimonial|rating|best.?sell|top.?sell|popular", "social_proof"),
    (r"discount|coupon|offer|promo|\d+\s*%", "cart_discount"),
    (r"remind", "cart_reminder"),
    (r"welcome", "welcome"),
    (r"win.?back", "winback"),
    (r"brows", "browse_abandonment"),
)
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5}


def latest_step(state: ThreadState) -> dict[str, Any] | None:
    """The step whose draft the thread made last ("that one" after "add a 3rd email on day 12"),
    as a selector; None when no step of the thread's campaign has that draft."""
    steps = thread_request(state).get("steps") or []
    if not state.draft_ids:
        return None
    for index, step in enumerate(steps, start=1):
        if step.get("draft_id") == state.draft_ids[-1]:
            return checked_selector(thread_request(state), {"step": index})
    return None


def missing_step(lowered: str, state: ThreadState) -> Plan | None:
    """The reply when a sentence names a step the thread's campaign does not have ("the second
    email" of a one-email win-back), so no other step's draft is acted on instead."""
    if state.campaign_id is None:
        return None
    request = thread_request(state)
    which = step_named(lowered, request)
    return step_not_found(request, which["missing"]) if which and "missing" in which else None


def step_draft(lowered: str, state: ThreadState) -> tuple[int, str] | None:
    """The draft of the one step a sentence names in the thread's campaign ("the first browse
    email", "the discount email", "day 3"), with words for it; None when it names no single step."""
    if state.campaign_id is None or re.search(r"\b(all|both|every|each|whole|entire|them|these|those|campaign|sequence|flow)\b", lowered):
        return None
    request = thread_request(state)
    steps = request.get("steps") or []
    which = step_named(lowered, request)
    if which and "missing" in which:
        return None
    if which:
        chosen = [(index, step) for index, step in enumerate(steps, start=1) if is_step(step, index, which)]
    else:  # "the free shipping email": the step whose own words or code the sentence names
        chosen = [(index, step) for index, step in enumerate(steps, start=1)
                  if any(word in lowered for word in own_words(step))]
    if len(chosen) != 1 or not chosen[0][1].get("draft_id"):
        return None
    index, step = chosen[0]
    return step["draft_id"], f"step {index} ({step_when(step) if 'delay_days' in step or 'delay_hours' in step else 'its'} email)"


# What marketers call a step whose brief says it in other words ("recommend similar products" is
# the cross-sell email, "ask for a review" the review request)
STEP_NICKNAMES = ((r"\brecommend|\bsimilar|\brelated|\bcomplementary|\bmight (?:also )?like|\bcross.?sell|\bup.?sell", ("cross-sell", "upsell", "recommendation")),
                  (r"\breview|\brating|\bfeedback|\btestimonial", ("review", "review request", "feedback")),
                  (r"\bthank", ("thank-you", "thanks", "thank")),
                  (r"\blast chance|\bfinal|\bexpir", ("last chance", "last call")))


def own_words(step: dict[str, Any]) -> list[str]:
    brief = (step.get("brief") or "").lower()
    words = re.findall(r"[a-z][a-z'-]{3,}", brief)
    nicknames = [name for pattern, names in STEP_NICKNAMES if re.search(pattern, brief) for name in names]
    return [word for word in words if word not in {"with", "email", "emails", "that", "this", "their", "your", "from"}] + nicknames + (
        [step["discount_code"].lower()] if step.get("discount_code") else [])


def _says(fragment: str, word: str) -> bool:
    """The fragment has the word whole ("review", not the "review" of "preview"; "thank-you" as "thank you")."""
    return re.search(r"\b" + re.escape(word).replace("\\-", "[ -]?").replace("-", "[ -]?") + r"\b", fragment) is not None


def is_step(step: dict[str, Any], position: int, selector: dict[str, Any]) -> bool:
    if "day" in selector:
        return step.get("delay_days") == selector["day"]
    if "step" in selector:
        return position == selector["step"]
    return step.get("purpose") == selector.get("purpose")


def offer_steps(request: dict[str, Any]) -> list[dict[str, Any]]:
    """Selectors of the offer steps: those with a discount, whatever their purpose (a win-back's
    day 0), or a cart_discount step."""
    return [{"day": s["delay_days"]} if "delay_days" in s else {"step": i}
            for i, s in enumerate(request.get("steps", []), start=1)
            if s["purpose"] == "cart_discount" or s.get("discount_percent")]


def has_day(request: dict[str, Any], step: dict[str, Any]) -> bool:
    return any(existing.get("delay_days") == step.get("delay_days") and existing.get("delay_hours") == step.get("delay_hours")
               for existing in request.get("steps", []))


def step_when(step: dict[str, Any]) -> str:
    return f"day {step['delay_days']}" if "delay_days" in step else f"{step['delay_hours']} h"


def step_named(fragment: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """The step a fragment names, as update_sequence's selector (a day when the thread knows
    the steps), {"missing": day} for a day the campaign does not have, or None."""
    if day := re.search(r"\bday\s*(\d+)\b|\b(\d+)[ -]days? (?=email|one|message|step|mail|reminder)", fragment):
        number = day.group(1) or day.group(2)
        return checked_selector(request, {"day": int(number)}) or {"missing": number}
    steps = request.get("steps") or []
    # "the 4 hour one": a step by its delay in hours (update_sequence picks by day, in fractions)
    if hours := re.search(r"\b(\d+)[ -]h(?:ours?|rs?)? (?=email|one|message|step|mail|reminder)", fragment):
        return {"day": round(int(hours.group(1)) / 24, 6)}
    # "step 2", "email 2", and "the first email" (which normalising made "the 1 email")
    if position := re.search(r"\b(?:step|email|message)\s*#?(\d+)\b(?!\s*(?:h|hours?|days?)\b|\s*(?:%|percent|off\b))"
                             r"|\b(?:the|that|this) (\d+)(?:st|nd|rd|th)? (?:[a-z-]+ )?(?:e-?mail|step|message|one)(?:'?s)?\b", fragment):
        number = int(position.group(1) or position.group(2))
        return checked_selector(request, {"step": number}) or {"missing": f"email {number}"}
    if re.search(r"\b(last|final)\b", fragment) and steps:
        return checked_selector(request, {"step": len(steps)})
    if re.search(r"\b(middle|in-between|in between)\b", fragment) and len(steps) % 2 == 1 and len(steps) > 1:
        return checked_selector(request, {"step": len(steps) // 2 + 1})  # "the middle email" of three
    if (offered := re.search(r"\bthe (\d{1,2})\s*% (?:off )?(?:one|1|email|step|message)\b", fragment)) and steps:
        # "remove the 10% one": the step with that discount
        having = [i for i, s in enumerate(steps, start=1) if s.get("discount_percent") == int(offered.group(1))]
        if len(having) == 1:
            return checked_selector(request, {"step": having[0]})
    if ordinal := re.search(r"\b(" + "|".join(ORDINALS) + r")\b", fragment):
        return checked_selector(request, {"step": ORDINALS[ordinal.group(1)]}) or {"missing": f"{ordinal.group(1)} email"}
    purpose = next((name for pattern, name in STEP_PURPOSES if re.search(pattern, fragment)), None)
    if purpose is None:  # "the thank-you email", "the free shipping one": the step whose own words these are
        owning = [i for i, s in enumerate(steps, start=1) if any(_says(fragment, word) for word in own_words(s))]
        return checked_selector(request, {"step": owning[0]}) if len(owning) == 1 else None
    matching = [i for i, s in enumerate(steps, start=1) if s.get("purpose") == purpose]
    if not matching:  # "the review email" of a post-purchase flow: a custom step whose own words say so
        owning = [i for i, s in enumerate(steps, start=1) if any(_says(fragment, word) for word in own_words(s))]
        if len(owning) == 1:
            return checked_selector(request, {"step": owning[0]})
    if len(matching) == 1:
        return checked_selector(request, {"step": matching[0]})
    if not matching and steps and purpose in ("cart_reminder", "cart_discount"):
        # "the reminder" of a win-back is its step without an offer; "the discount" its offer
        offer = purpose == "cart_discount"
        fitting = [i for i, s in enumerate(steps, start=1) if bool(s.get("discount_percent")) == offer]
        # a step with words of its own ("offering free shipping") is that, not the plain reminder
        plain = [i for i in fitting if not steps[i - 1].get("brief")]
        if not offer and len(plain) == 1:
            return checked_selector(request, {"step": plain[0]})
        if len(fitting) == 1 or (fitting and not offer):
            return checked_selector(request, {"step": fitting[-1]})
    return {"purpose": purpose}


def checked_selector(request: dict[str, Any], selector: dict[str, Any]) -> dict[str, Any] | None:
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


def selector_words(selector: dict[str, Any]) -> str:
    if "day" in selector:
        return f"day {selector['day']:g}" if isinstance(selector["day"], float) else f"day {selector['day']}"
    if "step" in selector:
        return f"step {selector['step']}"
    return f"the {selector['purpose'].replace('_', ' ')} email"


def thread_request(state: ThreadState) -> dict[str, Any]:
    return copy.deepcopy(state.sequence_request or {})


def step_not_found(request: dict[str, Any], missing: str) -> Plan:
    """A step the campaign does not have: said, with the days it has. `missing` is a day's
    number ("5"), or words for the step ("second email")."""
    what = f"step on day {missing}" if missing.replace(".", "").isdigit() else missing
    campaign = f"'{request['name']}'" if request.get("name") else "This thread's campaign"
    steps = request.get("steps", [])
    if steps and all("delay_days" in s for s in steps):
        days = "on days " + ", ".join(f"{s['delay_days']:g}" if isinstance(s["delay_days"], float) else str(s["delay_days"]) for s in steps)
    else:  # "after 4 h, after 52 h": steps timed in hours are said in hours
        days = ", ".join(f"day {s['delay_days']}" if "delay_days" in s else f"after {s.get('delay_hours', 0):g} h" for s in steps)
    return Plan("follow_up", answer=messages.STEP_NOT_FOUND.format(campaign=campaign, what=what, days=days))

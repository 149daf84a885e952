"""Sequence requests (abandoned cart, browse abandonment, win-back): the audience, the steps
named in the text ("reminder on day 1, reviews on day 3, 10% off on day 5"), the holdout and the
exit event, planned as create_sequence followed by a preflight of the new campaign.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine.memory import ThreadState
from bot.engine.planner.dates import unit_hours
from bot.engine.planner.extract import Audience, describe_audience
from bot.engine.planner.plans import CAMPAIGN, Plan, PlannedCall
from bot.engine.planner.reading import has, percent, read_as
from bot.engine.planner.vocabulary import CODE_TOKEN, discount_codes, words_to_numbers
from tools.audience import recipes

CART_DEFAULT = [(1, "cart_reminder", None), (3, "social_proof", None), (5, "cart_discount", 10)]


def parse_steps(lowered: str, defaults: list[tuple[int, str, int | None]], codes: list[str] | None = None) -> list[dict[str, Any]]:
    """Steps named in the text ('reminder on day 1, reviews on day 3, 10% off on day 5 with code
    SAVE10'); `codes` are the request's discount codes, hidden in the text as tokens (vocabulary.hide_codes)."""
    clauses = re.split(r"[,;:]|\bthen\b|\band\b|\.\s", lowered)
    steps: list[dict[str, Any]] = []
    loose: list[int] = []  # codes named in a clause without a day ("use code X"): the offer's
    for clause in clauses:
        delay = _delay(clause)
        named = [int(token) for token in CODE_TOKEN.findall(clause)]
        if delay is None:
            loose += named
            # "the last one with 15% off": an offer for a step already named
            if steps and (value := percent(clause)) and re.search(r"\b(last|final|first|second|third|1|2|3)\b", clause):
                which = 0 if re.search(r"\b(first|1)\b", clause) else -1 if re.search(r"\b(last|final)\b", clause) else None
                if which is None:
                    number = re.search(r"\b(second|third|2|3)\b", clause).group(1)
                    which = {"second": 1, "2": 1, "third": 2, "3": 2}[number]
                if -len(steps) <= which < len(steps):
                    steps[which]["discount_percent"] = value
                    steps[which]["purpose"] = "cart_discount" if defaults is CART_DEFAULT else steps[which]["purpose"]
            continue
        purpose = _purpose(clause, len(steps), defaults)
        step: dict[str, Any] = {**delay, "purpose": purpose}
        if purpose != "social_proof" and (value := percent(clause)):
            step["discount_percent"] = value
        elif purpose == "cart_discount":
            step["discount_percent"] = percent(lowered) or 10
        if named and codes:
            step["discount_code"] = codes[named[0]]
        steps.append(step)
    if not steps:
        steps = [_default_step(day, purpose, discount, lowered) for day, purpose, discount in defaults]
    for index in loose:
        offers = [step for step in steps if step.get("discount_percent") and "discount_code" not in step]
        if codes and offers:
            offers[0]["discount_code"] = codes[index]
    return sorted(steps, key=lambda s: s.get("delay_days", 0) * 24 + s.get("delay_hours", 0))


def unplaced_codes(steps: list[dict[str, Any]], codes: list[str]) -> list[str]:
    """Codes no step took, named back ("I did not use: 'code X'")."""
    placed = {step.get("discount_code") for step in steps}
    return [f"code {code}" for code in codes if code not in placed]


def _delay(clause: str) -> dict[str, int] | None:
    if re.search(r"\b(next day|the day after|a day later|following day|tomorrow)\b", clause):
        return {"delay_days": 1}
    # a list of bare delays: "3 emails: 1 hour, 1 day and 3 days after abandonment"
    bare = re.match(r"^\s*(?:after\s+|in\s+)?(\d+)\s*(h|hrs?|hours?|d|days?|w|weeks?)\b(?:\s+(?:later|after\b.*|in))?\s*$", clause)
    if bare:
        hours = int(bare.group(1)) * unit_hours(bare.group(2))
        return {"delay_days": hours // 24} if hours % 24 == 0 else {"delay_hours": hours}
    match = re.search(r"\bday\s*(\d+)\b|\b(\d+)(?:st|nd|rd|th)?\s*day\b", clause)
    if match:
        return {"delay_days": int(match.group(1) or match.group(2))}
    match = re.search(r"(?:after|in|wait)\s+(\d+)\s*(h|hrs?|hours?|d|days?|w|weeks?)\b|\b(\d+)\s*(h|hours?|d|days?|w|weeks?)\s+(?:later|after)", clause)
    if not match:
        return None
    amount, unit = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    hours = int(amount) * unit_hours(unit)
    return {"delay_days": hours // 24} if hours % 24 == 0 else {"delay_hours": hours}


def _purpose(clause: str, index: int, defaults: list[tuple[int, str, int | None]]) -> str:
    if has(clause, r"\d+\s*%|discount|coupon|\boff\b|promo|code|deal|incentive"):
        return "cart_discount" if defaults is CART_DEFAULT else defaults[-1][1]
    if has(clause, r"review|social proof|testimonial|rating|star|what others|best.?sell|top.?sell|popular|most loved|favourites|favorites"):
        return "social_proof"
    if has(clause, r"remind|nudge|left|forgot|still (in|waiting)|check.?in"):
        return defaults[0][1]
    return defaults[min(index, len(defaults) - 1)][1]


def _default_step(day: int, purpose: str, discount: int | None, lowered: str) -> dict[str, Any]:
    step: dict[str, Any] = {"delay_days": day, "purpose": purpose}
    if discount is not None:
        step["discount_percent"] = percent(lowered) or discount
    return step


def holdout(lowered: str) -> float:
    match = re.search(r"\b(\d{1,2})\s*%\s*hold\s*-?out|hold\s*-?out (?:of )?(\d{1,2})\s*%|hold(?:ing)? back (\d{1,2})\s*%", lowered)
    return float(next(group for group in match.groups() if group)) if match else 0.0


def exit_event(lowered: str) -> str | None:
    if has(lowered, r"(don't|do not|never) (stop|exit)|keep (sending|going) even"):
        return None
    return "Order Completed"


def campaign_name(clean: str, default: str) -> str:
    """The name the marketer gave ("... called 'Cart rescue'", "named Spring winback:"), or `default`."""
    match = (re.search(r"\b(?:called|named|name it|titled)\s+['\"\u201c]([^'\"\u201d]{1,120})['\"\u201d]", clean, flags=re.I)
             or re.search(r"\b(?:called|named|name it|titled)\s+([A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,4})", clean))
    return match.group(1).strip() if match else default


def sequence_plan(intent: str, name: str, segment: dict[str, Any], steps: list[dict[str, Any]], lowered: str,
                  clean: str = "") -> Plan:
    arguments = {
        "name": campaign_name(clean, name),
        "segment": segment,
        "steps": steps,
        "exit_event": exit_event(lowered),
        "holdout_percent": holdout(lowered),
    }
    return Plan(intent, [PlannedCall("create_sequence", arguments), PlannedCall("preflight", {"campaign": CAMPAIGN})])


def _strip_holdout(lowered: str) -> str:
    return re.sub(r"\d{1,2}\s*%\s*hold\s*-?out|hold\s*-?out (?:of )?\d{1,2}\s*%|hold(?:ing)? back \d{1,2}\s*%", "", lowered)


def right_away_is_day_0(steps_text: str) -> str:
    """'15% off right away' is a step on day 0, for the sequences that may start at once."""
    if re.search(r"right away|immediately|straight away|now\b", steps_text) and not re.search(r"day 0", steps_text):
        return re.sub(r"right away|immediately|straight away", "day 0", steps_text, count=1)
    return steps_text


# A sequence is built only when the sentence asks for messages; "ppl who abandoned checkout
# yesterday" on its own names an audience, and is looked at instead (bot.engine.planner.choose).
ASKS_FOR_MESSAGES = re.compile(
    r"\b(sequence|flow|series|automation|journey|drip|campaign|emails?|mails?|messages?|reminders?|remind|nudge|follow.?ups?"
    r"|build|create|set ?up|setup|make|start|launch|send|win.?back|re-?engage|bring back|recover|recovery|offer|discount"
    r"|coupon|code)\b|\bday \d+|\d+\s*%|\bafter \d+|\boff\b")


def _sequence(intent: str, name: str, stage: str, clean: str, lowered: str, defaults) -> Plan | None:
    if not ASKS_FOR_MESSAGES.search(lowered):
        return None
    audience = describe_audience(lowered, default=stage)
    spec = audience.spec or {"cart": recipes.cart_abandoners(), "browse": recipes.browse_abandoners(),
                             "lapsed": recipes.lapsed_customers()}[stage]
    steps_text = words_to_numbers(_strip_holdout(lowered))
    if stage == "lapsed":
        steps_text = re.sub(r"(?:in|for|since)\s+(?:the\s+)?(?:last\s+|past\s+)?\d+\s*(?:d|days?|w|weeks?|months?|years?)\b", " ", steps_text)
        steps_text = right_away_is_day_0(steps_text)
        discount = percent(steps_text)
        defaults = [(0, "winback", discount)] if discount else [(0, "winback", None)]
    codes = discount_codes(clean)
    steps = parse_steps(steps_text, defaults, codes)
    built = sequence_plan(intent, name, spec, steps, lowered, clean)
    built.reading = read_as(audience if audience.spec else Audience(spec, f"the default {name.lower()} audience"), steps)
    built.unused += unplaced_codes(steps, codes)
    return built


def cart_sequence(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    return _sequence("cart_sequence", "Abandoned cart", "cart", clean, lowered, CART_DEFAULT)


def browse_sequence(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    return _sequence("browse_sequence", "Browse abandonment", "browse", clean, lowered, [(1, "browse_abandonment", None)])


def winback_sequence(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    return _sequence("winback_sequence", "Win-back", "lapsed", clean, lowered, [(0, "winback", None)])


# A welcome goes to people who signed up lately: the last day unless the request names a window.
NEW_SIGNUPS = {"attribute": "created_at", "op": "within_last", "value": "24h"}
HAS_EMAIL = {"attribute": "email", "op": "exists"}


def welcome_sequence(clean: str, lowered: str, state: ThreadState) -> Plan:
    """A welcome email (or series) for new sign-ups, with any other audience words (a country)."""
    audience = describe_audience(lowered)
    parts = [] if audience.spec is None else list(audience.spec["all"]) if set(audience.spec) == {"all"} else [audience.spec]
    parts = [part for part in parts if part != HAS_EMAIL]
    words = audience.reading.removeprefix("contacts ") if audience.spec else ""
    if not any(part.get("attribute") == "created_at" for part in parts):
        parts.insert(0, NEW_SIGNUPS)
        words = f"who signed up in the last 24 h {words}".strip()
    spec = parts[0] if len(parts) == 1 else {"all": parts}
    codes = discount_codes(clean)
    steps = parse_steps(right_away_is_day_0(words_to_numbers(_strip_holdout(lowered))), [(0, "welcome", None)], codes)
    built = sequence_plan("welcome_sequence", "Welcome", spec, steps, lowered, clean)
    built.reading = read_as(Audience(spec, f"contacts {words}"), steps)
    built.unused += unplaced_codes(steps, codes)
    return built

"""The offline planner: turns the requests marketers make most into tool calls, with no model.

Used when no language model is configured, and a deterministic reference for the agent. Each
intent is one small function that reads its parameters from the normalised text (days,
discounts, windows, platforms, countries, campaign references) and returns the same registry
calls the LLM agent would make. Follow-ups ("make day 5 15% off", "exclude Canada") read the
thread's `ThreadState`. Anything not understood gets a plan with no calls and a helpful answer
listing examples; the planner never raises on text.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner import extract
from bot.engine.speech import is_question
from tools import registry
from tools.audience import recipes

CAMPAIGN = "$campaign_id"  # filled in by the engine from the previous call's result

EXAMPLES = [
    "build an abandoned-cart sequence: reminder on day 1, reviews on day 3, 10% off on day 5, stop when they buy",
    "set up browse abandonment for people who viewed a product in the last 2 days",
    "win back customers who haven't ordered in 90 days with 15% off",
    "how many people abandoned a cart in the last 24 hours?",
    "create a segment called vip of customers who spent over 500",
    "draft an email announcing our summer sale",
    "write google ad copy for our new running shoes",
    "export the cart abandoners to meta",
    "at most 2 emails per week / quiet hours 21:00 to 08:00",
    "what's scheduled? / pause campaign 3 / resume it / cancel the cart sequence",
    "how did the cart sequence do last week?",
    "send the digest now",
    "why didn't jo@example.com get the day 3 email?",
    "forget jo@example.com",
    "what data do we have on jo@example.com? / export everything we hold on jo@example.com",
    "who approved the cart sequence? / what did U123 do this week? / show the audit log for the last 7 days",
    "follow-ups in a thread: \"make day 5 15% off\", \"exclude Canada\"",
]

COUNTRIES = {
    "canada": "CA", "united states": "US", "usa": "US", "u.s.": "US", "america": "US",
    "united kingdom": "GB", "uk": "GB", "britain": "GB", "england": "GB", "germany": "DE",
    "france": "FR", "spain": "ES", "italy": "IT", "netherlands": "NL", "ireland": "IE",
    "australia": "AU", "mexico": "MX", "sweden": "SE", "belgium": "BE", "austria": "AT",
    "poland": "PL", "portugal": "PT", "denmark": "DK", "finland": "FI", "norway": "NO",
    "switzerland": "CH", "japan": "JP", "brazil": "BR", "india": "IN", "new zealand": "NZ",
}
PLATFORMS = {
    "google search": "google_rsa", "responsive search": "google_rsa", "rsa": "google_rsa",
    "google display": "google_display", "display": "google_display", "google": "google_rsa",
    "meta": "meta", "facebook": "meta", "instagram": "meta", "fb": "meta", "linkedin": "linkedin",
}
EXPORT_PLATFORMS = {"meta": "meta", "facebook": "meta", "instagram": "meta", "fb": "meta", "google": "google"}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
    "a": 1, "an": 1, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "seventh": 7, "tenth": 10,
}
# Two-letter codes that are not also common English words ("in", "it", "no", "us", "be", ...).
SAFE_CODES = {"ca", "gb", "fr", "es", "nl", "ie", "au", "mx", "se", "pl", "pt", "dk", "fi", "ch", "jp", "br", "nz"}
EXCLUDE_VERBS = r"exclud\w*|except|without|not in|minus|outside|remove|drop|leave out|skip|(?:don't|do not|never) (?:send|email|include|target)"
EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass
class PlannedCall:
    name: str
    arguments: dict[str, Any]


@dataclass
class Plan:
    """Tool calls to run; or a direct `answer`; or a local `action` the engine performs itself."""

    intent: str
    calls: list[PlannedCall] = field(default_factory=list)
    answer: str | None = None
    action: str | None = None
    reading: str | None = None  # "Read as: ..." for the reply's first line
    unused: list[str] = field(default_factory=list)  # words the planner could not use


def help_text(intro: str = "Here is what I can do:") -> str:
    return intro + "\n" + "\n".join(f"• {example}" for example in EXAMPLES)


def normalise(text: str) -> str:
    text = extract.words_to_numbers(text)
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"<@[A-Z0-9]+(\|[^>]*)?>", " ", text)
    text = re.sub(r"<(mailto:)?([^|>]+)\|([^>]+)>", r"\3", text)
    text = re.sub(r"\b(\d+)\s*(?:percent|pct)\b", r"\1%", text, flags=re.I)
    words = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
    text = re.sub(
        rf"\b({words})(?=[\s-]+(?:day|days|hour|hours|week|weeks|month|months|percent|%)\b)",
        lambda m: str(NUMBER_WORDS[m.group(1).lower()]), text, flags=re.I,
    )
    text = re.sub(rf"\b(day)[\s-]+({words})\b", lambda m: f"{m.group(1)} {NUMBER_WORDS[m.group(2).lower()]}", text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip()


def plan(text: str, state: ThreadState | None = None) -> Plan:
    """The calls that carry out `text` in the context of `state`, or an answer with examples."""
    state = state or ThreadState()
    clean = normalise(text)
    lowered = clean.lower()
    if not lowered.strip(" ?!.@"):
        return Plan("help", answer=help_text(messages.EMPTY_REQUEST))
    question = is_question(clean)
    for intent in INTENTS:
        if intent.matches(lowered) and (built := intent.builder(clean, lowered, state)) is not None:
            if question and writes(built):
                continue  # questions only read: try the next reading of the sentence
            return _with_unused(built, clean)
    if question and (who := EMAIL_RE.search(clean)) and re.search(r"consent|status|data|profile|record|opt", lowered):
        return Plan("export_contact", [PlannedCall("export_contact", {"contact": who.group(0)})],
                    reading=f"Read as: a question about what we hold on {who.group(0)} (read only)")
    if question:
        audience = extract.describe_audience(clean)
        if audience.spec is not None:
            return Plan("how_many", [PlannedCall("preview_segment", {"spec": audience.spec})],
                        reading=f"Read as: a question about {audience.reading}")
    return Plan("unknown", answer=help_text(messages.UNKNOWN_REQUEST))


def _with_unused(built: Plan, clean: str) -> Plan:
    if built.calls and any("spec" in c.arguments or "segment" in c.arguments and isinstance(c.arguments["segment"], dict)
                           for c in built.calls):
        audience = extract.describe_audience(clean)
        built.unused = extract.unused_words(clean, audience)
    return built


def writes(built: Plan) -> bool:
    """Would this plan change anything? Its calls, or (for a plan that only asks back, like
    "whom should I forget?") its intent's tool, as the registry declares them."""
    names = [call.name for call in built.calls] or [built.intent]
    return any(registry.BY_NAME[name].writes for name in names if name in registry.BY_NAME)


# --- parameters ------------------------------------------------------------------------


def _has(lowered: str, pattern: str) -> bool:
    return re.search(pattern, lowered) is not None


def percent(lowered: str) -> int | None:
    match = re.search(r"\b(\d{1,2}(?:\.\d+)?)\s*%", lowered)
    return round(float(match.group(1))) if match else None


def duration_hours(lowered: str, default: int) -> int:
    """The audience window: 'in the last 48 hours', 'within 2 days', 'past week'."""
    match = re.search(
        r"(?:last|past|within|previous|in)\s+(\d+)\s*(h|hrs?|hours?|d|days?|w|weeks?|months?)\b", lowered
    )
    if match:
        return int(match.group(1)) * _unit_hours(match.group(2))
    match = re.search(r"(?:last|past|previous)\s+(day|week|month)\b", lowered)
    return _unit_hours(match.group(1)) if match else default


def lapsed_days(lowered: str, default: int = 90) -> int:
    match = re.search(r"\b(\d+)\s*(d|days?|w|weeks?|months?|years?)\b", lowered)
    if not match:
        return default
    unit = match.group(2)
    factor = 365 if unit.startswith("y") else 30 if unit.startswith("mo") else 7 if unit.startswith("w") else 1
    return int(match.group(1)) * factor


def _unit_hours(unit: str) -> int:
    if unit.startswith("h"):
        return 1
    if unit.startswith("w"):
        return 168
    if unit.startswith("mo"):
        return 720
    return 24


def countries_after(lowered: str, verbs: str) -> list[str]:
    """Country codes named after words like 'exclude' / 'except' / 'not in'."""
    found: list[str] = []
    for match in re.finditer(rf"\b(?:{verbs})\b([^.;]*)", lowered):
        found += _countries_in(re.split(r"\bbut\b|\bonly\b", match.group(1))[0])
    return sorted(set(found))


def _countries_in(fragment: str) -> list[str]:
    found = [code for name, code in COUNTRIES.items() if re.search(rf"\b{re.escape(name)}\b", fragment)]
    return found + [code.upper() for code in re.findall(r"\b([a-z]{2})\b", fragment) if code in SAFE_CODES]


def included_countries(lowered: str) -> list[str]:
    match = re.search(r"\b(?:in|from|living in|based in)\s+((?:the\s+)?[a-z ,]+?)(?:\s+who|\s+that|[?.!]|$)", lowered)
    excluded = set(countries_after(lowered, EXCLUDE_VERBS))
    return sorted(set(_countries_in(match.group(1))) - excluded) if match else []


def campaign_reference(clean: str, state: ThreadState) -> str | None:
    """'campaign 3' / '#3' / a quoted name / this thread's campaign, as the tools' `campaign`."""
    lowered = clean.lower()
    match = re.search(r"(?:campaign|sequence|flow|#)\s*#?(\d+)\b", lowered)
    if match:
        return match.group(1)
    match = re.search(r"['\"]([^'\"]{1,200})['\"]", clean)
    if match:
        return match.group(1)
    if state.campaign_id is not None:
        return str(state.campaign_id)
    for pattern, name in ((r"\bcart", "Abandoned cart"), (r"\bbrows", "Browse abandonment"), (r"\bwin.?back", "Win-back")):
        if re.search(pattern, lowered):
            return name
    return None


def platform(lowered: str, table: dict[str, str]) -> str | None:
    for name, code in table.items():
        if re.search(rf"\b{re.escape(name)}\b", lowered):
            return code
    return None


# --- segments (specs in tools.audience.segments' language) ----------------------------------------


def abandoned_cart_spec(hours: int) -> dict[str, Any]:
    return {"since": "Checkout Started", "within_last": f"{hours}h", "then_not": "Order Completed"}


def browse_spec(hours: int) -> dict[str, Any]:
    return {"since": "Product Viewed", "within_last": f"{hours}h", "then_not": "Order Completed"}


def lapsed_spec(days: int) -> dict[str, Any]:
    return {"since": "Order Completed", "inactive_for": f"{days}d"}


def spend_spec(amount: float) -> dict[str, Any]:
    return {"aggregate": "sum", "event": "Order Completed", "property": "total", "op": "gt", "value": amount}


def with_countries(spec: dict[str, Any], include: list[str], exclude: list[str]) -> dict[str, Any]:
    parts = list(spec["all"]) if set(spec) == {"all"} else [spec]
    if include:
        parts.append({"attribute": "country", "op": "in", "value": include})
    if exclude:
        parts.append({"not": {"attribute": "country", "op": "in", "value": exclude}})
    return parts[0] if len(parts) == 1 else {"all": parts}


def audience_spec(lowered: str) -> dict[str, Any] | None:
    """The audience a sentence describes (see bot.engine.planner.extract), or None when it names none."""
    return extract.describe_audience(lowered).spec


def read_as(audience: extract.Audience, steps: list[dict[str, Any]] | None = None) -> str:
    """The reply's first line: how the audience (and the steps) were read."""
    line = "Read as: " + (audience.reading or "all contacts")
    if steps:
        line += "; steps " + ", ".join(_step_words(step) for step in steps)
    return line


def _step_words(step: dict[str, Any]) -> str:
    if step.get("delay_hours"):
        when = f"after {step['delay_hours']} h"
    elif step.get("delay_days"):
        when = f"on day {step['delay_days']}"
    else:
        when = "right away"
    offer_words = f" with {step['discount_percent']}% off" if step.get("discount_percent") else ""
    return f"{when} ({step['purpose'].replace('_', ' ')}{offer_words})"


# --- sequences -----------------------------------------------------------------------------

CART_DEFAULT = [(1, "cart_reminder", None), (3, "social_proof", None), (5, "cart_discount", 10)]


def parse_steps(lowered: str, defaults: list[tuple[int, str, int | None]]) -> list[dict[str, Any]]:
    """Steps named in the text ('reminder on day 1, reviews on day 3, 10% off on day 5')."""
    clauses = re.split(r"[,;:]|\bthen\b|\band\b|\.\s", lowered)
    steps: list[dict[str, Any]] = []
    for clause in clauses:
        delay = _delay(clause)
        if delay is None:
            continue
        purpose = _purpose(clause, len(steps), defaults)
        step: dict[str, Any] = {**delay, "purpose": purpose}
        if purpose in {"cart_discount", "winback"} and (value := percent(clause)):
            step["discount_percent"] = value
        elif purpose == "cart_discount":
            step["discount_percent"] = percent(lowered) or 10
        steps.append(step)
    if not steps:
        steps = [_default_step(day, purpose, discount, lowered) for day, purpose, discount in defaults]
    return sorted(steps, key=lambda s: s.get("delay_days", 0) * 24 + s.get("delay_hours", 0))


def _delay(clause: str) -> dict[str, int] | None:
    match = re.search(r"\bday\s*(\d+)\b|\b(\d+)(?:st|nd|rd|th)?\s*day\b", clause)
    if match:
        return {"delay_days": int(match.group(1) or match.group(2))}
    match = re.search(r"(?:after|in|wait)\s+(\d+)\s*(h|hrs?|hours?|d|days?|w|weeks?)\b|\b(\d+)\s*(h|hours?|d|days?)\s+(?:later|after)", clause)
    if not match:
        return None
    amount, unit = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    hours = int(amount) * _unit_hours(unit)
    return {"delay_days": hours // 24} if hours % 24 == 0 else {"delay_hours": hours}


def _purpose(clause: str, index: int, defaults: list[tuple[int, str, int | None]]) -> str:
    if _has(clause, r"\d+\s*%|discount|coupon|\boff\b|promo|code|deal|incentive"):
        return "cart_discount" if defaults is CART_DEFAULT else defaults[-1][1]
    if _has(clause, r"review|social proof|testimonial|rating|star|what others|bestseller|popular"):
        return "social_proof"
    if _has(clause, r"remind|nudge|left|forgot|still (in|waiting)|check.?in"):
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
    if _has(lowered, r"(don't|do not|never) (stop|exit)|keep (sending|going) even"):
        return None
    return "Order Completed"


def sequence_plan(intent: str, name: str, segment: dict[str, Any], steps: list[dict[str, Any]], lowered: str) -> Plan:
    arguments = {
        "name": name,
        "segment": segment,
        "steps": steps,
        "exit_event": exit_event(lowered),
        "holdout_percent": holdout(lowered),
    }
    return Plan(intent, [PlannedCall("create_sequence", arguments), PlannedCall("preflight", {"campaign": CAMPAIGN})])


def _strip_holdout(lowered: str) -> str:
    return re.sub(r"\d{1,2}\s*%\s*hold\s*-?out|hold\s*-?out (?:of )?\d{1,2}\s*%|hold(?:ing)? back \d{1,2}\s*%", "", lowered)


def _sequence(intent: str, name: str, stage: str, lowered: str, defaults) -> Plan:
    audience = extract.describe_audience(lowered, default=stage)
    spec = audience.spec or {"cart": recipes.cart_abandoners(), "browse": recipes.browse_abandoners(),
                             "lapsed": recipes.lapsed_customers()}[stage]
    steps_text = extract.words_to_numbers(_strip_holdout(lowered))
    if stage == "lapsed":
        steps_text = re.sub(r"(?:in|for|since)\s+(?:the\s+)?(?:last\s+|past\s+)?\d+\s*(?:d|days?|w|weeks?|months?|years?)\b", " ", steps_text)
        if re.search(r"right away|immediately|straight away|now\b", steps_text) and not re.search(r"day 0", steps_text):
            steps_text = re.sub(r"right away|immediately|straight away", "day 0", steps_text, count=1)
        discount = percent(steps_text)
        defaults = [(0, "winback", discount)] if discount else [(0, "winback", None)]
    steps = parse_steps(steps_text, defaults)
    built = sequence_plan(intent, name, spec, steps, lowered)
    built.reading = read_as(audience if audience.spec else extract.Audience(spec, f"the default {name.lower()} audience"), steps)
    return built


def cart_sequence(clean: str, lowered: str, state: ThreadState) -> Plan:
    return _sequence("cart_sequence", "Abandoned cart", "cart", lowered, CART_DEFAULT)


def browse_sequence(clean: str, lowered: str, state: ThreadState) -> Plan:
    return _sequence("browse_sequence", "Browse abandonment", "browse", lowered, [(1, "browse_abandonment", None)])


def winback_sequence(clean: str, lowered: str, state: ThreadState) -> Plan:
    return _sequence("winback_sequence", "Win-back", "lapsed", lowered, [(0, "winback", None)])


# --- follow-ups on the thread's campaign ---------------------------------------------------


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


# --- single-call intents ---------------------------------------------------------------------


def how_many(clean: str, lowered: str, state: ThreadState) -> Plan:
    if re.search(r"\b(orders?|revenue|sales)\b", lowered) and not re.search(r"\b(people|customers|contacts|who|shoppers|buyers)\b", lowered):
        return order_summary(clean, lowered, state)
    audience = extract.describe_audience(lowered)
    if audience.spec is None:
        return Plan("how_many", answer=messages.ASK_AUDIENCE)
    return Plan("how_many", [PlannedCall("preview_segment", {"spec": audience.spec})], reading=read_as(audience))


def create_segment(clean: str, lowered: str, state: ThreadState) -> Plan:
    name_match = re.search(r"(?:called|named|name it|as)\s+['\"]?([\w-]+)['\"]?", clean, flags=re.I)
    spec = audience_spec(re.sub(r"(called|named)\s+['\"]?[\w-]+['\"]?", "", lowered))
    if spec is None or not name_match:
        return Plan("create_segment", answer=messages.ASK_SEGMENT)
    return Plan("create_segment", [PlannedCall("create_segment", {"name": name_match.group(1).lower(), "spec": spec})])


def preview_named_segment(clean: str, lowered: str, state: ThreadState) -> Plan:
    match = re.search(r"segment\s+['\"]?([\w-]+)['\"]?", clean, flags=re.I)
    if not match:
        return how_many(clean, lowered, state)
    return Plan("preview_segment", [PlannedCall("preview_segment", {"name": match.group(1).lower()})])


TONES = {"friendly": "friendly", "warm": "friendly", "casual": "friendly", "playful": "playful",
         "fun": "playful", "formal": "professional", "professional": "professional", "luxur": "professional",
         "urgent": "urgent"}
PURPOSES = (
    (r"cart", "cart_reminder"), (r"brows|viewed", "browse_abandonment"), (r"win.?back|lapsed|miss you", "winback"),
    (r"welcome", "welcome"), (r"announc|launch|sale|new collection|new arrival", "announcement"),
    (r"review|social proof", "social_proof"),
)


def offer(clean: str, lowered: str) -> dict[str, Any]:
    """Purpose, tone, discount and brief: what draft_email and draft_ad_copy share."""
    purpose = next((name for pattern, name in PURPOSES if _has(lowered, pattern)), "custom")
    arguments: dict[str, Any] = {"purpose": purpose}
    if purpose in {"custom", "announcement"}:
        arguments["brief"] = brief(clean)
    if value := percent(lowered):
        arguments["discount_percent"] = value
    tone = next((name for word, name in TONES.items() if re.search(rf"\b{word}", lowered)), None)
    if tone:
        arguments["tone"] = tone
    return arguments


def brief(clean: str) -> str:
    """The request without its leading command ('draft an email announcing ...')."""
    stripped = re.sub(
        r"^(?:please\s+)?(?:can you\s+)?(?:draft|write|compose|create|make)(?:\s+me)?(?:\s+an?|\s+some)?"
        r"(?:\s+[\w-]+)?\s+(?:email|newsletter|mail|ad copy|ads?)\s*(?:for|about|on|to)?\s*",
        "", clean, flags=re.I,
    )
    return (stripped or clean)[:2000]


def draft_email(clean: str, lowered: str, state: ThreadState) -> Plan:
    return Plan("draft_email", [PlannedCall("draft_email", offer(clean, lowered))])


def draft_ad_copy(clean: str, lowered: str, state: ThreadState) -> Plan:
    chosen = platform(lowered, PLATFORMS)
    if chosen is None:
        return Plan("draft_ad_copy", answer=messages.ASK_AD_PLATFORM)
    arguments = {"platform": chosen, **offer(clean, lowered)}
    if arguments["purpose"] == "custom":
        arguments["purpose"] = "announcement"
    return Plan("draft_ad_copy", [PlannedCall("draft_ad_copy", arguments)])


def export_audience(clean: str, lowered: str, state: ThreadState) -> Plan:
    """Exports need a saved segment: a described audience is saved (as a new version) first."""
    chosen = platform(lowered, EXPORT_PLATFORMS)
    if chosen is None:
        return Plan("export_audience", answer=messages.ASK_EXPORT_PLATFORM)
    arguments: dict[str, Any] = {"platform": chosen}
    match = re.search(r"(?:bought|converted|purchased|buyers)\D*(\d+)\s*(d|days?)", lowered)
    if match:
        arguments["exclude_converted_within"] = f"{match.group(1)}d"
    named = re.search(r"segment\s+['\"]?([\w-]+)", clean, flags=re.I)
    if named:
        return Plan("export_audience", [PlannedCall("export_audience", {"segment": named.group(1).lower(), **arguments})])
    spec = audience_spec(re.sub(r"(bought|converted|purchased|buyers).*", "", lowered))
    if spec is None and state.segment:
        return Plan("export_audience", [PlannedCall("export_audience", {"segment": state.segment, **arguments})])
    spec = spec or {"event": "Product Viewed", "within_last": "30d"}
    name = f"{chosen}-retargeting"
    save = PlannedCall("create_segment", {"name": name, "spec": spec, "replace": True,
                                          "description": f"retargeting audience: {clean[:200]}"})
    return Plan("export_audience", [save, PlannedCall("export_audience", {"segment": name, **arguments})])


def frequency_rule(clean: str, lowered: str, state: ThreadState) -> Plan:
    if _has(lowered, r"(no|turn off|disable|remove|without) quiet hours|quiet hours? off"):
        return Plan("set_rule", [PlannedCall("set_rule", {"key": "quiet_hours", "value": "off"})])
    window = lowered[lowered.find("quiet"):][:80]
    quiet = re.search(r"quiet hours?\D*?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*(?:to|-|until|till|and)\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", window)
    if quiet:
        start = _clock(quiet.group(1), quiet.group(2), quiet.group(3))
        end = _clock(quiet.group(4), quiet.group(5), quiet.group(6))
        return Plan("set_rule", [PlannedCall("set_rule", {"key": "quiet_hours", "value": f"{start}-{end}"})])
    cap = re.search(r"\b(\d+)\s*(?:marketing\s+)?(emails?|ads?|impressions?|messages?)\s*(?:per|a|every|each|in)?\s*(\d+)?\s*(hours?|days?|weeks?)\b", lowered)
    if not cap:
        return Plan("set_rule", answer=messages.ASK_RULE)
    count, kind, amount, unit = cap.groups()
    hours = int(amount or 1) * _unit_hours(unit)
    if kind and kind.startswith(("ad", "impression")):
        return Plan("set_rule", [PlannedCall("set_rule", {"key": "ads_daily_cap", "value": str(max(1, round(int(count) * 24 / hours)))})])
    if hours == 168:
        return Plan("set_rule", [PlannedCall("set_rule", {"key": "email_weekly_cap", "value": count})])
    gap = max(1, hours // max(1, int(count)))
    return Plan("set_rule", [PlannedCall("set_rule", {"key": "email_min_gap_hours", "value": str(gap)})])


def _clock(hour: str, minute: str | None, meridiem: str | None) -> str:
    value = int(hour) % 24
    if meridiem == "pm" and value < 12:
        value += 12
    if meridiem == "am" and value == 12:
        value = 0
    return f"{value:02d}:{int(minute or 0):02d}"


def list_campaigns(clean: str, lowered: str, state: ThreadState) -> Plan:
    return Plan("list_campaigns", [PlannedCall("list_campaigns", {})])


def campaign_action(clean: str, lowered: str, state: ThreadState) -> Plan:
    verb = re.search(r"\b(pause|resume|unpause|restart|cancel|stop|kill|halt)\b", lowered).group(1)
    tool = {"pause": "pause_campaign", "halt": "pause_campaign", "resume": "resume_campaign",
            "unpause": "resume_campaign", "restart": "resume_campaign"}.get(verb, "cancel_campaign")
    reference = campaign_reference(clean, state)
    if reference is None:
        return Plan(tool, answer=messages.ASK_CAMPAIGN.format(verb=verb))
    return Plan(tool, [PlannedCall(tool, {"campaign": reference})])


def schedule(clean: str, lowered: str, state: ThreadState) -> Plan:
    reference = campaign_reference(clean, state)
    if reference is None:
        return Plan("schedule_campaign", answer=messages.NOTHING_TO_REFER)
    return Plan("schedule_campaign", [PlannedCall("schedule_campaign", {"campaign": reference})])


def report(clean: str, lowered: str, state: ThreadState) -> Plan:
    arguments: dict[str, Any] = {"period": f"{max(1, duration_hours(lowered, 168) // 24)}d"}
    if _has(lowered, r"yesterday"):
        arguments["period"] = "1d"
    reference = campaign_reference(clean, state)
    if reference is not None:
        arguments["campaign"] = reference
    return Plan("campaign_report", [PlannedCall("campaign_report", arguments)])


def digest(clean: str, lowered: str, state: ThreadState) -> Plan:
    return Plan("digest", action="digest")


def person(clean: str, after: str) -> str | None:
    """An email address, or a user id named after `after` ('user u42', 'forget u42')."""
    if contact := EMAIL_RE.search(clean):
        return contact.group(0)
    named = re.search(r"\b(?:user|contact|customer|id)\s+([\w.-]+)", clean, flags=re.I)
    if named:
        return named.group(1)
    bare = re.search(rf"\b(?:{after})\s+([\w.-]*\d[\w.-]*)", clean, flags=re.I)
    return bare.group(1) if bare else None


def explain(clean: str, lowered: str, state: ThreadState) -> Plan:
    who = person(clean, r"didn't|did not|hasn't|has not|wasn't|was not|doesn't|does not|never")
    if who is None:
        return Plan("explain_contact", answer=messages.ASK_WHOM_EXPLAIN)
    reference = campaign_reference(EMAIL_RE.sub(" ", clean), state)
    if reference is None:
        return Plan("explain_contact", answer=messages.ASK_CAMPAIGN_EXPLAIN.format(who=who))
    arguments: dict[str, Any] = {"contact": who, "campaign": reference}
    return Plan("explain_contact", [PlannedCall("explain_contact", arguments)])


def forget(clean: str, lowered: str, state: ThreadState) -> Plan:
    who = person(clean, r"forget|erase|delete|for")
    if who is None:
        return Plan("forget_contact", answer=messages.ASK_WHOM_FORGET)
    return Plan("forget_contact", [PlannedCall("forget_contact", {"contact": who})])


def export_person(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """A subject access request; without a person it declines, so audience exports still match."""
    who = person(clean, r"on|about|for|of")
    if who is None:
        return None
    return Plan("export_contact", [PlannedCall("export_contact", {"contact": who})])


# Question verbs and the part of the audit action names (e.g. "draft.approved") they mean.
AUDIT_VERBS = (
    (r"approv", "approved"), (r"reject", "rejected"), (r"schedul|launch|went live", "scheduled"),
    (r"paus", "paused"), (r"resum|unpaus", "resumed"), (r"cancel|stopp", "cancelled"),
    (r"eras|forg[eo]t|delet", "forget"), (r"export", "export"), (r"edit|revis", "revised"),
)
AUDIT_ACTOR = re.compile(r"(?<![\w@.])(U[A-Z0-9]{2,}|W[A-Z0-9]{2,})(?![\w@.-])|\b(scheduler|cli|console)\b")


def audit_question(clean: str, lowered: str, state: ThreadState) -> Plan:
    """'who approved the cart sequence?', 'what did U123 do this week?', 'show the audit log'."""
    asks_who = _has(lowered, r"\bwho\b")
    arguments: dict[str, Any] = {"since": audit_since(lowered, "365d" if asks_who else "7d")}
    verb = re.search(r"\b(?:who|what (?:did|has|have) (?:the )?\S+)\s+(?:\w+ly\s+)?(\w+)", lowered)
    if verb and (action := next((name for stem, name in AUDIT_VERBS if re.match(stem, verb.group(1))), None)):
        arguments["action"] = action
    if subject := audit_subject(clean, state):
        arguments["subject"] = subject
    if actor := AUDIT_ACTOR.search(clean):
        arguments["actor"] = actor.group(1) or actor.group(2).lower()
    return Plan("audit_log", [PlannedCall("audit_log", arguments)])


def audit_since(lowered: str, default: str) -> str:
    if _has(lowered, r"\btoday\b|\bsince this morning\b"):
        return "1d"
    if _has(lowered, r"\byesterday\b"):
        return "2d"
    if _has(lowered, r"\bthis month\b"):
        return "30d"
    if _has(lowered, r"\bthis week\b"):
        return "7d"
    hours = duration_hours(lowered, 0)
    if not hours:
        return default
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"


def audit_subject(clean: str, state: ThreadState) -> str | None:
    """A campaign ('campaign 2', a name, this thread's), a draft or a segment the question names."""
    lowered = clean.lower()
    if draft := re.search(r"\bdraft\s*[#:]?\s*(\d+)\b", lowered):
        return f"draft:{draft.group(1)}"
    if segment := re.search(r"\bsegment\s+['\"]?([\w-]+)", clean, flags=re.I):
        return segment.group(1).lower()
    named = campaign_reference(clean, ThreadState())
    if named is not None:
        return f"campaign:{named}" if named.isdigit() else named
    if state.campaign_id is not None and _has(lowered, r"\b(it|this|that|the) ?(campaign|sequence|flow)?\b\W*$"):
        return f"campaign:{state.campaign_id}"
    return None


def order_summary(clean: str, lowered: str, state: ThreadState) -> Plan:
    win = extract.audience_window(lowered, extract.zone_now())
    hours = win.hours if win else 168
    period = extract.window(hours)
    words = win.words if win else "the last 7 days"
    return Plan("order_summary", [PlannedCall("order_summary", {"period": period})],
                reading=f"Read as: orders and revenue in {words}")


def show_rules(clean: str, lowered: str, state: ThreadState) -> Plan:
    return Plan("show_rules", [PlannedCall("show_rules", {})], reading="Read as: show the frequency rules")


def list_segments(clean: str, lowered: str, state: ThreadState) -> Plan:
    return Plan("list_segments", [PlannedCall("list_segments", {})], reading="Read as: list the saved segments")


def _draft_id(lowered: str, state: ThreadState) -> int | None:
    if match := re.search(r"\b(?:draft|message)\s*#?\s*(\d+)\b", lowered):
        return int(match.group(1))
    return state.draft_ids[-1] if state.draft_ids else None


def draft_action(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    draft = _draft_id(lowered, state)
    named_campaign = re.search(r"(?:campaign|sequence|flow|#)\s*#?(\d+)\b", lowered)
    if re.search(r"\bcomplian|\bcan-?spam|\blegal check", lowered):
        if draft is not None and re.search(r"\bdraft|message|email\b", lowered) and not named_campaign:
            return Plan("check_compliance", [PlannedCall("check_compliance", {"draft_id": draft})],
                        reading=f"Read as: check the compliance of draft {draft}")
        reference = campaign_reference(clean, state)
        if reference is None:
            return Plan("check_compliance", answer="Which draft or campaign should I check? Say 'draft 12' or 'campaign 3'.")
        return Plan("check_compliance", [PlannedCall("check_compliance", {"campaign": reference})],
                    reading=f"Read as: check the compliance of campaign {reference}")
    if not re.search(r"\bdraft", lowered) and not (state.draft_ids and re.search(r"\b(it|this|that)\b", lowered)):
        return None
    if not re.search(r"\bapprov|\breject|\bdecline|\b(show|preview|see|view|display|open|look at|what does)\b", lowered):
        return None
    if re.match(r"^(?:please\s+)?(?:can you\s+)?(?:draft|write|compose)\b", lowered):
        return None  # "draft an email ..." asks for a new draft
    if draft is None:
        return Plan("draft", answer="Which draft? Say its number, e.g. 'approve draft 12'.")
    if re.search(r"\bapprov", lowered):
        return Plan("approve_draft", [PlannedCall("approve_draft", {"draft_id": draft})], reading=f"Read as: approve draft {draft}")
    if re.search(r"\breject|\bdecline", lowered):
        reason = re.split(r"\b(?:because|since|reason:?|as)\b", clean, maxsplit=1)
        why = reason[1].strip(" .:") if len(reason) > 1 and reason[1].strip() else "rejected in chat"
        return Plan("reject_draft", [PlannedCall("reject_draft", {"draft_id": draft, "reason": why[:500]})],
                    reading=f"Read as: reject draft {draft} ({why[:80]})")
    if re.search(r"\b(show|preview|see|view|display|open|look at|what does)\b", lowered):
        return Plan("preview_draft", [PlannedCall("preview_draft", {"draft_id": draft})], reading=f"Read as: show draft {draft}")
    return None


def preflight_existing(clean: str, lowered: str, state: ThreadState) -> Plan:
    reference = campaign_reference(clean, state)
    if reference is None:
        return Plan("preflight", answer=messages.NOTHING_TO_REFER)
    return Plan("preflight", [PlannedCall("preflight", {"campaign": reference})],
                reading=f"Read as: the preflight of campaign {reference}")


def special_exports(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    chosen = platform(lowered, EXPORT_PLATFORMS)
    arguments: dict[str, Any] = {"platform": chosen} if chosen else {}
    if re.search(r"suppress|exclusion list|exclude (?:our |existing |recent )?(?:buyers|customers) from ads", lowered):
        win = extract.audience_window(lowered, extract.zone_now())
        if win:
            arguments["within"] = extract.window(win.hours)
        return Plan("export_buyer_suppression", [PlannedCall("export_buyer_suppression", arguments)],
                    reading="Read as: export the buyer suppression list" + (f" for {chosen}" if chosen else ""))
    if re.search(r"look.?alike|seed (?:list|audience)|similar audience", lowered):
        if match := re.search(r"\btop\s+(\d+)", lowered):
            arguments["top"] = int(match.group(1))
        return Plan("export_lookalike_seed", [PlannedCall("export_lookalike_seed", arguments)],
                    reading="Read as: export a lookalike seed of the best customers" + (f" for {chosen}" if chosen else ""))
    return None


def show_help(clean: str, lowered: str, state: ThreadState) -> Plan:
    return Plan("help", answer=help_text())


@dataclass(frozen=True)
class Intent:
    """A request shape: its words (`pattern`), words that rule it out, and what builds its plan."""

    builder: Callable[[str, str, ThreadState], Plan | None]
    pattern: str
    unless: str | None = None

    def matches(self, lowered: str) -> bool:
        return _has(lowered, self.pattern) and not (self.unless and _has(lowered, self.unless))


# First match wins, so the more specific shapes come first. A builder returning None declines.
INTENTS = [
    Intent(show_help, r"^(help|\?|what can you do|commands|examples|how do i use)"),
    Intent(audit_question, r"\baudit\b|\bwho (\w+ly )?(approved|rejected|scheduled|launched|paused|resumed|cancell?ed"
                           r"|stopped|erased|forgot|deleted|exported|edited|revised|changed|created)\b"
                           r"|\bwhat (did|has|have) (the )?\S+ (do|done|been doing|approved?|erased?|exported?|deleted?)\b"
                           r"|\b(activity|actions) (of|by|from) "),
    Intent(export_person, r"\b(subject access|access request|dsar|right of access|data export)\b"
                          r"|\bexport\b(?=.*\b(everything|all|data|records?|profile)\b)(?=.*\b(on|about|for|of)\b)"
                          r"|\bwhat (data|information|info|records?|personal data)\b.*\b(on|about|for|of)\b"
                          r"|\b(what|everything) do (we|you) (know|hold|have|store|keep) (on|about)\b"
                          r"|\b(everything|all (the )?(data|information)) (we|you) (hold|have|store|keep) (on|about|for)\b",
           unless=r"\b(forget|erase|delete|remove|right to be forgotten)\b"),
    Intent(forget, r"\b(forget|erase|gdpr|right to be forgotten"
                   r"|delete (all )?(the )?(data|contact|everything|personal))"),
    Intent(explain, r"\bwhy\b.*\b(didn't|did not|hasn't|has not|not|never|wasn't|no)\b"),
    Intent(digest, r"\bdigest\b"),
    Intent(special_exports, r"suppress|look.?alike|seed (list|audience)|similar audience|exclusion list"),
    Intent(draft_action, r"\bdraft\b|\bcomplian|can-?spam|^(approve|reject) (it|this|that)\b"),
    Intent(preflight_existing, r"\bpre-?flight|ready to (launch|go|send)|pre-?launch check"),
    Intent(show_rules, r"\b(show|list|what are|what're|current|see|what)\b.*\b(rules|caps?|quiet hours|frequency)\b(?!.*\d)"),
    Intent(list_segments, r"\b(list|show|what|which)\b.*\bsegments\b"),
    Intent(order_summary, r"\b(orders?|revenue|sales|aov)\b",
           unless=r"\b(sequence|flow|campaign|export|segment|abandon|cart|checkout|people|customers|contacts|shoppers"
                  r"|subscribers|buyers|users|who|placed|ordered|purchased)\b|\bdraft|why|forget|quiet|cap"),
    Intent(report, r"^(how (did|does|is|are|was|were)|how's|results?|report|performance|stats)\b"
                   r"|^show .*\b(results|report|performance|stats)\b"
                   r"|\b(open|click|click-through|conversion|unsubscribe|bounce) rates?\b|\bctr\b"
                   r"|\b(a/?b|subject) (test|result)s?\b|\bwhich subject (line )?(won|did better|is winning)\b"
                   r"|\b(how many|who) (\w+ )?(opened|clicked|unsubscribed|bounced|converted)\b"),
    Intent(frequency_rule, r"quiet hours|frequency cap|\b(at most|max(imum)?|no more than|cap|limit|up to)\b"
                           r".*\d+\s*(marketing )?(emails?|ads?|impressions?|messages?)\b"),
    Intent(change_discount, r"^(please )?(make|change|set|bump|raise|lower|give|update)\b.*\d+\s*%",
           unless=r"sequence|flow|campaign for"),
    Intent(exclude_countries, rf"^(please )?(also |and )?({EXCLUDE_VERBS})\b"),
    Intent(draft_email, r"\b(draft|write|compose)\b.*\b(email|newsletter|mail)\b", unless=r"sequence|flow|series|emails"),
    Intent(export_audience, r"\b(export|upload|retarget|custom audience|customer list|customer match)"),
    Intent(draft_ad_copy, r"\b(ad copy|ads?\b|headline|rsa\b|linkedin|facebook post)", unless=r"\bsequence|flow\b"),
    Intent(how_many, r"\bhow many\b|\bcount\b|\bnumber of\b|\bsize of\b|\bhow big\b"),
    Intent(schedule, r"\b(schedule|go live|launch|activate|start sending)\b",
           unless=r"what'?s scheduled|what is scheduled|scheduled\?"),
    Intent(campaign_action, r"\b(pause|resume|unpause|restart|cancel|kill|halt)\b|^stop\b"),
    Intent(cart_sequence, r"checkout abandon\w* (sequence|flow|series|emails?|campaign)|abandon\w*.*cart|cart.*abandon|cart (recovery|sequence|flow|reminder|emails?)"
                          r"|abandoned.?checkout|left .*(in|items in) (their|the) cart"),
    Intent(browse_sequence, r"brows\w* abandon|browse|viewed .*(didn't|did not|but not|without) (buy|purchas|order)"),
    Intent(winback_sequence, r"win.?back|re-?engage|lapsed|come back"
                             r"|(haven't|have not) (ordered|bought|purchased)"),
    Intent(create_segment, r"\b(create|save|make|build|define|new)\b.*\bsegment\b"),
    Intent(preview_named_segment, r"\b(preview|show|describe|who is in)\b.*\bsegment\b"),
    Intent(draft_email, r"\b(create|make|new)\b.*\b(email|newsletter|mail)\b"),
    Intent(list_campaigns, r"what'?s (scheduled|running|live|active)|what is (scheduled|running|live)"
                           r"|list (the |my |all )?campaigns|(active|running|scheduled) campaigns"
                           r"|show (me )?(the )?campaigns"),
    Intent(report, r"\b(how did|how is|how are|how's|results?|report|performance|stats|revenue|conversions?|roi)\b"),
]

"""One-off emails and post-purchase sequences: "send one email to subscribers who spent over 500
announcing our winter collection", "email everyone who added to cart since Black Friday, one email
tomorrow with 10% off code BF10", "post-purchase: thank you 1 day after they order, ask for a
review on day 7".

A one-off is create_sequence with kind one_off: one step, sent once to whoever is in the audience
when it goes out (after approval, like every campaign). A post-purchase sequence enters recent
buyers and, unlike the others, does not stop when they buy (buying is how they entered); its
steps are custom emails whose brief is the marketer's own words for that step.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine.memory import ThreadState
from bot.engine.planner.dates import send_time, zone_now
from bot.engine.planner.drafting import brief
from bot.engine.planner.extract import Audience, describe_audience
from bot.engine.planner.plans import CAMPAIGN, Plan, PlannedCall
from bot.engine.planner.reading import percent, read_as
from bot.engine.planner.sequences import (
    FIRST_STEP,
    STEP_TIMING,
    THEM,
    parse_steps,
    step_delay,
    step_hours,
    unplaced_codes,
)
from bot.engine.planner.unused import who_counts_as
from bot.engine.planner.vocabulary import CODE_TOKEN, discount_codes, words_to_numbers
from tools.audience import recipes

EVERYONE = {"attribute": "email", "op": "exists"}
RECENT_BUYERS = {"event": recipes.ORDER, "within_last": "24h"}


def one_off(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """One email to an audience, once; None (declining) when no audience is named."""
    audience = describe_audience(lowered)
    if state.audience_words and THEM.search(lowered):
        # "build a cart reminder email for them" after a count: the people just counted
        counted = describe_audience(state.audience_words)
        audience = counted if counted.spec is not None else audience
    if audience.spec is None and not re.search(r"\b(everyone|everybody|all (our )?(customers|contacts|subscribers))\b", lowered):
        if unknown := UNKNOWN_PEOPLE.search(lowered):
            # "one-off email to VIPs ...": a group the shop has not defined; asked, never guessed
            return who_counts_as("one_off", unknown.group(1), clean)
        return None
    spec = audience.spec or EVERYONE
    words = audience.reading or "every contact with an email address"
    step: dict[str, Any] = {"delay_days": 0, "purpose": _purpose(audience, lowered)}
    if value := percent(lowered):
        step["discount_percent"] = value
    codes = discount_codes(clean)
    if codes:
        step["discount_code"] = codes[0]
    if step["purpose"] == "custom":  # "a thank-you email to everyone who ordered this week": what it is, not the request
        thanks_for = re.search(r"\bthank(?:s|ing)?(?: you)?(?: them| everyone)? for (?!(?:their|your|the|an?) (?:order|purchase))(?!ordering|buying|shopping)(.{3,80}?)(?=$|[,.;!?]| with\b| on\b| code\b)", clean.lower())
        if thanks_for:
            # "a thank you for being loyal customers with free shipping": thanks for that, not an order's confirmation
            step["brief"] = f"Thank them for {thanks_for.group(1).strip()}" + (f", {offer_words}" if (offer_words := _offer_words(lowered)) else "") + "."
        else:
            step["brief"] = THANKS_BRIEF if re.search(r"\bthank", lowered) else REVIEW_BRIEF
    if step["purpose"] == "announcement":
        about = _topic(clean)
        said = (about.group(1) or about.group(2) or about.group(3)).strip() if about else None
        # the topic itself ("holiday gift guide"), "our" kept where the marketer said it
        ours = "our " if about and re.search(r"\bour\s+" + re.escape(said or "") + r"\b", clean, flags=re.I) else ""
        _, colon, tail = _colon_split(clean)
        # "one email tomorrow to VIPs: early access to the sale, 25% off": what it says follows the colon
        after_colon = tail.strip() if colon and len(tail.split()) >= 2 and not about else ""
        about_words = about and about.group(1) and not re.match(r"(?:announce|promote)\b", about.group(0), re.I)
        what = about.group(0) if about_words else f"{ours}{said}" if said else _message_words(clean) or after_colon or brief(clean)
        step["brief"] = CODE_TOKEN.sub(lambda m: codes[int(m.group(1))], what)[:2000]
    arguments: dict[str, Any] = {"name": _name(step, clean), "segment": spec, "steps": [step], "kind": "one_off",
                                 "exit_event": None}
    when = send_time(lowered, zone_now())
    if when is not None:
        arguments["send_at"] = when.isoformat()
    built = Plan("one_off", [PlannedCall("create_sequence", arguments), PlannedCall("preflight", {"campaign": CAMPAIGN})])
    offer = f" with {value}% off" if step.get("discount_percent") else ""
    offer += f" code {codes[0]}" if codes else ""
    sent = f"at {when:%Y-%m-%d %H:%M}" if when else "once it is approved and scheduled"
    what = arguments["name"].removeprefix("One-off: ") if step["purpose"] == "custom" else step["purpose"].replace("_", " ")
    if step["purpose"] == "announcement" and step.get("brief"):
        what += f": '{step['brief'][:80]}'"  # what the email will say, so a lost word shows
    built.reading = f"Read as: one email ({what}{offer}) to {words}, sent {sent}"
    built.unused += unplaced_codes([step], codes)
    return built


# The parts of a one-off request that are not what the email says: when it goes, to whom, the
# command itself and its code (printed from its own field).
_SEND_WORDS = re.compile(
    r"\b(?:on |at |for |by )?(?:tomorrow|tonight|today|(?:next |this |on )?(?<!black )(?<!cyber )(?:mon|tues|wednes|thurs|fri|satur|sun)day)(?: (?:morning|afternoon|evening|night))?\b"
    r"|\b(?:on |for )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?\b|\b(?:on |for )?\d{1,2}(?:st|nd|rd|th)? "
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|\b(?:at |@ ?)?\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\bat \d{1,2}:\d{2}\b"
    r"|\b(?:at |around )?(?:noon|midday|midnight)\b", re.I)
_COMMAND_WORDS = re.compile(r"^(?:please |can you |could you |pls )?(?:(?:send|email|mail|schedule|blast|set up|create|build|draft|write)\s+)?(?:out\s+)?"
                            r"(?:an? |one |1 |single |one-off\s*|1-off\s*|quick )*(?:e-?mail|newsletter|blast|message|note|announcement|promo)?\b",
                            re.I)
_TO_WHOM = re.compile(r"(?:^|[\s,])(?:to|for)\s+(?:all\s+|our\s+|the\s+)*(?:[\w-]+\s+){0,3}?(?:everyone|everybody|anyone|customers|subscribers|contacts|people|shoppers|buyers"
                      r"|vips?|members|clients|folks|users|those|them|the list|our list|signups|sign-ups)\b"
                      # who it goes to ends where what it offers begins ("... tomorrow with free shipping")
                      r"[^,:;]*?(?=\s+(?:with|offering|featuring|saying|announcing)\s+(?:free|our|a|an|the|\d+\s*%|early|new|exclusive)\b|[,:;]|$)"
                      r"|^(?:please )?(?:e-?mail|mail|message)\s+(?:all\s+|our\s+|the\s+)*(?:everyone|everybody|anyone|customers|subscribers|contacts|people"
                      r"|shoppers|buyers|vips?|members|clients|folks|users)\b[^,:;]*"
                      # "send our subscribers the winter lookbook": the people, then what they get
                      r"|^(?:please )?send\s+(?:all\s+|our\s+|the\s+)+(?:[\w-]+\s+)?(?:customers|subscribers|contacts|people|shoppers|buyers|vips?|members"
                      r"|clients|folks|users|regulars|fans)\b", re.I)


def _message_words(clean: str) -> str:
    """What a one-off says, from a request that also says when and to whom ("xmas sale blast on
    dec 18 at 9am: 20% off everything, to everyone who bought this year" -> "xmas sale: 20% off
    everything"); empty when nothing is left."""
    text = re.sub(r"\b(?:w/|w)\s+(?=code\b)", "with ", clean)
    text = re.sub(r"\b(?:with |using |use )?(?:the )?(?:promo |discount )?code\s+\S+", " ", text, flags=re.I)
    text = _TO_WHOM.sub(" ", _SEND_WORDS.sub(" ", text))
    pieces = [piece.strip(" -") for piece in re.split(r"[:;,]|\s+-+\s+", text) if piece.strip(" -")]
    pieces = [re.sub(r"\s+", " ", _COMMAND_WORDS.sub("", piece)).strip(" -.") for piece in pieces]
    pieces = [re.sub(r"\s+(?:blast|email|newsletter|announcement|send|mailer)$", "", piece, flags=re.I) for piece in pieces if piece]
    pieces = [re.sub(r"^(?:offering|giving|with|featuring|including|plus)\s+", "", piece, flags=re.I) for piece in pieces]
    pieces = [piece for piece in pieces if len(piece) >= 3 and not re.fullmatch(r"(?:and|then|please|thanks|asap|it|them)", piece, re.I)]
    return ", ".join(pieces)


# A group named after "to" that no audience reading knows ("to VIPs", "to our superfans").
UNKNOWN_PEOPLE = re.compile(r"\b(?:to|send|email|mail)\s+(?:our\s+|the\s+|all\s+|my\s+)?((?:vips?|superfans?|fans|loyalists|regulars|insiders|members|"
                            r"[\w-]+ (?:customers|buyers|shoppers|clients|fans))\b)")

# "make a sequence for people who bought shoes in the last 2 months: care tips on day 2, ...": a
# flow for buyers, its steps after they enter
FLOW_FOR_BUYERS = (r"^(?!.*\b(?:win.?back|lapsed|re-?engage\w*|abandon\w*|haven'?t|have not|not (?:in|since)|no orders?|welcome|browse\w*)\b)"
                   r"(?:please |can you |could you |ok |so )*(?:make|build|create|set up|setup|start|do)\b[^:]*\b(?:sequence|flow|series|drip|journey|automation)\b"
                   r"[^:]*\bfor\b[^:]*\b(?:bought|ordered|purchased|buyers|purchasers)\b[^:]*:")


def post_purchase(clean: str, lowered: str, state: ThreadState) -> Plan:
    """Recent buyers, steps written from the marketer's words, no exit when they buy again."""
    audience = describe_audience(lowered)
    if state.audience_words and THEM.search(lowered) and not SEQUENCE_TIMING.search(words_to_numbers(lowered)):
        # "build a thank you email for them" after a count: one email to the people just counted
        if (once := one_off(clean, lowered, state)) is not None:
            return once
    if "ordered_in" in audience.kinds and send_time(lowered, zone_now()) and not SEQUENCE_TIMING.search(words_to_numbers(lowered)):
        # "thank-you email to anyone who ordered in the last 7 days, send it tomorrow 10am": one
        # email at one time to the people who ordered then, not a flow for whoever orders next
        once = one_off(clean, lowered, state)
        if once is not None:
            return once
    # Whoever ordered lately enters; "after they order" alone is not every buyer there ever was.
    windowed = "ordered_in" in audience.kinds
    spec = audience.spec if windowed else RECENT_BUYERS
    if not windowed and "one_time" in audience.kinds:
        spec = {"all": [RECENT_BUYERS, {"event": recipes.ORDER, "at_least": 1, "at_most": 1}]}  # first-time buyers, lately
        audience = Audience(spec, "contacts who ordered in the last 24 h for the first time")
    elif not windowed and audience.spec is not None:
        # "customers outside the EU only": the recent buyers among them (their "ever ordered" is implied)
        rest = [part for part in (audience.spec["all"] if set(audience.spec) == {"all"} else [audience.spec])
                if part not in ({"event": recipes.ORDER}, {"attribute": "email", "op": "exists"})]
        if rest:
            spec = {"all": [RECENT_BUYERS, *rest]}
            words = audience.reading.removeprefix("contacts ").replace("who have ordered", "").strip()
            audience = Audience(spec, f"contacts who ordered in the last 24 h {words}".strip())
    steps = [_custom(step, clause) for step, clause in _steps_with_words(lowered)]
    if not steps:
        steps = [{"delay_days": 1, "purpose": "custom", "brief": "Thank them for their order and say what happens next."}]
    codes = discount_codes(clean)
    for step in parse_steps(lowered, [(1, "custom", None)], codes):
        if step.get("discount_code"):
            for mine in steps:
                if step_hours(mine) == step_hours(step):
                    mine["discount_code"] = step["discount_code"]
    arguments = {"name": "Post-purchase", "segment": spec, "steps": steps, "exit_event": None, "holdout_percent": 0.0}
    built = Plan("post_purchase", [PlannedCall("create_sequence", arguments), PlannedCall("preflight", {"campaign": CAMPAIGN})])
    reading = audience if audience.spec is not None and spec is audience.spec else Audience(spec, "contacts who ordered in the last 24 h")
    built.reading = read_as(reading, steps) + "; it does not stop when they order again"
    built.unused += unplaced_codes(steps, codes)
    return built


# A step timed against the order ("a week later", "3 days after they buy", "day 7"): a flow, not one email.
SEQUENCE_TIMING = re.compile(r"\b(?:day\s*\d+|\d+\s*(?:hours?|days?|weeks?)\s+(?:later|after)|(?:a|one) (?:day|week) (?:later|after)"
                             r"|after (?:they|someone|a customer|customers|people|each) (?:order|buy|purchase)|right away|then)\b")
def _offer_words(lowered: str) -> str:
    """"free shipping", "early access": an offer named in words (a percent or code has its own field)."""
    found = re.search(r"\b(free (?:shipping|delivery|gift|returns)|early access|a (?:free )?gift)\b", lowered)
    return found.group(1) if found else ""


THANKS_BRIEF = "Thank them for their order and say what happens next."
REVIEW_BRIEF = "Ask them to review what they bought, with a link to leave a review."


def _purpose(audience: Audience, lowered: str) -> str:
    if re.search(r"\bthank.?you\b|\bthank(?:s|ing)? (?:them|everyone|customers|buyers)\b|\breview requests?\b|\bask\b.*\bfor (?:a )?reviews?\b", lowered):
        return "custom"
    if "stage" in audience.kinds and audience.stage in ("cart", "checkout"):
        return "cart_discount" if percent(lowered) or discount_codes(lowered) else "cart_reminder"
    if "stage" in audience.kinds and audience.stage == "browse":
        return "browse_abandonment"
    if "lapsed" in audience.kinds:
        return "winback"
    return "announcement"


# What a one-off is about: "announcing our new winter collection", "about our Black Friday sale".
ABOUT = re.compile(r"\b(?:announcing|announce|about|promoting|promote|launching|on(?!\s+(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|today|tonight"
                   r"|next|this|the \d|\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|day \d)))\s+(?:our |the )?([\w' -]{3,60}?)(?=[,.;!?]|$| with | using "
                   # "about our holiday gift guide on saturday at 9am": the topic ends where its send time begins
                   r"|(?<!black)(?<!cyber) (?:on |this |next )?(?:mon|tues|wednes|thurs|fri|satur|sun)day\b| at \d| on (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                   r"| to (?:everyone|everybody|all|customers|subscribers|people|contacts|shoppers|buyers|vips?|anyone|our (?:customers|subscribers"
                   r"|vips?|list|buyers|shoppers)|the (?:list|vips?|customers|subscribers))\b)"
                   # "send our holiday gift guide newsletter to ...", "email our holiday gift guide to ...": what it is
                   r"|\b(?:send|email|mail|blast|schedule)\s+(?:out\s+)?(?:our|the|a|an|this|that)\s+(?!one\b|single\b|new\b|1-off\b|one-off\b|1 off\b)"
                   r"([\w' -]{3,60}?)\s+(?:newsletter|email|announcement|blast|update|mailer)\b"
                   # "email our holiday gift guide to subscribers in california": what is sent, before "to"
                   r"|\b(?:send|email|mail)\s+(?:out\s+)?(?:our|the)\s+(?!(?:newsletter|email|announcement|blast|update|mailer|one|single|new)\b)"
                   r"([\w' -]{3,60}?)(?= to (?:everyone|all|our|the|customers|subscribers|contacts|people|shoppers|buyers|anyone|vips?)\b)", re.I)


def _colon_split(clean: str) -> tuple[str, str, str]:
    """(before, the colon or dash, after): "one email tomorrow to VIPs: early access ..."."""
    return tuple(re.split(r"(:|\s+-+\s+)", clean, maxsplit=1)) if re.search(r":|\s+-+\s+", clean) else (clean, "", "")


def _topic(clean: str) -> re.Match[str] | None:
    """What a one-off is about ("about our holiday gift guide"); None when those words come after
    its colon ("...: free shipping on everything this weekend" says all of it there)."""
    about = ABOUT.search(clean)
    head, colon, tail = _colon_split(clean)
    return None if about and colon and len(tail.split()) >= 2 and about.start() >= len(head) else about


def _name(step: dict[str, Any], clean: str) -> str:
    about = _topic(clean)
    if not about:
        if step["purpose"] == "custom":
            return "One-off: thank-you" if (step.get("brief") or "").startswith(("Thank them", THANKS_BRIEF)) else "One-off: review request"
        if step["purpose"] == "announcement" and (said := _message_words(clean)):
            return f"One-off: {said.split(', ')[0][:60]}"  # "One-off: christmas sale"
        return f"One-off {step['purpose'].replace('_', ' ')}"
    topic = (about.group(1) or about.group(2) or about.group(3)).strip()
    # the topic, without when it goes ("winter sale next monday" -> "winter sale")
    topic = re.sub(r"\s+(?:tomorrow|tonight|today|next \w+|this \w+|on \w+|in \d+ days?|at \d.*|(?<!black )(?<!cyber )(?:mon|tues|wednes|thurs|fri|satur|sun)day"
                   r"(?: \w+)?)$", "", topic, flags=re.I) or topic
    return f"One-off: {topic}"


def _steps_with_words(lowered: str) -> list[tuple[dict[str, Any], str]]:
    """Each step's delay (read as every sequence's steps are: "right away", "a week later", "on
    day 7") and the clause that names it."""
    found: list[tuple[dict[str, Any], str]] = []
    previous: float | None = None
    for clause in re.split(r"[,;:]|\bthen\b|\band\b|\.\s", words_to_numbers(lowered)):
        delay = step_delay(clause, previous)
        if delay is None and not found and FIRST_STEP.search(clause):
            delay = {"delay_days": 0}  # "thank them right away"
        if delay is None:
            continue
        previous = step_hours(delay)
        found.append((delay, clause))
    return sorted(found, key=lambda pair: step_hours(pair[0]))


def _custom(step: dict[str, Any], clause: str) -> dict[str, Any]:
    """A custom step whose brief is the marketer's own words for it ("thank them for their
    order", "ask for a review"): the writer knows those and writes the email from them."""
    words = STEP_TIMING.sub(" ", re.sub(r"\bw/", "with", clause))
    words = re.sub(r"\b(?:after|once|when)?\s*(?:they|someone|anyone|a customer)\s+(?:orders?|buys?|purchases?)\w*|\bpost.?purchase(?: sequence| flow"
                   r"| series)?|\b(?:with |using )?(?:the )?(?:code|coupon)\b\s*$", " ", words)
    words = re.sub(r"\s+", " ", words).strip(" -")
    words = re.sub(r"^(?:send|email|mail)\s+(?:them\s+)?|\s+(?:at|on|in|by|after|with|from)$", "", words).strip()
    if (value := percent(clause)) and not re.search(r"\d\s*%", words):
        words = f"{value:g}% off {words}".strip()  # the offer is the step's subject: "10% off next order"
    words = words or "a follow-up after their order"
    what = words[0].upper() + words[1:].rstrip(".") + "."
    custom = {**step, "purpose": "custom", "brief": what[:2000]}
    if value := percent(clause):
        custom["discount_percent"] = value
    return custom

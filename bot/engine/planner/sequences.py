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
from bot.engine.planner.stages import stage_of
from bot.engine.planner.vocabulary import CODE_TOKEN, discount_codes, words_to_numbers
from tools.audience import recipes

CART_DEFAULT = [(1, "cart_reminder", None), (3, "social_proof", None), (5, "cart_discount", 10)]


def parse_steps(lowered: str, defaults: list[tuple[int, str, int | None]], codes: list[str] | None = None) -> list[dict[str, Any]]:
    """Steps named in the text ('reminder on day 1, reviews on day 3, 10% off on day 5 with code
    SAVE10'; 'a thank-you note first, then 15% off a week later'); `codes` are the request's
    discount codes, hidden in the text as tokens (vocabulary.hide_codes). A step's own words
    that no purpose covers ('day 8 free shipping') become its brief, so the draft says them."""
    clauses = re.split(r"[,;:]|\bthen\b|\band\b|\.\s", lowered)
    steps: list[dict[str, Any]] = []
    loose: list[int] = []  # codes named in a clause without a day ("use code X"): the offer's
    for clause in clauses:
        delay = step_delay(clause, step_hours(steps[-1]) if steps else None)
        named = [int(token) for token in CODE_TOKEN.findall(clause)]
        if delay is None and steps and (value := percent(clause)) and re.search(r"\b(last|final|first|second|third|1|2|3)\b", clause):
            # "the last one with 15% off": an offer for a step already named
            which = 0 if re.search(r"\b(first|1)\b", clause) else -1 if re.search(r"\b(last|final)\b", clause) else None
            if which is None:
                number = re.search(r"\b(second|third|2|3)\b", clause).group(1)
                which = {"second": 1, "2": 1, "third": 2, "3": 2}[number]
            if -len(steps) <= which < len(steps):
                steps[which]["discount_percent"] = value
                steps[which]["purpose"] = "cart_discount" if defaults is CART_DEFAULT else steps[which]["purpose"]
            loose += named
            continue
        if delay is None and not steps and (percent(clause) or named) and re.search(r"\blater\b|\bafter (?:that|this)\b", lowered):
            delay = {"delay_days": 0}  # "20% off code X, then a reminder 4 days later": the offer goes first
        if (delay is None and not steps and re.search(r"\bthen\b", lowered) and 0 <= lowered.find(":") < lowered.find(clause.strip() or "\0")
                and _step_words_of(clause)):
            delay = {"delay_days": 0}  # "...: we miss you, then 15% off on day 5": the first email, right away
        if delay is None and not steps and FIRST_STEP.search(clause) and (
                percent(clause) or named or re.search(r"\b(?:emails?|mail|message|note|reminder|one|offer|welcome|thank\w*|intro\w*|hello|hi|hey|greet\w*)\b", clause) or _step_words_of(clause)):
            delay = {"delay_days": 0}  # "a thank-you note first", "a reminder right away"
        if (delay is None and steps and (value := percent(clause)) and not steps[-1].get("discount_percent")
                and re.search(r"\b(?:their|the|that|this|its|code|expires?|still|applies|valid|ends?)\b", clause)):
            # "add an email on day 9: last chance, their 20% code expires tonight": the step's own offer
            steps[-1]["discount_percent"] = value
            steps[-1]["purpose"] = "cart_discount" if defaults is CART_DEFAULT else steps[-1]["purpose"]
            if steps[-1].get("brief") and (said := clause.strip(" .,")):  # "... expires tonight" is the step's too
                steps[-1]["brief"] = f"{steps[-1]['brief']}, {CODE_TOKEN.sub('', said).strip()}"[:200]
            loose += named
            continue
        if delay is None:
            loose += named
            # "day 6 - last chance, code expires tonight vibe": more words about the step before
            offer = re.search(r"\bfree (?:shipping|delivery|returns|gift)\b.*", clause)
            if steps and not named and not percent(clause) and offer and not steps[-1].get("brief", "").endswith(offer.group(0).strip()):
                # "day 7 - last chance, free shipping if they finish checkout": the offer is the step's
                steps[-1]["brief"] = f"{steps[-1]['brief']}, {offer.group(0).strip()}" if steps[-1].get("brief") else offer.group(0).strip()
                continue
            if steps and not named and not percent(clause) and (more := _step_words_of(clause)) and not _names_people(clause):
                steps[-1]["brief"] = f"{steps[-1]['brief']}, {more}" if steps[-1].get("brief") else more
            continue
        purpose = _purpose(clause, len(steps), defaults)
        step: dict[str, Any] = {**delay, "purpose": purpose}
        if purpose != "social_proof" and (value := percent(clause)):
            step["discount_percent"] = value
        elif purpose == "cart_discount" and not named:  # a code alone ("free shipping code FREESHIP") is its own offer
            step["discount_percent"] = percent(lowered) or 10
        if named and codes:
            step["discount_code"] = codes[named[0]]
        if own := _step_words_of(clause):
            step["brief"] = own
        steps.append(step)
    if not steps:
        steps = default_steps(defaults, lowered)
    for index in loose:
        offers = [step for step in steps if step.get("discount_percent") and "discount_code" not in step]
        if codes and offers:
            offers[0]["discount_code"] = codes[index]
    return sorted(steps, key=step_hours)


def step_hours(step: dict[str, Any]) -> float:
    return step.get("delay_days", 0) * 24 + step.get("delay_hours", 0)


def default_steps(defaults: list[tuple[int, str, int | None]], lowered: str) -> list[dict[str, Any]]:
    """The kind's usual steps, as many as the request asks for ("a 2-email browse flow"): the
    first of the defaults, then one more every two days; the offer, if any, stays on the last."""
    wanted = step_count(lowered) or len(defaults)
    chosen = list(defaults[:wanted])
    while len(chosen) < wanted:
        chosen.append((chosen[-1][0] + 2, defaults[-1][1] if defaults[-1][2] is None else defaults[0][1], None))
    if wanted < len(defaults) and defaults[-1][2] is not None and (percent(lowered) or "discount" in lowered or " off" in lowered):
        chosen[-1] = (chosen[-1][0], defaults[-1][1], defaults[-1][2])
    return [_default_step(day, purpose, discount, lowered) for day, purpose, discount in chosen]


# "3 emails", "a 2-step flow", "four messages": how many steps the marketer wants (never "day 3
# email", "email 1", nor "one email after 4 hours, another after 2 days")
STEP_COUNT = re.compile(r"(?<!day )(?<!day)(?<!email )(?<!step )\b(\d{1,2})\s*(?:-\s*(?:steps?|parts?|emails?|touch\w*)\b"
                        r"|\s+(?:steps|parts|emails|e-mails|mails|messages|touches|touchpoints|reminders)\b"
                        r"|\s+(?:step|part|email|touch)\s+(?=(?:sequence|flow|series|campaign|win.?back|welcome|drip|journey|automation"
                        r"|cart|browse|re-?engage\w*|post.?purchase)\b))")


def step_count(lowered: str) -> int | None:
    match = STEP_COUNT.search(words_to_numbers(lowered))
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= 10 else None


def step_count_unmet(lowered: str, steps: list[dict[str, Any]]) -> list[str]:
    """'3 emails' when the text named two steps: said back, not padded with a guess."""
    wanted = step_count(lowered)
    if wanted is None or wanted == len(steps):
        return []
    return [f"{wanted} emails (I read {len(steps)} step{'s' if len(steps) != 1 else ''})"]


_FIRST = (r"first|firstly|to start|to begin|initially|right away|immediately|straight away|at once|instantly|same day|day 0"
          r"|day zero|as soon as")
FIRST_STEP = re.compile(rf"\b(?:{_FIRST})\b")
# When a step goes and its code: taken out of a step's words to leave what it is about.
STEP_TIMING = re.compile(r"\b(?:on |at |after |in |wait )?(?:day\s*\d+|\d+(?:st|nd|rd|th)?\s*day\b|\d+\s*(?:hours?|hrs?|h|days?|d|weeks?|w"
                   r"|minutes?|mins?)\b(?:\s+(?:later|after(?: that| this| the \w+(?: one| email| mail| message)?)?))?)"
                   r"|\b(?:the next day|next day|the day after|a day later|the following day|following day|tomorrow)\b|discountcode\d+"
                   r"|\b(?:email|step|message|mail)\s*#?\d+\b(?!\s*(?:h|hrs?|hours?|d|days?|w|weeks?|mins?|minutes?)\b)|\bw/"
                   rf"|\b(?:{_FIRST})\b|^\s*(?:send|and|then|add|plus|also)\b|\b(?:with |and |plus )?\d+(?:\.\d+)?\s*%\s*(?:off|discount)?")
# ... and the offer and the words every step has: what is left is the step's own subject
# ("free shipping", "we miss you", "a thank-you note"), if anything.
_FILLER = re.compile(r"\d+(?:\.\d+)?\s*%\s*(?:off|discount)?|\b(?:send|sending|sent|an?|the|one|another|email|e-mail|mail|message|with"
                     r"|then|on|at|later|after|that|this|and|step|followed|by|finally|lastly|last|final|again|of|to|them|it|we|i"
                     r"|want|should|be|is|will|do|gets?|say|saying|says|us|please|code|coupon|discount|off|use|using|plus|also"
                     r"|like|some|our|their|your|for|up|add|new|extra|more|just|only|first|next|order|purchase|morning|evening"
                     r"|night|tonight|afternoon|thats|that's|it|around|about|roughly|approx|maybe|or so|w|they|leave|leaves|left"
                     r"|go|goes|hours?|days?|give|giving|gives)\b|[()]")
# A clause naming the campaign or its audience is the request, not a step's subject.
_HEAD = re.compile(r"\$|\b(buy|buys|purchase|convert\w*|come back|spent|spend\w*|orders|purchased|sequence|flow|series|automation|journey|drip|campaign|build|create|set ?up|setup|make|start|launch|people"
                   r"|customers|contacts|shoppers|buyers|subscribers|users|who|abandon\w*|carts?|checkouts?|lapsed|signed|sign.?ups?"
                   r"|ordered|bought|haven't|hasn't|didn't|stop|exit|holdout|hold.?out|win.?back|re-?engage\w*|welcome|browse\w*"
                   r"|viewed|looked|emails|steps|messages)\b")
# A purpose's own words (see _purpose): a step that says only these has nothing more to brief.
_PURPOSE_ONLY = re.compile(r"^(?:(?:reminders?|remind|nudge|reviews?|social proof|testimonials?|ratings?|stars?|best.?sellers?"
                           r"|top.?sellers?|popular|offer|deal|incentive|promo|check.?in|follow.?up|note|one|email|mail|message"
                           r"|winback|welcome|intro|introduction|friendly|gentle|quick|short|little|customer|simple|soft|cart"
                           r"|basket|win (?:them |those |these |'?em )?back)\s*)+$")


def _names_people(clause: str) -> bool:
    """A clause about the audience ("UK and Ireland only", "over $100"), not about a step."""
    from bot.engine.planner.vocabulary import countries_in, regions_in

    return bool(countries_in(clause)[0] or regions_in(clause) or re.search(r"[$€£]\s*\d|\b\d+\s*(?:dollars|euros?|pounds)\b", clause))


# Words about the step that are no copy: "tack on", "one more", "the 3rd one", "that just says",
# "no code" ("last chance" keeps its "last").
_NOT_COPY = re.compile(
    r"^(?:(?:and|also|plus|then|oh|ok)\s+)*(?:(?:add|tack on|throw in|slap on|include|insert|append|put in)\s+)?(?:an?\s+)?"
    r"(?:1 more|one more|another(?: 1| one)?|a final (?:1|one)|1 last 1|one last one"
    r"|(?:the )?(?:1st|2nd|3rd|[4-9]th|first|second|third|fourth|fifth|final|last(?! chance)|(?:[1-9]|one|a single|single)(?= (?:email|e-mail|mail|message)))"
    r"(?: 1| one| email| e-mail| mail| message)?)(?=\s|$)"
    r"|^(?:(?:and|also|plus|then)\s+)*(?:add|tack on|throw in|slap on|append)\s+(?:an?\s+)?"
    r"|\b(?:that|which) (?:just )?(?:says?|tells? them|reads?)\s+(?:that\s+)?|\bsaying\s+(?:that\s+)?"
    r"|,?\s*\bno (?:code|discount|offer|coupon)s?\b")


def _step_words_of(clause: str) -> str | None:
    """The clause's own subject in the marketer's words (minus when, the offer and the code), or
    None when it only says when, the offer or the purpose."""
    # "... switzerland - friendly reminder on day 1": the step is the last part of the clause
    clause = [part for part in re.split(r"\s+-+\s+|[?!]", clause) if part.strip()][-1] if clause.strip() else clause
    if _HEAD.search(clause):
        return None
    own = STEP_TIMING.sub(" ", clause)
    own = _NOT_COPY.sub(" ", own.strip())
    own = re.sub(r"\(\s*(?:with |using )?(?:code\s*)?\)|\b(?:with |using )?code\b\s*(?=$|\))", " ", own)
    own = re.sub(r"\s+", " ", own).strip(" -.!,()")
    rest = re.sub(r"\s+", " ", re.sub(r"[^\w\s'-]|\b\d+\b", " ", _FILLER.sub(" ", own))).strip(" -'\"")
    if len(rest) < 3 or _PURPOSE_ONLY.match(rest):
        return None
    return own[:200]


# How a request for a new campaign may open: chat words, or a correction of the last one ("no, scrap
# that. i meant a one-off to ..."): the old campaign is left as it is, the new one built
START = (r"^(?:(?:ok|okay|now|next|also|and|so|great|cool|then|no|nope|actually|scrap that|scratch that|forget that|ignore that"
         r"|i meant|i mean|we meant)[,.!]?\s+)*")


# A request that opens by naming a kind of campaign and goes on to its steps ("win back people who
# haven't ordered in 90 days: we miss you on day 1, 15% off on day 4") is a new campaign, even in
# a thread that built another: never an edit of that one.
NEW_CAMPAIGN_HEAD = re.compile(
    START + r"(?:(?:please|pls)\s+)?(?:(?:i want|i need|we need|let's do|lets do|do)\s+)?"
    r"(?:a |an |new |another |one more |also )*(?:win.?back|re-?engage\w*|lapsed|abandoned.?(?:cart|checkout)s?|(?:cart|checkout|basket|browse|browsing)"
    r"[ -]abandon\w*|post.?purchase|after.?purchase|welcome (?:series|flow|sequence|journey|drip|emails)|thank.?you (?:series|flow|sequence))\b")
_TIMINGS = re.compile(r"\bday\s*\d+\b|\b(?:right away|immediately|straight away|at once)\b|\b\d+\s*(?:h|hours?|days?|weeks?)\s+(?:later|after)\b"
                      r"|\b(?:after|in)\s+\d+\s*(?:h|hours?|days?|weeks?)\b|\b(?:a|one) (?:day|week) later\b|\bthe next day\b")


# ... and one that opens by asking for one email to an audience ("one email tomorrow at noon to
# everyone who ...", "announce our loyalty program to customers in germany")
NEW_ONE_OFF_HEAD = re.compile(
    START + r"(?:(?:please|pls)\s+)?(?:(?:i want|i need|we need|let's do|lets do)\s+)?"
    r"(?:(?:send |schedule |build |create |make |set up |do )?(?:a |an |another |one more )?(?:one|1|single|one-off|1-off)[ -](?:\w+ )?(?:email|newsletter|blast|message)\b(?=.*\bto\b)"
    r"|(?:a |an )?(?:one-off|1-off|oneoff) (?:to|for)\b"
    r"|(?:announce|promote)\b(?=.*\bto\b)|(?:an? )?(?:announcement|newsletter|email blast|promo email)\s+(?:\w+\s+){0,4}?to\b"
    r"|(?:send|email|mail|blast) (?:out )?(?:our|an?|one) (?!\d)[\w' -]{3,60}? to (?:everyone|all|our|the|customers"
    r"|subscribers|contacts|people|shoppers|buyers|anyone|vips?)\b)")


# ... or by its audience, then its steps ("people who started checkout in the last 2 days but never
# finished: reminder after 6 hours, then 10% off on day 2")
NEW_AUDIENCE_HEAD = re.compile(START + r"(?:people|customers|shoppers|anyone|folks|those|users|subscribers"
                               r"|buyers|visitors)\s+(?:who|that|in|from)\b[^:]{5,200}:")


def describes_new_campaign(lowered: str) -> bool:
    return (bool(NEW_CAMPAIGN_HEAD.search(lowered) or NEW_AUDIENCE_HEAD.search(lowered)) and len(_TIMINGS.findall(lowered)) >= 2
            or bool(NEW_ONE_OFF_HEAD.search(lowered)))


def step_delay(clause: str, previous_hours: float | None) -> dict[str, int] | None:
    """When a step goes, in hours or days after entry. 'N days later', 'the next day' and 'N days
    after that' count from the previous step (`previous_hours`), 'day N' and 'after N days' from entry."""
    def after_entry(hours: float) -> dict[str, int]:
        hours = int(hours)
        return {"delay_days": hours // 24} if hours % 24 == 0 else {"delay_hours": hours}

    base = previous_hours or 0
    if re.search(r"\b(next day|the day after|a day later|following day|tomorrow)\b", clause):
        return {"delay_days": int(base // 24) + 1}  # the calendar day after the step before (2 h, then "the next day": day 1)
    # a list of bare delays: "3 emails: 1 hour, 1 day and 3 days after abandonment"
    bare = re.match(r"^\s*(?:after\s+|in\s+)?(\d+)\s*(h|hrs?|hours?|d|days?|w|weeks?)\b(?:\s+(?:later|after\b.*|in))?\s*$", clause)
    if bare and not re.search(r"\blater\b|after (that|this)\b", clause):
        return after_entry(int(bare.group(1)) * unit_hours(bare.group(2)))
    relative = re.search(r"\b(\d+)\s*(h|hrs?|hours?|d|days?|w|weeks?)\s+(?:later|after (?:that|this|the (?:first|previous|last|1st|2nd|second|"
                         r"other|earlier)\b))", clause)
    if relative:
        return after_entry(base + int(relative.group(1)) * unit_hours(relative.group(2)))
    match = re.search(r"\bday\s*(\d+)\b|\b(\d+)(?:st|nd|rd|th)?\s*day\b", clause)
    if match:
        return {"delay_days": int(match.group(1) or match.group(2))}
    match = re.search(r"(?:after|in|wait)\s+(\d+)\s*(h|hrs?|hours?|d|days?|w|weeks?)\b|\b(\d+)\s*(h|hours?|d|days?|w|weeks?)\s+after", clause)
    if not match:
        return None
    amount, unit = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return after_entry(int(amount) * unit_hours(unit))


def unplaced_codes(steps: list[dict[str, Any]], codes: list[str]) -> list[str]:
    """Codes no step took, named back ("I did not use: 'code X'")."""
    placed = {step.get("discount_code") for step in steps}
    return [f"code {code}" for code in codes if code not in placed]


def _purpose(clause: str, index: int, defaults: list[tuple[int, str, int | None]]) -> str:
    if has(clause, r"\bfree (shipping|delivery|returns)\b") and not has(clause, r"\d+\s*%|code|coupon"):
        return defaults[0][1]  # "free shipping on day 2": an offer with no code, said in the step's own words
    if has(clause, r"\d+\s*%|discount|coupon|\boff\b|promo|code|deal|incentive"):
        return "cart_discount" if defaults is CART_DEFAULT else defaults[-1][1]
    if has(clause, r"review|social proof|testimonial|rating|star|what others|best.?sell|top.?sell|popular|most loved|favourites|favorites"):
        return "social_proof"
    if has(clause, r"remind|nudge|left|forgot|still (in|waiting)|check.?in|last chance|final (?:call|chance|push)|one last|going fast"):
        return defaults[0][1]  # "last chance on day 4" with no offer of its own: a reminder, never another discount
    return defaults[min(index, len(defaults) - 1)][1]


def _default_step(day: int, purpose: str, discount: int | None, lowered: str) -> dict[str, Any]:
    step: dict[str, Any] = {"delay_days": day, "purpose": purpose}
    if discount is not None:
        step["discount_percent"] = percent(lowered) or discount
    return step


# A holdout in words: "10% holdout", "hold out 10% as a control group", "keep 15% back as a
# control", "set the holdout to 10%", "a ten percent holdout" (numbers in words already digits).
_SHARE = r"(\d{1,2}(?:\.\d+)?)\s*(?:%|percent\b)"
_AS_CONTROL = r"(?:\s+(?:as|for|in)\s+(?:a\s+|the\s+|our\s+)?control(?:\s+group)?)"
HOLDOUT = re.compile(
    rf"\b(?:hold(?:ing)?\s*-?\s*(?:out|back)|(?:set|make|change|put)\s+(?:the\s+)?hold\s*-?\s*out\s+(?:to|at)|hold\s*-?\s*out\s+(?:of|at|to))\s+{_SHARE}"
    rf"(?:\s+(?:out|back))?{_AS_CONTROL}?"
    rf"|\bkeep(?:ing)?\s+(?:back\s+|out\s+)?{_SHARE}(?:\s+(?:out|back))?{_AS_CONTROL}"
    rf"|\b{_SHARE}\s*(?:hold\s*-?\s*out|control(?:\s+group)?)\b{_AS_CONTROL}?")
NO_HOLDOUT = re.compile(r"\b(?:no|remove|drop|end|stop|kill|turn off|get rid of|without)\s+(?:the\s+|a\s+|any\s+)?(?:hold\s*-?\s*out|control group)\b")


def holdout(lowered: str) -> float:
    match = HOLDOUT.search(lowered)
    return float(next(group for group in match.groups() if group)) if match else 0.0


def held_out(lowered: str) -> str:
    """The holdout for the reply's "Read as" line ("; 15% held out as a control group")."""
    share = holdout(lowered)
    return f"; {share:g}% held out as a control group" if share else ""


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
    return HOLDOUT.sub("", lowered)


# A sequence is built only when the sentence asks for messages; "ppl who abandoned checkout
# yesterday" on its own names an audience, and is looked at instead (bot.engine.planner.choose).
ASKS_FOR_MESSAGES = re.compile(
    r"\b(sequence|flow|series|automation|journey|drip|campaign|emails?|mails?|messages?|reminders?|remind|nudge|follow.?ups?"
    r"|build|create|set ?up|setup|make|start|launch|send|win.?back|re-?engage|bring back|recover|recovery|offer|discount"
    r"|coupon|code)\b|\bday \d+|\d+\s*%|\bafter \d+|\boff\b")


# The people a thread just counted, named by a pronoun ("for them", "to those people").
THEM = re.compile(r"\bwin (?:them|those|these|'?em|those people|these people) back\b|\b(?:for|to|at|email|mail|message|send)\s+(?:them|those|these|that group|that audience|this audience|those people|these people"
                  r"|that list|this list|this segment|that segment)\b")


def _sequence(intent: str, name: str, stage: str, clean: str, lowered: str, defaults, state: ThreadState) -> Plan | None:
    if not ASKS_FOR_MESSAGES.search(lowered) and not THEM.search(lowered):
        return None
    audience = describe_audience(lowered, default=stage)
    if state.audience_words and THEM.search(lowered) and (counted := describe_audience(state.audience_words)).spec is not None:
        audience = counted  # "build a winback for them" after a count: the people just counted
    spec = audience.spec or {"cart": recipes.cart_abandoners(), "browse": recipes.browse_abandoners(),
                             "lapsed": recipes.lapsed_customers()}[stage]
    steps_text = words_to_numbers(_strip_holdout(lowered))
    if stage == "lapsed":
        steps_text = re.sub(r"(?:in|for|since)\s+(?:the\s+)?(?:last\s+|past\s+)?\d+\s*(?:d|days?|w|weeks?|months?|years?)\b", " ", steps_text)
        discount = percent(steps_text)
        defaults = [(0, "winback", discount)] if discount else [(0, "winback", None)]
    codes = discount_codes(clean)
    steps = parse_steps(steps_text, defaults, codes)
    built = sequence_plan(intent, name, spec, steps, lowered, clean)
    built.reading = read_as(audience if audience.spec else Audience(spec, f"the default {name.lower()} audience"), steps) + held_out(lowered)
    built.unused += unplaced_codes(steps, codes) + step_count_unmet(steps_text, steps)
    return built


def cart_sequence(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    # a flow for people who started checkout is named for them, so two flows are told apart
    name = "Abandoned checkout" if stage_of(lowered) == "checkout" else "Abandoned cart"
    return _sequence("cart_sequence", name, "cart", clean, lowered, CART_DEFAULT, state)


def browse_sequence(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    return _sequence("browse_sequence", "Browse abandonment", "browse", clean, lowered, [(1, "browse_abandonment", None)], state)


def winback_sequence(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    return _sequence("winback_sequence", "Win-back", "lapsed", clean, lowered, [(0, "winback", None)], state)


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
    steps = parse_steps(words_to_numbers(_strip_holdout(lowered)), [(0, "welcome", None)], codes)
    built = sequence_plan("welcome_sequence", "Welcome", spec, steps, lowered, clean)
    built.reading = read_as(Audience(spec, f"contacts {words}"), steps) + held_out(lowered)
    built.unused += unplaced_codes(steps, codes) + step_count_unmet(lowered, steps)
    return built

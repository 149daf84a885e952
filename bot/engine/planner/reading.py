"""Reading a request's parameters (discounts, windows, campaigns, platforms, people, countries
to leave out) from the normalised text, and writing the reply's "Read as: ..." line.

Every intent module reads its values through these helpers, so "campaign 3", "the cart
sequence" or "15 percent" mean the same whatever the request.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine import speech
from bot.engine.memory import ThreadState
from bot.engine.planner.dates import unit_hours
from bot.engine.planner.extract import Audience
from bot.engine.planner.vocabulary import (
    EMAIL_RE,
    NUMBER_WORDS,
    QUOTED,
    countries_in,
    discount_codes,
    regions_in,
    repaired,
    words_to_numbers,
)

EXAMPLES = [
    "build an abandoned-cart sequence: reminder on day 1, reviews on day 3, 10% off on day 5, stop when they buy",
    "set up browse abandonment for people who viewed a product in the last 2 days",
    "win back customers who haven't ordered in 90 days with 15% off",
    "how many people abandoned a cart in the last 24 hours?",
    "create a segment called vip of customers who spent over 500",
    "draft an email announcing our summer sale",
    "write google ad copy for our new running shoes",
    "export the cart abandoners to meta",
    "at most 2 emails per week / no more than 4 emails a month / quiet hours 21:00 to 08:00",
    "what's scheduled? / pause campaign 3 / resume it / cancel the cart sequence",
    "how did the cart sequence do last week?",
    "send the digest now",
    "why didn't jo@example.com get the day 3 email?",
    "forget jo@example.com",
    "what data do we have on jo@example.com? / export everything we hold on jo@example.com",
    "who approved the cart sequence? / what did U123 do this week? / show the audit log for the last 7 days",
    "follow-ups in a thread: \"make day 5 15% off\", \"change the subject of day 1 to ...\", "
    "\"move the reviews email to day 4\", \"exclude Canada\"",
    "send a welcome email to new signups from germany / how many contacts signed up in november?",
]


# Chat shorthand, read as the words it stands for.
SHORTHAND = {"more then": "more than", "less then": "less than", "fewer then": "fewer than", "greater then": "greater than",
             "higher then": "higher than", "ovr": "over", "undr": "under", "lower then": "lower than", "bigger then": "bigger than", "ppl": "people", "yday": "yesterday", "yest": "yesterday", "custs": "customers", "cust": "customers",
             "w/o": "without", "w/": "with", "abt": "about", "wk": "week", "wks": "weeks", "mth": "month",
             "whens": "when is", "wheres": "where is", "em": "them", "'em": "them", "mths": "months", "subs": "subscribers", "&": "and", "tmrw": "tomorrow", "b/c": "because",
             "no. of": "number of", "num of": "number of", "#of": "number of", "# of": "number of", "avg": "average",
             "tho": "", "though": "", "pls": "please", "plz": "please", "r we": "are we", "r they": "are they",
             "thx": "thanks", "pct": "percent", "hrs": "hours", "hr": "hour", "mins": "minutes", "info": "information", "b4": "before",
             "hw": "how", "mnay": "many", "contcts": "contacts", "thru": "through", "w/in": "within", "lemme": "let me",
             "gimme": "give me", "u": "you", "ur": "your", "pls.": "please", "tmr": "tomorrow", "wanna": "want to",
             "bf": "black friday", "bfcm": "black friday", "xmas": "christmas", "thanksgiving day": "thanksgiving", "hes": "he's",
             "shes": "she's"}
# Contractions typed without the apostrophe ("havent", "whats"): read as the contraction.
CONTRACTIONS = re.compile(r"\b(have|has|did|do|does|is|are|was|were|could|should|would|wo|ca)nt\b|\b(what|how|who|that|there|where)s\b",
                          re.I)


def help_text(intro: str = "Here is what I can do:") -> str:
    return intro + "\n" + "\n".join(f"• {example}" for example in EXAMPLES)


def normalise(text: str) -> str:
    text = words_to_numbers(repaired(text))
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"<@[A-Z0-9]+(\|[^>]*)?>", " ", text)
    text = re.sub(r"<(mailto:)?([^|>]+)\|([^>]+)>", r"\3", text)
    text = re.sub(r"\b(\d+)\s*(?:percent|pct)\b", r"\1%", text, flags=re.I)
    # "do meta and linkedin too": an instruction, not the question "do ...?"
    text = re.sub(r"^do (?=(?:the same for |it for |one for |same for )?(?:meta|facebook|instagram|linkedin|google)\b)", "now ", text, flags=re.I)
    text = re.sub(r"(?<!\bwhat )(?<!\bhow )\b(?:like|about|around|roughly|approx\.?|approximately|~)\s+(?=\d+\s*(?:hours?|days?|weeks?|months?|years?)\b)", "", text, flags=re.I)
    text = re.sub(r"\ban hour\b", "1 hour", text, flags=re.I)  # "a reminder after an hour"
    # a small number in words after "to", "at" or "of" ("change the daily limit to three")
    text = re.sub(r"\b(to|at|of|is|be)\s+(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b(?!\s*-)",
                  lambda m: f"{m.group(1)} {NUMBER_WORDS[m.group(2).lower()]}", text, flags=re.I)
    # "never-ordered contacts", "non-buyers": the words, not a hyphenated name
    text = re.sub(r"\b(never|not|non|ever)-(ordered|bought|purchased|opened|clicked|buyers?|purchasers?|customers?)\b", r"\1 \2", text, flags=re.I)
    # "the no-consent ones": no consent, never the consent itself
    text = re.sub(r"\b(no|zero)-(consent|opt-?in|email consent|permission)\b", r"\1 \2", text, flags=re.I)
    # "the ones whos cart was over 100": whose, before a thing they have
    text = re.sub(r"\bwhos\b(?=\s+(?:cart|basket|order|orders|address|email|checkout|last|first|spend|total|country|consent))", "whose", text, flags=re.I)
    # "lapsed customers (6 months no order)", "90 days without a purchase": no order in that time
    text = re.sub(r"\(?\b(\d+)\s*(days?|weeks?|months?|years?)\s+(?:with\s+)?(?:no|without an?|without any)\s+(?:orders?|purchases?)\)?",
                  r"who haven't ordered in \1 \2", text, flags=re.I)
    text = re.sub(r"\s+\+\s+", " and ", text)  # "approve + schedule"
    # "take quebec out of campaign 20's audience": a place left out
    text = re.sub(r"\btake ([\w' -]{2,40}?) out(?: of (?:the |its |campaign \d+'s |the campaign'?s? )?(?:audience|segment|list|campaign(?: \d+)?))?\b",
                  lambda m: f"exclude {m.group(1)}" if countries_in(m.group(1))[0] or regions_in(m.group(1)) else m.group(0), text, flags=re.I)
    # "bought like 2 or more times": a hedge, never a product's name
    text = re.sub(r"\b(bought|ordered|purchased|spent|shopped)\s+(?:like|about|around|roughly|maybe|approx\.?)\s+(?=[$€£]?\d)", r"\1 ", text, flags=re.I)
    # "opened a cart but didn't buy": a cart started, not an email opened
    text = re.sub(r"\b(?:opened|started|created|filled|began) (?:a |their |the )?(?:cart|basket)s?\b", "added to cart", text, flags=re.I)
    text = CONTRACTIONS.sub(lambda m: f"{m.group(1)}n't" if m.group(1) else f"{m.group(2)}'s", text)
    for short, full in SHORTHAND.items():
        text = re.sub(rf"(?<![\w/]){re.escape(short)}(?![\w/])", full, text, flags=re.I)
    words = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
    text = re.sub(
        rf"\b({words})(?=[\s-]+(?:day|days|hour|hours|week|weeks|month|months|percent|%)\b)(?![\s-]+day[\s-]+(?:\d+|{words})\b)",
        lambda m: str(NUMBER_WORDS[m.group(1).lower()]), text, flags=re.I,
    )
    text = re.sub(rf"\b(day)[\s-]+({words})\b", lambda m: f"{m.group(1)} {NUMBER_WORDS[m.group(2).lower()]}", text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip()


# Words a chat message opens or closes with that ask for nothing ("great, lets go live with it",
# "ugh scrap this one", "ok schedule it then"): taken off so they are never read as a name.
OPENERS = re.compile(rf"^(?:(?:{speech.OPENERS})\b[\s,.!:;-]*)+", re.I)
CLOSERS = re.compile(r"(?:[\s,]+\b(?:then|pls|please|thanks|thx|lol|for now|for a bit|for the moment|asap|cheers|"
                     r"ok\?|right\?))+[\s.!]*$", re.I)


def without_openers(clean: str) -> str:
    """`clean` without the chat words around the request; unchanged when nothing else is left."""
    opened = OPENERS.sub("", clean)
    stripped = CLOSERS.sub("", opened).strip()
    if discount_codes(stripped) != discount_codes(opened):
        stripped = opened.strip()  # "switch the code to THANKS": a code, not a sign-off
    return stripped if re.search(r"[a-z]{2}", stripped, re.I) else clean


def has(lowered: str, pattern: str) -> bool:
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
        return int(match.group(1)) * unit_hours(match.group(2))
    match = re.search(r"(?:last|past|previous)\s+(day|week|month)\b", lowered)
    return unit_hours(match.group(1)) if match else default


def countries_after(lowered: str, verbs: str) -> list[str]:
    """Country codes named after words like 'exclude' / 'except' / 'not in'."""
    found: list[str] = []
    for match in re.finditer(rf"\b(?:{verbs})\b([^.;]*)", lowered):
        found += countries_in(re.split(r"\bbut\b|\bonly\b", match.group(1))[0])[0]
    return sorted(set(found))


def campaign_reference(clean: str, state: ThreadState, loose: bool = True) -> str | None:
    """'campaign 3' / '#3' / a quoted name / the name in the marketer's words ("pause cart rescue",
    "how did the autumn winback do") / this thread's campaign, as the tools' `campaign`. A name is
    matched against the thread's campaigns first; otherwise the words go to the tool, whose
    lookup (tools.core.lookup.find_campaign) reads names, loose words and kinds the same way for
    the planner, the agent and the CLI."""
    lowered = clean.lower()
    match = re.search(r"(?:campaign|sequence|flow|#)\s*#?(\d+)\b", lowered)
    if match:
        return match.group(1)
    match = QUOTED.search(clean)
    if match:
        return match.group(1)
    words = campaign_words(lowered) if loose else ""
    if not loose and (kind := campaign_kind(lowered)):  # only a kind word names a campaign here
        picked = state.campaign_named(kind[0])
        return str(picked[0]["id"]) if picked else kind[1]
    if words:
        pattern = r"\b" + r"\b.*\b".join(re.escape(word) for word in words.split()) + r"\b"
        picked = state.campaign_named(pattern)
        if picked is None and (kind := campaign_kind(lowered)):
            picked = state.campaign_named(kind[0])
        return str(picked[0]["id"]) if picked else words
    if state.campaign_id is not None:
        return str(state.campaign_id)
    return None


# Words around a campaign's name that are not part of it: the verbs that act on campaigns, the
# question frames, time words, people and the generic nouns.
NOT_NAME = re.compile(
    r"\b(?:for good|for now|for the moment|today|yesterday|(?:this|last|next|past) (?:week|month|year|quarter)|since \S+(?: \S+)?|(?:in |over )?the (?:last|past)"
    r"(?: \d+)? \w+|\d+\s*(?:h|d|w|days?|weeks?|hours?|months?)|week|month|year"
    r"|please|pls|can you|could you|can we|let's|now|again|right away|immediately|asap|thanks|thx|just|also"
    r"|pause|halt|resume|unpause|restart|cancel|kill|stop|schedule|launch|activate|start|approve|reject|discard|preflight|toss|ditch|junk|nuke|scrap|trash|bin"
    r"|run|check|show(?: me)?|tell me|give me|list|see|view|open|display|status(?: of)?|state of|results?(?: for| of)?"
    r"|report(?: for| on)?|stats(?: for| on)?|performance(?: of)?|how (?:did|does|is|are|was|were|has|have)|how's|hows"
    r"|what's|whats|what is|is|are|was|were|did|does|do|doing|done|go|going|gone|went|perform\w*|compliant|compliance"
    r"|ready|a/?b|subject(?: line)?s?|tests?|winner|won|produce|result|get|got|why|didn't|did not|not|never"
    r"|it|this|that|the|our|my|a|an|of|for|on|in|with|to|from|and|then|about|so far|overall|up|going|email|emails|other|others|rest|remaining"
    r"|campaigns?|sequences?|flows?|series|automations?|journeys?|drips?|step|steps|drafts?|one|ones"
    r"|last|past|over|day \d+|both|all|each|every|scheduled|live|running|active|who|whom|how many|many|people|contacts"
    r"|(?:open|click|click-through|conversion|unsubscribe|bounce|reply) rates?|ctr|roi|revenue|sales|orders?|conversions?"
    r"|opened|clicked|converted|unsubscribed|bounced|approved|rejected|paused|resumed|cancell?ed|edited|changed|created|sent"
    r"|audit|log|history|numbers|doing|looking|like|rates?|money|most|least|best|top|worst|made|brought|drove|came"
    r"|which|what|unsubscribes|bounces|opens|clicks|conversion|performing|performed|sell|sold|holdout|lift|incremental"
    r"|everything|anything|pending|outstanding|remaining|waiting|new|newest|latest|rest|that's|thats|turn it back on|back on|bring (?:it |this |that )?back|as well|too|approving|approval|excluded|left out|kept out|filtered out|hold off|pass|passes|issues?|problems?|even|kick off|kick|hit pause|hit|go live with|thing|started|began|begun|launched|went live|would|could|should|block\w*|prevent\w*|going out|out|something|whole thing|thing|lot|whole|versions?|put it back|back live|live again|throw|away|fine|scrap|bin"
    r"|control group|uplift|working|worked|put|on hold|hold|freeze|right now|currently|still|anymore|yet|receiving|getting"
    r"|receive|subscribed|unsubscribed|opted in|opted out|allowed|codes?|discount|promo|coupon|single.?use|unique|left|remaining"
    r"|given out|used|pool|for good|forever|permanently|completely|have|has|had|produce|produced|got|hasn't|haven't|received"
    r"|(?:in |during )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*(?: \d{4})?|weekend"
    # when it goes and the words around a request that are no name ("the friday newsletter", "the whole campaign")
    r"|(?:this |next |on )?(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|tonight|morning|afternoon|evening|going out"
    r"|goes out|out|whole|entire|everything|bit|rundown|summary|overview|breakdown|update|by mistake|mistake|created|'s|that's"
    r"|that is|which is|we're|we are|ready|sign.?off|signed off|need\w*|waiting|still|every|any|lets|let us|go live|live with"
    r"|scrap|trash|bin|delete|remove|get rid of|shut (?:it )?(?:down|off)|turn (?:it )?(?:off|on)|switch (?:it )?(?:off|on)|back on"
    r"|start (?:it )?up|up|over|start over|i'll|i will|we'll|we will|again|instead|them|these|those|they|turn|switch|put|bring"
    r"|rid|get|duplicates?|extras?|no|meant|i meant|existing|current|anything|something|nothing|pull(?: up)?|bring up"
    r"|want to see|want|wanna|its|steps?|hit|press|click|before|after|i|we|me|us|two|three|four|five|six|looks good|good|great"
    r"|perfect|lgtm|sounds good)\b"
    r"|[\w.+'-]+@[\w-]+(?:\.[\w-]+)+|[?!.,:;]")


def campaign_words(lowered: str) -> str:
    """The words naming a campaign in a sentence about one ("pause cart rescue" -> "cart
    rescue"), or "" when none is left."""
    # the name is in the first clause: "cancel the welcome campaign, we won't use it"
    lowered = re.sub(r"\b(?:one|1)[- ]off\b", "oneoff", lowered)  # "the one-off cart email": "one" is no filler there
    for clause in re.split(r",|;|:|[.!?](?:\s|$)| - | because | since | as we | as i |\bso (?:we|i)\b", lowered):
        rest = re.sub(r"\s+", " ", NOT_NAME.sub(" ", clause)).strip(" '")
        if re.search(r"[a-z]{3}", rest):
            return rest.replace("oneoff", "one-off")
    return ""


# Campaign kinds named in words, the pattern their names match, and the name the planner gives them.
CAMPAIGN_KINDS = ((r"\bcart|\bcheckout", r"cart|checkout", "Abandoned cart"), (r"\bbrows", r"brows", "Browse abandonment"),
                  (r"\bwin.?back", r"win.?back", "Win-back"), (r"\bwelcome", r"welcome", "Welcome"),
                  (r"\bpost.?purchase", r"post.?purchase", "Post-purchase"))


# A campaign named in the marketer's words: "the winback", "our post-purchase review email", "that
# winter collection newsletter". The words after the determiner, up to a campaign noun (or a kind
# word that is only ever a campaign's), are the reference; "the first email" is one with no name.
CAMPAIGN_NOUNS = (r"campaigns?|flows?|sequences?|series|automations?|journeys?|drips?|newsletters?|blasts?"
                  r"|broadcasts?|e-?mails?|mails?|messages?|ones?|recovery|recoveries|rescue|promos?|promotions?")
REFERENCE = re.compile(
    rf"\b(?:the|my|our|that|this|those|these)\s+((?:[\w'/%:-]+\s+){{0,5}}?(?:{CAMPAIGN_NOUNS}))\b"
    r"|\b(?:the|my|our|that)\s+((?:[\w-]+\s+)?(?:win-?backs?|welcome|post-?purchase|newsletter))\b")


def campaign_phrases(clean: str) -> str:
    """The words of every campaign reference in a request, joined ("" when it names none): what
    the engine matches against the stored campaigns when they are not the thread's own."""
    found = [match.group(1) or match.group(2) for match in REFERENCE.finditer(clean.lower())]
    return " ".join(phrase for phrase in found if re.search(r"[a-z]{3}", NOT_NAME.sub(" ", phrase)))


def campaign_kind(lowered: str) -> tuple[str, str] | None:
    """(name pattern, default name) of the campaign kind a sentence names ("the cart sequence")."""
    for words, pattern, name in CAMPAIGN_KINDS:
        if re.search(words, lowered):
            return pattern, name
    return None


def campaign_note(clean: str, state: ThreadState) -> str:
    """Which of the thread's campaigns a kind word picked, when it had a choice: named back."""
    lowered = clean.lower()
    if re.search(r"(?:campaign|sequence|flow|#)\s*#?\d+\b|['\"]", lowered) or not (kind := campaign_kind(lowered)):
        return ""
    picked = state.campaign_named(kind[0])
    if not picked or not picked[1]:
        return ""
    chosen, others = picked
    also = ", ".join(f"{c['id']} ({(c['status'] or 'unknown').replace('_', ' ')})" for c in others)
    return f" ('{chosen['name']}', {(chosen['status'] or 'unknown').replace('_', ' ')}; not campaign {also})"


def platform(lowered: str, table: dict[str, str]) -> str | None:
    for name, code in table.items():
        if re.search(rf"\b{re.escape(name)}\b", lowered):
            return code
    return None


def person(clean: str, after: str) -> str | None:
    """An email address, or a user id named after `after` ('user u42', 'forget u42')."""
    if contact := EMAIL_RE.search(clean):
        return contact.group(0)
    named = re.search(r"\b(?:user|contact|customer|id)\s+([\w.-]+)", clean, flags=re.I)
    if named:
        return named.group(1)
    bare = re.search(rf"\b(?:{after})\s+([\w.-]*\d[\w.-]*)", clean, flags=re.I)
    return bare.group(1) if bare else None


def with_countries(spec: dict[str, Any], include: list[str], exclude: list[str]) -> dict[str, Any]:
    parts = list(spec["all"]) if set(spec) == {"all"} else [spec]
    if include:
        parts.append({"attribute": "country", "op": "in", "value": include})
    if exclude:
        parts.append({"not": {"attribute": "country", "op": "in", "value": exclude}})
    return parts[0] if len(parts) == 1 else {"all": parts}


def read_as(audience: Audience, steps: list[dict[str, Any]] | None = None) -> str:
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
    offer_words += f" code {step['discount_code']}" if step.get("discount_code") else ""
    brief = (step.get("brief") or "").rstrip(".")
    about = f": '{brief[:80]}{'...' if len(brief) > 80 else ''}'" if brief else ""
    return f"{when} ({step['purpose'].replace('_', ' ')}{offer_words}{about})"

"""What a marketer's brief for one email says, read without a model: its topic, offer and
urgency (`read_brief`), whether it asks for an email the writer has ready copy for (a thank-you,
a review request, reviews from other customers, a cross-sell), and the marketer's "them" turned
to the reader's "you". The template writer (`writers.template_email`) builds copy from these;
clauses that instruct the writer ("make it urgent", "show some reviews") are never copied in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Brief:
    """What a marketer's brief is about, read without a model: the topic, the offer, the tone.

    "our black friday sale, 25% off everything, make it urgent" -> topic "Black Friday sale",
    offer "25% off everything", urgent. Clauses that instruct the writer ("make it urgent",
    "keep it short") are never copied into the email.
    """

    topic: str
    offer: str
    urgent: bool
    details: tuple[str, ...]


INSTRUCTION = re.compile(
    r"^(please\s+)?(make|keep|write|use|add|mention|say|tell|send|sound|be|do|don't|include|in an?)\b"
    # "no discount, just urgency": how to write it, never words for the reader
    r"|^(?:just|only)\s+(?:urgency|urgent|a reminder|the reminder|a nudge)\b|^no (?:discount|code|offer|coupon)s?\b|^(?:more )?urgen(?:t|cy)$", re.I)
OFFER = re.compile(r"\b(\d+(\.\d+)?\s*%\s*off(\s+(everything|sitewide|storewide|site-wide))?|free shipping"
                    r"|buy one,? get one( free)?|bogo)\b", re.I)
URGENT = re.compile(r"\b(urgent|urgency|hurry|last chance|ends (soon|tonight|today)|limited)\b", re.I)
LEAD = re.compile(r"^\s*((write|draft|create|announce)\s+)?((tell|let)\s+(our\s+)?(customers|them|people|everyone)"
                   r"\s+(know\s+)?)?((google|meta|facebook|instagram|linkedin)\s+)?"
                   r"((an?\s+)?(email|message|ad copy|ads?|copy)\s+)?((about|for|on|announcing|to announce)\s+)?"
                   r"((our|my|the|a|an)\s+)?", re.I)
TAIL = re.compile(r"\s+(with|and|for|at|on|of|to)$", re.I)
HOLIDAYS = re.compile(r"\b(black friday|cyber monday|christmas|boxing day|new year|valentine's day|mother's day|"
                       r"father's day|easter|halloween|labor day|memorial day|prime day|singles day)\b", re.I)
# "this weekend only", "ends sunday", "48 hours only": when an offer stops, said with the offer
TIME_LIMIT = re.compile(r"(?:(?:this|today|tonight|the) (?:week|weekend|day|month)? ?only|(?:ends|until|through|thru) \w+(?: night| at midnight)?"
                        r"|for a limited time( only)?|(?:this|today|tonight) only|(?:this )?(?:weekend|week) only|(?:\d+|two|three) (?:hours?|days?) only)",
                        re.I)
EVENTS = {"sale", "sales", "event", "launch", "week", "weekend", "offer", "deals", "collection"}


# The marketer writes about customers ("say we miss them"); the email speaks to one ("we miss you").
THIRD_PERSON = {"them": "you", "they": "you", "their": "your", "theirs": "yours", "themselves": "yourself",
                 "they're": "you're", "they've": "you've", "they'll": "you'll"}
# A brief that reads as words for the reader (an offer, news, a feeling), not a label ("a thank-you note").
SAYS_SOMETHING = re.compile(r"(?<!-)\b(we|you|your|our|free|off|shipping|returns?|ends?|last chance|new|back|miss|soon|today"
                             r"|tonight|expires?|only|left|hurry)\b", re.I)


def to_reader(text: str) -> str:
    return re.sub(r"\b(them|they're|they've|they'll|they|theirs|their|themselves)\b",
                  lambda m: THIRD_PERSON[m.group(1).lower()], text, flags=re.I)


def read_brief(brief: str | None) -> Brief:
    brief = to_reader(brief) if brief else brief
    clauses = [c.strip(" .!") for c in re.split(r"[,;.\n]|\s+-\s+|\band make\b", brief or "") if c.strip(" .!")]
    urgent = bool(URGENT.search(brief or ""))
    offer, topic, details, limits = "", "", [], []
    for clause in clauses:
        # "with code LOOK10", "this week only": the code is printed from its own field, and a
        # time limit is urgency and a term of the offer (said with it), neither is a topic
        if TIME_LIMIT.fullmatch(clause.strip()):
            urgent = True
            limits.append(clause.strip())
            continue
        clause = re.sub(r"\b(?:with|using|use)?\s*(?:the\s+)?(?:promo |discount )?code\s+\S+", " ", clause, flags=re.I).strip()
        clause = LEAD.sub("", clause).strip()
        if INSTRUCTION.match(clause):
            continue
        found = OFFER.search(clause)
        if found and not offer:
            before, after = clause[: found.start()].strip(" :-"), clause[found.end():].strip(" :-")
            # "10% off this week" keeps its few words; a longer tail is a detail of its own.
            # "10% off this week" and "10% off your next order" keep their words; a longer tail is a detail
            keeps = len(after.split()) < 3 or re.match(r"(?:your|their|the|on|for|at|any|every|all)\b", after, re.I) and len(after.split()) <= 5 \
                or re.match(r"(?:on |for |with |when you buy )?(?:orders?|purchases?|baskets?|carts?|sets?|packs?)\s+(?:of|over|above|worth|from|\d)"
                            r"|(?:when you buy|if you buy|on) \d", after, re.I) and len(after.split()) <= 7  # "15% off orders of 50+ units": its terms
            if TIME_LIMIT.fullmatch(after):
                limits.append(after)  # "20% off this weekend only"
                keeps, after = True, ""
            offer = to_reader(f"{found.group(0)} {after}").strip() if keeps else found.group(0)
            clause = before if keeps else f"{before} {after}".strip()
            clause = "" if re.fullmatch(r"(?:here'?s|here is|and|plus|with|get|enjoy|take|a|an)?", clause.lower()) else clause
        if clause and not topic:
            topic = sentence_case(TAIL.sub("", clause).strip())
        elif clause:
            details.append(clause[0].upper() + clause[1:])
    if limits and offer:
        offer = f"{offer}, {', '.join(limits)}"  # "20% off, this weekend only": the offer keeps its terms
    elif limits:
        details += [limit[0].upper() + limit[1:] for limit in limits]
    return Brief(topic=topic, offer=offer, urgent=urgent, details=tuple(details))


def sentence_case(phrase: str) -> str:
    """Sentence case with holidays capitalised ("black friday sale" -> "Black Friday sale")."""
    phrase = HOLIDAYS.sub(lambda m: m.group(0).title().replace("'S", "'s"), phrase)
    return phrase[:1].upper() + phrase[1:]


# A custom brief that asks for a thank-you or a review, in the marketer's words.
ASKS_FOR = re.compile(r"(?P<review>\b(?:ask\w* (?:them )?(?:for|to (?:leave|write|give))|request\w*|get|invite \w+ to (?:leave|write)|leave|write"
                       r"|collect\w*)\s+(?:an? |some |their |for )?(?:quick |short |honest |product )?(?:reviews?|ratings?|feedback|testimonials?)"
                       r"|\breview (?:request|ask|email|reminder)|\bfeedback (?:request|email)|\bhow (?:do|did) (?:they|you) like)"
                       # a thank-you for an order; "thank them for being loyal customers" is for that, in its own words
                       r"|\bthank(?:s| you|ing)?\b(?!(?: them| you| everyone)?(?: (?:note|email|message))? for (?!(?:their|your|the|an?) (?:order|purchase)))"
                       r"(?: them| you)?(?: (?:note|email|message))?(?: for (?:their|your|the) (?:order|purchase))?", re.I)


# A custom brief naming an email with ready copy ("show some reviews", "10% off a cross-sell"):
# an instruction then, never the email's words.
READY_FOR = (
    (re.compile(r"\b(?:show|share|feature|include|highlight)\w*\b.*\b(?:reviews?|ratings?|testimonials?)\b|\breviews? from (?:other |real )?"
                r"(?:customers|shoppers|buyers|people)\b|\bsocial proof\b|\btestimonials?\b|\bwhat (?:other )?(?:customers|shoppers|people) "
                r"(?:say|think|love)", re.I), "customer_reviews"),
    (re.compile(r"\b(?:cross|up)[- ]?sell\w*\b|\brecommend\w*\b|\b(?:related|similar|complementary|matching) (?:products|items|pieces)\b"
                r"|\byou (?:might|may) (?:also )?like\b|\bgoes (?:well )?with\b", re.I), "cross_sell"),
)
READY_COPY = {name for _, name in READY_FOR}

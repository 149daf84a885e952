"""The words of an audience request the plan does not express, named back to the marketer.

A word is only named where an audience condition would sit and no reader took it: before the
audience noun ("loyal customers", "active shoppers"), after "who are" or "who" ("who opened",
"who returned an item"), after "with" ("with a wishlist") or where a place goes ("in London").
Words every request uses (the lexicon below), the places, products and numbers that were read,
and time words a condition took are not named. Time words no condition took are ("contacts in
Germany in the last 30 days": nothing about Germany happens in a window).
"""

from __future__ import annotations

import re

from bot.engine.planner.extract import Audience, audience_part
from bot.engine.planner.plans import Plan
from bot.engine.planner.stages import product_filter
from bot.engine.planner.vocabulary import (
    QUALIFIERS,
    countries_in,
    regions_in,
    words_to_numbers,
)

# Function words, the audience nouns and the condition words the readers understand.
LEXICON = set("""
lifetime states outside overall full explicit double soft proper altogether right now currently exclude excluding leave leaving include including widen expand broaden extend
reachable emailable contactable mailable reach campaign's flow's sequence's

a an the all any every each some no none our my your their them they those these this that which who whom whose
what when where how many much more most less least few several both either neither other others another such
is are was were be been being am have has had having do does did done doing will would can could should may
might must shall get got getting go going gone make made want need let please pls thanks thx hey hi hello ok okay
quick q just only also too still already yet ever never not nor and or but so then than if because as of in on at
by for from to into onto with without within over under above below between during since until till through
about around across per via up down out off again once twice times time total overall there here now today
yesterday tonight currently recently lately ago last past previous next this week weeks month months year years
day days hour hours hrs hr minute minutes fortnight weekend morning night year's week's month's
people person persons customers customer contacts contact shoppers shopper buyers buyer subscribers subscriber
users user members member visitors visitor clients client folks folk accounts account audience audiences list
lists segment segments everyone everybody anyone anybody someone somebody ones one guys community base leads
new existing current old repeat returning lapsed inactive dormant churned first-time one-time first second
non-buyers non-buyer never-buyers recent past previous former signed sign signup signups sign-ups sign-up joined
registered subscribed unsubscribed unsubscribes bounced bounces suppressed suppression do-not-sell complained complaints spam addresses address opted opt opt-in opt-ins opted-in opted-out opt-out consent consented
consenting marketing email emails emailed newsletter mailing permission
ordered order orders ordering bought buy buying purchased purchase purchases purchasing shopped shop spent spend
spending spenders spender placed place made checkout checked check checking started start starting abandoned
abandon abandoning abandoners abandoner abandonment cart carts basket baskets added add adding put left leave
browsed browse browsing browsers viewed view viewing viewers looked look looking visited visit product products
item items something anything stuff things thing store site website
live living lives based located locate country countries region place places where from abroad international
domestic non actually really explicitly properly personally announcing announce announcement promoting promote launching launch introducing featuring
count number size big how's what's who's who've who're that's there's it's let's i'm we're we've i'd we'd
show tell give find pull list see check preview count many
before previously already converted converting convert google meta facebook instagram linkedin different distinct unique individual separate match code codes exactly precisely minimum maximum max min single multiple
haven't hasn't didn't don't doesn't isn't aren't wasn't weren't won't can't cannot
win back re-engage reengage re-activate reactivate flow flows sequence sequences campaign campaigns series journey
automation drip emails reminder reminders send sending target targeting reach export exporting upload sync
window suppression seed lookalike look-alike exclusion retargeting remarketing custom ad ads hashed
january february march april may june july august september october november december jan feb mar apr jun jul
aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday spring summer autumn fall winter
""".split())


NOUNS = (r"customers|contacts|people|shoppers|buyers|subscribers|users|members|visitors|clients|folks|accounts"
         r"|audience|list|segment|ones")
SLOTS = (
    re.compile(rf"\b([a-z][a-z'-]+)\s+(?:{NOUNS})\b"),
    re.compile(r"\b(?:who|that) (?:are|were|is|have been|'re) ([a-z][a-z'-]+)"),
    re.compile(r"\b(?:who|that) ([a-z][a-z'-]+)"),
    re.compile(r"\bwith (?:a |an |the |no |any |some )?([a-z][a-z'-]+)"),
    re.compile(r"\b(?:in|from|living in|based in|located in|near) (?:the )?([a-z][a-z'-]+)"),
    re.compile(r"\b(?:bought|ordered|purchased|buying|ordering|purchasing) (?:a |an |the |some |our |any )?([a-z][a-z'-]+)"),
    # what people did with the emails: no audience condition reads it ("of those, how many opened")
    re.compile(r"\b(opened|clicked|engaged|replied|responded)\b"),
)


def unused_words(text: str, audience: Audience) -> list[str]:
    """Audience words in `text` that the spec does not express, in the order they appear."""
    # a quoted name ("called 'VIP Thank You'") is a name, not audience words
    lowered = re.sub(r"['\"\u201c][^'\"\u201d]{1,120}['\"\u201d]", " ", words_to_numbers(text.lower().replace("\u2019", "'")))
    spend = "spend" in audience.kinds
    found: list[str] = []
    for match in QUALIFIERS.finditer(lowered):
        word = match.group(1)
        if spend and word.rstrip("s") in ("vip", "whale", "big spender", "high value", "high-value", "best", "top customer"):
            continue
        if word not in found:
            found.append(word)
    taken = set(" ".join(audience.used).split()) | set((product_filter(lowered) or "").split())
    part = audience_part(lowered)
    for pattern in SLOTS:
        for match in pattern.finditer(part):
            word = match.group(1).strip("'-")
            if (word in LEXICON or word in taken or word.startswith("discountcode") or word.rstrip("s") in taken or len(word) < 3
                    or any(word in qualifier for qualifier in found) or countries_in(word)[0] or regions_in(word)):
                continue
            if word not in found:
                found.append(word)
    # an amount no spend condition took ("abandoned checkouts over $100"): named, never dropped
    if not spend and not audience.kinds & {"cart_value", "single_order"}:
        for match in re.finditer(r"\b(?:over|above|more than|under|less than|at least|worth|below)\s*[$€£]\s*\d[\d,.]*k?"
                                 r"|[$€£]\s*\d[\d,.]*k?\b|\b\d[\d,.]*\s*(?:dollars|euros?|pounds|bucks|usd|eur|gbp)\b", part):
            if match.group(0) not in found:
                found.append(match.group(0).strip())
    if audience.unclaimed_time and audience.unclaimed_time not in found:
        found.append(audience.unclaimed_time)
    return found


# Groups of customers each shop defines for itself ("our VIPs", "loyal customers", "superfans",
# "new customers" with no date): asked about, never answered for everyone and never guessed.
UNDEFINED_GROUP = re.compile(r"(?:vips?|loyal|loyalists?|high.value|frequent|best|whales?|big spenders|top customers|superfans?|fans|regulars"
                             r"|insiders|premium|engaged|most valuable|high spenders|at.risk|bargain hunters)")
NEW_PEOPLE = re.compile(r"\b(?:brand )?new\b(?! (?:york|jersey|mexico|hampshire|zealand|south wales|brunswick|england|orleans|delhi)\b)"
                        r"(?= (?:[a-z]+ )?(?:customers|buyers|shoppers|clients|people|contacts|users|members)\b)")
# "a thank you for being loyal customers": why the email thanks them, not who gets it
THANKS_FOR = re.compile(r"\bthank(?:s|ing)?(?: you| them| everyone)? for [^,.;:]*", re.I)


def undefined_group(text: str, unused: list[str], reading: str) -> str | None:
    """The group a request names that no condition defines ("vips", "loyal", "new"), or None."""
    text = THANKS_FOR.sub(" ", text)
    if found := next((word for word in unused if UNDEFINED_GROUP.fullmatch(word) and re.search(rf"\b{re.escape(word)}\b", text, re.I)), None):
        return found
    said = NEW_PEOPLE.search(text.lower())
    if said and not re.search(r"signed up|first order|joined|subscribed|consent", reading):
        return said.group(0)
    return None


def who_counts_as(intent: str, group: str, clean: str) -> Plan:
    """The one short question back: who the group is, in conditions or a saved segment's name; the
    reply completes the request (ThreadState.pending, planner.replies.answering)."""
    examples = ('"signed up in the last 30 days" or "made their first order this month"' if group.endswith("new")
                else '"customers who spent over 500" or "people with 3+ orders"')
    shown = re.search(rf"\b{re.escape(group)}(?:\s+(?:[a-z]+\s+)?(?:customers|buyers|shoppers|clients|people|members|contacts|users))?\b", clean, re.I)
    return Plan(intent, answer=f"Who counts as '{shown.group(0) if shown else group}'? Say it in conditions, e.g. {examples}, or name a saved segment (\"the vip segment\").",
                pending={"text": clean, "group": group})

"""Audience requests: counts ("how many ..."), saved segments, exports to ad platforms (a
described audience is saved first), the buyer suppression and lookalike exports, and order and
revenue questions.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.campaigns import campaign_audience_narrowed, campaign_sends
from bot.engine.planner.conditions import (
    NOT_ORDERED,
    clauses,
    order_worth,
    time_of,
    time_words_in,
)
from bot.engine.planner.dates import audience_window, report_period, window, zone_now
from bot.engine.planner.extract import ORDER, Audience, describe_audience
from bot.engine.planner.places import as_place_phrase, place_words
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import CAMPAIGN_NOUNS, platform, read_as
from bot.engine.planner.unused import unused_words
from bot.engine.planner.vocabulary import EMAIL_RE, EXPORT_PLATFORMS, countries_in

NOT_SEGMENT_NAMES = {"to", "for", "of", "in", "as", "on", "into", "and", "with", "called", "named", "the", "a", "an", "list", "audience",
                     "buyers", "customers", "people", "contacts", "subscribers", "shoppers", "users", "everyone", "segment", "segments",
                     "them", "those", "these", "that", "this", "it", "all", "hashed", "our", "my"}


def segment_name(clean: str) -> str | None:
    """A saved segment named in a request: "segment bigspenders", "the bigspenders segment",
    "export bigspenders to google", "a hashed list of vip-list for meta" (a single word no
    audience reading knows, where an audience goes)."""
    lowered = clean.lower()
    for pattern in (r"\bsegment\s+(?:called\s+|named\s+)?['\"]?([\w-]+)", r"\b(?:the|our|my)\s+['\"]?([\w-]+)['\"]?\s+segment\b",
                    r"^(?:please\s+)?(?:can you\s+)?(?:export|push|send|upload|sync)\s+(?:the\s+|our\s+)?['\"]?([a-z][\w-]{2,40})['\"]?\s+(?:to|for|into)\b",
                    r"\blist of\s+(?:the\s+|our\s+)?['\"]?([a-z][\w-]{2,40})['\"]?\s+(?:for|to|on)\b"):
        found = re.search(pattern, lowered)
        if found and found.group(1) not in NOT_SEGMENT_NAMES and ("segment" in pattern or "-" in found.group(1) or (
                describe_audience(found.group(1)).spec is None and not platform(found.group(1), EXPORT_PLATFORMS))):
            return found.group(1)
    return None


def loose_name(text: str) -> str:
    """A segment's name, or a sentence, as words: "uk_shoe_buyers", "UK-shoe buyers" and "uk shoe
    buyers" are one name."""
    return re.sub(r"\s+", " ", re.sub(r"[_\-]+|[^\w\s]", " ", text.lower())).strip()


def mentioned_segment(lowered: str, state: ThreadState) -> str | None:
    """The saved segment a sentence names (among those the engine found in its words), longest
    name first. A name of several words, or with a digit, dash or underscore, names the segment
    anywhere; a plain word ("french") only where a segment goes: "in french", "the vip segment"."""
    text = loose_name(lowered)
    for name in sorted(state.saved_segments, key=len, reverse=True):
        found = re.search(rf"(?<![a-z0-9]){re.escape(loose_name(name))}(?![a-z0-9])", text)
        if found is None:
            continue
        distinct = " " in loose_name(name) or re.search(r"[\d_-]", name)
        placed = (re.search(r"\b(?:in|of|from|segment|export|to|called|named|list)\s+(?:the\s+|our\s+|my\s+|saved\s+|segment\s+)*$",
                            text[:found.start()])
                  or re.match(r"\s+(?:segment|list|group|audience)\b", text[found.end():])
                  # "vip customers" with a segment named vip, when no audience reading knows the word
                  or re.match(r"\s+(?:customers|people|contacts|buyers|members|shoppers|subscribers|ones)\b", text[found.end():])
                  and describe_audience(loose_name(name) + " customers").spec is None)
        if distinct or placed:
            return name
    return None


def within_saved_segment(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """A count of a saved segment named in words, with any further conditions the sentence adds
    ("how many in uk_shoe_buyers are in london" is that segment's spec and the place)."""
    name = mentioned_segment(lowered, state)
    if name is None:
        return None
    loose = loose_name(name)
    rest = re.sub(rf"\b(?:the |our |my )?(?:saved )?(?:segment )?{re.escape(loose)}(?: segment| list| group)?\b", " ", loose_name(lowered))
    # "how many are in early whales and who are in scotland": the words the name leaves behind
    extra = describe_audience(re.sub(r"\s+", " ", re.sub(r"\b(?:in|of|from)\s+(?=(?:and|who|that)\b|$)", " ", rest)))
    parts = [part for part in (extra.spec["all"] if extra.spec and set(extra.spec) == {"all"} else [extra.spec] if extra.spec else [])
             if part != {"attribute": "email", "op": "exists"}]
    if not parts:
        return saved_segment(name, remembered=True)
    words = extra.reading.removeprefix("contacts ")
    return Plan("how_many", [PlannedCall("preview_segment", {"spec": {"all": [state.saved_segments[name], *parts]}})],
                reading=f"Read as: contacts in the saved segment '{name}' {words}", audience_words=clean)


def saved_segment(name: str, remembered: bool = False) -> Plan:
    """The count of a saved segment named in words (`remembered`: kept as the thread's question)."""
    return Plan("preview_segment", [PlannedCall("preview_segment", {"name": name})], reading=f"Read as: the saved segment '{name}'",
                audience_words=f"how many are in the {name} segment" if remembered else None)


def audience_spec(lowered: str) -> dict[str, Any] | None:
    """The audience a sentence describes (see bot.engine.planner.extract), or None when it names none."""
    return describe_audience(lowered).spec


def how_many(clean: str, lowered: str, state: ThreadState) -> Plan:
    if re.search(r"\b(how many|number of|count of|no\. of) orders\b", lowered) or BY_COUNTRY.search(lowered):
        # orders, not the people who placed them; "how many buyers per country": each country's orders
        return order_summary(clean, lowered, state)
    if re.search(r"\b(orders?|revenue|sales)\b", lowered) and not re.search(
            r"\b(people|customers|contacts|who|shoppers|buyers|subscribers|members|users|folks|accounts|have|has|with)\b", lowered):
        return order_summary(clean, lowered, state)
    if (within := within_saved_segment(clean, lowered, state)) is not None:
        return within
    if (sends := campaign_sends(clean, lowered, state)) is not None:
        return sends
    if re.search(r"\bsaved segment\b|\bsegment (?:called|named)\b", lowered) and (name := segment_name(clean)):
        return saved_segment(name)
    if hyphenated := re.search(r"\b(?:in|of)\s+(?:the\s+|our\s+)?(?:saved\s+)?(?:segment\s+)?['\"]?([a-z0-9]+(?:-[a-z0-9]+)+)['\"]?(?:\s+(?:segment|list|group))?"
                               r"(?:\s+(?:right now|now|currently|at the moment|today|atm))?\s*[?.!]*$", lowered):
        # "how many are in uk-lapsed-repeat": a hyphenated name is a saved segment's, never prose
        return saved_segment(hyphenated.group(1))
    audience = describe_audience(lowered)
    if state.campaign_id is not None and (named := re.search(
            rf"(?:\b(?:the|this|that|our|my)(?:\s+(?!would\b|will\b|could\b|reach\b)[\w'-]+){{0,4}}?\s+(?:{CAMPAIGN_NOUNS}|win-?backs?|welcome|post-?purchase|thing)\b"
            rf"|\bcampaign\s*#?\d+\b)(?=[^.?!]*\b(reach|reaches|go out to|goes to|go to|hit|be sent to)\b)", lowered)):
        # "how many would the checkout abandonment campaign reach (in the UK)": its words name the
        # campaign, not an audience of their own; a place said besides narrows its audience
        audience = describe_audience(lowered[:named.start()] + " " + lowered[named.end():])
        audience = audience if audience.spec is not None and (countries_in(lowered)[0] or place_words(lowered)) else Audience(None, "")
    if (narrowed := campaign_audience_narrowed(clean, lowered, state, audience)) is not None:
        return narrowed  # "how many in the uk would get it?"
    if audience.spec is None and state.campaign_id is not None and re.search(
            r"\b(audience|segment|enrolled|in it|in the campaign|in there|control group|holdout|hold-out|held out)\b|\b(would|will|could|is going to|are going to) (get|receive|be sent)\b"
            r"|\b(get|gets|receive) (this|it|these|them|the \w+(?: \w+)? emails?)\b|\b(reach|reaches|reaching|hit|go to|goes to)\b"
            r"|\b(does|do|would|will) (that|this|it) leave\b|\b(left|remain|remaining) (now|in it|after that)\b|^how many (now|left|remain)"
            r"|^(?:so |ok |and )?how many(?: people| contacts| folks| of them| ppl)?(?:'s| is| are| does| would)? (?:that|this|it|they|there)(?: be| now| reach| get| come to)*\s*[?!.]*$", lowered):
        # "how many are in the audience now?" in a campaign's thread: that campaign's audience
        return Plan("how_many", [PlannedCall("preflight", {"campaign": str(state.campaign_id)})],
                    reading=f"Read as: the audience of campaign {state.campaign_id} now (its preflight)")
    if audience.spec is None and TOTAL.match(lowered.strip(" ?!.")):
        # "how many contacts do we have in total": everyone, with or without an address
        spec = {"any": [{"attribute": "email", "op": "exists"}, {"not": {"attribute": "email", "op": "exists"}}]}
        return Plan("how_many", [PlannedCall("preview_segment", {"spec": spec})], reading="Read as: all contacts", audience_words=clean)
    if audience.spec is None:
        unknown = unused_words(lowered, audience)
        # ("customers in narnia" is a place nobody knows, said so below)
        named = (re.search(r"\b(?:in|of|on)\s+(?:the\s+|our\s+)?['\"]?([a-z][\w-]{2,40})['\"]?\s+(?:segment|list|group|audience)\s*[?.!]*$", lowered)
                 or re.search(r"^(?:how many|number of|count)(?:\s+(?:people|contacts|members|folks|users|of them))?(?:\s+(?:are|is|r))?\s+(?:in|on)\s+"
                              r"(?:the\s+|our\s+)?['\"]?([a-z][\w-]{2,40})['\"]?\s*[?.!]*$", lowered))
        if named and named.group(1) in unknown:
            # "how many are in bigspenders": a word no audience reading knows may be a saved segment's name
            return saved_segment(named.group(1))
        said = f"I can't pick people by {', '.join(repr(word) for word in unknown)}. " if unknown else ""
        return Plan("how_many", answer=said + messages.ASK_AUDIENCE)
    return Plan("how_many", [PlannedCall("preview_segment", {"spec": audience.spec})], reading=read_as(audience),
                audience_words=clean)


TOTAL = re.compile(r"^(?:so |ok |and )?(?:how many|number of|count of|(?:the )?total (?:number|count) of|total)\s+(?:contacts|people|profiles|records"
                   r"|users|emails?|email addresses|persons)\b(?:\s+(?:do|have|are|is|we|you|there|got|have|in|total|overall|altogether"
                   r"|all|together|the|our|database|db|list|store|crm|account|system|exist|stored|on file|now|right now|currently))*$")


def create_segment(clean: str, lowered: str, state: ThreadState) -> Plan:
    # A name is quoted, or runs until the audience starts ("called big spenders of people who ...").
    name_match = (re.search(r"(?:called|named|name it|as)\s+['\"]([^'\"]{1,80})['\"]", clean, flags=re.I)
                  or re.search(r"(?:called|named|name it)\s+([\w-]+(?:\s+[\w-]+){0,3}?)\s+(?=(?:of|for|with|who|that|from|"
                               r"containing|made of|=|:)\b)", clean, flags=re.I)
                  or re.search(r"(?:called|named|name it)\s+['\"]?([\w-]+)['\"]?", clean, flags=re.I)
                  or re.search(r"\bas\s+(?!a\b|an\b|the\b|new\b)['\"]?([\w-]+)['\"]?", clean, flags=re.I))
    if state.audience_words and re.search(r"\b(that|this|these|those|them|it)\b", lowered) and (
            whole := re.search(r"(?:called|named|name it)\s+['\"]?([a-z0-9][\w -]{0,60}?)['\"]?\s*[.!?]*$", clean, flags=re.I)):
        name_match = whole  # "save that as a segment called french big spenders": every word after "called"
    spec = audience_spec(lowered.replace(name_match.group(1).lower(), " ") if name_match else lowered)
    reading = None
    if spec is None and name_match and state.audience_words and re.search(r"\b(that|this|these|those|them|it)\b", lowered):
        # "save that as a segment called uk-lapsed": the audience this thread last counted
        people = state.orders_of or state.audience_words  # after "what did they spend": the people, not the revenue question
        within = within_saved_segment(people, people.lower(), state)
        if within is not None and within.calls and "spec" in within.calls[0].arguments:
            # the last question was inside a saved segment: its spec and the conditions added to it
            spec = within.calls[0].arguments["spec"]
            reading = "Read as: save " + within.reading.removeprefix("Read as: ") + " as the segment"
        else:
            last = describe_audience(people)
            spec, reading = last.spec, f"Read as: save {last.reading} as the segment"
    if spec is None or not name_match:
        return Plan("create_segment", answer=messages.ASK_SEGMENT)
    name = re.sub(r"\s+", "-", name_match.group(1).strip().lower())
    described = describe_audience(lowered.replace(name_match.group(1).lower(), ' '))
    if reading is None and (unknown := [word for word in unused_words(lowered.replace(name_match.group(1).lower(), " "), described)
                                        if word not in name.replace("-", " ").replace("_", " ")]):
        # "save the uk big spenders as ...": a segment is kept and reused, so it is never saved
        # with words nobody read (it would be all UK contacts); asked instead
        return Plan("create_segment", answer=messages.SEGMENT_WORDS_UNREAD.format(words=", ".join(f"'{word}'" for word in unknown)))
    arguments: dict[str, Any] = {"name": name, "spec": spec}
    replacing = REPLACE_SEGMENT.search(lowered)
    if replacing:
        arguments["replace"] = True  # "..., overwrite the old one": a new version under the same name
    words = reading or f"Read as: save {described.reading} as the segment"
    if replacing:
        who = (reading or "").removeprefix("Read as: save ").removesuffix(" as the segment") or described.reading
        return Plan("create_segment", [PlannedCall("create_segment", arguments)],
                    reading=f"Read as: replace the saved segment '{name}' with {who} (a new version of it)")
    return Plan("create_segment", [PlannedCall("create_segment", arguments)], reading=f"{words} '{name}'")


# "overwrite the old one", "replace uk_whales with ...", "uk_whales should be ...": a saved segment redefined
REPLACE_SEGMENT = re.compile(r"\b(?:overwrite|overwriting|replace|replacing|redefine|fix it|update it|instead of the old one)\b|\bshould (?:be|contain|have)\b")
# "replace uk_whales with uk customers who ...", "no - uk_whales should be ...": the name, then the audience
REDEFINED = re.compile(r"^(?:no[,.\s-]*|actually[,\s]*|ok[,\s]*)*(?:(?:replace|redefine|change|update|overwrite|fix)\s+(?:the\s+)?(?:saved\s+)?(?:segment\s+)?"
                       r"['\"]?(?P<name>[a-z0-9][\w-]{1,60})['\"]?(?:\s+segment)?\s+(?:with|to|as|so it'?s|to be)\s+"
                       r"|['\"]?(?P<name2>[a-z0-9][\w-]{1,60})['\"]?(?:\s+segment)?\s+should (?:be|contain|have)\s+)(?P<audience>.+?)(?:[,.]?\s*(?:fix it|please|thanks))?[.!]*$")


def redefine_segment(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"replace uk_whales with uk customers who spent over 1000", "uk_whales should be ...": the
    saved segment's new definition (a new version; campaigns that use it get it at their next run)."""
    found = REDEFINED.match(lowered)
    if found is None:
        return None
    name = found.group("name") or found.group("name2")
    if not (re.search(r"[_-]", name) or name in (state.saved_segments or {})):
        return None  # "replace the subject with ..." names no segment
    return create_segment(f"create a segment called {name} of {found.group('audience')}, overwrite the old one",
                          f"create a segment called {name} of {found.group('audience')}, overwrite the old one", state)


def preview_named_segment(clean: str, lowered: str, state: ThreadState) -> Plan:
    name = mentioned_segment(lowered, state) or segment_name(clean)
    if not name:
        return how_many(clean, lowered, state)
    return saved_segment(name, remembered=True)


def export_audience(clean: str, lowered: str, state: ThreadState) -> Plan:
    """Exports need a saved segment: a described audience is saved (as a new version) first."""
    chosen = platform(lowered, EXPORT_PLATFORMS)
    if chosen is None:
        return Plan("export_audience", answer=messages.ASK_EXPORT_PLATFORM)
    arguments: dict[str, Any] = {"platform": chosen}
    leaving_out = ""
    # "..., and leave out anyone who converted in the last 30 days": the export's own exclusion
    match = (re.search(r",?\s*(?:and\s+)?\b(?:leave out|leaving out|excluding|exclude|except|minus|without|but not)\b[^.]*?"
                       r"(?:bought|converted|purchased|buyers|ordered)\D*(\d+)\s*(?:d|days?)\b.*", lowered)
             # "... but not anyone who bought in the last 30 days"; never "everyone who bought in the last 60 days"
             or re.search(r"\b(?:not|n't|haven't|hasn't|didn't|never|no)\b[^.]{0,30}?(?:bought|converted|purchased|buyers|ordered)\D*(\d+)\s*(?:d|days?)\b.*", lowered))
    if match:
        arguments["exclude_converted_within"] = f"{match.group(1)}d"
        leaving_out = f", leaving out anyone who ordered in the last {match.group(1)} days"
    if segment := mentioned_segment(lowered, state) or segment_name(clean):
        return Plan("export_audience", [PlannedCall("export_audience", {"segment": segment, **arguments})],
                    reading=f"Read as: export the saved segment '{segment}' to {chosen} (hashed){leaving_out}")
    campaign_segment = (state.sequence_request or {}).get("segment")
    if state.campaign_id is not None and campaign_segment and re.search(
            r"\b(?:this|that|its|the campaign'?s?|the flow'?s?|the sequence'?s?|[\w-]+ (?:campaign|flow|sequence)'s) (?:audience|segment|people|list)\b"
            r"|\b(?:its|this campaign'?s?) (?:audience|people)\b|\bexport (?:it|this|this one|that one)\b", lowered):
        # "export this audience to facebook" in a campaign's thread: that campaign's audience
        if isinstance(campaign_segment, str):
            return Plan("export_audience", [PlannedCall("export_audience", {"segment": campaign_segment, **arguments})],
                        reading=f"Read as: export campaign {state.campaign_id}'s audience, the saved segment '{campaign_segment}', to {chosen} (hashed){leaving_out}")
        name = f"{chosen}-campaign-{state.campaign_id}-audience"
        save = PlannedCall("create_segment", {"name": name, "spec": campaign_segment, "replace": True,
                                              "description": f"retargeting audience: campaign {state.campaign_id}'s audience"})
        return Plan("export_audience", [save, PlannedCall("export_audience", {"segment": name, **arguments})],
                    reading=f"Read as: export campaign {state.campaign_id}'s audience to {chosen} (hashed, as segment '{name}'){leaving_out}")
    audience = describe_audience(lowered[:match.start()] if match else lowered)
    if audience.spec is not None and state.audience_words and (
            ones := re.search(r"\b(?:the ones|those|them|these|the people)\s+(?P<who>(?:who|that)\b.+?)(?=\s+(?:to|for|on)\s+(?:meta|facebook|fb|instagram|google)\b|,|$)", lowered)):
        # "export the ones who didn't buy to meta" after a count: those of the people just counted
        before, who = state.audience_words.lower(), ones.group("who")
        said = re.search(r"\b(?:bought|ordered|purchased|placed an order|made a purchase)\b.*", clauses(before).get("order", ""))
        said = said.group(0).strip(" ,") if said else ""
        if said and NOT_ORDERED.search(who) and not NOT_ORDERED.search(said):
            # "... bought in the last 30 days" then "the ones who didn't buy": the same window, not bought
            when = time_of(said, zone_now())
            before = before.replace(said, " ")
            who += f" {when.source}" if when.any and not time_of(who, zone_now()).any else ""
        audience = describe_audience(f"{before} and {who}")
    if audience.spec is None and state.audience_words and re.search(
            r"\b(?:them|those|these|they|that list|this list|that audience|this audience|those people|that group|that segment)\b", lowered):
        # "export them to facebook" after a count: the people just counted
        people = state.orders_of or state.audience_words  # after "what did they spend": the people, not the revenue question
        within = within_saved_segment(people, people.lower(), state)
        if within is not None and within.calls and "name" in within.calls[0].arguments:
            segment = within.calls[0].arguments["name"]
            return Plan("export_audience", [PlannedCall("export_audience", {"segment": segment, **arguments})],
                        reading=f"Read as: export the saved segment '{segment}' to {chosen} (hashed){leaving_out}")
        if within is not None and within.calls:
            audience = Audience(within.calls[0].arguments["spec"], within.reading.removeprefix("Read as: "))
        else:
            audience = describe_audience(state.audience_words)
    if audience.spec is None and state.segment:
        return Plan("export_audience", [PlannedCall("export_audience", {"segment": state.segment, **arguments})],
                    reading=f"Read as: export this thread's segment '{state.segment}' to {chosen} (hashed){leaving_out}")
    spec = audience.spec or {"event": "Product Viewed", "within_last": "30d"}
    words = audience.reading if audience.spec else "contacts who viewed a product in the last 30 days (the default retargeting audience)"
    # One saved segment per audience, so exporting another audience does not overwrite this one.
    slug = "-".join(word for word in re.findall(r"[a-z0-9]+", words.lower())
                    if word not in ("contacts", "who", "and", "the", "a", "in", "have", "has", "of", "total"))
    name = f"{chosen}-{slug}"[:60].rstrip("-")
    save = PlannedCall("create_segment", {"name": name, "spec": spec, "replace": True,
                                          "description": f"retargeting audience: {clean[:200]}"})
    # "how many of those are in the UK?" next: the people exported, counted (never exported again)
    who = re.sub(r"^(?:please |can you |could you |pls )*(?:export|upload|push|sync|send|share|get)\s+", "",
                 (lowered[:match.start()] if match else lowered).strip())
    who = re.sub(r"\s+(?:to|for|on|into|in)\s+(?:meta|facebook|fb|instagram|ig|google|linkedin)\b.*$", "", who)
    return Plan("export_audience", [save, PlannedCall("export_audience", {"segment": name, **arguments})],
                reading=f"Read as: export {words} to {chosen} (hashed, as segment '{name}'){leaving_out}",
                audience_words=f"how many {who}" if audience.spec and who else None)


def special_exports(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    chosen = platform(lowered, EXPORT_PLATFORMS)
    arguments: dict[str, Any] = {"platform": chosen} if chosen else {}
    if re.search(r"suppress|exclusion (?:list|audience)|exclude (?:our |existing |recent )?(?:buyers|customers) from ads"
                 r"|\bexclude (?:them|those|these) from (?:our |the |my )?(?:\w+ )?ads|\bso (?:we|i) can exclude"
                 r"|\bto (?:exclude|suppress|leave out)\b.*\bfrom (?:our |the |my )?(?:\w+ )?ads\b", lowered):
        win = audience_window(lowered, zone_now())
        if win:
            arguments["within"] = window(win.hours)
        return Plan("export_buyer_suppression", [PlannedCall("export_buyer_suppression", arguments)],
                    reading="Read as: export the buyer suppression list" + (f" for {chosen}" if chosen else "")
                    + (f" (who ordered in the last {arguments['within']})" if "within" in arguments else ""))
    if re.search(r"look.?alike|seed (?:list|audience)|similar audience", lowered):
        if match := re.search(r"\btop\s+(\d+)|\b(\d+)\s+(?:best |top |biggest )?(?:customers|buyers|spenders)\b", lowered):
            arguments["top"] = int(match.group(1) or match.group(2))
        if re.search(r"\bmost orders\b|\bby (?:number of )?orders\b|\border count\b|\bmost frequent\b|\bordered the most\b", lowered):
            arguments["metric"] = "orders"
        return Plan("export_lookalike_seed", [PlannedCall("export_lookalike_seed", arguments)],
                    reading=f"Read as: export a lookalike seed of the top {arguments.get('top', 1000):,} customers by "
                            f"{arguments.get('metric', 'spend')}" + (f" for {chosen}" if chosen else ""))
    return None


def order_summary(clean: str, lowered: str, state: ThreadState) -> Plan:
    """Orders and revenue over a period; "from customers in Canada" counts only their orders,
    "orders over 300" only orders worth more than that."""
    who = EMAIL_RE.search(clean)
    by_country = BY_COUNTRY.search(lowered) if not who else None
    if by_country:
        lowered = lowered[:by_country.start()] + " " + lowered[by_country.end():]
    worth_limit, worth_words, lowered = order_worth(lowered)
    # "revenue all time", "their total revenue", "how much have they spent": ever, when no time is named
    spent = SPENT_QUESTION.search(lowered) or re.search(r"\b(?:all.time|ever|lifetime|to date|so far|in total|total (?:revenue|sales|spend))\b", lowered)
    # one person's orders, or every country's, with no time named: all of them (ten years is
    # older than any shop here)
    period, words = report_period(lowered, zone_now(), default="3650d" if who or by_country or spent else "7d")
    if spent and period == "3650d" and not (who or by_country):
        words = "ever (the last 10 years)"
    arguments: dict[str, Any] = {"period": period}
    if by_country:
        # "top countries by revenue", "which country has the most buyers": each country's orders, ranked
        arguments["by"] = "country"
        ranked_by = next((rank for pattern, rank in RANKS if re.search(pattern, by_country.group(0) + " " + lowered)), "revenue")
        if ranked_by != "revenue":
            arguments["rank"] = ranked_by
        words = ("ever (the last 10 years)" if period == "3650d" else words) + f", by country (ranked by {ranked_by.replace('_', ' ')})"
    arguments.update(worth_limit)
    whose = ""
    if who:
        arguments["segment"] = {"attribute": "email", "op": "eq", "value": who.group(0).lower()}
        words = "ever (the last 10 years)" if period == "3650d" else words
        # the thread remembers the question, so "and just in the last 30 days?" swaps its time
        return Plan("order_summary", [PlannedCall("order_summary", arguments)], audience_words=clean,
                    reading=f"Read as: the orders{worth_words} and revenue of {who.group(0)} {'in ' if words.startswith('the ') else ''}{words}")
    # the period is the summary's own, not the people's: its words are taken out first
    period_words = time_of(lowered, zone_now())
    found = time_words_in(lowered, period_words.source) if period_words.any else None
    if found:
        undated = lowered[:found.start()] + " " + lowered[found.end():]
    else:
        undated = re.sub(r"\b(?:in|over|during|for) (?:the )?(?:last|past) .*|\b(?:last|this) (?:week|month|year)\b.*"
                         r"|\bsince\b.*|\byesterday\b.*", "", lowered)
    match = re.search(r"\b(?:from|by|of|among|for)\s+((?:[\w-]+\s+){0,3}?(?:customers|buyers|people|subscribers|shoppers|contacts|"
                      r"clients)\b.*)", undated)
    # "how many orders did US customers place last week": the customers' words, without the orders'
    whose_words = match.group(1) if match else re.sub(
        r"\b(how many|how much|number of|orders?|ordered|place[sd]?|placing|bought|purchases?|purchased|revenue|sales|did|do|does|have|has|we|get|got|make|made"
        r"|spend|spent|bring in|brought in|generate[sd]?"
        r"|and|from|aov|average order value|avg order value|whats|what's|what|our|is|was)\b", " ", undated) if re.search(
        r"\b(customers|people|subscribers|shoppers|contacts|clients|buyers|purchasers|first.?time|repeat|new)\b", undated) \
        or place_words(undated) or countries_in(undated)[0] else None
    if segment := mentioned_segment(lowered, state):
        # "how many orders did the vip segment place last month": that saved segment's orders
        arguments["segment"] = segment
        whose, whose_words = f" by the saved segment '{segment}'", None
    if whose_words:
        # "german revenue", "uk orders": a bare country or people of one is where the buyers live
        audience = describe_audience(as_place_phrase(whose_words.strip()))
        if audience.spec is None and place_words(f"in {whose_words.strip()}"):
            audience = describe_audience(f"people in {whose_words.strip()}")  # "orders from texas": a state alone
        if audience.spec == {"event": ORDER}:
            audience.spec = None  # "buyers": whoever placed the orders counted, already
        if audience.spec is not None:
            arguments["segment"] = audience.spec
            whose = f" by {audience.reading}"
    return Plan("order_summary", [PlannedCall("order_summary", arguments)],
                reading=f"Read as: orders{worth_words} and revenue{whose} {'in ' if words.startswith('the ') or words[:1].isupper() else ''}{words}", audience_words=clean)


# "how much did german customers spend last month", "what did lapsed_north_america spend this
# year": their orders ("how much has he spent" is a person's, read with the person)
SPENT_QUESTION = re.compile(r"\b(?:how much|what) (?:did|have|has|do|does) (?:the |our |all )?(?!(?:he|she|they|we|i|you|it) )(?:[\w-]+ ){1,4}?"
                            r"(?:spend|spent)\b"
                            # "how much revenue did the fr_loyal segment bring in": that saved segment's orders
                            r"|\b(?:revenue|sales|spend|spent)\b.*\b(?:the |our )?[\w-]+ segment\b(?!.*\b(?:export|campaign)\b)"
                            # "how much revenue did customers in france bring in": those people's orders
                            r"|\b(?:how much|revenue|sales)\b.*\b(?:customers|buyers|shoppers|people|clients) (?:in|from)\b.*\b(?:bring|brought|generate|make|made)\b")
# "who would get it now?" in a campaign's thread: its audience now (how_many gives the preflight)
WHO_GETS_IT = r"^(?:so |ok |and |but )?who(?:'d| would| will| is going to| are going to)? (?:get|gets|receive|receives|be getting) (?:it|this|that|these|them)\b"
# "top countries by revenue", "revenue by country", "which country has the most orders", "break it down by country"
BY_COUNTRY = re.compile(r"\b(?:(?:by|per|for each|each|every|across|in each) countr(?:y|ies)|(?:which|what|top|best|biggest|leading|highest|our top"
                        r"|the top) (?:\d+ )?(?:countr(?:y|ies)|markets?)(?: (?:has|have|had|brought|drove|made|gives?|gave|spends?|spent|orders?|ordered|bought|buys)\b)?"
                        r"|\b(?:biggest|best|top|largest|strongest) markets?\b"
                        r"|country (?:breakdown|split|by country)|break(?:ing)? (?:it |that |this |them )?down\b[^.]*?\bcountr(?:y|ies))\b")
RANKS = ((r"\b(?:aov|average order value|average basket|avg order)\b", "average_order_value"),
         (r"\b(?:most|how many|number of) (?:customers|buyers|shoppers|people|purchasers)\b|\bby (?:customers|buyers|shoppers|people)\b", "buyers"),
         (r"\b(?:most|how many|number of) orders\b|\bby (?:orders|order count|number of orders)\b|\bmost purchases\b", "orders"))


# An order's own value in an order question: "orders over 300 bucks", "orders under $50".
def consent_question(clean: str, lowered: str, state: ThreadState) -> Plan:
    """"can we email people who never opted in?": the rule, said, and how many it concerns."""
    spec: dict[str, Any] = {"attribute": "email_consent", "op": "in", "value": ["none", "opt_out"]}
    # "can we email ppl in the uk who never opted in?": those people, wherever the question puts them
    asked = describe_audience(lowered)
    others = [part for part in (asked.spec.get("all", [asked.spec]) if asked.spec else []) if part != spec and part != {"attribute": "email", "op": "exists"}]
    spec = {"all": [spec, *others]} if others else spec
    who = asked.reading if others else "contacts without email consent"
    return Plan("how_many", [PlannedCall("preview_segment", {"spec": spec})],
                reading=f"Read as: a question about consent for {who}. In the EU/EEA, the UK and Canada, not without consent "
                        "(opt-in, soft opt-in from a purchase, or in Canada a purchase in the last two years); elsewhere "
                        "the CAN-SPAM opt-out model applies unless NUDGE_OPTIN_EVERYWHERE is set, and an opted-out or "
                        "suppressed address is never emailed. The reachable figure below applies those rules to them")

"""Messages read against the thread's last turn rather than on their own: an answer to the
question Nudge just asked ("people with 5 or more orders" after "who counts as a VIP?"), the
orders of the people just counted ("what's their total revenue in october"), and a comparison
whose second side is read as a follow-up of the first ("revenue this month vs last month").

Each is given the planner itself (`replan`, bot.engine.planner.choose's) to plan the request it
rebuilds, so the rebuilt request is read exactly as if the marketer had typed it.
"""

from __future__ import annotations

import re
from typing import Callable

from bot.engine.memory import ThreadState
from bot.engine.planner.conditions import time_of, time_words_in
from bot.engine.planner.dates import zone_now
from bot.engine.planner.extract import describe_audience
from bot.engine.planner.plans import Plan
from bot.engine.planner.refine import ORDER_QUESTION, refined_question
from bot.engine.planner.vocabulary import countries_in, regions_in

Replan = Callable[[str, ThreadState], Plan]
READ_ONLY_COUNTS = {"preview_segment", "order_summary"}


# "revenue this month vs last month", "orders in germany compared to france", "compare q3 and q4
# revenue": the question asked for each side, the second side read as a follow-up of the first
COMPARED = re.compile(r"^(?:compare\s+)?(?P<first>.+?)\s*(?:\bvs\.?|\bversus|\bcompared (?:to|with)|\bagainst|\bcompare[sd]? (?:to|with))\s+(?P<second>.+?)[?.!]*$")
COMPARE_BOTH = re.compile(r"^compare\s+(?P<first>.+?)\s+(?:and|with|to)\s+(?P<second>.+?)[?.!]*$")


def answering(clean: str, state: ThreadState, replan: Replan) -> Plan | None:
    """The request Nudge asked about, completed by this reply ("people with 5 or more orders"
    after "who counts as 'our vip customers'?"); None when the reply is a request of its own."""
    said = re.sub(r"^(?:ok |okay |so |well |hmm,? |i mean |i'd say |let'?s say |say |just )*", "", clean.strip(" .!"), flags=re.I)
    said = re.sub(r"^(?:to |for )?(?:(?:it'?s|they'?re|that'?s|those are|that means|means)\s+)?", "", said, flags=re.I)
    if len(said.split()) > 14 or describe_audience(said).spec is None or re.match(r"(?:how|what|which|who|why|show|build|create|send|make)\b", said, re.I):
        return None
    said = re.sub(r"^(?:their |a |the )?first (?:order|purchase)\b", "people who made their first order", said, flags=re.I)  # "first order this month"
    request, group = state.pending.get("text", ""), state.pending.get("group", "")
    found = re.search(rf"(?:\b(?:our|the|all|my)\s+)*\b{re.escape(group)}(?:\s+(?:customers|buyers|shoppers|clients|people|members|fans))?\b",
                      request, flags=re.I) if group else None
    if found is None:
        return None
    completed = f"{request[:found.start()]}{said}{request[found.end():]}"
    built = replan(completed, ThreadState(**{**state.to_dict(), "pending": None}))
    return built if built.calls else None


# "what's their total revenue in october", "how much did they spend last month": the orders of
# the people the thread just counted
THEIR_ORDERS = re.compile(r"\b(?:their|they|them|those|these)\b.*\b(?:revenue|sales|spend|spent|orders?|aov|average order value)\b"
                          r"|\b(?:revenue|sales|orders|aov)\b.*\b(?:their|they|them|those|these)\b")


def last_counted(state: ThreadState, replan: Replan) -> tuple[dict | str, str] | None:
    """The people the thread's last question counted: their spec, or a saved segment's name
    ("how many are in fr_loyal"), with the words that read them; None when it counted nobody."""
    if not state.audience_words:
        return None
    counted = replan(state.audience_words, ThreadState(**{**state.to_dict(), "audience_words": None}))
    if not (counted.calls and counted.calls[0].name == "preview_segment"):
        return None
    found = counted.calls[0].arguments.get("spec") or counted.calls[0].arguments.get("name")
    words = (counted.reading or "").removeprefix("Read as: ").removeprefix("a look at ").removesuffix(" (read only)")
    return (found, words) if found else None


def their_orders(lowered: str, state: ThreadState, replan: Replan) -> Plan | None:
    people = state.orders_of or state.audience_words  # their orders asked about again: the same people
    if not (people and THEIR_ORDERS.search(lowered)) or ORDER_QUESTION.search(people.lower()):
        return None
    if re.search(r"\bhow many\b(?! orders\b)", lowered) and re.search(r"\d", lowered):
        return None  # "how many of them spent 1k+ all time": those people with that spend, counted
    if (last := last_counted(ThreadState(**{**state.to_dict(), "audience_words": people}), replan)) is None:
        return None
    spec, who = last
    asked = re.sub(r"\b(?:their|they|them|those|these)(?: people| customers| contacts)?\b|\b(?:from|by|of)\s*(?=\s|$)", " ", lowered)
    asked = re.sub(r"\s+", " ", asked if re.search(r"\b(?:revenue|sales|orders?|aov)\b", asked) else f"revenue {asked}").strip()
    built = replan(asked, ThreadState(**{**state.to_dict(), "audience_words": None, "orders_of": None}))
    if not (built.calls and built.calls[0].name == "order_summary") or "segment" in built.calls[0].arguments:
        return None
    return _of_the_counted(built, spec, who, asked, people)


def still_their_orders(built: Plan, state: ThreadState, replan: Replan) -> Plan:
    """A follow-up of a question about the counted people's orders ("and october?" after "what's
    their revenue in november"): the same people's orders, as long as it asks about orders."""
    if not (state.orders_of and built.calls and built.calls[0].name == "order_summary") or "segment" in built.calls[0].arguments:
        return built
    if (last := last_counted(ThreadState(**{**state.to_dict(), "audience_words": state.orders_of}), replan)) is None:
        return built
    return _of_the_counted(built, *last, built.audience_words, state.orders_of)


def _of_the_counted(built: Plan, spec: dict | str, who: str, asked: str | None, people_words: str) -> Plan:
    built.calls[0].arguments["segment"] = spec
    built.reading = (built.reading or "").replace(" and revenue", f" and revenue by {who}", 1)
    built.audience_words, built.orders_of = asked, people_words
    built.words_all_read = True
    return built


def compared(clean: str, state: ThreadState, replan: Replan) -> Plan | None:
    lowered = clean.lower()
    sides = COMPARED.match(lowered) or COMPARE_BOTH.match(lowered)
    if not sides:
        return None
    first_words, second_words = sides.group("first"), sides.group("second")
    if (shared := re.search(r"\s+(?:for|in|from|among|by)\s+(?:the\s+)?(?P<who>[\w' -]{2,40})$", second_words)) and (
            countries_in(shared.group("who"))[0] or regions_in(shared.group("who"))) and not (countries_in(first_words)[0] or regions_in(first_words)):
        first_words += shared.group(0)  # "revenue this month vs last month for germany": germany on both sides
    later = time_of(second_words, zone_now())
    if later.any and not time_of(first_words, zone_now()).any and (said := time_words_in(second_words, later.source)) and said.end() >= len(second_words.rstrip(" ?.!")) - 1:
        first_words += f" {said.group(0)}"  # "revenue in germany vs france last month": last month on both sides
    first = replan(first_words, state)
    spoken = second_words if second_words.startswith(("in ", "during ", "for ")) else f"in {second_words}"
    if not first.calls and (when := time_of(spoken, zone_now())).any and (found := time_words_in(spoken, when.source)):
        # "compare november and october revenue": what is compared is said once, after both
        measure = re.sub(r"^(?:in|during|for)\s+", "", (spoken[:found.start()] + " " + spoken[found.end():]).strip())
        first = replan(f"{measure} in {first_words}", state) if measure else first
    if not (first.calls and all(call.name in READ_ONLY_COUNTS for call in first.calls)):
        return None
    after = ThreadState(**{**state.to_dict(), "audience_words": first.audience_words or first_words})
    refined = refined_question(f"what about {second_words}", after)
    second = replan(refined, ThreadState(**{**state.to_dict(), "audience_words": None})) if refined else None
    if not (second and second.calls and all(call.name in READ_ONLY_COUNTS for call in second.calls)) or second.calls == first.calls:
        return None
    # both sides, each whole, so "what about german customers only" changes both
    return _both(first, second, first.audience_words or first_words, second.audience_words or refined)


BOTH_SIDES = " || compared with || "


def compared_again(text: str, state: ThreadState, replan: Replan) -> Plan | None:
    """A follow-up of a comparison ("what about german customers only" after "revenue yesterday vs
    the day before"): each side changed as the follow-up says, both answered again."""
    if BOTH_SIDES not in (state.audience_words or ""):
        return None
    sides = state.audience_words.split(BOTH_SIDES, 1)
    if (pair := COMPARED.match(text) or COMPARE_BOTH.match(text)) and not re.match(r"^(?:and |so |ok )*(?:how|what)\b.*\bcompare", text):
        # "what about spain vs italy" after "germany compared to france": the first side's question, asked of each new side
        opener = re.sub(r"^(?:and |so |ok |now )*(?:what|how) about\s+", "", pair.group("first"))
        changed = [refined_question(f"what about {words}", ThreadState(**{**state.to_dict(), "audience_words": sides[0]}))
                   for words in (opener, pair.group("second"))]
    else:
        changed = [refined_question(text, ThreadState(**{**state.to_dict(), "audience_words": side})) for side in sides]
    if None in changed:
        return None
    plans = [replan(side, ThreadState(**{**state.to_dict(), "audience_words": None})) for side in changed]
    if not all(plan.calls and all(call.name in READ_ONLY_COUNTS for call in plan.calls) for plan in plans):
        return None
    return _both(*plans, *changed)


# "and how does that compare to september", "compare that with last year", "vs france?": the
# thread's last question beside the same question changed as the follow-up says
COMPARE_TO_LAST = re.compile(r"^(?:and |so |ok |now )*(?:how (?:does|do|did|would) (?:that|this|it|those|these) (?:compare|stack up|look) (?:to|with|against|next to)"
                             r"|compare (?:that|this|it|those|these) (?:to|with|against)|(?:vs\.?|versus|compared (?:to|with)|against))\s+(?P<other>.+?)[?.!]*$")


def compared_to_last(text: str, state: ThreadState, replan: Replan) -> Plan | None:
    if not (state.audience_words and (other := COMPARE_TO_LAST.match(text))) or BOTH_SIDES in state.audience_words:
        return None
    fresh = ThreadState(**{**state.to_dict(), "audience_words": None})
    first = replan(state.audience_words, fresh)
    refined = refined_question(f"what about {other.group('other')}", state)
    second = replan(refined, fresh) if refined else None
    if not (first.calls and second and second.calls) or not all(call.name in READ_ONLY_COUNTS for call in first.calls + second.calls) or first.calls == second.calls:
        return None
    return _both(first, second, state.audience_words, refined)


def _both(first: Plan, second: Plan, first_words: str, second_words: str) -> Plan:
    """One answer for the two sides of a comparison, the thread keeping both sides' words."""
    return Plan(first.intent, first.calls + second.calls,
                reading=f"{first.reading}; compared with: {(second.reading or '').removeprefix('Read as: ')}",
                unused=first.unused + second.unused, audience_words=f"{first_words}{BOTH_SIDES}{second_words}")

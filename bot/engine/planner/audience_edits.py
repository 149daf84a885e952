"""Follow-ups that change a campaign's audience in place: the places ("add switzerland and the
netherlands too", "widen it to the UK", "make it US only", "exclude canada"), one more condition
("only customers who spent over 200", "only for orders over 100"), people left out ("leave out
anyone who bought in the last 30 days", "but not the ones who've ordered since bf") and a new
audience ("make it people who joined in the last 6 months"; a flow's new stage stays an
abandonment). Its window or one condition alone: bot.engine.planner.condition_edits.

Each edit keeps what the marketer did not mention: the campaign's other conditions stay, and
the reply's "Read as" line says the audience as it is now, with its preflight after it.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.conditions import time_of
from bot.engine.planner.dates import zone_now
from bot.engine.planner.extract import ORDER, describe_audience
from bot.engine.planner.follow_ups import (
    campaign_edit,
    follow_up_refusal,
    on_named_campaign,
)
from bot.engine.planner.places import as_place_phrase
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import countries_after, with_countries
from bot.engine.planner.steps import thread_request
from bot.engine.planner.vocabulary import EXCLUDE_VERBS, countries_in, regions_in
from tools.core import windows

# "leave out anyone who bought in the last 30 days", "exclude people who ordered this week from this campaign"
EXCLUDED_PEOPLE = re.compile(r"(?:\b(?:exclude|excluding|leave out|leaving out|drop|remove|skip|take out|minus|without)"
                             r"|^(?:but |and |ok |also |oh |plus )*(?:not|except(?: for)?|apart from|other than))\s+(?:anyone|everyone|anybody"
                             r"|people|those|customers|contacts|buyers|shoppers|subscribers|the ones|all)\s+(?:who|that|which)(?:'ve|'re| have| are)?\s+(?P<who>.+?)"
                             r"(?:\s+from (?:this|the|our|that|it)(?: \w+)?)?\s*[.!?]*$")


@on_named_campaign
def exclude_countries(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    codes = countries_after(lowered, EXCLUDE_VERBS)
    region = re.search(rf"\b(?:{EXCLUDE_VERBS})\b\s+(?:people |anyone |those |contacts )?(?:in |from )?(?P<where>[^.;,]+)", lowered)
    region = region if region and not codes and regions_in(region.group("where")) else None
    if not codes and state.campaign_id is not None and (region or (people := EXCLUDED_PEOPLE.search(lowered))):
        # people who did something, or who live in a state or province, left out of the campaign's audience
        request = thread_request(state)
        left = describe_audience("people in " + region.group("where") if region else _in_flow_window("people who " + people.group("who"), request.get("segment")))
        parts = [part for part in (left.spec["all"] if left.spec and set(left.spec) == {"all"} else [left.spec] if left.spec else [])
                 if part != {"attribute": "email", "op": "exists"}]
        if not parts or not isinstance(request.get("segment"), dict):
            return None
        old = list(request["segment"]["all"]) if set(request["segment"]) == {"all"} else [request["segment"]]
        left_out = {"not": parts[0] if len(parts) == 1 else {"all": parts}}
        built = campaign_edit(state, {"segment": {"all": old + [left_out]}}, "the same audience, leaving out " + left.reading)
        built.calls.append(PlannedCall("preflight", {"campaign": str(state.campaign_id)}))
        return built
    if not codes:
        return None
    if refusal := follow_up_refusal(state):
        return refusal
    request = thread_request(state)
    if not isinstance(request.get("segment"), dict):
        return Plan("update_sequence", answer=messages.NOTHING_TO_REFER)
    segment = with_countries(request["segment"], [], codes)
    return campaign_edit(state, {"segment": segment}, "the same audience, not in " + ", ".join(codes))


@on_named_campaign
def narrow_audience(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"only customers who spent over 200", "just the ones in Germany": the thread's campaign keeps
    its audience and adds the condition (declines when the thread has no campaign: then it is a
    look at that audience)."""
    if state.campaign_id is None:
        return None
    added = describe_audience(_in_flow_window(lowered, thread_request(state).get("segment")))
    if added.spec is None and countries_in(lowered)[0]:
        added = describe_audience(as_place_phrase(lowered))  # "just the french ones"
    if added.spec is None:
        return None
    if refusal := follow_up_refusal(state):
        return refusal
    segment = thread_request(state).get("segment")
    if not isinstance(segment, dict):
        return Plan("update_sequence", answer=messages.NOTHING_TO_REFER)
    new = [part for part in (added.spec["all"] if set(added.spec) == {"all"} else [added.spec])
           if part != {"attribute": "email", "op": "exists"}]
    old = list(segment["all"]) if set(segment) == {"all"} else [segment]
    if any(place_part(part) for part in new):
        old = [part for part in old if not place_part(part)]  # "make it US only": the new places replace the old
    valued = next((part for part in new if part.get("event") == ORDER and part.get("where") and set(part) == {"event", "where"}), None)
    ordered = next((part for part in old if part.get("event") == ORDER and part.get("did") is not False and not part.get("where")), None)
    if valued is not None and ordered is not None:
        # "only for orders over 100" after "ordered in the last 24 h": that order is over 100
        old = [{**part, "where": valued["where"]} if part is ordered else part for part in old]
        new = [part for part in new if part is not valued]
    built = campaign_edit(state, {"segment": {"all": old + new}}, "the same audience, and only " + added.reading)
    built.calls.append(PlannedCall("preflight", {"campaign": str(state.campaign_id)}))  # how many that is now
    return built


# "add switzerland and the netherlands too", "make it germany, austria and the netherlands": a
# message that is only places, for a campaign's audience
PLACES_ONLY = re.compile(r"^(?:please |ok |okay |and |also |actually |hmm,? |can you |could you |let's )*(?:(?P<add>add|include|also include|plus|throw in|what about|how about"
                         r"|(?:widen|expand|extend|broaden|open)(?: it| this| that| the audience)?(?: up)? to(?: include)?)|make it|make that"
                         r"|change it to|switch it to|just|only)\s+(?:(?:people|customers|contacts|shoppers|folks|buyers|anyone|those|ones|the ones)"
                         r" (?:in|from) )?(?P<places>[a-z .,&/'-]{2,80}?)(?:\s+(?:too|as well|also|instead|only|then))*[.!]*$")


@on_named_campaign
def place_list(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """A message naming only places (countries, states, regions), for the thread's campaign:
    "add ... too" adds them to the audience's places, "make it ..." makes them its places; the
    rest of the audience stays."""
    match = PLACES_ONLY.match(lowered)
    if state.campaign_id is None or match is None:
        return None
    if match.group("add") and match.group("add").startswith(("what", "how")) and not re.search(r"\b(?:too|as well|also)\b", lowered):
        return None  # "what about france?" alone asks; "what about austria and switzerland too" adds
    said = match.group("places")
    words = countries_in(said)[1] + [name for _, _, name in regions_in(said)]
    named = [w for w in re.findall(r"[a-z]+", said) if w not in ("and", "or", "the", "plus", "also")]
    if not words or len(" ".join(words).split()) < len(named):
        return None  # other words than places: another reading
    new = [part for part in _parts(describe_audience("people in " + said).spec) if place_part(part)]
    segment = thread_request(state).get("segment")
    if not new:
        return None
    if not isinstance(segment, dict):
        return Plan("update_sequence", answer=messages.NOTHING_TO_REFER)
    old = _parts(segment)
    kept = [part for part in old if not place_part(part)]
    if match.group("add") and len(kept) == len(old):
        # "widen it to the UK too" when no place limits it: it already reaches them, and narrowing
        # it to the places named would do the opposite of what was asked
        return Plan("update_sequence", answer=messages.ALREADY_EVERYWHERE.format(
            campaign=state.campaign_id, places=merged_places(new)[1]))
    places = merged_places([part for part in old if place_part(part)] + new if match.group("add") else new)
    built = campaign_edit(state, {"segment": {"all": kept + places[0]}}, f"the same audience, now only contacts in {places[1]}")
    built.calls.append(PlannedCall("preflight", {"campaign": str(state.campaign_id)}))
    return built


def _in_flow_window(words: str, segment: Any) -> str:
    """`words` with the flow's own window when they name a stage and no time ("only the ones whose
    cart was over 150", "exclude people who added to their cart"): the flow's, not a default 24 h."""
    if not isinstance(segment, dict) or time_of(words, zone_now()).any or not describe_audience(words).stage:
        return words
    sliding, span = flow_window(segment)
    if sliding is None:
        return f"{words} since {span[0][:10]}" if span else words
    number, unit = int(sliding[:-1]), sliding[-1]
    return f"{words} in the last {number} {'hours' if unit == 'h' else 'days' if unit == 'd' else 'weeks'}"


def flow_window(spec: Any) -> tuple[str | None, list[str] | None]:
    """The first window a segment spec's conditions name, walked in order: a sliding one
    ("72h") or else a calendar span ([start, end]); (None, None) when none has one."""
    if isinstance(spec, list):
        found = [flow_window(item) for item in spec]
        return next((pair for pair in found if pair[0]), next((pair for pair in found if pair[1]), (None, None)))
    if not isinstance(spec, dict):
        return None, None
    if isinstance(spec.get("within_last"), str):
        return spec["within_last"], None
    inner = [spec[key] for key in ("all", "any", "not") if key in spec]
    own = (None, spec["between"]) if isinstance(spec.get("between"), list) else (None, None)
    below = flow_window(inner) if inner else (None, None)
    return below if below[0] else own if own[1] else below


def _parts(spec: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not spec:
        return []
    return [part for part in (spec["all"] if set(spec) == {"all"} else [spec]) if part != {"attribute": "email", "op": "exists"}]


def merged_places(parts: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Place conditions as one: the countries, and each country's regions ("in CA, NY and MA"),
    with the words for them; a condition that leaves places out is kept as it is."""
    countries: set[str] = set()
    regions: dict[str, list[str]] = {}
    other: list[dict[str, Any]] = []

    def collect(part: dict[str, Any]) -> None:
        if part.get("attribute") == "country" and part.get("op") == "in":
            countries.update(part["value"])
        elif part.get("attribute") == "country" and part.get("op") == "eq":
            countries.add(part["value"])
        elif "all" in part and any(p.get("attribute") == "region" for p in part["all"]):
            country = next(p["value"] for p in part["all"] if p.get("attribute") == "country")
            values = next(p["value"] for p in part["all"] if p.get("attribute") == "region")
            regions.setdefault(country, [])
            regions[country] += [value for value in values if value not in regions[country]]
        elif "any" in part:
            for child in part["any"]:
                collect(child)
        else:
            other.append(part)

    for part in parts:
        collect(part)
    countries -= set(regions)
    groups = [{"all": [{"attribute": "country", "op": "eq", "value": country}, {"attribute": "region", "op": "in", "value": values}]}
              for country, values in sorted(regions.items())]
    if countries:
        groups.append({"attribute": "country", "op": "in", "value": sorted(countries)})
    words = ", ".join([f"{country}-{value}" for country, values in sorted(regions.items()) for value in values if value.isupper()]
                      + sorted(countries))
    return other + ([groups[0]] if len(groups) == 1 else [{"any": groups}] if groups else []), words


@on_named_campaign
def replace_audience(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"change the audience to repeat customers who haven't ordered in 90 days": a new audience
    for the thread's campaign, as described, and how many that is now."""
    if state.campaign_id is None:
        return None
    match = re.search(r"\baudience\b.*?\b(?:to|be|is|as)\b\s+(.+)$", lowered) or re.match(
        r"^(?:please |ok |actually |so )*make the audience\s+(.+)$", lowered)  # "make the audience people who ordered ..."
    # "no - 2+ orders in total, and no order in the past 90 days": a correction of the audience
    match = match or re.match(r"^(?:no|nope|not quite|wrong|not that)\b[\s,.:;-]+(.+)$", lowered)
    # "nobody signed up this week, so make it people who joined in the last 6 months instead"
    match = match or re.search(r"\b(?:make it|send it to|target|switch (?:it )?to|change (?:it )?to|widen (?:it )?to|broaden (?:it )?to|expand (?:it )?to"
                               r"|open (?:it )?up to|(?:it|the audience|this|that) (?:should|must|needs to|has to) (?:only )?(?:be|go to|target|reach)(?: only)?)"
                               r"\s+((?:people|customers|contacts|subscribers|shoppers"
                               r"|buyers|anyone|everyone|those|folks|users)\b.+?)(?:\s*,?\s*instead)?$", lowered)
    # "what about france instead of north america?": other places for the same audience
    # ("what about germany?" alone is a question, and changes nothing)
    swap = re.match(r"^(?:what|how) about (?:just |only )?(.+?)\s*,?\s*instead(?: of .*)?\??$", lowered)
    words = (match or swap).group(1) if match or swap else ""
    words = as_place_phrase(words) if swap else words  # a bare "france"
    added = describe_audience(words) if words else None
    if words and (added is None or added.spec is None) and (regions_in(words) or countries_in(words)[0]):
        added = describe_audience("people in " + re.sub(r"\s+only$", "", words))  # "switch the audience to texas only"
    if added is None or added.spec is None:
        return None
    parts = [part for part in (added.spec["all"] if set(added.spec) == {"all"} else [added.spec])
             if part != {"attribute": "email", "op": "exists"}]
    if parts and all(place_part(part) for part in parts):
        # "switch the audience to france only": only the places change, the rest of it stays
        return narrow_audience(clean, words if describe_audience(words).spec else "people in " + words, state)
    if swap:
        return None
    if refusal := follow_up_refusal(state):
        return refusal
    segment = thread_request(state).get("segment")
    old = (list(segment["all"]) if set(segment) == {"all"} else [segment]) if isinstance(segment, dict) else []
    if "stage" in added.kinds and any(_trigger_part(part) for part in old):
        # a flow's new stage is an abandonment, as every flow's is ("people who started checkout in
        # the last 3 days" are the ones who have not ordered since), never everyone who did it
        old_window = flow_window([part for part in old if _trigger_part(part)])[0]
        if old_window and not time_of(words, zone_now()).any:
            # "it should only be people who started checkout": over the flow's own window, not the stage's default
            hours = max(1, int(windows.duration(old_window).total_seconds() // 3600))
            added = describe_audience(words, default=added.stage, default_stage_hours={added.stage: hours})
        else:
            added = describe_audience(words, default=added.stage)
        parts = [part for part in _parts(added.spec)]
        if parts and all(_trigger_part(part) for part in parts):
            # only the trigger named: the audience's other conditions (places, values) stay
            kept = [part for part in old if not _trigger_part(part)]
            trigger_window = next((part.get("within_last") for part in parts if "since" in part), None) or next(
                (child.get("within_last") for part in parts for child in part.get("any", []) if "since" in child), None)
            if trigger_window and (moved := [_companion_window(part, trigger_window) for part in kept]) != kept:
                # "make it people who viewed in the last 3 days": "and no cart add" goes with the view, over the same window
                kept = moved
                added.reading += " (and no cart add in that time)"
            valued = next((part for part in old if _trigger_part(part) and part.get("where")), None)
            if valued is not None and len(parts) == 1 and "since" in parts[0] and not parts[0].get("where"):
                parts = [{**parts[0], "where": valued["where"]}]  # "carts over 100" unsaid: still so
            kept_words = ["its cart value"] * (valued is not None and "where" in parts[0]) + ["its other conditions"] * bool(kept)
            built = campaign_edit(state, {"segment": {"all": kept + parts} if kept or valued else parts[0]},
                                  f"the same audience, now {added.reading}" + (f" ({' and '.join(kept_words)} kept)" if kept_words else ""))
            built.calls.append(PlannedCall("preflight", {"campaign": str(state.campaign_id)}))
            return built
    spec, reading = added.spec, "a new audience: " + added.reading
    ordered = any(part.get("event") == ORDER and part.get("did") is not False and (part.get("within_last") or part.get("between")) for part in parts)
    # (a win-back's lapse is no trigger for a new audience that names its own orders)
    if triggers := [part for part in old if _trigger_part(part) and not (ordered and "inactive_for" in part)] if "stage" not in added.kinds else []:
        # "make it customers in the UK who spent over 100" for a cart flow: still the UK's cart
        # abandoners; the flow's trigger is what it is for, and only a new stage replaces it
        spec = {"all": triggers + parts}
        reading += f", still only those who {_trigger_words(triggers)} (the flow's trigger)"
    built = campaign_edit(state, {"segment": spec}, reading)
    built.calls.append(PlannedCall("preflight", {"campaign": str(state.campaign_id)}))
    return built


def _companion_window(part: dict[str, Any], window_said: str) -> dict[str, Any]:
    """A stage's companion condition ("has not added to cart", in a window) over `window_said`;
    any other condition as it is."""
    inner = part.get("not")
    if isinstance(inner, dict) and inner.get("event") not in (None, ORDER) and "within_last" in inner:
        return {"not": {**inner, "within_last": window_said}}
    return part


TRIGGER_EVENTS = {"Product Added": "added to cart", "Checkout Started": "started checkout", "Product Viewed": "viewed a product"}


def _trigger_words(parts: list[dict[str, Any]]) -> str:
    """"added to cart or started checkout in the last 24h": what a flow's trigger conditions say."""
    said: list[str] = []
    window = ""
    for part in parts:
        for one in part.get("all") or part.get("any") or [part]:
            if one.get("inactive_for"):
                said.append(f"have not ordered in {one['inactive_for']}")
            elif (words := TRIGGER_EVENTS.get(one.get("since", ""))) and words not in said:
                said.append(words)
                window = window or (f" in the last {one['within_last']}" if one.get("within_last") else "")
    return " or ".join(said) + window if said else "entered on its event"


def _trigger_part(part: dict[str, Any]) -> bool:
    """A condition that enters contacts on an event they just did ("added to cart in the last 24 h
    and has not ordered since"): an abandonment flow's trigger."""
    if "since" in part:
        return True
    children = part.get("all") or part.get("any") or []
    return bool(children) and all(_trigger_part(child) for child in children)


def place_part(part: dict[str, Any]) -> bool:
    """A condition on where contacts are (country or region, included or left out)."""
    if part.get("attribute") in ("country", "region"):
        return True
    children = part.get("all") or part.get("any") or ([part["not"]] if "not" in part else [])
    return bool(children) and all(place_part(child) for child in children)

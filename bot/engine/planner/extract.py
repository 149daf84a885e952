"""Slots: the audience words of a request (places, windows, dates, spend, order counts, consent,
sign-up date, funnel stage), composed into a segment spec with a plain-words reading.

The planner's intents ask this module for the audience a sentence describes and get back the
spec (in tools.audience.spec's language), a plain-words `reading` of it, and the words it used,
so the reply can say how the request was read. Funnel stages take their shapes from
tools.audience.recipes, so "cart abandoners" means the same here as everywhere else. The words
themselves live in bot.engine.planner.vocabulary, the time words in bot.engine.planner.dates and
each condition's reader in bot.engine.planner.conditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.engine.planner.conditions import (
    EVER,
    EXCLUDED_ORDER,
    NOT_ORDERED,
    ONE_TIME,
    Time,
    attach,
    bare_days,
    clauses,
    consent_condition,
    first_position,
    lapsed_window,
    list_status_condition,
    order_count,
    ordered_but_not,
    signup_condition,
    spend_condition,
    time_of,
    window_words,
)
from bot.engine.planner.dates import Window, window, words_window, zone_now
from bot.engine.planner.places import place_conditions, state_people
from bot.engine.planner.stages import (
    ABANDONED,
    CART_VALUE,
    NOT_ADDED,
    about_product,
    bought_products,
    in_period,
    product_filter,
    retimed,
    since_start,
    stage_of,
)
from bot.engine.planner.vocabulary import (
    countries_in,
    regions_in,
    words_to_numbers,
)
from tools.audience import recipes

ORDER = recipes.ORDER
FIRST_ORDER = re.compile(r"\bfirst (?:ever )?(?:orders?|purchases?)\b")
EARLIEST = "2000-01-01T00:00:00+00:00"  # before any shop's first order: "no order before the window"


@dataclass
class Audience:
    spec: dict[str, Any] | None
    reading: str
    used: list[str] = field(default_factory=list)
    stage: str | None = None
    unclaimed_time: str | None = None  # time words no condition took, named back to the marketer
    # which readers made the spec ("stage", "lapsed", "spend", "ordered_in", "one_time", "cart_value"), so the
    # intents ask this instead of searching the reading's words
    kinds: set[str] = field(default_factory=set)


# One order's value ("with an order over 100", "orders over 100 dollars"), not a lifetime spend.
ORDER_VALUE = re.compile(r"\b(?:with |for |on )?(?:an? |their |any |one )?(?:single )?(?:orders?|purchases?)\s+(?:of |worth |valued at |totall?ing "
                         r"|(?:that )?(?:was|were|is|are) )*(?P<op>over|above|more than|greater than|at least|under|below|less than)\s*[$€£]?\s*"
                         r"(?P<amount>\d[\d,]*(?:\.\d+)?)(?!\s*(?:times|orders|purchases|days?|weeks?|months?|h|hours?)\b)(?:\s*(?:dollars|euros?|pounds|bucks))?")

def describe_audience(text: str, now: datetime | None = None, default_stage_hours: dict[str, int] | None = None,
                      default: str | None = None) -> Audience:
    """The audience `text` describes, as a spec with its reading; spec None when none is named."""
    now = now or zone_now()
    lowered = words_to_numbers(text.lower().replace("\u2019", "'"))
    lowered = re.sub(r"\b(day|step)\s*\d+\b", " stepday ", lowered)  # step positions are not audience windows
    # "black friday buyers": the people who ordered on that day
    lowered = re.sub(r"\b(black friday|cyber monday|boxing day|christmas|thanksgiving|valentine'?s(?: day)?)\s+(buyers|shoppers|customers|"
                     r"purchasers)\b", r"\2 who ordered on \1", lowered)
    lowered = re.sub(r"\b(?:carted|added stuff|put stuff in (?:their|the) cart)\b", "added to cart", lowered)  # shop talk
    # "in europe but not the UK bought ...": a place left out, never a negated order
    lowered = re.sub(r"\b(?:but |and )?not (?:in |from )?((?:the )?[a-z]+(?: [a-z]+)?)(?= (?:who |that )?(?:bought|ordered|purchased|shopped|spent"
                     r"|signed|joined|added|viewed|browsed|opted|have|has|with)\b)",
                     lambda m: f"excluding {m.group(1)}," if _only_places(m.group(1)) else m.group(0), lowered)
    # "canadians excluded", "the uk left out": a place left out, said after it
    lowered = re.sub(r"\b((?:the )?[a-z]+(?: (?!left\b|not\b)[a-z]+)?)\s+(?:excluded|left out|not included|omitted)\b",
                     lambda m: f"excluding {m.group(1)}" if _only_places(m.group(1)) else m.group(0), lowered)
    # "californians", "texans", "ontarians": the people of a state or province
    lowered = state_people(lowered)
    # "with over 100 spent", "500+ in purchases": the amount first, read as "spent over 100"
    lowered = SPENDERS_OVER.sub(lambda match: f"customers{match.group('between')} who spent {match.group('op')} {match.group('amount')}", lowered)
    lowered = SPENT_AFTER.sub(lambda match: f"spent {match.group('op') or ('at least' if match.group('plus') else 'over')} {match.group('amount')}", lowered)
    cart_value = CART_VALUE.search(lowered)
    if cart_value:  # read below with the stage; it is not spend ("carts worth more than 100")
        lowered = lowered[:cart_value.start("op")] + " " + lowered[cart_value.end():]
    order_value = ORDER_VALUE.search(lowered)
    if order_value:  # "with an order over 100": one order's value, read after the order condition
        lowered = lowered[:order_value.start()] + (" placed an order " if not re.search(r"\b(ordered|bought|purchased|buyers?)\b", lowered) else " ") \
            + lowered[order_value.end():]
    # words with no reader here must not feed one: "average order value over 80" is not spend
    lowered = re.sub(r"\b(average order values?|aov|average basket|order value|cart value)\b[^,.;]*", " ", lowered)
    audience_text = audience_part(lowered)
    parts: list[dict[str, Any]] = []
    phrases: list[str] = []
    used: list[str] = []
    stage = stage_of(lowered) or default
    defaults = {"cart": 24, "checkout": 24, "browse": 48, **(default_stage_hours or {})}
    part_of = clauses(audience_text)
    if two_windows := ordered_but_not(part_of.get("order", ""), now) if "stage" not in part_of else None:
        part_of.pop("order")  # "ordered in october but not in november": both windows are read there
    # "made their first order in the past month": new customers of that period, not one order
    first_order = FIRST_ORDER.search(part_of["order"]) if "order" in part_of else None
    first_time = time_of(part_of.pop("order"), now) if first_order else Time(None, None)
    left_out = EXCLUDED_ORDER.search(audience_text)
    negated = None if left_out else NOT_ORDERED.search(part_of.get("order", ""))
    # "viewed a product but didn't buy": the stage's own "and did not order since", with its time.
    stage_named = stage in ("cart", "checkout", "browse") and bool("stage" in part_of or default)
    stage_first = stage_named and (not negated or audience_text.find(negated.group(0)) > first_position(audience_text, "stage"))
    if stage_first and negated and not re.search(r"\bnever\b|\bever\b", negated.group(0)):
        part_of["stage"] = part_of.get("stage", "") + " " + part_of.pop("order", "")
        negated = None
    times = {kind: time_of(clause, now) for kind, clause in part_of.items()}
    unclaimed = time_of(audience_text, now) if not part_of and not two_windows and not first_order else None
    lapsed_named = re.search(r"\b(lapsed|inactive|dormant|churned|win.?back|lapsing)\b", audience_text)
    order_time = times.get("order", Time(None, None))
    lapsed = negated if negated and order_time.any and not EVER.search(part_of.get("order", "")[negated.start():negated.end() + 12]) else None
    claimed: set[str] = set()  # the clauses whose time words a condition took
    kinds: set[str] = set(["ordered_in"] if two_windows else [])
    if two_windows:
        parts, phrases = list(two_windows[0]), [two_windows[1]]
    if stage is None and (not_added := NOT_ADDED.search(lowered)):
        # "people who didn't add to cart (this week)": the cart named only as not done
        added_time = times.get("stage") if times.get("stage") and times["stage"].any else time_of(lowered[not_added.start():], now)
        condition: dict[str, Any] = {"event": "Product Added", "did": False}
        when = attach(condition, added_time) if added_time.any else ""
        parts.append(condition)
        phrases.append(f"who have not added to cart {when}".strip() if when else "who have never added to cart")
        claimed.add("stage")
    if stage_named and not lapsed:
        claimed.add("stage")
        kinds.add("stage")
        stage_time = times.get("stage") or Time(None, None)
        hours = stage_time.win.hours if stage_time.win else defaults[stage]
        # "how many looked at shoes": viewers; only words of abandonment (or a sequence, which
        # always wants abandoners) make it "and have not ordered since"
        # ("haven't bought anything, and viewed a product this week": the "haven't" is the order's,
        # said before the stage, so the stage is a plain look)
        plain = default is None and (not ABANDONED.search(audience_text) or negated is not None)
        # "viewed shoes but never bought anything, ever" (a question, no time named): viewers at
        # any time who never ordered at all, not the last 48 hours' abandoners
        ever = default is None and not stage_time.any and negated is not None and bool(re.search(r"\bnever\b|\bever\b", negated.group(0) + audience_text[negated.end():]))
        plain = plain or ever
        if plain:
            event = {"cart": "Product Added", "checkout": "Checkout Started", "browse": "Product Viewed"}[stage]
            shape = {"event": event} if ever else {"event": event, "within_last": window(hours)}
        else:
            shape = {"cart": recipes.cart_abandoners, "checkout": recipes.checkout_abandoners,
                     "browse": recipes.browse_abandoners}[stage](window(hours))
        what = {"cart": "added to cart" if plain else "added to cart or started checkout", "checkout": "started checkout",
                "browse": "viewed a product"}[stage]
        product = product_filter(lowered) if stage in ("browse", "cart") else None
        if product and ("since" in shape or plain):
            shape = about_product(shape, product)
            what += f" '{product}' (in the product's name or category)"
        if cart_value and stage in ("cart", "checkout"):
            op = "lt" if cart_value.group("op") in ("under", "below", "less than", "<") else "gt"
            amount = float(cart_value.group("amount").replace(",", ""))
            value = [{"property": "total", "op": op, "value": amount}]
            shape = ({"event": "Checkout Started", "within_last": window(hours), "where": value} if plain else
                     {**recipes.checkout_abandoners(window(hours)), "where": value})
            what = ("started checkout" if plain else "started checkout") + f" with a cart {'over' if op == 'gt' else 'under'} {amount:g}"
            used.append(cart_value.group(0))
            kinds.add("cart_value")
        if stage == "browse" and NOT_ADDED.search(lowered):
            added = {"between": since_start(stage_time.period, now)} if stage_time.period else {"within_last": window(hours)}
            if product and "'" in what and re.search(r"\badd(?:ed)? (?:it|them|that|those|this|these)\b", lowered):
                # "looked at the linen shirt but didn't add it": that product, not any
                parts.append({"not": about_product({"event": "Product Added", **added}, product)})
                what += " without adding it to cart"
            else:
                parts.append({"not": {"event": "Product Added", **added}})
                what += " without adding anything to cart"
        unless = "" if plain else " and have not ordered since"
        if stage_time.period and plain:
            span = [stage_time.period.start.isoformat(), stage_time.period.end.isoformat()]
            parts.append(retimed(shape, span))
            phrases.append(f"who {what} {stage_time.period.words}")
        elif stage_time.period:
            parts += in_period(shape, stage_time.period, now)
            phrases.append(f"who {what} {stage_time.period.words}{unless}")
        elif ever:
            parts += [shape, _never_ordered(product, lowered)]
            phrases.append(f"who {what} (at any time) and have never ordered" + (f" '{product}'" if "where" in parts[-1] else ""))
        else:
            parts.append(shape)
            named = stage_time.win and stage_time.win.words.startswith(("since", "this", "today"))
            when = window_words(stage_time.win) if named else f"in the last {words_window(window(hours))}"
            phrases.append(f"who {what} {when}{unless}")
        if negated is not None and not ever:
            # "never ordered, and viewed a product this week": the order's own negation, kept
            parts.append(_never_ordered(product, lowered))
            phrases.append("who have never ordered" + (f" '{product}'" if "where" in parts[-1] else ""))
        order_clause = part_of.get("order", "")
        if "order" in part_of and not negated and order_time.any and not lapsed and order_time is not stage_time:
            # "viewed something in the past 7 days and also placed an order in the past 7 days"
            condition = {"event": ORDER}
            phrases.append("who ordered " + attach(condition, order_time))
            parts.append(condition)
            claimed.add("order")
        elif "order" in part_of and not negated and re.search(r"\b(before|previously|in the past(?! \d)|already|at least once)\b", order_clause):
            parts.append({"event": ORDER})  # "added to cart and have ordered before": returning customers
            phrases.append("who have ordered before")
    elif lapsed or (lapsed_named and not negated):
        inactive = lapsed_window(order_time, now) if lapsed else f"{bare_days(audience_text)}d"
        claimed.update(times if not lapsed else ["order"])
        kinds.add("lapsed")
        parts.append(recipes.lapsed_customers(inactive))
        since = order_time.period.words if lapsed and order_time.period else f"in the last {words_window(inactive)}"
        phrases.append(f"who ordered before but not {since}")
    elif negated:
        parts.append({"event": ORDER, "did": False})
        phrases.append("who have never ordered")
    if first_order and first_time.any:
        recent: dict[str, Any] = {"event": ORDER}
        when = attach(recent, first_time)
        start = first_time.period.start if first_time.period else now - timedelta(hours=first_time.win.hours)
        parts += [recent, {"not": {"event": ORDER, "between": [EARLIEST, start.isoformat()]}}]
        phrases.append(f"whose first order was {when}")
        kinds.add("first_order")
    elif first_order:
        parts.append({"event": ORDER})
        phrases.append("who have ordered")
    if left_out:
        condition = {"event": ORDER, "did": False}
        when = attach(condition, order_time) if order_time.any else ""
        when = when or (attach(condition, Time(Window(720, "the last 30 days", "recent"), None))
                        if "recent" in left_out.group(0) else "")
        parts.append(condition)
        phrases.append(f"who have not ordered {when}".strip() if when else "who have never ordered")
        claimed.add("order")
    # "repeat customers" names a count without an order word; "visited 3 times" is no order count.
    # ("4 or more orders" names orders even where no order verb starts a clause)
    counted = "order" in part_of or bool(re.search(r"\d+\s*(?:\+|or more|or fewer|or less)?\s*(?:orders|purchases)\b", audience_text))
    # ("repeat customers ..., and leave out anyone who bought in the last 7 days": the count is read before the exclusion)
    counted_text = audience_text[:left_out.start()] if left_out else part_of.get("order") or audience_text
    count = None if (negated and not lapsed) else (
        order_count(counted_text, numbers=counted) or (order_count(audience_text if not left_out else counted_text) if counted else None))
    if count:
        condition, words = count
        if order_time.any and not lapsed and condition.get("at_most") == 1 and re.search(r"\b(first.time|new) (buyers|purchasers|customers)", audience_text):
            # "first-time buyers since Cyber Monday": one order ever, and it was in the window
            recent: dict[str, Any] = {"event": ORDER}
            words += " and that order " + attach(recent, order_time)
            parts.append(recent)
            claimed.add("order")
        elif order_time.any and not lapsed and not left_out and SECOND_ORDER.search(audience_text):
            # "ordered at least 3 times and bought since bf": a lifetime count, and an order in that window
            recent = {"event": ORDER}
            words += " and who ordered " + attach(recent, order_time)
            parts.append(recent)
            claimed.add("order")
        elif order_time.any and not lapsed and not left_out:  # a lapse's (or a left-out order's) window is its own, the count is lifetime
            words += " " + attach(condition, order_time)
            claimed.add("order")
        parts.append(condition)
        phrases.append(words)
        if words.startswith(ONE_TIME):
            kinds.add("one_time")
    spend_time = times.get("spend") or Time(None, None)
    if re.search(r"\b(lifetime|in total|all.time|ever)\b", part_of.get("spend", "")):
        spend_time = Time(None, None)  # "spent over 1000 lifetime, in q3": the q3 is someone else's
    if (not spend_time.any and order_time.any and "order" in part_of and not (negated or lapsed or left_out)
            and not re.search(r"\b(in total|total|lifetime|ever|all.time|overall)\b", part_of.get("spend", ""))):
        # "bought since Black Friday and spent over 100": the spend of that period, said so
        spend_time = order_time
    spend = spend_condition(part_of.get("spend", ""), spend_time)
    if spend:
        parts += spend[0]["all"] if set(spend[0]) == {"all"} else [spend[0]]
        phrases.append(spend[1])
        claimed.add("spend")
        kinds.add("spend")
    if ("order" in part_of and order_time.any and not (negated or count or stage_first or left_out)
            and not re.search(r"\bstop\w* (?:when|once|if|after)\b", part_of["order"])):
        condition: dict[str, Any] = {"event": ORDER}
        phrases.append("who ordered " + attach(condition, order_time))
        parts.append(condition)
        claimed.add("order")
        kinds.add("ordered_in")
    elif ("order" in part_of and not (negated or count or stage_first or lapsed_named or spend or left_out)
          and not re.search(r"\bstop\w* (?:when|once|if|after)\b|\b(?:orders?|purchases?) (?:placed|made)\b",
                            part_of["order"])):
        parts.append({"event": ORDER})  # "customers who have ordered", "buyers in Germany": ever
        phrases.append("who have ordered")
    if "signup" in part_of:
        signup = signup_condition(part_of["signup"], times["signup"], now)
        if signup:
            parts += signup[0]
            phrases.append(signup[1])
            claimed.add("signup")
    if "consented" in part_of and (times["consented"].any or re.search(r"\b(?:before|prior to|earlier than|after|later than|since)\b",
                                                                      part_of["consented"])):
        consented = signup_condition(part_of["consented"], times["consented"], now, "consent_at", "opted in")
        if consented:
            parts += consented[0]
            phrases.append(consented[1])
            claimed.add("consented")
    listed = list_status_condition(lowered)
    # "ad consent and aren't do-not-sell": the consent and the list status, both
    consent = consent_condition(re.sub(r"\bdo.?not.?sell\b|\bdon'?t sell\b", " ", lowered)) if not listed or "not" in listed[0] or listed[0].get(
        "attribute") == "do_not_sell" else None
    for condition in (listed, consent):
        if condition:
            parts.append(condition[0])
            phrases.append(condition[1])
    consent = listed or consent
    left_times = [unclaimed] if unclaimed else [time for kind, time in times.items() if kind not in claimed]
    if listed and "not" not in listed[0] and (when := next((time for time in left_times if time.any), None)):
        # "how many unsubscribes in the last 30 days": when the address went on that list
        if when.period:
            parts += [{"attribute": "suppressed_at", "op": "gt", "value": when.period.start.isoformat()},
                      {"attribute": "suppressed_at", "op": "lt", "value": when.period.end.isoformat()}]
            phrases[-1] += f" {when.period.words}"
        else:
            parts.append({"attribute": "suppressed_at", "op": "within_last", "value": window(when.win.hours)})
            phrases[-1] += f" {window_words(when.win)}"
        unclaimed, claimed = None, claimed | set(times)
    if order_value:
        op = "lt" if order_value.group("op") in ("under", "below", "less than") else "gt"
        amount = float(order_value.group("amount").replace(",", ""))
        where = [{"property": "total", "op": op, "value": amount}]
        ordered = next((part for part in parts if part.get("event") == ORDER and part.get("did") is not False and "where" not in part), None)
        said = f"with an order {'under' if op == 'lt' else 'over'} {amount:g}"
        if ordered is not None:
            ordered["where"] = where
            at = next((i for i, phrase in enumerate(phrases) if phrase.startswith(("who ordered", "who have ordered", "who placed"))), None)
            if at is not None:
                phrases[at] += f" {said}"
            else:
                phrases.append(f"who ordered {said}")
        else:
            parts.append({"event": ORDER, "where": where})
            phrases.append(f"who ordered {said}")
        used.append(order_value.group(0).strip())
        kinds.add("single_order")
    if not (stage_named or lapsed or two_windows or "lapsed" in kinds):
        bought_products(parts, phrases, used, kinds, lowered)
    places: list[str] = []
    place_conditions(parts, lowered, used, places)
    phrases = places + phrases
    if not parts:
        return Audience(None, "", used, stage)
    if not any(p.get("attribute") == "email" or "since" in p or "aggregate" in p or "event" in p or "any" in p for p in parts) and not consent:
        parts.insert(0, {"attribute": "email", "op": "exists"})
    spec = parts[0] if len(parts) == 1 else {"all": parts}
    audience = Audience(spec, "contacts " + _joined(phrases) if phrases else "all contacts", used, stage, kinds=kinds)
    left = [unclaimed] if unclaimed else [time for kind, time in times.items() if kind not in claimed]
    audience.unclaimed_time = next((time.source for time in left if time.any), None)
    return audience


def _never_ordered(product: str | None, lowered: str) -> dict[str, Any]:
    """No order at all, or ("looked at dresses but never bought one") none with that product."""
    if product and re.search(r"\b(?:never|not|n't) (?:ever )?(?:bought|ordered|purchased) (?:one|it|them|any|those|that|these)\b", lowered):
        return {"event": ORDER, "did": False, "where": [{"property": "products", "op": "contains", "value": product}]}
    return {"event": ORDER, "did": False}


def _only_places(words: str) -> bool:
    """Whether `words` ("the uk", "texas") name places and nothing else."""
    named = countries_in(words)[1] + [phrase for _, _, phrase in regions_in(words)]
    return bool(named) and " ".join(named) == re.sub(r"^the ", "", words)


# "big spenders in spain, like over 1k lifetime": the spenders' amount is what they spent
SPENDERS_OVER = re.compile(r"\b(?:big|high|top|heavy|biggest) spenders?\b(?P<between>[^.;?!]*?)(?:,?\s*(?:like|e\.?g\.?|i\.?e\.?|say|so|meaning|as in)\s+)?"
                           r"\b(?P<op>over|above|more than|at least)\s*(?P<amount>[$€£]?\d[\d,]*(?:\.\d+)?k?)")
# an order verb again after a count ("3+ orders and bought since bf"): a second order condition
SECOND_ORDER = re.compile(r"\b(?:times?|orders|purchases)\b[^.;]*?\b(?:and|but)\s+(?:who\s+|that\s+)?(?:have\s+|has\s+|also\s+)*"
                          r"(?:bought|ordered|purchased|placed an order|shopped)\b"
                          r"|\b(?:repeat|returning) (?:customers|buyers|shoppers|purchasers)\b[^.;]*?\b(?:who|that|and)\s+(?:have\s+|has\s+|also\s+)*"
                          r"(?:bought|ordered|purchased|placed an order|shopped)\b")
SPENT_AFTER = re.compile(r"(?:\b(?P<op>over|more than|above|at least|under|less than|below)\s+)?(?P<amount>[$€£]?\d[\d,]*(?:\.\d+)?k?)"
                         r"\s*(?:dollars |euros? |pounds |bucks )?(?P<plus>\+\s*)?(?:spent|in (?:total )?(?:spend|spending|purchases|orders)"
                         r"|worth of (?:orders|purchases))\b")


def _joined(phrases: list[str]) -> str:
    """'in DE who ordered ... and who spent ...': each 'who' after the first joined by 'and'."""
    text = ""
    for phrase in phrases:
        text += (" and " if text and phrase.startswith("who") and " who " in f" {text}" else " ") + phrase
    return text.strip()


# Where the steps start: "email on day 1", "one email 3 hours later", "right away".
STEP_MARK = re.compile(r"\bday\s*\d+\b|\bstepday\b|\b\d+(?:st|nd|rd|th)\s*day\b|\b(?:the )?(?:next|following) day\b|\d+\s*%\s*off\b|\b\d+\s*(?:h|hrs?|hours?|d|days?|weeks?)\s+(?:later|after)\b|\b(?:after|in|wait)\s+\d+\s*(?:h|hrs?|hours?"
                       r"|d|days?|weeks?)\b|\b(?:right away|immediately|straight away|at once)\b|\b(?:first|1st) (?:email|one|step)\b")


def audience_part(lowered: str) -> str:
    """The sentence without its step timing ('then a reminder after 4 days', 'on day 2')."""
    head, colon, tail = lowered.partition(":")
    if colon and len(head) < 20:  # "quick q: how many ..." opens with a label, not the audience
        lowered = tail
    pieces = re.split(r":|\bthen\b|\bfollowed by\b|\bwith (?:a )?(?:reminder|follow)|\bsend(?:ing)? (?:a|an|the|them)\b", lowered)
    # "send a 20% off coupon to people who abandoned ...": the audience comes after the message
    cut = next((piece for piece in pieces if clauses(piece) or countries_in(piece)[0]), pieces[0]) if not clauses(pieces[0]) else pieces[0]
    # "set up browse abandonment: people who viewed something in the last 3 days ...": the
    # pieces before the first step all describe the audience, not only the first
    leading: list[str] = []
    for piece in (part for whole in pieces for part in re.split(r"\.\s+|,\s+", whole)):
        if leading and (mark := STEP_MARK.search(piece)):
            # "anyone who viewed a product in the last 3 days ... gets an email the next day": the words before the step
            if cut is pieces[0] and clauses(piece[:mark.start()]):
                leading.append(piece[:mark.start()])
            break
        leading.append(piece)
    joined = " ".join(leading)
    if len(leading) > 1 and cut.strip() and joined.find(cut.strip()[:40]) >= 0:
        cut = joined[joined.find(cut.strip()[:40]):]
    return re.sub(r"\b(after|wait(?:ing)?|delay of)\s+\d+\s*\w+", " ", cut)

"""Slots: the audience words of a request (places, windows, dates, spend, order counts, consent,
sign-up date, funnel stage), composed into a segment spec with a plain-words reading.

The planner's intents ask this module for the audience a sentence describes and get back the
spec (in tools.audience.spec's language), a plain-words `reading` of it, and the words it used,
so the reply can say how the request was read. Funnel stages take their shapes from
tools.audience.recipes, so "cart abandoners" means the same here as everywhere else. The words
themselves live in bot.engine.planner.vocabulary and the time words in bot.engine.planner.dates.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.engine.planner.dates import (
    Period,
    audience_window,
    calendar_period,
    named_date,
    unit_hours,
    window,
    words_window,
    zone_now,
)
from bot.engine.planner.vocabulary import (
    EXCLUDE_VERBS,
    QUALIFIERS,
    countries_in,
    words_to_numbers,
)
from tools.audience import recipes

ORDER = recipes.ORDER


@dataclass
class Audience:
    spec: dict[str, Any] | None
    reading: str
    used: list[str] = field(default_factory=list)
    stage: str | None = None


# "viewed a product but didn't add it to cart": the cart is named only to say it did not happen.
NOT_ADDED = re.compile(r"\b(?:but |and )?(?:didn'?t|did not|haven'?t|have not|hasn'?t|never|not|without|no)\s+"
                       r"(?:\w+\s+){0,2}(?:add|added|adding|put|putting)\b(?:\s+\w+){0,4}?\s+(?:cart|basket)\b")
BROWSED = re.compile(r"brows\w*|\bviewed\b|looked at|window.?shop|visit(ed|ors?)\b|\bview(ed|ers)?\b")


# "who looked at shoes", "viewed the leather bags": what they looked at, when it names a product.
PRODUCT_WORDS = re.compile(
    r"\b(?:looked at|viewed|browsed|added)\s+(?:the |our |a |an |some )?(?P<what>[a-z][a-z -]{1,40}?)"
    r"(?=\s+(?:but|and|in|on|during|within|yesterday|today|last|this|over|since|from|who|without|then|to)\b"
    r"|[,.;:!?]|$)")
GENERIC_PRODUCTS = re.compile(r"^(?:(?:a |any |the )?(?:products?|items?|things?|stuff|something|anything|page|pages"
                              r"|site|store|shop|website|catalog(?:ue)?|cart|basket|checkout)|it|them|one)$")


def product_filter(lowered: str) -> str | None:
    """The product words a browse or cart request names ("shoes"), or None for "a product"."""
    match = PRODUCT_WORDS.search(lowered)
    if match is None:
        return None
    what = match.group("what").strip()
    if GENERIC_PRODUCTS.match(what) or what.startswith(("a product", "products")):
        return None
    # "bags" finds "Leather Bag" and "Bags": the singular is contained in both.
    return " ".join(word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
                    for word in what.split())


def _about_product(shape: dict[str, Any], what: str) -> dict[str, Any]:
    # A product is named by its `name` or its `category` (Segment's e-commerce spec): either counts.
    return {"any": [{**shape, "where": [{"property": key, "op": "contains", "value": what}]}
                    for key in ("name", "category")]}


def _stage(lowered: str) -> str | None:
    if BROWSED.search(lowered) and not re.search(r"\bcart|checkout", NOT_ADDED.sub(" ", lowered)):
        return "browse"
    if re.search(r"(added|add|put)\w* (\w+ )?(to|in|into) (the |their )?(cart|basket)|\bcart|basket", lowered):
        return "cart"
    if re.search(r"check.?out|checkout", lowered):
        return "checkout"
    return None


def _parts_with_countries(parts: list[dict[str, Any]], lowered: str, used: list[str], phrases: list[str]) -> None:
    excluded: list[str] = []
    for match in re.finditer(rf"\b(?:{EXCLUDE_VERBS})\b([^.;:]*)", lowered):
        codes, words = countries_in(re.split(r"\bbut\b|\bonly\b|\bwho\b|\bthat\b", match.group(1))[0])
        excluded += codes
        used += words
    included: list[str] = []
    # A lookahead, so "for people who joined from canada" still sees "from canada".
    for match in re.finditer(r"\b(?:in|from|living in|based in|located in|for)\s+(?=((?:the\s+)?[a-z .,&/-]{2,60}))", lowered):
        head = re.split(r"\bwho\b|\bthat\b|\bwith\b|\bwhich\b|\bsince\b|\blast\b|\bpast\b", match.group(1))[0]
        codes, words = countries_in(head)
        included += [code for code in codes if code not in excluded]
        used += words
    # demonyms before the noun: "US customers", "German shoppers", "EU contacts"
    for match in re.finditer(r"\b([a-z.]+(?: [a-z]+)?)\s+(?:customers|contacts|people|shoppers|buyers|subscribers|users|audience|folks|visitors|vips|sign.?ups|members)\b", lowered):
        codes, words = countries_in(match.group(1))
        if words:
            included += [code for code in codes if code not in excluded]
            used += words
    if re.search(r"\bthe us\b|\bin us\b|\bus (?:customers|contacts|people|shoppers|buyers|only|market)\b|\bus-based\b", lowered):
        if "US" not in excluded:
            included.append("US")
    included = sorted(set(included) - set(excluded))
    excluded = sorted(set(excluded))
    if included:
        parts.append({"attribute": "country", "op": "in", "value": included})
        phrases.append("in " + ", ".join(included))
    if excluded:
        parts.append({"not": {"attribute": "country", "op": "in", "value": excluded}})
        phrases.append("not in " + ", ".join(excluded))


def describe_audience(text: str, now: datetime | None = None, default_stage_hours: dict[str, int] | None = None,
                      default: str | None = None) -> Audience:
    """The audience `text` describes, as a spec with its reading; spec None when none is named."""
    now = now or zone_now()
    lowered = words_to_numbers(text.lower().replace("\u2019", "'"))
    lowered = re.sub(r"\b(day|step)\s*\d+\b", " ", lowered)  # step positions are not audience windows
    parts: list[dict[str, Any]] = []
    phrases: list[str] = []
    used: list[str] = []
    win = audience_window(_audience_part(lowered), now)
    stage = _stage(lowered)
    stage = stage or default
    defaults = {"cart": 24, "checkout": 24, "browse": 48, **(default_stage_hours or {})}
    lapsed = re.search(r"(?:haven't|have not|hasn't|not|didn't|did not|no longer)\s+(?:\w+\s+)?(?:ordered|bought|purchased|shopped|ordering|buying|purchasing)\s+(?:anything\s+)?(?:in|for|since)\s+(?:the\s+)?(?:last\s+|past\s+)?(\d+)\s*(d|days?|w|weeks?|months?|years?)", lowered)
    lapsed_named = re.search(r"\b(lapsed|inactive|dormant|churned|win.?back|lapsing)\b", lowered)
    never = re.search(r"\b(never|not yet|haven't ever|have not ever|no)\s+(ordered|bought|purchased|orders?|purchases?|made a purchase|placed an order)\b|\bnon-?buyers\b|\bzero orders\b", lowered)
    period = calendar_period(_audience_part(lowered), now)
    if stage in ("cart", "checkout", "browse") and not lapsed:
        hours = win.hours if win else defaults[stage]
        shape = {"cart": recipes.cart_abandoners, "checkout": recipes.checkout_abandoners,
                 "browse": recipes.browse_abandoners}[stage](window(hours))
        what = {"cart": "added to cart or started checkout", "checkout": "started checkout",
                "browse": "viewed a product"}[stage]
        product = product_filter(lowered) if stage in ("browse", "cart") else None
        if product and "since" in shape:
            shape = _about_product(shape, product)
            what += f" '{product}' (in the product's name or category)"
        if stage == "browse" and NOT_ADDED.search(lowered):
            parts.append({"not": {"event": "Product Added", "within_last": window(hours)}})
            what += " without adding to cart"
        if period and not re.search(r"\b\d+\s*(h|hrs?|hours?|d|days?|w|weeks?)\b", _audience_part(lowered)):
            parts += _in_period(shape, period, now)
            phrases.append(f"who {what} {period.words} and have not ordered since")
            period = None
        else:
            parts.append(shape)
            phrases.append(f"who {what} in the last {words_window(window(hours))} and have not ordered since")
        win = None
    elif lapsed or lapsed_named:
        bare = re.search(r"\b(\d+)\s*(d|days?|w|weeks?|months?|years?)\b", _audience_part(lowered))
        source = lapsed or bare
        days = int(source.group(1)) * unit_hours(source.group(2)) // 24 if source else 90
        parts.append(recipes.lapsed_customers(f"{days}d"))
        phrases.append(f"who ordered before but not in the last {days} days")
        win = None
    elif never:
        parts.append({"event": ORDER, "did": False})
        phrases.append("who have never ordered")
    count = _order_count(lowered)
    if count:
        condition, words = count
        if win:
            condition["within_last"] = window(win.hours)
            words += f" {win.words}"
            win = None
        parts.append(condition)
        phrases.append(words)
    spend = re.search(r"(?:spent|spend|spending|lifetime value|ltv|clv|worth)\s+(over|more than|above|at least|>=?|under|less than|below|<)?\s*\$?€?£?\s*(\d[\d,]*(?:\.\d+)?)\s*(k\b)?", lowered)
    if spend:
        amount = float(spend.group(2).replace(",", "")) * (1000 if spend.group(3) else 1)
        below = spend.group(1) in ("under", "less than", "below", "<")
        condition = recipes.spent_over(amount) if not below else {**recipes.spent_over(amount), "op": "lt"}
        if win and re.search(r"spent[^.]*\b(last|past|since|this)\b", lowered):
            condition["within_last"] = window(win.hours)
            win = None
        parts.append(condition)
        phrases.append(f"who spent {'under' if below else 'over'} {amount:g}")
    if re.search(r"\b(bought|ordered|purchased|buyers|customers who ordered|recent customers|orders? (placed|made))\b", lowered) and not (
            never or lapsed or count or stage in ("cart", "checkout", "browse")) and (win or period):
        if period:
            parts.append({"event": ORDER, "between": [period.start.isoformat(), period.end.isoformat()]})
            phrases.append(f"who ordered {period.words}")
            period = None
        else:
            parts.append({"event": ORDER, "within_last": window(win.hours)})
            phrases.append(f"who ordered {win.words}" if win.words.startswith(("since", "this", "last")) else f"who ordered in {win.words}")
        win = None
    signup = re.search(r"\b(signed up|sign.?ups?|joined|registered|subscribed|new (?:subscribers|contacts|customers))\b", lowered)
    if signup:
        since = re.search(r"\bsince\s+([^,;.]{3,40})", lowered)
        named = named_date(since.group(1), now.date()) if since else None
        if named:
            parts.append({"attribute": "created_at", "op": "gt", "value": named[0].isoformat() + "T00:00:00"})
            phrases.append(f"who signed up since {named[1]}")
            win = None
        elif period:
            parts += [{"attribute": "created_at", "op": "gt", "value": period.start.isoformat()},
                      {"attribute": "created_at", "op": "lt", "value": period.end.isoformat()}]
            phrases.append(f"who signed up {period.words}")
            win = None
        elif win:
            parts.append({"attribute": "created_at", "op": "within_last", "value": window(win.hours)})
            phrases.append(f"who signed up in {win.words}")
            win = None
    consent = _consent(lowered)
    if consent:
        parts.append(consent[0])
        phrases.append(consent[1])
    _parts_with_countries(parts, lowered, used, phrases)
    if not parts:
        return Audience(None, "", used, stage)
    if not any(p.get("attribute") == "email" or "since" in p or "aggregate" in p or "event" in p or "any" in p for p in parts) and not consent:
        parts.insert(0, {"attribute": "email", "op": "exists"})
    elif not any("since" in p or "aggregate" in p or "event" in p or "any" in p for p in parts) and consent:
        pass
    spec = parts[0] if len(parts) == 1 else {"all": parts}
    return Audience(spec, "contacts " + " ".join(phrases) if phrases else "all contacts", used, stage)


def _in_period(shape: dict[str, Any], period: Period, now: datetime) -> list[dict[str, Any]]:
    """A funnel stage inside a calendar period ("abandoned a cart yesterday"): did one of the
    stage's events in [start, end), and has not ordered since the period began."""
    span = [period.start.isoformat(), period.end.isoformat()]
    did = [{"event": node["since"], "between": span, **({"where": node["where"]} if node.get("where") else {})}
           for node in shape.get("any", [shape])]
    hours = math.ceil((now - period.start).total_seconds() / 3600)
    return [did[0] if len(did) == 1 else {"any": did}, {"event": ORDER, "did": False, "within_last": f"{max(1, hours)}h"}]


def _audience_part(lowered: str) -> str:
    """The sentence without its step timing ('then a reminder after 4 days', 'on day 2')."""
    head, colon, tail = lowered.partition(":")
    if colon and len(head) < 20:  # "quick q: how many ..." opens with a label, not the audience
        lowered = tail
    cut = re.split(r":|\bthen\b|\bfollowed by\b|\bwith (?:a )?(?:reminder|follow)|\bsend(?:ing)? (?:a|an|the|them)\b", lowered)[0]
    return re.sub(r"\b(after|wait(?:ing)?|delay of)\s+\d+\s*\w+", " ", cut)


def _order_count(lowered: str) -> tuple[dict[str, Any], str] | None:
    match = re.search(r"(more than|over|at least|at most|exactly|fewer than|less than|under|only|just|\b)\s*(\d+)\s*(?:or more\s*)?(?:times|orders?|purchases?)\b(\s*or more)?", lowered)
    if not match or not re.search(r"order|bought|purchas|buy", lowered):
        if re.search(r"\brepeat (customers|buyers)\b|\breturning customers\b", lowered):
            return {"event": ORDER, "at_least": 2}, "who ordered at least 2 times"
        if re.search(r"\b(one-time|one time|single-order)\s+(buyers|customers)\b", lowered):
            return {"event": ORDER, "at_least": 1, "at_most": 1}, "who ordered exactly once"
        return None
    qualifier, number, more = match.group(1).strip(), int(match.group(2)), match.group(3)
    if qualifier in ("more than", "over"):
        return {"event": ORDER, "at_least": number + 1}, f"who ordered more than {number} times"
    if qualifier == "at least" or more:
        return {"event": ORDER, "at_least": number}, f"who ordered at least {number} times"
    if qualifier == "at most":
        return {"event": ORDER, "at_most": number}, f"who ordered at most {number} times"
    if qualifier in ("fewer than", "less than", "under"):
        return {"event": ORDER, "at_most": max(0, number - 1)}, f"who ordered fewer than {number} times"
    return {"event": ORDER, "at_least": number, "at_most": number}, f"who ordered exactly {number} times"


def _consent(lowered: str) -> tuple[dict[str, Any], str] | None:
    if re.search(r"opted.?out|unsubscribed|no consent|without consent|not opted.?in|haven't opted|never opted", lowered):
        return {"attribute": "email_consent", "op": "in", "value": ["none", "opt_out"]}, "without email consent"
    # "subscribers" are the people who agreed to get the emails, as in every email tool.
    if re.search(r"opt(ed)?.?ins?\b|\bconsent(ed)?\b|\bsubscribed to (marketing|email)|marketing.?consent|double.?opt"
                 r"|(?<!un)\bsubscribers\b|\b(email|newsletter|mailing) list\b", lowered):
        return {"attribute": "email_consent", "op": "in", "value": ["opt_in", "soft_opt_in"]}, "with email consent"
    return None


def unused_words(text: str, audience: Audience) -> list[str]:
    """Audience qualifiers in `text` that the spec does not express."""
    lowered = text.lower()
    spend = audience.spec is not None and "spent" in audience.reading
    found = []
    for match in QUALIFIERS.finditer(lowered):
        word = match.group(1)
        if spend and word.rstrip("s") in ("vip", "whale", "big spender", "high value", "high-value", "best", "top customer"):
            continue
        if word not in found:
            found.append(word)
    return found

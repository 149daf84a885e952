"""Funnel stages in words: which stage a phrase names (cart, checkout, browse), the product it
looked at, added or bought ("bought the cashmere scarf": the order conditions narrowed to orders
naming it), the value of a cart, and a stage's condition inside a calendar period.

bot.engine.planner.extract composes these into an audience; the shapes of the stages themselves
are tools.audience.recipes' (so "cart abandoners" means the same everywhere).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot.engine.planner.dates import Period
from tools.audience import recipes

ORDER = recipes.ORDER


# "viewed a product but didn't add it to cart": the cart is named only to say it did not happen.
NOT_ADDED = re.compile(r"\b(?:but |and )?(?:didn'?t|did not|haven'?t|have not|hasn'?t|never|not|without|no)\s+"
                       r"(?:(?!(?:and|or|but|then|ordered|bought|purchased)\b)\w+\s+){0,2}(?:add|added|adding|put|putting)\b(?:\s+\w+){0,4}?\s+(?:cart|basket)\b")
BROWSED = re.compile(r"brows\w*|\bviewed\b|looked at|window.?shop|visit(ed|ors?)\b|\bview(ed|ers)?\b"
                     r"|\bchecked out (?:our|the|some|these|those|a|an)\b")  # "checked out our bags" is a look, not a purchase


# "who looked at shoes", "viewed the leather bags": what they looked at, when it names a product.
PRODUCT_WORDS = re.compile(
    r"\b(?:looked at|viewed|browsed|added|checked out)\s+(?!(?:to|into|in|something|items?|stuff|things?)\b)(?:the |our |a |an |some )?(?P<what>[a-z][a-z -]{1,40}?)"
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
    return " ".join(_singular(word) for word in what.split())


# "bought the cashmere scarf", "who ordered shoes in november": what an order held, when it names
# a product or a category; "bought twice", "ordered in q3", "bought something" name none.
PURCHASE_WORDS = re.compile(
    r"(?<!-)\b(?:bought|ordered|purchased|buyers of|purchasers of)\s+(?:the |our |a |an |some |any |one of (?:the |our )?)?"
    r"(?P<what>[a-z][a-z -]{1,40}?)"
    r"(?=\s+(?:but|and|or|in|on|during|within|yesterday|today|last|this|over|since|from|who|without|then|to|before|after|at|more|less"
    r"|twice|once|again|ever|recently|lately|\d+)\b|[,.;:!?]|$)")
NOT_PRODUCTS = re.compile(
    r"^(?:to|between|and|or|but|by|via|through|as|of|off|out|up|who|which|when|where|if|so|than|per|each|every|"
    r"contacts?|customers?|people|users?|subscribers?|shoppers?|buyers?|members?|folks|ones?|"
    r"something|anything|nothing|stuff|things?|items?|products?|it|them|that|those|this|these|one|ones|more|less|most|least|"
    r"again|twice|once|online|recently|lately|before|ever|yet|from|with|for|over|under|above|below|at|in|on|since|during|within|"
    r"last|this|past|the last|times?|multiple|several|lots?|a lot|much|many|often|regularly|frequently|full price|on sale|"
    r"anything else|nothing else|something else|here|there|us|our|we|big|high|early|late|today|yesterday|now|previously|"
    r"gift cards?|a gift card|less than|more than|at least|exactly|only once|a second time|a third time|again since)\b")


def purchase_filter(lowered: str) -> tuple[list[tuple[str, str]], str] | None:
    """The products an order condition names, each as (what to look for, the words said):
    "bought scarves or belts" -> [("scarf", "scarves"), ("belt", "belts")], with all the words
    said; None when the order names no product."""
    found = purchases(lowered)
    return (found[0][0], found[0][1]) if found else None


NOT_BEFORE = re.compile(r"(?:\bnever|\bnot|n't|\bno longer|\bwithout)\s+(?:\w+\s+)?(?:ever\s+)?$")


def purchases(lowered: str) -> list[tuple[list[tuple[str, str]], str, bool]]:
    """Every product purchase the words name, in order, each (products, words said, negated):
    "purchased shoes but never bought accessories" -> shoes bought, accessories not."""
    found = []
    for match in PURCHASE_WORDS.finditer(lowered):
        what = re.sub(r"^both\s+(?:a |an |the |some )?", "", match.group("what").strip())  # "bought both a dress and shoes"
        if category := re.match(r"(?:from|in) (?:the|our) ([a-z][a-z -]*?) (?:category|collection|range|section|department|line)$", what):
            what = category.group(1)  # "ordered from the bags category": bags
        if not _a_product(what):
            continue
        named, said = [what], match.group("what").strip()
        # "scarves or belts", "scarves, belts or bags": any of them
        rest = lowered[match.end():]
        while (more := re.match(r"(?:\s*,\s*(?:or\s+)?|\s+or\s+)(?:the |a |an |some )?([a-z][a-z-]+(?: [a-z][a-z-]+)?)"
                                r"(?=\s+(?:or|but|and|in|on|during|within|yesterday|today|last|this|over|since|from|who|without|then|to"
                                r"|before|after|at|ever|recently|lately|\d+)\b|[,.;:!?]|$)", rest)) and _a_product(more.group(1)):
            named.append(more.group(1))
            said += more.group(0)
            rest = rest[more.end():]
        products = [(" ".join(_singular(word) for word in product.split()), product) for product in named]
        negated = bool(NOT_BEFORE.search(lowered[:match.start()]))
        found.append((products, said, negated))
        # "a dress and shoes", "dresses and also belts": each bought, a purchase of its own
        while (more := re.match(r"\s*,?\s+and\s+(?:also\s+)?(?:the |a |an |some )?([a-z][a-z-]+(?: [a-z][a-z-]+)?)"
                                r"(?=\s+(?:but|and|in|on|during|within|yesterday|today|last|this|over|since|from|who|without|then|to"
                                r"|before|after|at|ever|recently|lately|\d+)\b|[,.;:!?]|$)", rest)) and _a_product(more.group(1)) and not re.match(
                                    r"(?:bought|ordered|purchased|spent|spend|signed|live|lives|who|have|has|are|is)\b", more.group(1)):
            found.append(([(" ".join(_singular(word) for word in more.group(1).split()), more.group(1))], more.group(0).strip(), negated))
            rest = rest[more.end():]
    return found


def _a_product(what: str) -> bool:
    return not (NOT_PRODUCTS.match(what) or GENERIC_PRODUCTS.match(what) or re.search(
        r"\b(?:days?|weeks?|months?|years?|q[1-4]|quarter|black friday|cyber monday|christmas|holidays?|sale|"
        r"times?|orders?|purchases?|value|total|worth|spent|spend)\b", what))


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ves"):
        return word[:-3] + "f"  # "scarves" -> "scarf"; "gloves" -> "glof", matched as "glove" too (about_product)
    if len(word) > 4 and word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]  # "dresses" -> "dress", "watches" -> "watch"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# Words that make a funnel stage an abandonment ("didn't buy", "abandoned", "left in the cart").
ABANDONED = re.compile(r"abandon|\bleft\b|\bdidn'?t\b|\bdid not\b|\bhaven'?t\b|\bhave not\b|\bhasn'?t\b|\bnot\b|\bwithout\b"
                       r"|\bnever\b|\bno (?:order|purchase)|\byet to\b|\bbut no\b|\bwon'?t\b|\bforgot|\bunfinished|\bincomplete")


def retimed(shape: dict[str, Any], span: list[str]) -> dict[str, Any]:
    """A plain event condition (or an any of them) moved into a calendar period."""
    if "any" in shape:
        return {"any": [retimed(node, span) for node in shape["any"]]}
    return {**{k: v for k, v in shape.items() if k != "within_last"}, "between": span}


def about_product(shape: dict[str, Any], what: str) -> dict[str, Any]:
    # A product is named by its `name` or its `category` (Segment's e-commerce spec): either counts.
    # a plural in -ves ("scarves", "gloves") is read as -f: the -ve form is looked for as well
    forms = [what, what[:-1] + "ve"] if what.endswith("f") else [what]
    return {"any": [{**shape, "where": [{"property": key, "op": "contains", "value": form}]}
                    for form in forms for key in ("name", "category")]}


# "only if their cart was over 100", "carts worth more than $150": the checkout's total (a cart add
# has no total), so the stage narrows to checkouts of that value.
CART_VALUE = re.compile(r"\b(?:cart|basket|checkout)s?(?: value| total| size)?\s+(?:was |is |were |are |worth |valued at |of |totall?ing "
                        r"|totals? |at )*(?P<op>over|above|more than|greater than|at least|under|below|less than|>|<)\s*[$€£]?\s*"
                        r"(?P<amount>\d[\d,]*(?:\.\d+)?)(?:\s*(?:dollars|euros?|pounds|bucks))?")
# "checkout abandoners", "got to checkout but didn't finish": the checkout, even when their cart is named too
CHECKOUT_FIRST = re.compile(r"\bcheck.?out abandon\w*|\babandoned (?:the |their )?check.?outs?\b|\b(?:got|made it|reached|went|gone) to "
                            r"(?:the )?check.?out\b|\bstarted (?:the |a )?check.?out\b|\bat check.?out\b")


def stage_of(lowered: str) -> str | None:
    """The funnel stage a phrase names (cart, checkout, browse), if any."""
    if CHECKOUT_FIRST.search(lowered):
        return "checkout"
    if BROWSED.search(lowered) and not re.search(r"\bcart|checkout", NOT_ADDED.sub(" ", lowered)):
        return "browse"
    if NOT_ADDED.search(lowered) and not re.search(r"\bcart|basket|check.?out", NOT_ADDED.sub(" ", lowered)):
        return None  # "people who didn't add to cart": no stage; the cart is only said not to happen
    if re.search(r"(added|add|put)\w* (\w+ )?(to|in|into) (the |their )?(cart|basket)|\bcart|basket", lowered):
        return "cart"
    if re.search(r"check.?out|checkout", lowered):
        return "checkout"
    return None


def in_period(shape: dict[str, Any], period: Period, now: datetime) -> list[dict[str, Any]]:
    """A funnel stage inside a calendar period ("abandoned a cart yesterday"): one of the stage's
    events in [start, end) with no order after it (per event, as the rolling window reads it)."""
    span = [period.start.isoformat(), period.end.isoformat()]
    did = [{"since": node["since"], "between": span, "then_not": ORDER, **({"where": node["where"]} if node.get("where") else {})}
           for node in shape.get("any", [shape])]
    return [did[0] if len(did) == 1 else {"any": did}]


def since_start(period: Period, now: datetime) -> list[str]:
    """[the period's start, the end of today): "since the period began", to the minute."""
    tomorrow = datetime(now.year, now.month, now.day, tzinfo=now.tzinfo) + timedelta(days=1)
    return [period.start.isoformat(), max(period.end, tomorrow).isoformat()]


def bought_products(parts: list[dict[str, Any]], phrases: list[str], used: list[str], kinds: set[str], lowered: str) -> None:
    """"bought the cashmere scarf", "never ordered shoes": the order conditions narrowed to orders
    with a line naming that product (by its name, or its catalogue name or category)."""
    found = purchases(lowered)
    if len(found) > 1:
        # "purchased shoes but never bought accessories", "bought a dress and shoes": one order condition per purchase, each its own way
        plain = [part for part in parts if part.get("event") == ORDER and set(part) <= {"event", "did"}]
        if len(plain) == len([part for part in parts if part.get("event") == ORDER]):
            for part in plain:
                parts.remove(part)
            phrases[:] = [phrase for phrase in phrases if phrase not in ("who have ordered", "who have never ordered")]
            for products, said, negated in found:
                lines = [{"event": ORDER, **({"did": False} if negated else {}),
                          "where": [{"property": "products", "op": "contains", "value": product}]} for product, _ in products]
                parts.extend(lines if negated or len(lines) == 1 else [{"any": lines}])
                named = " or ".join(f"'{spoken}'" for _, spoken in products)
                phrases.append(f"who {'have never ordered' if negated else 'have ordered'} {named} (by product name or category)")
                used.append(said)
            kinds.add("product")
            return
    bought = (found[0][0], found[0][1]) if found else None
    if not bought:
        return
    orders = [part for part in parts if part.get("event") == ORDER and "where" not in part and "aggregate" not in part]
    if not orders:  # "bought dresses and spent over 300": the spend is lifetime, the dress an order of its own
        orders = [{"event": ORDER}]
        parts.append(orders[0])
        phrases.append("who have ordered")
    products, said = bought
    for part in orders:
        lines = [{**part, "where": [{"property": "products", "op": "contains", "value": product}]} for product, _ in products]
        at = parts.index(part)
        if len(lines) == 1:
            parts[at] = lines[0]
        elif part.get("did") is False:
            parts[at:at + 1] = lines  # "never bought scarves or belts": neither
        else:
            parts[at] = {"any": lines}
    named = " or ".join(f"'{spoken}'" for _, spoken in products)
    at = next((i for i, phrase in enumerate(phrases) if re.search(r"\bordered\b", phrase)), None)
    if at is not None:
        phrases[at] = re.sub(r"\bordered\b", f"ordered {named} (by product name or category)", phrases[at], count=1)
    used.append(said)
    kinds.add("product")

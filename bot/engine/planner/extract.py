"""Slots: the audience words of a request (places, windows, dates, spend, order counts, consent,
sign-up date, funnel stage), read from one vocabulary and composed into a segment spec.

The planner's intents ask this module for the audience a sentence describes and get back the
spec (in tools.audience.spec's language), a plain-words `reading` of it, and the words it used,
so the reply can say how the request was read. Countries come from `pycountry` (names, codes)
plus demonyms and the EU/EEA/UK groups; typos are matched against the vocabulary with
`rapidfuzz`. Funnel stages take their shapes from tools.audience.recipes, so "cart abandoners" means the
same here as everywhere else. Windows are whole hours, days or weeks, as the spec requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from tools.audience import recipes

ORDER = recipes.ORDER
EU = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
      "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]
GROUPS = {"eu": EU, "european union": EU, "europe": EU, "eea": sorted(EU + ["IS", "LI", "NO"]),
          "uk": ["GB"], "dach": ["AT", "CH", "DE"], "nordics": ["DK", "FI", "IS", "NO", "SE"],
          "scandinavia": ["DK", "NO", "SE"], "north america": ["CA", "MX", "US"]}
ALIASES = {
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "america": "US", "united states": "US", "the states": "US",
    "american": "US", "americans": "US", "britain": "GB", "great britain": "GB", "england": "GB",
    "british": "GB", "brits": "GB", "scotland": "GB", "wales": "GB", "canadian": "CA", "canadians": "CA",
    "german": "DE", "germans": "DE", "french": "FR", "spanish": "ES", "italian": "IT", "italians": "IT",
    "dutch": "NL", "holland": "NL", "irish": "IE", "australian": "AU", "australians": "AU", "aussie": "AU",
    "aussies": "AU", "mexican": "MX", "mexicans": "MX", "swedish": "SE", "swedes": "SE", "belgian": "BE",
    "austrian": "AT", "polish": "PL", "portuguese": "PT", "danish": "DK", "finnish": "FI", "norwegian": "NO",
    "swiss": "CH", "japanese": "JP", "brazilian": "BR", "brazilians": "BR", "indian": "IN", "kiwis": "NZ",
    "south korea": "KR", "korea": "KR", "russia": "RU", "czechia": "CZ", "czech republic": "CZ",
}
# Two-letter codes that are not also common English words ("in", "it", "no", "us", "be", ...).
SAFE_CODES = {"ca", "gb", "fr", "es", "nl", "ie", "au", "mx", "se", "pl", "pt", "dk", "fi", "ch", "jp", "br", "nz", "uk", "de"}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "eighteen": 18, "twenty": 20, "twenty-five": 25, "thirty": 30, "forty": 40,
    "forty-five": 45, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "a hundred": 100, "hundred": 100, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3,
    "a": 1, "an": 1, "single": 1, "once": 1, "twice": 2, "first": 1, "second": 2, "third": 3,
    "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "tenth": 10, "fourteenth": 14,
}
UNIT_HOURS = {"h": 1, "d": 24, "w": 168, "m": 720, "y": 8760}


def unit_hours(unit: str) -> int:
    unit = unit.lower()
    if unit.startswith("mo") or unit == "m":
        return 720
    return UNIT_HOURS.get(unit[0], 24)


def window(hours: int) -> str:
    """The spec window for `hours`: weeks or days when whole, else hours."""
    hours = max(1, hours)
    if hours % 168 == 0 and hours >= 336:
        return f"{hours // 168}w"
    return f"{hours // 24}d" if hours % 24 == 0 and hours >= 72 else f"{hours}h"


def words_window(text: str) -> str:
    """A window in words: '24h' -> '24 h', '14d' -> '14 days'."""
    number, unit = int(text[:-1]), text[-1]
    name = {"h": "h", "d": "day", "w": "week"}[unit]
    return f"{number} h" if unit == "h" else f"{number} {name}{'s' if number != 1 else ''}"


# --- numbers and countries ---------------------------------------------------------------


_NUMBER_RE = re.compile(
    r"\b(" + "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True)) + r")"
    r"(?=[\s-]+(?:\w+[\s-]+)?(?:day|days|hour|hours|hrs|week|weeks|month|months|year|years|percent|%|orders?|times|purchases|emails?|ads?|impressions?|messages?)\b)",
    re.I,
)


_DIRECT_UNIT = re.compile(r"[\s-]+(?:day|hour|week|month|year)s?\b", re.I)


def words_to_numbers(text: str) -> str:
    """'two weeks' -> '2 weeks', 'ten percent' -> '10 percent', 'a fortnight' -> '14 days'."""
    text = re.sub(r"\b(?:a|one|the|last|past)?\s*fortnight\b", lambda m: ("last " if re.match(r"(last|past)", m.group(0).strip()) else "") + "14 days", text, flags=re.I)
    text = re.sub(r"\bhalf (?:a|an) (year|hour|day)\b", lambda m: {"year": "6 months", "hour": "1 hour", "day": "12 hours"}[m.group(1)], text, flags=re.I)
    text = re.sub(r"\b(once|twice)\b", lambda m: {"once": "1 times", "twice": "2 times"}[m.group(1).lower()], text, flags=re.I)

    def number(match: re.Match) -> str:
        word = match.group(1).lower()
        return str(NUMBER_WORDS[word])

    text = _NUMBER_RE.sub(lambda m: m.group(0) if m.group(1).lower() in ("a", "an") and not _DIRECT_UNIT.match(text, m.end()) else number(m), text)
    return re.sub(r"\b(day)[\s-]+(one|two|three|four|five|six|seven|eight|nine|ten|fourteen|thirty)\b",
                  lambda m: f"{m.group(1)} {NUMBER_WORDS[m.group(2).lower()]}", text, flags=re.I)


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Lower-case country names, common names and aliases to ISO codes (pycountry plus ours)."""
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value and "," not in value:
                names[value.lower()] = country.alpha_2
    names.update({name: code for name, code in ALIASES.items()})
    return names


@lru_cache(maxsize=1)
def _country_fuzzy_keys() -> list[str]:
    return [name for name in country_names() if len(name) >= 6 and " " not in name]


def countries_in(fragment: str) -> tuple[list[str], list[str]]:
    """ISO codes named in `fragment` (names, demonyms, groups, safe codes), and the words used."""
    from rapidfuzz import fuzz, process

    lowered = fragment.lower()
    found: list[str] = []
    used: list[str] = []
    names = country_names()
    words = re.findall(r"[a-z][a-z.]*[a-z.]|[a-z]{2}", lowered)
    index = 0
    while index < len(words):
        hit = None
        for size in (3, 2, 1):
            phrase = " ".join(words[index:index + size])
            if phrase in GROUPS:
                hit, codes = (phrase, GROUPS[phrase])
                break
            if phrase in names:
                hit, codes = (phrase, [names[phrase]])
                break
        if hit is None and len(words[index]) == 2 and words[index] in SAFE_CODES:
            hit, codes = words[index], ["GB" if words[index] == "uk" else words[index].upper()]
        if hit is None and len(words[index]) >= 6 and words[index] not in COMMON_WORDS:
            match = process.extractOne(words[index], _country_fuzzy_keys(), scorer=fuzz.ratio, score_cutoff=84)
            if match:
                hit, codes = words[index], [names[match[0]]]
        if hit is not None:
            found += codes
            used.append(hit)
            index += len(hit.split())
        else:
            index += 1
    return sorted(set(found)), used


COMMON_WORDS = {
    "people", "customers", "contacts", "ordered", "orders", "bought", "abandoned", "checkout", "started",
    "product", "products", "viewed", "reminder", "discount", "sequence", "campaign", "emails", "window",
    "between", "within", "weeks", "months", "minutes", "signed", "subscribers", "consent", "opted",
    "anyone", "everyone", "spent", "spend", "revenue", "please", "browse", "browsed", "series", "cancel",
    "friday", "monday", "holdout", "reviews", "buyers", "didn't", "haven't", "someone", "export", "google",
    "create", "segment", "called", "second", "percent", "purchase", "purchased", "german", "french",
    "carts", "twice", "others", "ignore", "without", "except", "excluding", "exclude", "summer", "winter",
    "number", "audience", "visitors", "digest", "scheduled", "running", "remind", "preflight", "approve",
}


# --- dates ----------------------------------------------------------------------------------


def _black_friday(year: int) -> date:
    november = date(year, 11, 1)
    first_thursday = november + timedelta(days=(3 - november.weekday()) % 7)
    return first_thursday + timedelta(days=22)


RETAIL_DAYS = {
    "black friday": _black_friday,
    "cyber monday": lambda year: _black_friday(year) + timedelta(days=3),
    "thanksgiving": lambda year: _black_friday(year) - timedelta(days=1),
    "christmas": lambda year: date(year, 12, 25),
    "new year": lambda year: date(year, 1, 1),
    "valentine": lambda year: date(year, 2, 14),
}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]


def named_date(text: str, today: date) -> tuple[date, str] | None:
    """The most recent date a phrase names: a retail day, 'November 1st', '2026-11-03', '11/03'."""
    lowered = text.lower()
    for name, when in RETAIL_DAYS.items():
        if name in lowered:
            moment = when(today.year)
            return (moment if moment <= today else when(today.year - 1)), name.title()
    if match := re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", lowered):
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3))), match.group(0)
        except ValueError:
            return None
    months = "|".join(m[:3] + r"\w*" for m in MONTHS)
    match = re.search(rf"\b({months})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({months})\b", lowered)
    if match:
        month_word = match.group(1) or match.group(4)
        day = int(match.group(2) or match.group(3))
        month = next(i for i, m in enumerate(MONTHS, 1) if month_word.startswith(m[:3]))
        try:
            moment = date(today.year, month, day)
        except ValueError:
            return None
        return (moment if moment <= today else moment.replace(year=today.year - 1)), f"{MONTHS[month - 1].title()} {day}"
    return None


def hours_since(moment: date, now: datetime) -> int:
    start = datetime(moment.year, moment.month, moment.day, tzinfo=now.tzinfo)
    return max(1, int((now - start).total_seconds() // 3600) + (1 if (now - start).total_seconds() % 3600 else 0))


@dataclass
class Window:
    hours: int
    words: str
    source: str


def audience_window(text: str, now: datetime) -> Window | None:
    """The audience's time window ('in the last 48 hours', 'past week', 'since Black Friday')."""
    lowered = text.lower()
    if match := re.search(r"\bsince\s+([^,;.]{3,40})", lowered):
        named = named_date(match.group(1), now.date())
        if named:
            moment, label = named
            return Window(hours_since(moment, now), f"since {label} ({moment.isoformat()})", match.group(0))
    if match := re.search(r"\b(this|last|past|previous)\s+(week|month)\b", lowered):
        which, unit = match.groups()
        today = now.date()
        if unit == "week":
            start = today - timedelta(days=today.weekday())
            hours = hours_since(start, now) if which == "this" else 168
        else:
            start = today.replace(day=1)
            hours = hours_since(start, now) if which == "this" else 720
        return Window(hours, f"{which} {unit}", match.group(0))
    match = re.search(
        r"(?:last|past|within|previous|in|over|inside|during)\s+(?:the\s+)?(?:last\s+|past\s+)?(\d+)\s*(h|hrs?|hours?|d|days?|w|wks?|weeks?|months?|mos?|years?|yrs?)\b",
        lowered)
    if match:
        hours = int(match.group(1)) * unit_hours(match.group(2))
        return Window(hours, f"the last {words_window(window(hours))}", match.group(0))
    if match := re.search(r"(?:last|past|previous)\s+(day|24 hours|hour|year)\b", lowered):
        hours = {"day": 24, "24 hours": 24, "hour": 1, "year": 8760}[match.group(1)]
        return Window(hours, f"the last {words_window(window(hours))}", match.group(0))
    if match := re.search(r"\b(today|yesterday|overnight)\b", lowered):
        hours = {"today": max(1, now.hour + 1), "yesterday": 48, "overnight": 12}[match.group(1)]
        return Window(hours, match.group(1), match.group(0))
    return None


def zone_now(zone: str | None = None) -> datetime:
    import os

    name = zone or os.environ.get("NUDGE_TIMEZONE") or "UTC"
    try:
        return datetime.now(ZoneInfo(name))
    except Exception:  # an unknown zone name is the settings' error to report, not the planner's
        return datetime.now(ZoneInfo("UTC"))


# --- the audience -----------------------------------------------------------------------------

EXCLUDE_VERBS = r"exclud\w*|except|without|not in|minus|outside(?: of)?|remove|drop|leave out|skip|but not|other than|(?:don't|do not|never) (?:send|email|include|target)\w*(?: to)?(?: anyone| people| customers)?(?: in| from)?"


@dataclass
class Audience:
    spec: dict[str, Any] | None
    reading: str
    used: list[str] = field(default_factory=list)
    stage: str | None = None


def _stage(lowered: str) -> str | None:
    if re.search(r"brows\w*|\bviewed\b|looked at|window.?shop|visit(ed|ors?)\b|\bview(ed|ers)?\b", lowered) and not re.search(r"\bcart|checkout", lowered):
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
    for match in re.finditer(r"\b(?:in|from|living in|based in|located in|for)\s+((?:the\s+)?[a-z .,&/-]{2,60})", lowered):
        head = re.split(r"\bwho\b|\bthat\b|\bwith\b|\bwhich\b|\bsince\b|\blast\b|\bpast\b", match.group(1))[0]
        codes, words = countries_in(head)
        included += [code for code in codes if code not in excluded]
        used += words
    # demonyms before the noun: "US customers", "German shoppers", "EU contacts"
    for match in re.finditer(r"\b([a-z.]+(?: [a-z]+)?)\s+(?:customers|contacts|people|shoppers|buyers|subscribers|users|audience|folks|visitors|vips)\b", lowered):
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
    if stage in ("cart", "checkout", "browse") and not lapsed:
        hours = win.hours if win else defaults[stage]
        shape = {"cart": recipes.cart_abandoners, "checkout": recipes.checkout_abandoners,
                 "browse": recipes.browse_abandoners}[stage](window(hours))
        parts.append(shape)
        what = {"cart": "added to cart or started checkout", "checkout": "started checkout",
                "browse": "viewed a product"}[stage]
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
            never or lapsed or count or stage in ("cart", "checkout", "browse")) and win:
        parts.append({"event": ORDER, "within_last": window(win.hours)})
        phrases.append(f"who ordered in {win.words}")
        win = None
    signup = re.search(r"\b(signed up|sign.?ups?|joined|registered|subscribed|new (?:subscribers|contacts|customers))\b", lowered)
    if signup:
        since = re.search(r"\bsince\s+([^,;.]{3,40})", lowered)
        named = named_date(since.group(1), now.date()) if since else None
        if named:
            parts.append({"attribute": "created_at", "op": "gt", "value": named[0].isoformat() + "T00:00:00"})
            phrases.append(f"who signed up since {named[1]}")
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
    if re.search(r"opt(ed)?.?ins?\b|\bconsent(ed)?\b|\bsubscribed to (marketing|email)|marketing.?consent|double.?opt", lowered):
        return {"attribute": "email_consent", "op": "in", "value": ["opt_in", "soft_opt_in"]}, "with email consent"
    return None


# Audience words with no definition here: named back to the marketer, never silently dropped.
QUALIFIERS = re.compile(r"\b(vips?|loyal|high.value|engaged|premium|frequent|best|whales?|big spenders|top customers|"
                        r"influencers?|wholesale|students?|men|women|male|female|mobile|desktop|ios|android)\b")


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

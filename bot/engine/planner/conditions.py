"""The conditions of an audience sentence, one reader each: which words a time phrase belongs
to (clauses), order counts, spend, sign-up dates, consent, and "has not ordered".

bot.engine.planner.extract composes what these read into a segment spec; every condition's
reading words are made here beside its spec, so the "Read as" line says what the spec does.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.engine.planner.dates import (
    Period,
    Window,
    audience_window,
    calendar_period,
    named_date,
    unit_hours,
    window,
)
from bot.engine.planner.vocabulary import EXCLUDE_VERBS
from tools.audience import recipes

ORDER = recipes.ORDER


# The words a condition hangs on. A time phrase belongs to the condition whose words come last
# before it ("signed up this month but haven't bought": the month is the sign-up's), so one
# sentence can carry a window for each condition.
ANCHORS = (
    ("signup", re.compile(r"\b(signed up|sign.?ups?|joined|registered|subscribed|new (?:subscribers|contacts|customers"
                          r"|members|people)|created (?:an |their )?accounts?)\b")),
    # "opted in since june": when they gave consent (a time of its own, not the sign-up's)
    ("consented", re.compile(r"\b(opted.?in|consented|gave (?:their |us )?consent|gave permission)\b")),
    ("spend", re.compile(r"\b(spent|spend|spending|spenders?|lifetime value|ltv|clv|worth)\b")),
    ("order", re.compile(r"\b(ordered|orders?|ordering|bought|buy|buying|buyers?|purchas\w*|shopped|shoppers who ordered"
                         r"|come back|came back|been back)\b")),
    ("stage", re.compile(r"\b(abandon\w*|carts?|baskets?|check.?outs?|checked out|brows\w*|viewed|viewers?|looked at"
                         r"|visit(?:ed|ors?)|added)\b")),
)

# "haven't bought", "didn't order", "never purchased", "no orders": the order did not happen.
NOT_ORDERED = re.compile(
    r"(?:\b(?:haven'?t|have not|hasn'?t|has not|didn'?t|did not|don'?t|do not|doesn'?t|not|never|no longer|without"
    r"|yet to)\s+(?:\w+\s+){0,2}?(?:ordered|order|ordering|bought|buy|buying|purchased|purchase|purchasing|shopped"
    r"|shop|made (?:a|any) purchases?|placed (?:an|any) orders?|converted|come back|came back|been back)\b)"
    r"|\b(?:no|zero|0)\s+(?:orders?|purchases?)\b|\bnon[- ]?(?:buyers|purchasers|customers)\b|\bnever[- ]?buyers\b"
    r"|\bbut not (?=(?:in|within|for|during|over) (?:the )?(?:last|past|\d)|since )"
    r"|\b(?:nothing|none|no (?:orders?|purchases?))(?: at all)? (?=(?:in|within|for|during|over) (?:the )?(?:last|past|\d)|since )")
# "leaving out anyone who bought in the last 30 days", "excluding recent buyers": no order in the
# window (whoever never ordered included), not a lapse.
EXCLUDED_ORDER = re.compile(
    r"\b(?:excluding|exclude|except(?: for)?|leaving out|leave out|minus|but not|not including|other than|without)\s+"
    r"(?:(?:(?!and\b|or\b|but\b|plus\b)\w+\s+){0,3}?(?:who|that)\s+(?:(?:have|has|'ve|already|recently)\s+)*(?:bought|ordered|purchased|converted|shopped)"
    r"|(?:the\s+|our\s+|any\s+)?(?:recent\s+)?(?:buyers|purchasers|customers who ordered))\b")
EVER = re.compile(r"\bnever\b|\bever\b|\bno\s+(?:orders?|purchases?)\b(?!\s+(?:in|for|within|during|since|over|the)\b)|\bzero\b"
                  r"|\b0 orders\b|\bnon[- ]?|\byet\b")


# "ordered in october but not in november", "bought in q3 but not since", "ordered in the last
# 30 days but not in the last 7": an order in one window and none in another.
ORDERED_BUT_NOT = re.compile(
    r"^(?P<pos>.*?\b(?:ordered|bought|purchased|shopped|ordering|buying|buyers|customers|orders?)\b.*?)\s*,?\s+(?:but|and)\s+"
    r"(?:not|haven'?t|hasn'?t|didn'?t|did not|have not|has not|never|no (?:orders?|purchases?))\s*"
    r"(?:(?:ordered|bought|purchased|shopped|order|buy|purchase|again|since then)\s+)*(?P<neg>(?:in|during|within|over|for)\b.+|since\b.*)$")


def ordered_but_not(clause: str, now: datetime) -> tuple[list[dict[str, Any]], str] | None:
    """The two conditions (an order in the first window, none in the second) and their words;
    None unless both windows are there ("since" alone: since the first window ended)."""
    match = ORDERED_BUT_NOT.match(clause.strip())
    if match is None:
        return None
    # "... but not since, with 2+ orders overall": the second window ends where another condition begins
    negative = re.split(r"\s*,|\s+(?:and|with|who|that|whose)\b", match.group("neg"), maxsplit=1)[0]
    first, later = time_of(match.group("pos"), now), time_of(negative, now)
    if not first.any:
        return None
    ordered: dict[str, Any] = {"event": ORDER}
    words = "who ordered " + attach(ordered, first)
    gap: dict[str, Any] = {"event": ORDER}
    if later.any:
        said = attach(gap, later)
    elif re.fullmatch(r"since(?: then)?\W*", negative.strip()) and first.period:
        gap["between"] = [first.period.end.isoformat(), (now + timedelta(days=1)).isoformat()]
        said = f"since ({first.period.end:%Y-%m-%d} on)"
    else:
        return None
    return [ordered, {"not": gap}], f"{words} but not {said}"


def clauses(lowered: str) -> dict[str, str]:
    """Each condition kind's part of the sentence: from its words to the next condition's.
    Words before the first condition go with it ("in the last week, who bought ...")."""
    hits = sorted((with_negation(lowered, match.start()), kind) for kind, pattern in ANCHORS
                  for match in pattern.finditer(lowered))
    parts: dict[str, str] = {}
    for index, (position, kind) in enumerate(hits):
        end = hits[index + 1][0] if index + 1 < len(hits) else len(lowered)
        parts[kind] = parts.get(kind, "") + " " + lowered[0 if index == 0 else position:end]
    return parts


NEGATION_BEFORE = re.compile(r"\b(?:haven'?t|have not|hasn'?t|has not|didn'?t|did not|don'?t|do not|doesn'?t|not|never"
                             r"|no longer|without|yet to|no|zero)\s+(?:(?!(?:and|or|but|then|ordered|bought|purchased|orders?)\b)\w+\s+){0,2}$")


def with_negation(lowered: str, position: int) -> int:
    """Where a condition's words begin, counting a negation just before them ("didn't order")."""
    match = NEGATION_BEFORE.search(lowered[:position])
    return match.start() if match else position


@dataclass
class Time:
    """The time words of one clause: a rolling window, a calendar period, or neither."""

    win: Window | None
    period: Period | None

    @property
    def any(self) -> bool:
        return self.win is not None or self.period is not None

    @property
    def source(self) -> str:
        """The words as the marketer wrote them ("in the last 30 days", "last month")."""
        if self.period:
            return self.period.words.split(" (")[0]
        return self.win.source if self.win else ""


def time_of(text: str, now: datetime) -> Time:
    period = calendar_period(text, now)
    win = None if period else audience_window(text, now)
    if win is not None and win.start is not None:
        # "since Black Friday", "this week": from that day's midnight in the team's zone, exactly,
        # not a whole number of hours back from now.
        begin = datetime(win.start.year, win.start.month, win.start.day, tzinfo=now.tzinfo)
        period, win = Period(begin, begin + timedelta(days=(now.date() - win.start).days + 1), win.words), None
    return Time(win, period)


def time_words_in(text: str, source: str) -> re.Match[str] | None:
    """Where the words of a time (as time_of names it, its `source`) are in `text`: "in October
    2026" is "in october" there, "since November 1" may be "since november 1st"."""
    yearless = re.sub(r",?\s+\d{4}$", "", source)
    # "since June 1, 2026" is how the reading names what the marketer wrote as "since june"
    dayless = re.sub(r"(?<=[a-z])\s+1$", "", yearless, flags=re.I)
    for words in (source, yearless, re.sub(r"^(?:in|during|over|within|for)\s+", "", yearless), dayless):
        # "in october" may have its "in"; "opted in since june" keeps its own
        lead = "" if re.match(r"(?:since|before|after|until|till|from)\b", words, flags=re.I) else r"(?:\b(?:in|during|over|within|for) )?"
        found = re.search(rf"{lead}{re.escape(words)}(?:st|nd|rd|th)?\b", text, flags=re.I)
        if found:
            return found
    return None


def first_position(text: str, kind: str) -> int:
    pattern = dict(ANCHORS)[kind]
    match = pattern.search(text)
    return match.start() if match else len(text)


def attach(condition: dict[str, Any], time: Time) -> str:
    """Put a clause's time on an event condition; the words for the reading."""
    if time.period:
        condition["between"] = [time.period.start.isoformat(), time.period.end.isoformat()]
        return time.period.words
    condition["within_last"] = window(time.win.hours)
    return window_words(time.win)


def window_words(win: Window) -> str:
    """'in the last 30 days', 'since Black Friday (2026-11-27)', 'this week', 'today'."""
    return win.words if win.words.startswith(("since", "this", "last", "today", "yesterday", "overnight")) else f"in {win.words}"


def lapsed_window(time: Time, now: datetime) -> str:
    """How long a lapse has lasted: "haven't ordered since Black Friday" is inactive since that
    day began (whole hours, rounded up), "in 60 days" is 60 days."""
    if time.period:
        return window(max(1, math.ceil((now - time.period.start).total_seconds() / 3600)))
    return window(time.win.hours)


def bare_days(text: str) -> int:
    bare = re.search(r"\b(\d+)\s*(d|days?|w|weeks?|months?|years?)\b", text)
    return int(bare.group(1)) * unit_hours(bare.group(2)) // 24 if bare else 90


SPEND = re.compile(r"(?:spent|spend|spending|spenders?|lifetime value|ltv|clv|worth)\s+(?:a total of\s+|in total\s+|total\s+)?"
                   r"(?:(?:is|was|of|are|at|has been|totals?)\s+)?"
                   r"(?P<op>over|more than|above|at least|>=|>|under|less than|below|<=|<|between|from)?\s*"
                   r"[$€£]?\s*(?P<amount>\d[\d,]*(?:\.\d+)?)\s*(?P<k>k\b)?"
                   r"(?:\s*(?:dollars|euros?|pounds|bucks|usd|eur|gbp|quid))?\s*"
                   r"(?P<more>or more|\+|or less|and up|plus|or above|or over|and over|or under)?"
                   r"(?:\s*(?:and|to|-)\s*[$€£]?\s*(?P<high>\d[\d,]*(?:\.\d+)?)\s*(?P<hk>k\b)?)?")


def spend_condition(clause: str, time: Time | None) -> tuple[dict[str, Any], str] | None:
    match = SPEND.search(clause)
    if not match:
        return None
    amount = float(match.group("amount").replace(",", "")) * (1000 if match.group("k") else 1)
    op = match.group("op") or ""
    more = (match.group("more") or "").strip()

    def total(compare: str, value: float) -> dict[str, Any]:
        node = {**recipes.spent_over(value), "op": compare}
        if time and time.period:
            node["between"] = [time.period.start.isoformat(), time.period.end.isoformat()]
        elif time and time.win:
            node["within_last"] = window(time.win.hours)
        return node

    if match.group("high") and op in ("between", "from", ""):
        high = float(match.group("high").replace(",", "")) * (1000 if match.group("hk") else 1)
        condition: dict[str, Any] = {"all": [total("gt", amount), total("lt", high)]}
        words = f"who spent between {amount:g} and {high:g}"
    elif op in ("under", "less than", "below", "<", "<=") or more in ("or less", "or under"):
        condition, words = total("lt", amount), f"who spent under {amount:g}"
    elif op in ("at least", ">=") or more in ("or more", "+", "and up", "plus", "or above", "or over", "and over"):
        condition = {"any": [total("gt", amount), total("eq", amount)]}
        words = f"who spent at least {amount:g}"
    else:
        condition, words = total("gt", amount), f"who spent over {amount:g}"
    if time and time.period:
        words += " " + time.period.words
    elif time and time.win:
        words += " " + window_words(time.win)
    else:  # lifetime, said so: "spent over 100" after "bought since Monday" is not misread
        words += " in total"
    return condition, words


# "over six months ago", "more than a year ago", "at least 90 days ago": longer ago than that
SIGNED_LONG_AGO = re.compile(r"\b(?:over|more than|at least|longer than|upwards of)\s+(?P<n>\d+|a|an|one)\s*(?P<unit>days?|weeks?|months?|years?)\s+ago\b")


def signup_condition(clause: str, time: Time, now: datetime, attribute: str = "created_at",
                     verb: str = "signed up") -> tuple[list[dict[str, Any]], str] | None:
    """The contact-time bounds a clause names ("signed up before march", "opted in since june"):
    `attribute` is the contact's time (created_at, consent_at), `verb` its words in the reading."""
    if ago := SIGNED_LONG_AGO.search(clause):
        # "signed up over six months ago": before that day, never within those months
        amount = 1 if ago.group("n") in ("a", "an", "one") else int(ago.group("n"))
        days = amount * {"day": 1, "week": 7, "month": 30, "year": 365}[ago.group("unit").rstrip("s")]
        before = (now - timedelta(days=days)).date()
        return ([{"attribute": attribute, "op": "lt", "value": before.isoformat() + "T00:00:00"}],
                f"who {verb} more than {amount} {ago.group('unit').rstrip('s')}{'s' * (amount != 1)} ago (before {before.isoformat()})")
    bounds: list[dict[str, Any]] = []
    words: list[str] = []
    for match in re.finditer(r"\b(before|prior to|earlier than|after|later than)\s+([^,;.]{3,40})", clause):
        named = named_date(re.split(r"\b(?:and|but|who|with|in|from|or)\b", match.group(2))[0], now.date())
        if named:
            op = "lt" if match.group(1) in ("before", "prior to", "earlier than") else "gt"
            bounds.append({"attribute": attribute, "op": op, "value": named[0].isoformat() + "T00:00:00"})
            words.append(f"{'before' if op == 'lt' else 'after'} {named[1]}")
    if bounds:
        return bounds, f"who {verb} " + " and ".join(words)
    since = re.search(r"\bsince\s+([^,;.]{3,40})", clause)
    named = named_date(since.group(1), now.date()) if since else None
    if named:
        return [{"attribute": attribute, "op": "gt", "value": named[0].isoformat() + "T00:00:00"}], f"who {verb} since {named[1]}"
    if time.period:
        return ([{"attribute": attribute, "op": "gt", "value": time.period.start.isoformat()},
                 {"attribute": attribute, "op": "lt", "value": time.period.end.isoformat()}],
                f"who {verb} {time.period.words}")
    if time.win:
        return [{"attribute": attribute, "op": "within_last", "value": window(time.win.hours)}], f"who {verb} {window_words(time.win)}"
    return None


ONE_TIME = "who ordered exactly once"  # the reading of "one-time" / "first-time buyers"
ORDER_COUNT = re.compile(
    r"(?P<op>more than|over|above|at least|at most|no more than|up to|exactly|fewer than|less than|under|only|just|a minimum of|min)?"
    r"\s*(?P<n>\d+)\s*(?P<plus>\+|or more|or fewer|or less|and up)?\s*(?:(?:separate|different|total|or more)\s+)?"
    r"(?:times?|orders?|purchases?|(?<=\d)x)\b(?P<after>\s*or more|\s*or fewer|\s*or less|\s*\+)?")


# "between 5 and 9 orders", "ordered 2-4 times", "from 3 to 6 purchases": both ends, inclusive
ORDER_RANGE = re.compile(r"\b(?:between|from)?\s*(?P<low>\d+)\s*(?:and|to|-|–)\s*(?P<high>\d+)\s*(?:times?|orders?|purchases?)\b")


# Order counts in words: "repeat customers", "ordered again"; "one-time buyers", "first-time shoppers".
REPEAT_BUYERS = re.compile(r"\brepeat (customers|buyers|purchasers|shoppers)\b|\breturning customers\b|\bmultiple (orders|purchases"
                           r"|times)\b|\bmore than once\b|\bordered again\b")
ONE_TIME_BUYERS = re.compile(r"\b(one-time|one time|single-order|first-time|first time|new)\s+(buyers|purchasers)\b|\b(one-time"
                             r"|one time|single-order|first-time|first time)\s+(customers|shoppers)\b")


def order_count(clause: str, numbers: bool = True) -> tuple[dict[str, Any], str] | None:
    if numbers and (span := ORDER_RANGE.search(clause)) and int(span.group("low")) <= int(span.group("high")):
        low, high = int(span.group("low")), int(span.group("high"))
        return {"event": ORDER, "at_least": low, "at_most": high}, f"who ordered between {low} and {high} times"
    match = ORDER_COUNT.search(clause) if numbers else None
    if not match:
        if REPEAT_BUYERS.search(clause):
            return {"event": ORDER, "at_least": 2}, "who ordered at least 2 times"
        if ONE_TIME_BUYERS.search(clause):
            return {"event": ORDER, "at_least": 1, "at_most": 1}, ONE_TIME
        return None
    op, number = (match.group("op") or "").strip(), int(match.group("n"))
    more = (match.group("plus") or match.group("after") or "").strip()
    if op in ("more than", "over", "above"):
        return {"event": ORDER, "at_least": number + 1}, f"who ordered more than {number} times"
    if op in ("at least", "a minimum of", "min") or more in ("+", "or more", "and up"):
        return {"event": ORDER, "at_least": number}, f"who ordered at least {number} times"
    if op in ("at most", "no more than", "up to") or more in ("or fewer", "or less"):
        return {"event": ORDER, "at_most": number}, f"who ordered at most {number} times"
    if op in ("fewer than", "less than", "under"):
        return {"event": ORDER, "at_most": max(0, number - 1)}, f"who ordered fewer than {number} times"
    if number == 0:
        return {"event": ORDER, "did": False}, "who have never ordered"
    return {"event": ORDER, "at_least": number, "at_most": number}, f"who ordered exactly {number} times"


# The suppression list by reason ("who unsubscribed", "bounced addresses", "spam complaints"),
# and the do-not-sell flag: what a marketer asks when they count the people they may not email.
LIST_STATUS = (
    (re.compile(r"\b(?:unsubscribed|unsubscribes|unsubscribers|opted.?out(?! of (?:the )?(?:data|sale|selling|their data))|opt.?outs)\b"),
     {"any": [{"attribute": "suppressed", "op": "in", "value": ["unsubscribed"]},
              {"attribute": "email_consent", "op": "eq", "value": "opt_out"}]}, "who unsubscribed"),
    (re.compile(r"\bbounc(?:ed|es|ing)\b"), {"attribute": "suppressed", "op": "in", "value": ["bounced"]}, "whose address bounced"),
    (re.compile(r"\b(?:complained|complaints?|marked (?:us |it |them |our emails? )?as spam|spam reports?)\b"),
     {"attribute": "suppressed", "op": "in", "value": ["complained"]}, "who marked an email as spam"),
    (re.compile(r"\bsuppress(?:ed|ion list|ion)\b"), {"attribute": "suppressed", "op": "exists", "value": True},
     "on the suppression list"),
    (re.compile(r"\bdo.?not.?sell\b|\bopted out of (?:the )?(?:data |their data )?(?:sale|selling|being sold)\b|\bdon'?t sell\b"),
     {"attribute": "do_not_sell", "op": "eq", "value": True}, "who asked us not to sell their data (do-not-sell)"),
)


def list_status_condition(lowered: str) -> tuple[dict[str, Any], str] | None:
    """Suppression-list and do-not-sell words as a condition; the first kind named wins."""
    named = [(match.start(), condition, words) for pattern, condition, words in LIST_STATUS if (match := pattern.search(lowered))]
    if not named:
        return None
    start, condition, words = min(named, key=lambda item: item[0])
    # "exclude anyone who unsubscribed": left out, not picked
    if re.search(rf"\b(?:{EXCLUDE_VERBS}|not|never|haven'?t|hasn'?t|no|aren'?t|isn'?t|weren'?t|wasn'?t)\b(?:\W+\w+){{0,4}}\W*$", lowered[:start]):
        return {"not": condition}, "except those who " + {"who unsubscribed": "unsubscribed", "whose address bounced": "bounced",
                                                          }.get(words, words.removeprefix("who "))
    return condition, words


# Consent given by the person themselves, not the soft opt-in a purchase gives: "full opt-in",
# "who actually opted in (not soft)", "opted in, excluding soft opt-ins".
FULL_OPT_IN = re.compile(r"\b(?:full|explicit|double|proper|real|hard|confirmed|actual) opt.?ins?\b"
                         r"|\b(?:actually|explicitly|really|properly|personally|themselves) opted.?in\b|\bopted.?in (?:themselves|properly|explicitly|for real)\b"
                         r"|\b(?:not|no|without|excluding|except|minus|but not) (?:the |any )?soft(?:.?opt.?ins?| ones| consent)?\b")


# No consent, in the many ways it is said: "no email consent", "without ever opting in", "never consented"
NO_CONSENT = re.compile(r"\b(?:no|without|zero|lacking|missing|w/o)\s+(?:any\s+)?(?:email\s+|marketing\s+|e-?mail marketing\s+|mailing\s+)?"
                        r"(?:consent|permission|opt.?ins?)\b|\bnot opted.?in|\b(?:haven'?t|hasn'?t|have not|has not|never|didn'?t|did not) (?:ever )?opted"
                        r"|\b(?:never|not|haven'?t|hasn'?t|didn'?t|did not) (?:ever )?(?:consented|given (?:us )?(?:their )?(?:email |marketing )?consent|gave (?:us )?(?:their )?(?:email |marketing )?consent"
                        r"|opt(?:ed)? in)\b|\bwithout (?:them |ever |having |their )*(?:opting|opted|consenting|consent)\b")


def consent_condition(lowered: str) -> tuple[dict[str, Any], str] | None:
    if NO_CONSENT.search(lowered) and not re.search(r"\bads? consent|\badvertising consent", lowered):
        return {"attribute": "email_consent", "op": "in", "value": ["none", "opt_out"]}, "without email consent"
    if re.search(r"\bads? consent|\badvertising consent|\bconsent(?:ed)? (?:to|for) (?:ads|advertising|ad targeting|being targeted)"
                 r"|\bopted.?in (?:to|for) ads\b|\bad.?opt.?ins?\b", lowered):
        return {"attribute": "ad_consent", "op": "eq", "value": True}, "with ad consent"
    if FULL_OPT_IN.search(lowered):
        return {"attribute": "email_consent", "op": "eq", "value": "opt_in"}, "with full opt-in consent (not soft opt-in)"
    if re.search(r"\bsoft.?opt.?ins?\b|\bsoft ones\b", lowered):
        return {"attribute": "email_consent", "op": "eq", "value": "soft_opt_in"}, "with soft opt-in consent (from a purchase)"
    # "subscribers" are the people who agreed to get the emails, as in every email tool.
    if re.search(r"opt(ed)?.?ins?\b|\bconsent(ed)?\b|\bsubscribed to (marketing|email)|marketing.?consent|double.?opt"
                 r"|(?<!un)\bsubscribers\b|\b(email|newsletter|mailing) list\b"
                 # "who are subscribed", "how many of them are subscribed": on the list, with consent
                 r"|\b(?:are|is|still|currently|who'?re|that are|being) subscribed\b|\bsubscribed (?:ones|contacts|people|customers)\b"
                 r"|\b(?:everyone|everybody|anyone|all|those|people|customers) (?:who'?s |who is |that'?s )?subscribed\b", lowered):
        return {"attribute": "email_consent", "op": "in", "value": ["opt_in", "soft_opt_in"]}, "with email consent"
    return None


def order_worth(lowered: str) -> tuple[dict[str, float], str, str]:
    """The order value bounds a question names ("orders over 300 bucks", "orders between 100 and
    200 dollars"): the order_summary limits, their words, and the sentence without them."""
    worth_limit: dict[str, float] = {}
    worth_words = ""
    if both := ORDER_BETWEEN.search(lowered):
        # "orders between 100 and 200 dollars last month": both ends
        low, high = sorted(float(both.group(name).replace(",", "")) for name in ("low", "high"))
        worth_limit.update(min_value=low, max_value=high)
        worth_words = f" worth between {low:g} and {high:g}"
        lowered = lowered[:both.start()] + " " + lowered[both.end():]
    elif worth := ORDER_WORTH.search(lowered):
        # "how many orders over 300 bucks in the past 3 months": those orders, not every order
        # (read first: "between dec 2 and dec 2 orders under 50" keeps its period)
        amount = float(worth.group("amount").replace(",", ""))
        below = worth.group("op") in ("under", "below", "less than")
        worth_limit["max_value" if below else "min_value"] = amount
        worth_words = f" worth {'under' if below else 'over'} {amount:g}"
        lowered = lowered[:worth.start()] + " " + lowered[worth.end():]
    return worth_limit, worth_words, lowered


ORDER_BETWEEN = re.compile(r"\b(?:orders?|purchases?|sales)(?:\s+\S+){0,3}?\s+(?:of |worth |valued at )?between\s*[$€£]?\s*(?P<low>\d[\d,]*(?:\.\d+)?)(?![\d-])\s*(?:dollars|euros?|pounds|bucks)?"
                           r"\s*(?:and|to|-)\s*[$€£]?\s*(?P<high>\d[\d,]*(?:\.\d+)?)(?![\d-])(?!\s*(?:times|orders|days?|weeks?|months?|h|hours?)\b)(?:\s*(?:dollars|euros?|pounds|bucks))?")
ORDER_WORTH = re.compile(r"\b(?:orders?|purchases?|sales)(?:\s+(?!spent\b|spend\w*\b|who\b|that\b|with\b)\S+){0,3}?\s+(?:of |worth |valued at |that (?:were|was) )?(?P<op>over|above|more than|greater than|under|below|less than)"
                         r"\s*[$€£]?\s*(?P<amount>\d[\d,]*(?:\.\d+)?)(?!\s*(?:times|orders|days?|weeks?|months?|h|hours?)\b)(?:\s*(?:dollars|euros?|pounds|bucks))?")

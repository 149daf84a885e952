"""Requests about one person or about who did what: why a contact did not get an email, erasure
and access requests, and audit-log questions ("who approved the cart sequence?").
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import (
    NOT_NAME,
    campaign_phrases,
    campaign_reference,
    campaign_words,
    duration_hours,
    has,
    person,
)
from bot.engine.planner.vocabulary import AUDIT_VERBS, EMAIL_RE


def explain(clean: str, lowered: str, state: ThreadState) -> Plan:
    """Why a person did (not) get an email, in a campaign when one is named ("the cart rescue
    email", "the day 2 email in campaign 3"), else their status: consent, suppressions and latest
    messages ("why did jo@ get an email from us?", "is jo@ unsubscribed?")."""
    who = person(clean, r"didn't|did not|hasn't|has not|wasn't|was not|doesn't|does not|never|of|is|did|for")
    if who is None:
        return Plan("explain_contact", answer=messages.ASK_WHOM_EXPLAIN)
    rest = re.sub(r"\b(an|any|our|the|a) (emails?|messages?|mail)( from us)?\b|\bfrom us\b|\bconsent|\bstatus\b"
                  r"|\bunsubscribed\b|\bsubscribed\b|\bsuppressed\b|\bbounced\b|\bopted.?(in|out)\b|\ballowed\b|\bemailed\b"
                  # the question's own words are no campaign's name ("why isn't jo@ getting ...")
                  r"|\bwhy\b|\b(?:is|was|did|does|has|have|do|are|were)(?:n'?t| not)?\b|\bnot\b|\bnever\b|\bany ?more\b"
                  r"|\b(?:get|gets|getting|got|receive|receives|receiving|received|any|of|our|us|still|anything|nothing|she|he|her|him"
                  r"|they|them|going|on|with|what's|whats|what|deal|up|emails?|mail|messages?"
                  # "can we email her? and can we show her ads": her status (ad consent included), not a campaign
                  r"|can|could|we|show|target|retarget|ads?|advertising|adverts?|legally|allowed to|and|also|tho|though|because|since"
                  r"|canadian|american|british|german|french|never|said|yes|agreed|consented)\b", " ",
                  EMAIL_RE.sub(" ", clean), flags=re.I)
    reference = campaign_reference(rest, state) if re.search(r"\b(campaign|sequence|flow|series|day \d+|step|email in)\b|['\"]",
                                                          rest, flags=re.I) or campaign_words(rest.lower()) else None
    arguments: dict[str, Any] = {"contact": who}
    if reference is not None:
        arguments["campaign"] = reference
        words = f"why {who} did or did not get the emails of campaign {reference if reference.isdigit() else repr(reference)}"
    else:
        words = f"the email status of {who}: consent, sign-up date, suppressions and latest messages (read only)"
    return Plan("explain_contact", [PlannedCall("explain_contact", arguments)], reading=f"Read as: {words}")


AUDIT_ACTOR = re.compile(r"(?<![\w@.])(U[A-Z0-9]{2,}|W[A-Z0-9]{2,})(?![\w@.-])|\b(scheduler|cli|console)\b")


def audit_question(clean: str, lowered: str, state: ThreadState) -> Plan:
    """'who approved the cart sequence?', 'what did U123 do this week?', 'show the audit log'."""
    asks_who = has(lowered, r"\bwho\b")
    arguments: dict[str, Any] = {"since": audit_since(lowered, "365d" if asks_who else "7d")}
    verb = re.search(r"\b(?:who|what (?:did|has|have) (?:the )?\S+)\s+(?:\w+ly\s+)?(\w+)", lowered)
    if verb and (action := next((name for stem, name in AUDIT_VERBS if re.match(stem, verb.group(1))), None)):
        arguments["action"] = action
    if subject := audit_subject(clean, state):
        arguments["subject"] = subject
    if actor := AUDIT_ACTOR.search(clean):
        arguments["actor"] = actor.group(1) or actor.group(2).lower()
    said = [f"'{arguments['action']}' entries" if "action" in arguments else "every entry",
            f"about {arguments['subject']}" if "subject" in arguments else "", f"by {arguments['actor']}" if "actor" in arguments else ""]
    return Plan("audit_log", [PlannedCall("audit_log", arguments)],
                reading=f"Read as: the audit log of the last {arguments['since']}: {' '.join(word for word in said if word)} (read only)")


def audit_since(lowered: str, default: str) -> str:
    if has(lowered, r"\btoday\b|\bsince this morning\b"):
        return "1d"
    if has(lowered, r"\byesterday\b"):
        return "2d"
    if has(lowered, r"\bthis month\b"):
        return "30d"
    if has(lowered, r"\bthis week\b"):
        return "7d"
    hours = duration_hours(lowered, 0)
    if not hours:
        return default
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"


def audit_subject(clean: str, state: ThreadState) -> str | None:
    """A campaign ('campaign 2', a name, this thread's), a draft or a segment the question names."""
    lowered = clean.lower()
    if draft := re.search(r"\bdraft\s*[#:]?\s*(\d+)\b", lowered):
        return f"draft:{draft.group(1)}"
    if segment := re.search(r"\bsegment\s+['\"]?([\w-]+)", clean, flags=re.I):
        return segment.group(1).lower()
    named = campaign_reference(clean, ThreadState(), loose=False)
    if named is not None:
        return f"campaign:{named}" if named.isdigit() else named
    if state.campaign_id is not None and has(lowered, r"\b(it|this|that|the) ?(campaign|sequence|flow)?\b\W*$"):
        return f"campaign:{state.campaign_id}"
    # "who approved the winter collection email?": its name's words, matched by the audit log's own
    # campaign matching (never every entry, and never the thread's campaign by default)
    words = re.sub(r"\s+", " ", NOT_NAME.sub(" ", campaign_phrases(clean))).strip()
    return words or None

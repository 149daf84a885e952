"""The intents: which request shape a sentence is, and the builder that plans it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.engine.memory import ThreadState
from bot.engine.planner.audiences import (
    create_segment,
    export_audience,
    how_many,
    list_segments,
    order_summary,
    preview_named_segment,
    special_exports,
)
from bot.engine.planner.campaigns import (
    campaign_action,
    digest,
    frequency_rule,
    list_campaigns,
    preflight_existing,
    report,
    schedule,
    show_rules,
)
from bot.engine.planner.drafting import draft_action, draft_ad_copy, draft_email
from bot.engine.planner.follow_ups import change_discount, exclude_countries
from bot.engine.planner.people import audit_question, explain, export_person, forget
from bot.engine.planner.plans import Plan
from bot.engine.planner.reading import has, help_text
from bot.engine.planner.sequences import (
    browse_sequence,
    cart_sequence,
    winback_sequence,
)
from bot.engine.planner.vocabulary import EXCLUDE_VERBS


def show_help(clean: str, lowered: str, state: ThreadState) -> Plan:
    return Plan("help", answer=help_text())


@dataclass(frozen=True)
class Intent:
    """A request shape: its words (`pattern`), words that rule it out, and what builds its plan."""

    builder: Callable[[str, str, ThreadState], Plan | None]
    pattern: str
    unless: str | None = None

    def matches(self, lowered: str) -> bool:
        return has(lowered, self.pattern) and not (self.unless and has(lowered, self.unless))


# First match wins, so the more specific shapes come first. A builder returning None declines.
INTENTS = [
    Intent(show_help, r"^(help|\?|what can you do|commands|examples|how do i use)"),
    Intent(audit_question, r"\baudit\b|\bwho (\w+ly )?(approved|rejected|scheduled|launched|paused|resumed|cancell?ed"
                           r"|stopped|erased|forgot|deleted|exported|edited|revised|changed|created)\b"
                           r"|\bwhat (did|has|have) (the )?\S+ (do|done|been doing|approved?|erased?|exported?|deleted?)\b"
                           r"|\b(activity|actions) (of|by|from) "),
    Intent(export_person, r"\b(subject access|access request|dsar|right of access|data export)\b"
                          r"|\bexport\b(?=.*\b(everything|all|data|records?|profile)\b)(?=.*\b(on|about|for|of)\b)"
                          r"|\bwhat (data|information|info|records?|personal data)\b.*\b(on|about|for|of)\b"
                          r"|\b(what|everything) do (we|you) (know|hold|have|store|keep) (on|about)\b"
                          r"|\b(everything|all (the )?(data|information)) (we|you) (hold|have|store|keep) (on|about|for)\b",
           unless=r"\b(forget|erase|delete|remove|right to be forgotten)\b"),
    Intent(forget, r"\b(forget|erase|gdpr|right to be forgotten"
                   r"|delete (all )?(the )?(data|contact|everything|personal))"),
    Intent(explain, r"\bwhy\b.*\b(didn't|did not|hasn't|has not|not|never|wasn't|no)\b"),
    Intent(digest, r"\bdigest\b"),
    Intent(special_exports, r"suppress|look.?alike|seed (list|audience)|similar audience|exclusion list"),
    Intent(draft_action, r"\bdraft\b|\bcomplian|can-?spam|^(approve|reject) (it|this|that)\b"),
    Intent(preflight_existing, r"\bpre-?flight|ready to (launch|go|send)|pre-?launch check"),
    Intent(show_rules, r"\b(show|list|what are|what're|current|see|what)\b.*\b(rules|caps?|quiet hours|frequency)\b(?!.*\d)"),
    Intent(list_segments, r"\b(list|show|what|which)\b.*\bsegments\b"),
    Intent(order_summary, r"\b(orders?|revenue|sales|aov)\b",
           unless=r"\b(sequence|flow|campaign|export|segment|abandon|cart|checkout|people|customers|contacts|shoppers"
                  r"|subscribers|buyers|users|who|placed|ordered|purchased)\b|\bdraft|why|forget|quiet|cap"),
    Intent(report, r"^(how (did|does|is|are|was|were)|how's|results?|report|performance|stats)\b"
                   r"|^show .*\b(results|report|performance|stats)\b"
                   r"|\b(open|click|click-through|conversion|unsubscribe|bounce) rates?\b|\bctr\b"
                   r"|\b(a/?b|subject) (test|result)s?\b|\bwhich subject (line )?(won|did better|is winning)\b"
                   r"|\b(how many|who) (\w+ )?(opened|clicked|unsubscribed|bounced|converted)\b"),
    Intent(frequency_rule, r"quiet hours|frequency cap|\b(at most|max(imum)?|no more than|cap|limit|up to)\b"
                           r".*\d+\s*(marketing )?(emails?|ads?|impressions?|messages?)\b"),
    Intent(change_discount, r"^(please )?(make|change|set|bump|raise|lower|give|update)\b.*\d+\s*%",
           unless=r"sequence|flow|campaign for"),
    Intent(exclude_countries, rf"^(please )?(also |and )?({EXCLUDE_VERBS})\b"),
    Intent(draft_email, r"\b(draft|write|compose)\b.*\b(email|newsletter|mail)\b", unless=r"sequence|flow|series|emails"),
    Intent(export_audience, r"\b(export|upload|retarget|custom audience|customer list|customer match)"),
    Intent(draft_ad_copy, r"\b(ad copy|ads?\b|headline|rsa\b|linkedin|facebook post)", unless=r"\bsequence|flow\b"),
    Intent(how_many, r"\bhow many\b|\bcount\b|\bnumber of\b|\bsize of\b|\bhow big\b"),
    Intent(schedule, r"\b(schedule|go live|launch|activate|start sending)\b",
           unless=r"what'?s scheduled|what is scheduled|scheduled\?"),
    Intent(campaign_action, r"\b(pause|resume|unpause|restart|cancel|kill|halt)\b|^stop\b"),
    Intent(cart_sequence, r"checkout abandon\w* (sequence|flow|series|emails?|campaign)|abandon\w*.*cart|cart.*abandon|cart (recovery|sequence|flow|reminder|emails?)"
                          r"|abandoned.?checkout|left .*(in|items in) (their|the) cart"),
    Intent(browse_sequence, r"brows\w* abandon|browse|viewed .*(didn't|did not|but not|without) (buy|purchas|order)"),
    Intent(winback_sequence, r"win.?back|re-?engage|lapsed|come back"
                             r"|(haven't|have not) (ordered|bought|purchased)"),
    Intent(create_segment, r"\b(create|save|make|build|define|new)\b.*\bsegment\b"),
    Intent(preview_named_segment, r"\b(preview|show|describe|who is in)\b.*\bsegment\b"),
    Intent(draft_email, r"\b(create|make|new)\b.*\b(email|newsletter|mail)\b"),
    Intent(list_campaigns, r"what'?s (scheduled|running|live|active)|what is (scheduled|running|live)"
                           r"|list (the |my |all )?campaigns|(active|running|scheduled) campaigns"
                           r"|show (me )?(the )?campaigns"),
    Intent(report, r"\b(how did|how is|how are|how's|results?|report|performance|stats|revenue|conversions?|roi)\b"),
]

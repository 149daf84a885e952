"""Finding what a person names: a campaign by id or in the marketer's words, a contact by id,
user id or email, and a campaign's steps. One copy of each rule, used by every tool, the risks
and the reports.

Marketers name campaigns loosely, so a reference is tried against ever looser readings, and the
first reading that matches anything decides: the id; the exact name in any case ("cart rescue"
finds "Cart rescue"); names holding every significant word ("the autumn winback" finds "Autumn
winback": filler such as "the", "our", "campaign", "sequence" is dropped); a close spelling
(rapidfuzz's token_set_ratio of 85 or more, so "autum winback" still finds it); and last the
kind of campaign ("the cart sequence" is one with a cart step, "the re-engage flow" one with a
win-back step). Names are not unique (a follow-up may build a second "Abandoned cart"), so within
a reading the live campaign (active or paused) wins over a draft duplicate, then the newest:
"pause the abandoned cart" must reach the campaign that is sending. A cancelled campaign is only
found when no reading finds a campaign that is not cancelled, since nobody acts on a dead one by
name when a living one fits; its id still reaches it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rapidfuzz import fuzz, utils
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tools.core.context import ToolError
from tools.core.models import Campaign, CampaignStep, Contact, Draft, Segment
from tools.core.vocabulary import LIVE_CAMPAIGN, CampaignStatus

# The description of every tool field that names a campaign (the LLM reads it).
CAMPAIGN_HELP = ("The campaign's id or name; the marketer's own words work too "
                 "('the cart sequence', 'autumn winback').")
FILLER = frozenset({"the", "our", "my", "campaign", "sequence", "flow", "series", "emails", "email", "one"})
FUZZY_SCORE = 85
# Words for a kind of campaign, and the step purposes that make a campaign that kind.
KINDS = (
    (re.compile(r"\b(cart|checkout|basket)s?\b"), ("cart_reminder", "cart_discount")),
    (re.compile(r"\bbrows(e|ing|ers?)\b"), ("browse_abandonment",)),
    (re.compile(r"\b(win-?backs?|lapsed|re-?engage(ment)?)\b"), ("winback",)),
    (re.compile(r"\bwelcome\b"), ("welcome",)),
)
_WORD = re.compile(r"[a-z0-9]+")


def find_campaign(db: Session, ref: str | int) -> Campaign:
    """The campaign `ref` names (an id, a name, or words for one), or a ToolError listing the
    known ones."""
    text = str(ref).strip()
    campaign = db.get(Campaign, int(text)) if text.isdigit() else _by_words(db, text)
    if campaign is None:
        raise ToolError(f"no campaign '{text}'; known campaigns: {known_campaigns(db)}")
    return campaign


def _by_words(db: Session, text: str) -> Campaign | None:
    # Every campaign's id, name and status in one read: a shop has tens or hundreds of
    # campaigns, and the looser readings (words, spelling) are judged in Python.
    rows = sorted(db.execute(select(Campaign.id, Campaign.name, Campaign.status)).all(),
                  key=lambda row: (row.status not in LIVE_CAMPAIGN, -row.id))
    cancelled = str(CampaignStatus.CANCELLED)
    readings = (_exact(text), _all_words(text), _close(text), _kind(db, text))
    for pool in ([r for r in rows if r.status != cancelled], [r for r in rows if r.status == cancelled]):
        for matches in readings:
            found = next((row.id for row in pool if matches(row)), None)
            if found is not None:
                return db.get(Campaign, found)
    return None


def _words_of(text: str) -> list[str]:
    # "win-back" and "winback" are one word, as marketers spell it both ways
    return _WORD.findall(re.sub(r"(?<=\w)-(?=\w)", "", text.lower()))


def _significant(text: str) -> list[str]:
    return [word for word in _words_of(text) if word not in FILLER]


def _exact(text: str) -> Callable:
    wanted = text.lower()
    return lambda row: row.name.strip().lower() == wanted


def _all_words(text: str) -> Callable:
    words = set(_significant(text))
    return lambda row: bool(words) and words <= set(_words_of(row.name))


def _close(text: str) -> Callable:
    words = " ".join(_significant(text))
    return lambda row: bool(words) and fuzz.token_set_ratio(
        words, row.name, processor=utils.default_process) >= FUZZY_SCORE


# One-off sends are a campaign kind of their own ("the friday newsletter", "the blast").
ONE_OFF_WORDS = re.compile(r"\b(newsletters?|blasts?|broadcasts?|one-?offs?|announcements?|one email)\b")


def _kind(db: Session, text: str) -> Callable:
    wanted = [purposes for pattern, purposes in KINDS if pattern.search(text.lower())]
    if ONE_OFF_WORDS.search(text.lower()) and not wanted:
        one_offs = set(db.scalars(select(Campaign.id).where(Campaign.kind == "one_off")))
        return lambda row: row.id in one_offs
    if not wanted:
        return lambda row: False
    kinds = _step_purposes(db)
    return lambda row: all(kinds.get(row.id, set()) & set(purposes) for purposes in wanted)


def _step_purposes(db: Session) -> dict[int, set[str]]:
    """Each campaign's step purposes (the step's own, else its draft's)."""
    rows = db.execute(select(CampaignStep.campaign_id, CampaignStep.purpose, Draft.purpose)
                      .outerjoin(Draft, Draft.id == CampaignStep.draft_id)).all()
    kinds: dict[int, set[str]] = {}
    for campaign_id, step_purpose, draft_purpose in rows:
        kinds.setdefault(campaign_id, set()).add(step_purpose or draft_purpose)
    return kinds


# The words that say a campaign's kind, by the purposes of its steps; "abandoned" fits carts and
# browsing alike, so it names no kind ("the checkout abandonment flow" is the cart one).
KIND_WORDS = {
    "cart_reminder": {"cart", "carts", "checkout", "checkouts", "basket"},
    "cart_discount": {"cart", "carts", "checkout", "checkouts", "basket"},
    "browse_abandonment": {"browse", "browsing", "browser", "browsers", "viewed", "viewers"},
    "winback": {"winback", "winbacks", "lapsed", "reengage", "reengagement", "miss"},
    "welcome": {"welcome", "onboarding", "signup", "signups", "newcomers"},
}
ONE_OFF_KIND = {"newsletter", "newsletters", "blast", "broadcast", "oneoff", "announcement", "promo", "promotion"}
POST_PURCHASE_KIND = {"postpurchase", "purchase", "thankyou", "thanks", "thank", "review", "reviews", "aftercare"}
# Words that fit every campaign, so they decide nothing between two.
UNTELLING = FILLER | {"abandoned", "abandonment", "abandon", "campaigns", "sequences", "flows", "first", "second",
                      "third", "last", "final", "day", "a", "an", "of", "to", "for", "in", "on", "and", "this", "that", "you",
                      "your", "we", "us", "it", "is", "new", "old", "with", "off", "about"}


def campaigns_named(db: Session, text: str) -> list[tuple[Campaign, int]]:
    """The campaigns `text` (a reference in the marketer's words: "the winback", "the post-purchase
    review email", "the winter collection newsletter") could name, best first, each with its
    score: two for each word in its name, one for each word saying its kind or found in a step's
    own words, a step's day, a step's discount code or its audience's country codes; a tie goes to the live one, then the newest. Cancelled campaigns and those no word
    fits are left out, so an empty list means the words name none."""
    words = set(_words_of(text)) - UNTELLING
    if not words:
        return []
    rows = db.execute(select(Campaign).where(Campaign.status != str(CampaignStatus.CANCELLED))).scalars().all()
    step_rows = db.execute(select(CampaignStep.campaign_id, CampaignStep.purpose, CampaignStep.delay_minutes, Draft.purpose, Draft.params)
                           .outerjoin(Draft, Draft.id == CampaignStep.draft_id)).all()
    kinds: dict[int, set[str]] = {}
    for campaign_id, step_purpose, minutes, draft_purpose, params in step_rows:
        told = kinds.setdefault(campaign_id, set())
        told |= KIND_WORDS.get(step_purpose or draft_purpose or "", set())
        told |= set(_words_of(str((params or {}).get("brief") or "")))
        if minutes is not None and minutes % 1440 == 0:
            told.add(str(minutes // 1440))  # "the day 14 winback email"
        if code := str((params or {}).get("discount_code") or "").lower():
            told |= {code, code.rstrip("0123456789")}  # "the VIP15 one", "the vip winback" (code VIP15)
    places = _audience_places(db, rows)
    scored = []
    for campaign in rows:
        told = set(kinds.get(campaign.id, set()))
        if campaign.kind == "one_off":
            told |= ONE_OFF_KIND
        if "postpurchase" in _words_of(campaign.name) or campaign.exit_event is None and campaign.kind != "one_off":
            told |= POST_PURCHASE_KIND
        told |= places.get(campaign.id, set())
        score = 2 * len(words & set(_words_of(campaign.name))) + len(words & told)
        if score:
            scored.append((campaign, score))
    return sorted(scored, key=lambda pair: (-pair[1], pair[0].status not in LIVE_CAMPAIGN, -pair[0].id))


def _audience_places(db: Session, campaigns) -> dict[int, set[str]]:
    """Each campaign's audience countries as lower-case codes: the caller gives the codes of the
    places the marketer named ("the german cart recovery" -> "de"), read by the planner's vocabulary."""
    segment_ids = {campaign.segment_id for campaign in campaigns if campaign.segment_id}
    specs = dict(db.execute(select(Segment.id, Segment.spec).where(Segment.id.in_(segment_ids))).all()) if segment_ids else {}
    found: dict[int, set[str]] = {}
    for campaign in campaigns:
        found[campaign.id] = {code.lower() for code in _country_codes(specs.get(campaign.segment_id))}
    return found


def _country_codes(node) -> set[str]:
    """The country codes a segment spec's conditions name, at any depth (negated ones too: the
    words are for telling campaigns apart, and "the non-US winback" names the US as well)."""
    if isinstance(node, list):
        return set().union(*(_country_codes(child) for child in node))
    if not isinstance(node, dict):
        return set()
    codes = set().union(*(_country_codes(child) for child in node.values()))
    if node.get("attribute") == "country":
        value = node.get("value")
        codes |= {value} if isinstance(value, str) else {str(code) for code in value or []}
    return codes


def known_campaigns(db: Session, limit: int = 10) -> str:
    """The newest campaigns as "3 'Cart', 2 'Welcome'", for an error that says what exists."""
    rows = db.execute(select(Campaign.id, Campaign.name).order_by(Campaign.id.desc()).limit(limit)).all()
    return ", ".join(f"{cid} '{name}'" for cid, name in rows) or "none yet"


def find_contact(db: Session, ref: str) -> Contact:
    """The contact `ref` names: a user id, an email address or a contact id."""
    ref = str(ref).strip()
    contact = db.scalar(select(Contact).where(or_(Contact.user_id == ref, Contact.email == ref.lower())))
    if contact is None and ref.isdigit():
        contact = db.get(Contact, int(ref))
    if contact is None:
        raise ToolError(f"no contact '{ref}'; give a user_id, an email address or a contact id")
    return contact


def steps_of(db: Session, campaign: Campaign) -> list[CampaignStep]:
    """A campaign's steps in order."""
    return list(db.scalars(select(CampaignStep).where(CampaignStep.campaign_id == campaign.id)
                           .order_by(CampaignStep.position)))

"""Which campaign a request names when it is not the thread's own: "reject the post-purchase
review email" in a fresh thread, or "change the discount in the winback to 20%" in a thread that
built a welcome series since.

The offline planner reads follow-ups against the thread's campaign (`ThreadState`), and a
thread only knows what it built or listed. So before planning, the words of a campaign reference
(`reading.campaign_phrases`) are matched against every stored campaign
(`tools.core.lookup.campaigns_named`, the one home for matching names and kinds). When another
campaign fits the words better than the thread's own, the thread's focus moves to it: its steps,
drafts and audience are read back from the database into the state, as if the thread had built
it, so "the first email" or "make day 4 20% off" then mean that campaign's. The reply says which
campaign was taken, and which others fitted as well, so a misreading is never silent.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.engine.memory import ThreadState
from bot.engine.planner.audiences import loose_name
from bot.engine.planner.reading import OPENERS, campaign_phrases
from bot.engine.planner.vocabulary import STEP_PLACE, countries_in
from tools.core.lookup import campaigns_named, steps_of
from tools.core.models import Campaign, Draft, Segment
from tools.drafting.approvals import newest_version

# What a step's draft keeps of the words that built it; the thread's request carries them too.
STEP_PARAMS = ("discount_percent", "discount_code", "brief")
# A campaign named by its number: "campaign 3", "campaign #3", "sequence 3".
NUMBERED = re.compile(r"\b(?:campaign|sequence|flow)\s*#?\s*(\d+)\b")


def segments(session: Session, text: str, state: ThreadState) -> ThreadState:
    """The state with the saved segments whose names the words hold (this turn's, or the
    thread's last question's, or whose orders it asked about), each with its current spec; the planner decides from the words
    around a name whether it names the segment."""
    words = loose_name(f"{text} {state.audience_words or ''} {state.orders_of or ''}")
    named = {name: spec for name, spec in session.execute(select(Segment.name, Segment.spec).where(Segment.is_current.is_(True)))
             if (loose := loose_name(name)) and re.search(rf"(?<![a-z0-9]){re.escape(loose)}(?![a-z0-9])", words)}
    if named == state.saved_segments:
        return state
    marked = ThreadState.from_dict(state.to_dict())
    marked.saved_segments = named
    return marked


def focus(session: Session, text: str, state: ThreadState) -> tuple[ThreadState, str]:
    """The state to plan `text` against, and a line for the reply when the focus moved ("" when
    the thread's own campaign is meant, or no campaign is named)."""
    numbered = {int(number) for number in NUMBERED.findall(text.lower())}
    if len(numbered) == 1 and (number := numbered.pop()) != state.campaign_id and (named := session.get(Campaign, number)):
        # "how many would campaign 1 reach?" in a thread that has not met campaign 1: its number
        # says which, so no line is needed, but its steps and audience are the ones to read
        return moved_to(session, named, state), ""
    words = campaign_phrases(text)
    if state.campaign_id is not None and STEP_OF_IT.search(words):
        words = ""  # "move the discount to the first email": a step of the thread's campaign, never another campaign's name
    if not words and (ad_for := AD_FOR.search(text.lower())):
        # "write linkedin copy for the winter sale": a campaign's name with no campaign noun, taken
        # only when every word is in one campaign's name (its offer then goes into the ad)
        said = set(re.findall(r"[a-z0-9]+", ad_for.group(1))) - {"the", "our", "my", "new"}
        named = [campaign for campaign, _ in campaigns_named(session, ad_for.group(1)) if said <= set(re.findall(r"[a-z0-9]+", campaign.name.lower()))]
        if named and named[0].id != state.campaign_id:
            return moved_to(session, named[0], state), f"Taken to mean campaign {named[0].id} '{named[0].name}' ({named[0].status.replace('_', ' ')})."
    if not words:
        return state, ""
    codes, _ = countries_in(words)
    ranked = campaigns_named(session, " ".join([words, *(code.lower() for code in codes)]))
    if not ranked:
        return state, ""
    best, score = ranked[0]
    own = next((pair for pair in ranked if pair[0].id == state.campaign_id), None)
    if own is not None and own[1] >= score:
        return state, ""  # the thread's campaign fits as well as any: it is the one meant
    moved = moved_to(session, best, state)
    tied = [campaign for campaign, other in ranked[1:] if other == score]
    line = f"Taken to mean campaign {best.id} '{best.name}' ({best.status.replace('_', ' ')})"
    if codes and not set(codes) & (theirs := _countries(moved.sequence_request.get("segment") if moved.sequence_request else None)):
        # "the german cart recovery" when no cart campaign is for Germany: the nearest, said to be another's
        line += f", which is not for {', '.join(codes)} (it is for {', '.join(sorted(theirs)) if theirs else 'every country'})"
    if tied:
        line += "; " + ", ".join(f"campaign {c.id} '{c.name}' ({c.status.replace('_', ' ')})" for c in tied[:3])
        line += f" fits too: say 'campaign {tied[0].id}' for that one"
    return moved, line + "."


# a step named by its place ("the first email", "the day 3 one"): the thread's own campaign's
STEP_OF_IT = re.compile(rf"\b(?:{STEP_PLACE}|next|previous) (?:email|e-mail|one|step|message|mail)s?\b")
# ad copy "for the winter sale": what may be a campaign's name, after the ad words
AD_FOR = re.compile(r"\b(?:ads?|copy|creatives?|headlines?)\b[^.?!]*?\bfor (?:the |our |my )([\w' -]{3,40}?)\s*[?.!]*$")
# "pause everything that's live", "resume all paused campaigns": every campaign in that status.
EVERY_CAMPAIGN = re.compile(r"^(?:please |ok |okay |so |now |can you |could you )*(?P<verb>pause|halt|freeze|resume|unpause|restart)\s+"
                            r"(?:everything|all(?: of)?(?: the| our| my)?(?: (?P<first>live|active|running|sending|paused))?(?: campaigns| flows| sequences| emails| ones)?"
                            r"|every (?:(?P<every>live|active|running|paused) )?(?:campaign|flow|sequence)|all of (?:them|those|these)|(?:them|those|these) all)"
                            r"(?:\s+(?:that'?s|thats|that is|that are|which (?:is|are)|we have|currently|now|right now))*"
                            r"(?:\s+(?P<status>live|active|running|sending|paused|on hold))?\s*(?:campaigns|flows|ones)?\s*(?:right now|now)?"
                            # "... except the winter sale": that one left as it is
                            r"(?:,?\s+(?:except|but not|other than|apart from|besides|excluding|save)\s+(?:for\s+)?(?P<spared>[^,.;!?]{3,60}?))?"
                            # "..., we have a site outage": the reason, never a campaign's name
                            r"(?:\s*[,;:.!-]+\s*(?:we|we're|there|there's|the|our|it|it's|because|since|as|site|due|outage|emergency|urgent|asap)\b.*)?[.!?]*$",
                            re.I)


def every_campaign(session: Session, text: str) -> tuple[str | None, str]:
    """`text` with "everything that's live" spelled out as the campaigns' numbers ("pause
    campaigns 1, 5"), and a line naming them; (None, answer) when there are none."""
    match = EVERY_CAMPAIGN.match(OPENERS.sub("", text.strip()))  # "ok emergency, pause everything that's live"
    if match is None:
        return text, ""
    verb = match.group("verb").lower()
    pausing = verb in ("pause", "halt", "freeze")
    said = (match.group("status") or match.group("first") or match.group("every") or "").lower()
    status = "paused" if said in ("paused", "on hold") or not pausing else "active"
    found = session.execute(select(Campaign.id, Campaign.name).where(Campaign.status == status).order_by(Campaign.id)).all()
    spared_line = ""
    if spared_words := match.group("spared"):
        ranked = campaigns_named(session, spared_words)
        spared = [campaign for campaign, score in ranked if score == ranked[0][1]] if ranked else []
        if not spared:
            return None, f"No campaign fits '{spared_words.strip()}', so I did not {verb} anything: name the one to leave out by its number."
        found = [row for row in found if row[0] not in {campaign.id for campaign in spared}]
        spared_line = " except " + ", ".join(f"{campaign.id} '{campaign.name}'" for campaign in spared)
    if not found:
        return None, f"No campaign is {status.replace('_', ' ')} right now{spared_line and ' besides those left out'}, so there is nothing to {verb}."
    named = ", ".join(f"{number} '{name}'" for number, name in found)
    line = f"Taken to mean every {status} campaign{spared_line}: {named}."
    if len(found) == 1:
        return f"{verb} campaign {found[0][0]}", line
    return f"{verb} campaigns {', '.join(str(number) for number, _ in found)}", line


def _countries(spec: Any) -> set[str]:
    """The countries a segment spec keeps (its `country` conditions, not those it leaves out)."""
    if isinstance(spec, list):
        return set().union(*(_countries(item) for item in spec)) if spec else set()
    if not isinstance(spec, dict) or "not" in spec:
        return set()
    if spec.get("attribute") == "country" and spec.get("op") in ("eq", "in"):
        return set(spec["value"] if isinstance(spec["value"], list) else [spec["value"]])
    return _countries(spec.get("all") or spec.get("any") or [])


def moved_to(session: Session, campaign: Campaign, state: ThreadState) -> ThreadState:
    """A copy of the thread's state whose campaign is `campaign`, read back from the database."""
    moved = ThreadState.from_dict(state.to_dict())
    moved.campaign_id, moved.campaign_status = campaign.id, campaign.status
    moved.sequence_request = request_of(session, campaign)
    moved.draft_ids = [step["draft_id"] for step in moved.sequence_request["steps"] if step.get("draft_id")]
    moved.audience_words = None
    moved.remember(campaign.id, campaign.name, campaign.status)
    return moved


def request_of(session: Session, campaign: Campaign) -> dict[str, Any]:
    """A stored campaign as the sequence request a thread keeps for the campaign it built."""
    steps = []
    for step in steps_of(session, campaign):
        minutes = step.delay_minutes or 0
        item: dict[str, Any] = ({"delay_days": minutes // 1440} if minutes % 1440 == 0
                                else {"delay_hours": minutes // 60 if minutes % 60 == 0 else round(minutes / 60, 2)})
        draft = session.get(Draft, newest_version(session, step.draft_id)) if step.draft_id else None
        item["purpose"] = step.purpose or (draft.purpose if draft else "custom")
        if draft is not None:
            item["draft_id"] = draft.id
            item.update({key: draft.params[key] for key in STEP_PARAMS if (draft.params or {}).get(key)})
        steps.append(item)
    segment = session.get(Segment, campaign.segment_id) if campaign.segment_id else None
    request: dict[str, Any] = {"name": campaign.name, "segment": segment.spec if segment else None,
                               "steps": steps, "exit_event": campaign.exit_event,
                               "holdout_percent": float(campaign.holdout_percent or 0)}
    if campaign.kind == "one_off":
        request["kind"] = "one_off"
        request["send_at"] = campaign.send_at.isoformat() if campaign.send_at else None
    return request

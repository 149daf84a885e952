"""Campaign and rule requests: list, pause, resume, cancel, schedule, report, preflight an
existing campaign, the digest, and the frequency rules (caps and quiet hours).
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.dates import report_period, unit_hours, zone_now
from bot.engine.planner.extract import Audience
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import (
    campaign_note,
    campaign_reference,
    has,
)
from bot.engine.planner.vocabulary import NUMBER_WORDS


def report(clean: str, lowered: str, state: ThreadState, since_it_began: bool = False) -> Plan:
    since_it_began = since_it_began or bool(re.search(r"\bsince (?:it|we|they) (?:started|began|launched|went live)\b|\bsince (?:launch|the start|day one|the beginning)\b"
                                                    r"|\b(?:so far|all.time|to date|since it began)\b", lowered))
    period, words = report_period(lowered, zone_now(), default="3650d" if since_it_began else "7d")
    words = "since it began" if period == "3650d" and since_it_began else words
    arguments: dict[str, Any] = {"period": period}
    # A name only where one goes: beside a campaign noun, or in "how did X do"; otherwise the
    # question is about every campaign ("how much revenue did our emails drive").
    named = has(lowered, r"\b(campaign|sequence|flow|series|automation|drip|newsletter|one-?off|blast)\b|['\"#]|\b(cart|brows\w*|win.?back"
                         r"|welcome)\b|\b(report|results|stats|numbers|performance|figures) (for|on|of)\b(?! (all|every|our|the last))") or has(lowered, r"^how(?:'s| did| is| was| are| were| has)\s+(?!our |the emails|emails|we\b|things)"
                                                 r".+?\s+(?:do|doing|going|perform\w*|go)\b")
    every = has(lowered, r"\b(every|all|each|all of|all our|our) (?:\w+ )?(campaigns|emails|sequences|flows)\b|\b(every|each) campaign\b"
                         r"|\bour emails\b|\boverall\b")
    reference = None if every else campaign_reference(clean, state) if named else (
        str(state.campaign_id) if state.campaign_id is not None and has(lowered, r"\b(it|this|that)\b") else None)
    if reference is not None:
        arguments["campaign"] = reference
    shown = reference if reference is None or reference.isdigit() else f"'{reference}'"
    which = f"campaign {shown}{campaign_note(clean, state)}" if reference else "all campaigns"
    return Plan("campaign_report", [PlannedCall("campaign_report", arguments)],
                reading=f"Read as: the results of {which} {'over ' if words.startswith('the ') else ''}{words}")


# "how many people got the win back email?", "how many have received the cart emails so far": what
# a campaign sent since it began (its report), never a count of whom its kind of audience describes
GOT_THE_EMAILS = re.compile(r"^(?:so |ok |and )?how many (?:people |contacts |customers |folks |ppl |of them )?(?:have |has |actually |already )*"
                            r"(?:got|gotten|received|been sent|were sent|was sent|opened|clicked)\b(?!.*\b(?:consent|opt|unsubscrib|bounce)\w*)"
                            r"(?=.*\b(?:emails?|campaign|sequence|flow|newsletter|one-?off|blast|it|this|that|one)\b)")


def campaign_sends(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    return report(clean, lowered, state, since_it_began=True) if GOT_THE_EMAILS.search(lowered) else None


def campaign_audience_narrowed(clean: str, lowered: str, state: ThreadState, audience: Audience) -> Plan | None:
    """"how many in the uk would get it?" in a campaign's thread: the campaign's audience, narrowed
    as the question says (read only); None when the question is not about who the campaign reaches."""
    request = (state.sequence_request or {}).get("segment")
    if audience.spec is None or state.campaign_id is None or not isinstance(request, dict) or not CAMPAIGN_REACH.search(lowered):
        return None
    parts = [part for part in (audience.spec["all"] if set(audience.spec) == {"all"} else [audience.spec]) if part != {"attribute": "email", "op": "exists"}]
    return Plan("how_many", [PlannedCall("preview_segment", {"spec": {"all": [request, *parts]}})], audience_words=clean,
                reading=f"Read as: contacts in campaign {state.campaign_id}'s audience {audience.reading.removeprefix('contacts ')} (read only)")


# the campaign's audience asked about: "would get it", "gets this", "in the audience"
CAMPAIGN_REACH = re.compile(r"\b(would|will|could|is going to|are going to) (get|receive|be sent)\b|\b(get|gets|receive) (this|it|these|them)\b"
                            r"|\b(?:reach|reaches|hit|go out to|goes to|be sent to)\b"
                            r"|\bin (?:the |its |that |this )?(?:campaign'?s? )?audience\b")


def restart(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"reschedule the winback": a paused campaign resumes; otherwise it is scheduled."""
    tool = "resume_campaign" if state.campaign_status == "paused" else "schedule_campaign"
    reference = campaign_reference(clean, state)
    if reference is None:
        return None
    verb = "resume" if tool == "resume_campaign" else "schedule"
    shown = reference if reference.isdigit() else f"'{reference}'"
    return Plan(tool, [PlannedCall(tool, {"campaign": reference})], reading=f"Read as: {verb} campaign {shown}")


# "show me the cart flow", "status of the winback", "which steps still need approving?", "who's
# excluded and why": one campaign's preflight card (steps, approvals, the audience now, buttons)
SHOW_CAMPAIGN = (r"^(please )?(can you )?(show|display|open|see|view|pull up|bring up)( me| us)? (the |our |my )?(?!campaigns\b)"
                 r".*\b(campaign|sequence|flow|series|automation)\b(?!s)|\bstatus of\b|\bwhere (is|are|'s) (the |our )?.*\b(campaign|"
                 r"sequence|flow|series)\b|\bwhat'?s happening with\b|\b(?:which|what) (?:steps?|emails?|ones?|drafts?) (?:are |is |do |does )?(?:still )?(?:need|needs|await|awaiting|waiting for|waiting on)\b.*\bapprov"
                 r"|\bwho(?:'s| is| are| gets?| got)? (?:excluded|left out|kept out|filtered out)\b"
                 r"|^(?:so |and |ok )?is (?:it|this|that|the [\w-]+(?: [\w-]+)?) (?:even |already |still |actually )?(?:live|running|active|paused|scheduled|on|sending)(?: yet| now)?\b")


# "resume it", "turn the cart flow back on", "put it back live": a paused campaign going again
BACK_ON = (r"\b(resume|unpause|restart|re-?enable|re-?activate)\b|\b(turn|switch|put) .*\bback on\b|\bstart (it|this|that|them) (back )?up"
           r"|\b(?:put|get|bring) (?:it|this|that|them|the [\w' -]{2,40}?) back live\b|\b(?:live|on) again\b")


def back_on(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"turn it back on" for the thread's campaign after an edit put it back to awaiting approval:
    scheduling it (which checks every approval), since a paused campaign is the only one to resume;
    None otherwise, so the resume reading stands."""
    reference = campaign_reference(clean, state)
    if reference != str(state.campaign_id) or state.campaign_status not in ("awaiting_approval", "draft"):
        return None
    return Plan("schedule_campaign", [PlannedCall("schedule_campaign", {"campaign": reference})],
                reading=f"Read as: schedule campaign {reference} again (the edit put it back to awaiting approval)")


def digest(clean: str, lowered: str, state: ThreadState) -> Plan:
    return Plan("digest", action="digest")



AGAIN = (r"^(?:ok |okay |actually |no,? |hmm,? |and )*(?:make|change|set|bump|lower|raise|drop|put|move) (?:it|that|the cap|the limit|this)"
         r"(?: back| down| up)? (?:to |at )?(\d+|one|two|three|four|five|six|seven|eight|nine|ten)(?: (?:a|an|1|per|each|every) (?:day|week|month))?(?: again| instead| actually| then| please)*$")


# "and only one per day" after a cap: another period's cap, the emails understood
PER_PERIOD = re.compile(r"^(?:and |also |plus |ok |oh and )*(?:(?:nobody|no one|no-one|noone) should get |(?:nobody|no one) gets )?(?:only |just |max |at most |no more than |more than |and )*(\d+|one|two|three|four|five|six|seven|eight|nine|ten)"
                        r" (?:(?:marketing )?e?mails? )?(?:a|an|1|per|each|every) (day|week|month)$")


def cap_again(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"make it 2 instead" after a cap was set in this thread: the same cap, a new number; "and
    only one per day": that period's cap."""
    if state.rule_key in {key for key, _ in CAP_KEYS.values()} and (more := PER_PERIOD.match(lowered.strip(" ?!."))):
        count = str(NUMBER_WORDS.get(more.group(1), more.group(1)))
        key, words = CAP_KEYS[{"day": 24, "week": 168, "month": 720}[more.group(2)]]
        return _rule(key, count, f"at most {count} marketing emails per contact per {words}")
    again = re.match(AGAIN, lowered.strip(" ?!."))
    if again is None or state.rule_key not in {key for key, _ in CAP_KEYS.values()}:
        return None
    words = next(words for key, words in CAP_KEYS.values() if key == state.rule_key)
    count = str(NUMBER_WORDS.get(again.group(1), again.group(1)))  # "actually make that two"
    return _rule(state.rule_key, count, f"at most {count} marketing emails per contact per {words}")


def frequency_rule(clean: str, lowered: str, state: ThreadState) -> Plan:
    if has(lowered, r"(no|turn off|disable|remove|without) quiet hours|quiet hours? off"):
        return _rule("quiet_hours", "off", "no quiet hours")
    # "quiet hours 21:00 to 08:00"; "no emails between 10pm and 7am"; "don't send after 9pm or before 8am"
    start_at = lowered.find("quiet") if "quiet" in lowered else (re.search(r"\b(between|from|after)\s+\d", lowered) or re.search("$", lowered)).start()
    window = re.sub(r"\bafter\s+(\d[\d:]*\s*(?:am|pm)?)\s*(?:or|and|,)?\s*before\s+", r"quiet hours \1 to ", lowered[start_at:][:80])
    window = re.sub(r"^(between|from)\s+", "quiet hours ", window)
    quiet = re.search(r"quiet hours?\D*?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*(?:to|-|until|till|and)\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", window)
    if quiet:
        start = _clock(quiet.group(1), quiet.group(2), quiet.group(3))
        end = _clock(quiet.group(4), quiet.group(5), quiet.group(6))
        return _rule("quiet_hours", f"{start}-{end}", f"quiet hours {start} to {end} (no marketing email then, in each contact's time zone)")
    gap = re.search(r"\b(\d+)\s*(h|hrs?|hours?|d|days?)\b.*\b(between|apart)\b|\b(?:gap|space|spacing)\b\D*(\d+)\s*(h|hrs?|hours?)\b", lowered)
    if gap and not re.search(r"\b\d+\s*(?:marketing\s+)?(?:emails?|messages?)\s+(?:a|an|per|every|each|1)\b", lowered):
        hours = int(gap.group(1) or gap.group(4)) * unit_hours(gap.group(2) or gap.group(5))
        return _rule("email_min_gap_hours", str(hours), f"at least {hours} hours between two marketing emails to one contact")
    cap = _cap(lowered)
    if cap is None:
        return Plan("set_rule", answer=messages.ASK_RULE)
    count, kind, hours = cap
    if kind.startswith(("ad", "impression")):
        value = str(max(1, round(count * 24 / hours)))
        return _rule("ads_daily_cap", value, f"at most {value} ad impressions per person per day")
    if hours in CAP_KEYS:
        key, words = CAP_KEYS[hours]
        return _rule(key, str(count), f"at most {count} marketing emails per contact per {words}")
    gap = max(1, hours // max(1, count))
    return _rule("email_min_gap_hours", str(gap), f"at least {gap} hours between two marketing emails to one contact")


# Cap windows with a rule of their own (a month is a rolling 30 days); other windows become a gap.
CAP_KEYS = {24: ("email_daily_cap", "24 hours"), 168: ("email_weekly_cap", "7 days"), 720: ("email_monthly_cap", "30 days")}
PERIOD_WORDS = {"hourly": 1, "daily": 24, "weekly": 168, "monthly": 720}


def _cap(lowered: str) -> tuple[int, str, int] | None:
    """(count, kind, window hours) of a cap: "4 emails a month", "no more than 2 emails a day",
    "cap marketing emails at 6 a month", "12 emails monthly", "at most 8 emails per 30 days"."""
    kind_words = r"(emails?|ads?|impressions?|messages?)"
    # normalising made "a month" "1 month", so the preposition is optional
    unit = r"(?:(?:(?:per|a|an|every|each|in|over)\s+)?(?:(?:a|an|one|single)\s+)?(?:single\s+)?(?:(\d+)\s*)?(hours?|days?|weeks?|months?)\b|(hourly|daily|weekly|monthly)\b)"
    # "let's not email anyone more than 6 times a month": the times are emails
    lowered = re.sub(r"\b(e?mail\w*|send\w*|messag\w*)\b(.*?)\b(\d+)\s*times\b", r"\1\2\3 emails", lowered)
    match = re.search(rf"\b(\d+)\s*(?:marketing\s+)?{kind_words}\s*(?:from (?:us|you|the shop)\s*)?(?:(?:to|per|for|a) (?:each |one |a |every )?(?:person|contact|customer|recipient|subscriber|user|shopper)\s*)?{unit}", lowered)
    if match:
        count, kind, amount, period, adverb = match.groups()
    else:  # the number after the kind: "cap marketing emails at 6 a month"
        match = re.search(rf"\b{kind_words}\b.*?\b(?:at|to)\s+(\d+)\s*{unit}", lowered)
        if match:
            kind, count, amount, period, adverb = match.groups()
        else:  # "set the weekly cap to 5 emails", "daily limit of 2", "cap weekly emails at 3 per person"
            match = (re.search(r"\b(hourly|daily|weekly|monthly)\b.*?\b(?:cap|limit|one|max|maximum)\b.*?\b(?:at|to|of)\s+(\d+)\s*(\w+)?", lowered)
                     or re.search(r"\b(hourly|daily|weekly|monthly)\s+(?:marketing\s+)?(?:e?mails?|messages?|sends?)\b.*?\b(?:at|to)\s+(\d+)\s*(\w+)?", lowered))
            if match:
                adverb, count, amount, period = match.group(1), match.group(2), None, None
            else:  # no kind named: "cap it at 5 a week", "limit everyone to 2 per day", "max 3 a week"
                match = re.search(rf"\b(?:cap|limit|max|maximum|at most|no more than)\b\D{{0,30}}?\b(\d+)\s*{unit}", lowered)
                if not match:
                    return None
                count, amount, period, adverb = match.groups()
            kind = "ads" if re.search(r"\b(ads?|impressions?)\b", lowered) else "emails"
    hours = PERIOD_WORDS[adverb] if adverb else int(amount or 1) * unit_hours(period)
    return int(count), kind, hours


def _rule(key: str, value: str, words: str) -> Plan:
    return Plan("set_rule", [PlannedCall("set_rule", {"key": key, "value": value})], reading=f"Read as: set the rule {words}")


def _clock(hour: str, minute: str | None, meridiem: str | None) -> str:
    value = int(hour) % 24
    if meridiem == "pm" and value < 12:
        value += 12
    if meridiem == "am" and value == 12:
        value = 0
    return f"{value:02d}:{int(minute or 0):02d}"


# Status words of a campaign list question, and the status they ask for.
STATUS_WORDS = ((r"waiting|awaiting|pending|need\w* (my |a )?(approv|sign.?off)|to approve|unapproved|approval|sign.?off", "awaiting_approval"),
                (r"paused|on hold", "paused"), (r"active|live|running|sending", "active"),
                (r"finished|done|completed|ended", "finished"), (r"cancell?ed|stopped|killed|scrapped", "cancelled"), (r"\bdrafts?\b", "draft"))


def campaign_list(clean: str, lowered: str, state: ThreadState) -> Plan:
    """"which campaigns are waiting for approval?", "list the paused campaigns": the campaigns in
    that status (list_campaigns), or all of them when no status is named."""
    statuses = list(dict.fromkeys(value for pattern, value in STATUS_WORDS if re.search(pattern, lowered)))
    if len(statuses) > 1:  # "which are running and which still need sign-off?": one list each
        calls = [PlannedCall("list_campaigns", {"status": status}) for status in statuses]
        return Plan("list_campaigns", calls, reading="Read as: list the campaigns that are " + " and those ".join(
            status.replace("_", " ") for status in statuses))
    status = statuses[0] if statuses else None
    arguments = {"status": status} if status else {}
    words = f"the campaigns that are {status.replace('_', ' ')}" if status else "the campaigns"
    return Plan("list_campaigns", [PlannedCall("list_campaigns", arguments)], reading=f"Read as: list {words}")

"""Campaign and rule requests: list, pause, resume, cancel, schedule, report, preflight an
existing campaign, the digest, and the frequency rules (caps and quiet hours).
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.dates import unit_hours
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import (
    campaign_note,
    campaign_reference,
    duration_hours,
    has,
)


def report(clean: str, lowered: str, state: ThreadState) -> Plan:
    arguments: dict[str, Any] = {"period": f"{max(1, duration_hours(lowered, 168) // 24)}d"}
    if has(lowered, r"yesterday"):
        arguments["period"] = "1d"
    reference = campaign_reference(clean, state)
    if reference is not None:
        arguments["campaign"] = reference
    which = f"campaign {reference}{campaign_note(clean, state)}" if reference else "all campaigns"
    return Plan("campaign_report", [PlannedCall("campaign_report", arguments)],
                reading=f"Read as: the results of {which} over the last {arguments['period'].removesuffix('d')} days")


def digest(clean: str, lowered: str, state: ThreadState) -> Plan:
    return Plan("digest", action="digest")



def frequency_rule(clean: str, lowered: str, state: ThreadState) -> Plan:
    if has(lowered, r"(no|turn off|disable|remove|without) quiet hours|quiet hours? off"):
        return Plan("set_rule", [PlannedCall("set_rule", {"key": "quiet_hours", "value": "off"})])
    window = lowered[lowered.find("quiet"):][:80]
    quiet = re.search(r"quiet hours?\D*?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*(?:to|-|until|till|and)\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", window)
    if quiet:
        start = _clock(quiet.group(1), quiet.group(2), quiet.group(3))
        end = _clock(quiet.group(4), quiet.group(5), quiet.group(6))
        return Plan("set_rule", [PlannedCall("set_rule", {"key": "quiet_hours", "value": f"{start}-{end}"})])
    cap = re.search(r"\b(\d+)\s*(?:marketing\s+)?(emails?|ads?|impressions?|messages?)\s*(?:per|a|every|each|in)?\s*(\d+)?\s*(hours?|days?|weeks?)\b", lowered)
    if not cap:
        return Plan("set_rule", answer=messages.ASK_RULE)
    count, kind, amount, unit = cap.groups()
    hours = int(amount or 1) * unit_hours(unit)
    if kind and kind.startswith(("ad", "impression")):
        return Plan("set_rule", [PlannedCall("set_rule", {"key": "ads_daily_cap", "value": str(max(1, round(int(count) * 24 / hours)))})])
    if hours == 168:
        return Plan("set_rule", [PlannedCall("set_rule", {"key": "email_weekly_cap", "value": count})])
    gap = max(1, hours // max(1, int(count)))
    return Plan("set_rule", [PlannedCall("set_rule", {"key": "email_min_gap_hours", "value": str(gap)})])


def _clock(hour: str, minute: str | None, meridiem: str | None) -> str:
    value = int(hour) % 24
    if meridiem == "pm" and value < 12:
        value += 12
    if meridiem == "am" and value == 12:
        value = 0
    return f"{value:02d}:{int(minute or 0):02d}"

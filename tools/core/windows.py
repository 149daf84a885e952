"""One grammar for lengths of time and periods, for every tool, command and segment.

A duration is a whole number and a unit: `30m`, `24h`, `7d`, `2w` (minutes, hours, days,
weeks). A period is a duration back from now, `today`, `yesterday` (the team's local days,
NUDGE_TIMEZONE), a date `2026-11-01` or a range `2026-11-01..2026-11-07` (local days,
inclusive), or a moment `2026-11-01T09:00` (UTC unless it names an offset) until now. The segment language's windows, the report's and the audit log's `since`, and the
exports' buyer windows all read these; before, four grammars disagreed (`nudge audit --since
30m` worked where `nudge report --since 30m` did not).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DURATION = re.compile(r"^\s*(\d{1,5})\s*([mhdw])\s*$")
UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
DURATION_HELP = "a number and a unit: 30m, 24h, 7d or 2w"
PERIOD_HELP = ("a duration (30m, 24h, 7d, 2w), 'today', 'yesterday', a date '2026-11-01', "
               "a range '2026-11-01..2026-11-07' or a moment '2026-11-01T09:00'")


def normal_duration(text: str) -> str:
    """`text` as a canonical duration ("07d" -> "7d"), or ValueError saying what to write."""
    match = DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"'{text}' is not a window; write {DURATION_HELP}")
    return f"{int(match.group(1))}{match.group(2)}"


def duration(text: str) -> timedelta:
    """The length of a duration such as "7d" (ValueError when it is not one)."""
    canonical = normal_duration(text)
    return int(canonical[:-1]) * UNITS[canonical[-1]]


def local_day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local calendar day begins (DST-correct)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def period(text: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) for a period phrase, ending now for relative ones; ValueError otherwise."""
    spec = text.strip().lower()
    length = DURATION.match(spec)
    if length and int(length.group(1)) == 0:
        raise ValueError(f"'{text}' is empty; use a positive length such as 7d")
    if length:
        return now - duration(spec), now
    if "t" in spec and ":" in spec:  # a moment: from then until now (naive means UTC)
        try:
            moment = datetime.fromisoformat(spec.upper())
        except ValueError:
            raise ValueError(f"'{text}' is not understood; give {PERIOD_HELP}") from None
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)), now
    today = now.astimezone(zone).date()
    if spec in ("today", "yesterday"):
        day = today if spec == "today" else today - timedelta(days=1)
        return local_day_start(day, zone), min(now, local_day_start(day + timedelta(days=1), zone))
    first, _, last = spec.partition("..")
    try:
        start_day = date.fromisoformat(first.strip())
        end_day = date.fromisoformat(last.strip()) if last else start_day
    except ValueError:
        raise ValueError(f"'{text}' is not understood; give {PERIOD_HELP}") from None
    if end_day < start_day:
        raise ValueError(f"'{text}' ends before it starts; put the earlier date first")
    return local_day_start(start_day, zone), local_day_start(end_day + timedelta(days=1), zone)

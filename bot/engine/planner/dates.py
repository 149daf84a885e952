"""Time words of a request: audience windows ("in the last 48 hours", "past week", "since Black
Friday"), named dates and retail days, and the spec windows (whole hours, days or weeks) they become.

Calendar words are read in the team's time zone (NUDGE_TIMEZONE), from a `now` the caller may fix.
Retail days are computed here (Black Friday is not a public holiday); public holidays come from
the `holidays` package and any other past date ("since last tuesday", "3 weeks ago") from
`dateparser`, both imported only when a phrase needs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

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


def _black_friday(year: int) -> date:
    november = date(year, 11, 1)
    first_thursday = november + timedelta(days=(3 - november.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (1-based; -1 the last) given weekday (Monday 0) of a month."""
    if nth < 0:
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


RETAIL_DAYS = {
    "labour day": lambda year: _nth_weekday(year, 9, 0, 1), "labor day": lambda year: _nth_weekday(year, 9, 0, 1),
    "memorial day": lambda year: _nth_weekday(year, 5, 0, -1), "mother's day": lambda year: _nth_weekday(year, 5, 6, 2),
    "father's day": lambda year: _nth_weekday(year, 6, 6, 3), "independence day": lambda year: date(year, 7, 4),
    "4th of july": lambda year: date(year, 7, 4), "fourth of july": lambda year: date(year, 7, 4),
    "halloween": lambda year: date(year, 10, 31), "boxing day": lambda year: date(year, 12, 26),
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
    # a month or a year alone: its first day ("before January" is before 1 January this year)
    if match := re.match(rf"\s*(?:the\s+)?(?:start of\s+|beginning of\s+)?({months})\b(?:\s+(\d{{4}}))?", lowered):
        month = next(i for i, m in enumerate(MONTHS, 1) if match.group(1).startswith(m[:3]))
        year = int(match.group(2)) if match.group(2) else (today.year if month <= today.month else today.year - 1)
        return date(year, month, 1), f"{MONTHS[month - 1].title()} 1, {year}"
    if match := re.match(r"\s*(20\d\d)\b", lowered):
        return date(int(match.group(1)), 1, 1), f"January 1, {match.group(1)}"
    return _public_holiday(lowered, today) or _parsed_date(text, today)


# The markets the shops Nudge is for mostly sell in; "since Memorial Day", "since Boxing Day".
HOLIDAY_COUNTRIES = ("US", "GB", "CA", "AU")


def _public_holiday(lowered: str, today: date) -> tuple[date, str] | None:
    """The most recent public holiday the phrase names, from the `holidays` package's calendars."""
    import holidays

    found: list[tuple[date, str]] = []
    for country in HOLIDAY_COUNTRIES:
        calendar = holidays.country_holidays(country, years=[today.year - 1, today.year])
        for day, names in calendar.items():
            for name in names.split("; "):
                plain = re.sub(r"\s*\(.*?\)", "", name).strip()
                if day <= today and len(plain) > 4 and re.search(rf"\b{re.escape(plain.lower())}\b", lowered):
                    found.append((day, plain))
    return max(found) if found else None


def _parsed_date(text: str, today: date) -> tuple[date, str] | None:
    """Anything else `dateparser` reads as a past date: "last tuesday", "3 weeks ago"."""
    import dateparser

    phrase = re.split(r"\b(?:and|but|who|with|in|from)\b", text.strip(), maxsplit=1)[0].strip()
    if not phrase or not re.search(r"\d|ago|last|yesterday|week|month|monday|tuesday|wednesday|thursday"
                                   r"|friday|saturday|sunday", phrase.lower()):
        return None
    moment = dateparser.parse(phrase, languages=["en"], settings={
        "PREFER_DATES_FROM": "past", "RELATIVE_BASE": datetime.combine(today, datetime.min.time()),
        "RETURN_AS_TIMEZONE_AWARE": False})
    if moment is None or moment.date() > today:
        return None
    return moment.date(), phrase


def hours_since(moment: date, now: datetime) -> int:
    start = datetime(moment.year, moment.month, moment.day, tzinfo=now.tzinfo)
    return max(1, int((now - start).total_seconds() // 3600) + (1 if (now - start).total_seconds() % 3600 else 0))


@dataclass
class Window:
    hours: int
    words: str
    source: str
    start: date | None = None  # a window from a calendar day ("since Black Friday", "this week")


def audience_window(text: str, now: datetime) -> Window | None:
    """The audience's time window ('in the last 48 hours', 'past week', 'since Black Friday')."""
    lowered = text.lower()
    if match := re.search(r"\bsince\s+([^,;.]{3,40})", lowered):
        named = named_date(match.group(1), now.date())
        if named:
            moment, label = named
            return Window(hours_since(moment, now), f"since {label} ({moment.isoformat()})", match.group(0), moment)
    if match := re.search(r"\b(this|last|past|previous)\s+(week|month)\b", lowered):
        which, unit = match.groups()
        today = now.date()
        if unit == "week":
            start = today - timedelta(days=today.weekday())
            hours = hours_since(start, now) if which == "this" else 168
        else:
            start = today.replace(day=1)
            hours = hours_since(start, now) if which == "this" else 720
        words = f"this {unit}" if which == "this" else f"the last {hours // 24} days"
        return Window(hours, words, match.group(0), start if which == "this" else None)
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
        return Window(hours, match.group(1), match.group(0), now.date() if match.group(1) == "today" else None)
    return None


def zone_now(zone: str | None = None) -> datetime:
    """Now in the team's time zone, or the clock `planning_at` fixed for this plan."""
    if (fixed := _FIXED_NOW.get()) is not None:
        return fixed
    import os

    name = zone or os.environ.get("NUDGE_TIMEZONE") or "UTC"
    try:
        return datetime.now(ZoneInfo(name))
    except Exception:  # an unknown zone name is the settings' error to report, not the planner's
        return datetime.now(ZoneInfo("UTC"))


_FIXED_NOW: ContextVar[datetime | None] = ContextVar("planner_now", default=None)


@contextmanager
def planning_at(now: datetime | None) -> Iterator[None]:
    """Read calendar words against `now` (aware; its zone is the team's) while planning."""
    token = _FIXED_NOW.set(now)
    try:
        yield
    finally:
        _FIXED_NOW.reset(token)


# --- calendar periods: [start, end) in the team's zone -----------------------------------------


@dataclass
class Period:
    start: datetime
    end: datetime
    words: str


def _midnight(day: date, now: datetime) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)


def yesterday(now: datetime) -> Period:
    """The previous calendar day in the team's zone, not the last 48 hours."""
    day = now.date() - timedelta(days=1)
    return Period(_midnight(day, now), _midnight(now.date(), now), f"yesterday ({day.isoformat()})")


def calendar_period(text: str, now: datetime) -> Period | None:
    """A calendar period a phrase names: 'yesterday', 'last week', 'last month', 'in november', 'during october 2025',
    'between nov 1 and nov 15' (both days included). A month without a year is the latest one
    that has begun."""
    lowered = text.lower()
    months = "|".join(m[:3] + r"\w*" for m in MONTHS)
    if match := re.search(r"\bbetween\s+(.{3,25}?)\s+(?:and|to|-)\s+(.{3,25}?)(?:[?.!,;]|\s+(?:and|from|by|for|in|among|of|who|with|only)\b|$)", lowered):
        first, last = named_date(match.group(1), now.date()), named_date(match.group(2), now.date())
        if first and last and first[0] <= last[0]:
            end = last[0] + timedelta(days=1)
            return Period(_midnight(first[0], now), _midnight(end, now), f"between {first[0].isoformat()} and {last[0].isoformat()}")
    if re.search(r"\byesterday\b", lowered):
        return yesterday(now)
    if re.search(r"\b(?:over |during |on |at )?(?:the |last |this past )weekend\b", lowered):
        # the latest Saturday and Sunday that have begun
        today = now.date()
        saturday = today - timedelta(days=(today.weekday() - 5) % 7)
        end = min(saturday + timedelta(days=2), today + timedelta(days=1))
        return Period(_midnight(saturday, now), _midnight(end, now), f"the weekend ({saturday.isoformat()} to {(saturday + timedelta(days=1)).isoformat()})")
    if match := re.search(r"\bon\s+((?:black friday|cyber monday|thanksgiving|christmas(?: day| eve)?|new year'?s?(?: day| eve)?|boxing day"
                          r"|valentine'?s?(?: day)?)|(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?\w+|\w+\s+\d{1,2}(?:st|nd|rd|th)?|\d{4}-\d{2}-\d{2})\b",
                          lowered):
        if (named := named_date(match.group(1), now.date())) is not None:  # one day: "orders on Black Friday"
            day = named[0]
            return Period(_midnight(day, now), _midnight(day + timedelta(days=1), now), f"on {named[1]} ({day.isoformat()})")
    # "last month" is the previous calendar month, as every shop report means it; "the last
    # month" / "the past month" stay a rolling 30 days (audience_window).
    if match := re.search(r"(?<!the )(?<!past )\b(last|previous) (week|month)\b", lowered):
        today = now.date()
        if match.group(2) == "month":
            end = today.replace(day=1)
            start = (end - timedelta(days=1)).replace(day=1)
            return Period(_midnight(start, now), _midnight(end, now), f"last month ({MONTHS[start.month - 1].title()} {start.year})")
        end = today - timedelta(days=today.weekday())
        start = end - timedelta(days=7)
        return Period(_midnight(start, now), _midnight(end, now),
                      f"last week ({start.isoformat()} to {(end - timedelta(days=1)).isoformat()})")
    if period := _year_or_quarter(lowered, now):
        return period
    if match := re.search(rf"\b(?:in|during|for|throughout|over)\s+(?:the month of\s+)?({months})\b(?!\s+\d{{1,2}}\b)(?:\s+(\d{{4}}))?", lowered):
        month = next(i for i, m in enumerate(MONTHS, 1) if match.group(1).startswith(m[:3]))
        year = int(match.group(2)) if match.group(2) else (now.year if month <= now.month else now.year - 1)
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return Period(_midnight(start, now), _midnight(end, now), f"in {MONTHS[month - 1].title()} {year}")
    return None


def _year_or_quarter(lowered: str, now: datetime) -> Period | None:
    """'this year' / 'ytd' (so far), 'last year' (the previous calendar year; 'the last year'
    stays a rolling 365 days), 'this quarter', 'last quarter', 'q3', 'q4 2025'."""
    today = now.date()
    if re.search(r"\bthis year\b|\bytd\b|\byear to date\b|\bso far this year\b", lowered):
        start = date(today.year, 1, 1)
        return Period(_midnight(start, now), _midnight(today + timedelta(days=1), now), f"this year (since {start.isoformat()})")
    if re.search(r"(?<!the )(?<!past )\b(last|previous) year\b", lowered):
        start, end = date(today.year - 1, 1, 1), date(today.year, 1, 1)
        return Period(_midnight(start, now), _midnight(end, now), f"last year ({today.year - 1})")
    quarter = (today.month - 1) // 3
    if match := re.search(r"(?<!the )(?<!past )\b(this|last|previous) quarter\b|\bq([1-4])(?:\s+(\d{4}))?\b", lowered):
        if match.group(2):
            year = int(match.group(3)) if match.group(3) else today.year
            index = int(match.group(2)) - 1
            if not match.group(3) and index > quarter:
                year -= 1  # a quarter that has not begun this year is last year's
        else:
            year, index = today.year, quarter - (match.group(1) != "this")
            if index < 0:
                year, index = year - 1, 3
        start = date(year, index * 3 + 1, 1)
        end = date(year + (index == 3), (index * 3 + 3) % 12 + 1, 1)
        return Period(_midnight(start, now), _midnight(min(end, today + timedelta(days=1)), now),
                      f"Q{index + 1} {year} ({start.isoformat()} to {(end - timedelta(days=1)).isoformat()})")
    return None


def report_period(lowered: str, now: datetime, default: str = "7d") -> tuple[str, str]:
    """The reporting tools' `period` for a sentence's time words, and those words: a calendar
    period as its days ('2026-11-01..2026-11-30'), 'today', 'yesterday', a period since a date
    up to today, or a rolling window ('30d')."""
    if re.search(r"\byesterday\b", lowered):
        return "yesterday", yesterday(now).words
    if re.search(r"\btoday\b|\bso far today\b", lowered):
        return "today", "today"
    if period := calendar_period(lowered, now):
        last = min(period.end, _midnight(now.date() + timedelta(days=1), now)) - timedelta(days=1)
        return f"{period.start.date().isoformat()}..{last.date().isoformat()}", period.words
    if win := audience_window(lowered, now):
        if win.words.startswith(("since", "this")):
            start = (now - timedelta(hours=win.hours - 1)).date()
            return f"{start.isoformat()}..{now.date().isoformat()}", win.words
        return window(win.hours), win.words
    return default, f"the last {default.removesuffix('d')} days"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# A day of the year: "december 10", "dec 10th", "10 december", "the 10th of december".
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_CALENDAR_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:%|days?|hours?|h\b|orders?|am|pm|:))"
                           rf"|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?![a-z])")


def _calendar_day(lowered: str, now: datetime):
    """The next such day from today (a send time is never in the past), or None."""
    match = _CALENDAR_DAY.search(lowered)
    if match is None:
        return None
    month_word, number = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
    month = next(index for index, name in enumerate(MONTHS, start=1) if name.startswith(month_word[:3]))
    for year in (now.year, now.year + 1):
        try:
            candidate = now.date().replace(year=year, month=month, day=int(number))
        except ValueError:
            return None  # "february 30"
        if candidate >= now.date():
            return candidate
    return None


# A clock time said in a zone ("3pm eastern", "9am pacific time", "10:00 CET"): that zone's
# clock, turned into the team's; only right after a time, so "eastern europe" is a place.
ZONES = {"eastern": "America/New_York", "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
         "central": "America/Chicago", "ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago",
         "mountain": "America/Denver", "mt": "America/Denver", "mst": "America/Denver", "pacific": "America/Los_Angeles",
         "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "utc": "UTC", "gmt": "UTC",
         "uk": "Europe/London", "london": "Europe/London", "bst": "Europe/London", "cet": "Europe/Berlin", "cest": "Europe/Berlin",
         "aest": "Australia/Sydney", "sydney": "Australia/Sydney", "new york": "America/New_York"}
ZONE_SAID = re.compile(r"(?:\d\s*(?:am|pm)|\d:\d{2}|\bnoon|\bmidday)\s+(?:in\s+)?(" + "|".join(sorted(map(re.escape, ZONES), key=len, reverse=True))
                       + r")(?:\s+time)?\b")


def in_named_zone(moment: datetime, lowered: str) -> datetime:
    """`moment`'s wall-clock time read in the zone the words name after a time ("3pm eastern"),
    in `moment`'s own zone again; `moment` as it is when none is named."""
    said = ZONE_SAID.search(lowered)
    if said is None:
        return moment
    there = moment.replace(tzinfo=ZoneInfo(ZONES[said.group(1)]))
    return there.astimezone(moment.tzinfo) if moment.tzinfo else there


def send_time(lowered: str, now: datetime) -> datetime | None:
    """The send time the words name, in the team's zone (a time said in another zone, "3pm
    eastern", is turned into it); see _send_time."""
    when = _send_time(lowered, now)
    return in_named_zone(when, lowered) if when is not None else None


def _send_time(lowered: str, now: datetime) -> datetime | None:
    """'tomorrow', 'next Monday', 'on friday', 'in 3 days': that day at 09:00 in the team's zone
    (or 'at 3pm'); 'tonight' 19:00 today; else None (sent when it is scheduled)."""
    day = None
    if dated := _calendar_day(lowered, now):
        day = dated  # "dec 10th 9am", "on 10 december": that day, this year or next
    elif re.search(r"\btomorrow\b", lowered):
        day = now.date() + timedelta(days=1)
    elif match := re.search(r"\b(?:(?:next|on|this|coming)\s+)?(?<!black )(?<!cyber )(" + "|".join(WEEKDAYS) + r")\b", lowered):
        ahead = (WEEKDAYS.index(match.group(1)) - now.weekday()) % 7 or 7
        day = now.date() + timedelta(days=ahead)
    elif match := re.search(r"\b(?:send|go out|goes out|deliver\w*|schedule\w*)\b[^,.;:]*?\bin (\d+) days?(?:'? time)?\b", lowered):
        day = now.date() + timedelta(days=int(match.group(1)))
    elif re.search(r"\btonight\b|\bthis evening\b", lowered):
        day = now.date()
    if day is None:
        return None
    hour, minute = (19, 0) if re.search(r"\btonight\b|\bthis evening\b|\bevening\b", lowered) else (
        (14, 0) if re.search(r"\bafternoon\b", lowered) else (12, 0) if re.search(r"\b(?:12 )?(?:noon|midday|lunch ?time)\b", lowered)
        else (9, 0))
    if re.search(r"\b(?:12 )?(?:noon|midday)\b", lowered):
        return datetime(day.year, day.month, day.day, 12, 0, tzinfo=now.tzinfo)
    lowered = re.sub(r"\b(\d{1,2})(?::(\d{2}))?\s+in the (morning|afternoon|evening)\b",
                     lambda m: f"{m.group(1)}{':' + m.group(2) if m.group(2) else ''}{'am' if m.group(3) == 'morning' else 'pm'}", lowered)
    if match := re.search(r"\bat (\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b|\b(?<![\d:])(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b", lowered):
        if match.group(4):  # "saturday 10am": a time with am/pm needs no "at"
            hour, minute = int(match.group(4)) % 12 + (12 if match.group(6) == "pm" else 0), int(match.group(5) or 0)
            return datetime(day.year, day.month, day.day, min(hour, 23), min(minute, 59), tzinfo=now.tzinfo)
        hour = int(match.group(1)) % 12 + (12 if match.group(3) == "pm" else 0) if match.group(3) else int(match.group(1))
        minute = int(match.group(2) or 0)
    return datetime(day.year, day.month, day.day, min(hour, 23), min(minute, 59), tzinfo=now.tzinfo)

"""Test support for the count scenarios: the number a reply gives, and timestamps made aware.

Every count test compares the number in Nudge's reply with one computed from the raw rows; the
reply's number is the first one after its "Read as" line, and SQLite hands back naive times.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone


def reply_number(reply: str) -> int:
    """The first number after the reply's "Read as" line ("This segment has 1,234 contacts")."""
    body = reply.split("\n\n", 1)[-1]
    return int(re.search(r"(\d[\d,]*)", body).group(1).replace(",", ""))


def aware(moment: datetime | str) -> datetime:
    """A stored time (or its ISO text) in UTC: SQLite returns it without a zone."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

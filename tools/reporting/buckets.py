"""Time buckets for the reports: local days, a named period, and reading a period the way a
marketer writes it ("7d", "yesterday", "2026-11-01..2026-11-07").

A bucket is a half-open UTC interval with a label; `Buckets.case` turns a timestamp column into
the label inside SQL, so one query groups by day without a round trip per day. Days are the
team's local days (NUDGE_TIMEZONE), which is what "yesterday" means in a digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, case, cast, literal

from tools.core.context import ToolError
from tools.core.windows import local_day_start, period


@dataclass(frozen=True)
class Buckets:
    """Contiguous labelled intervals: label i covers [bounds[i], bounds[i+1])."""

    labels: tuple[str, ...]
    bounds: tuple[datetime, ...]

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    def expression(self, column: Any) -> Any:
        """A SQL CASE giving each row's label (callers keep rows to [start, end) themselves)."""
        return cast(_bisecting_case(column, self.labels, self.bounds), String(40))

    def clipped(self, start: datetime, end: datetime) -> Buckets:
        """The same labels with the first bucket starting at `start` and the last ending at `end`."""
        return Buckets(self.labels, (max(start, self.start), *self.bounds[1:-1], min(end, self.end)))


def _bisecting_case(column: Any, labels: Sequence[str], bounds: Sequence[datetime]) -> Any:
    # Nested halves cost each row about log2(n) comparisons instead of n/2: this runs per row.
    if len(labels) == 1:
        return literal(labels[0])
    middle = len(labels) // 2
    return case((column < bounds[middle], _bisecting_case(column, labels[:middle], bounds[:middle + 1])),
                else_=_bisecting_case(column, labels[middle:], bounds[middle:]))


def day_buckets(first: date, last: date, zone: ZoneInfo) -> Buckets:
    """One bucket per local day from `first` to `last` inclusive, labelled 'YYYY-MM-DD'."""
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    bounds = [local_day_start(day, zone) for day in days] + [local_day_start(last + timedelta(days=1), zone)]
    return Buckets(tuple(day.isoformat() for day in days), tuple(bounds))


def period_bucket(start: datetime, end: datetime, label: str = "period") -> Buckets:
    return Buckets((label,), (start, end))


def parse_period(text: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) for a report's period (`tools.core.windows.period`), or a ToolError."""
    try:
        return period(text, now, zone)
    except ValueError as error:
        raise ToolError(f"period {error}") from None

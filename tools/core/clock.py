"""The time Nudge acts on: the real UTC clock in production, a movable one in tests and the demo.

Everything that decides "is this due?" asks a `Clock` rather than `datetime.now()`, so simulated
time (fast-forwarding a sequence by five days) exercises the same code as production.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock(Clock):
    """A clock that stands still until moved; thread-safe so the scheduler can share it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


SYSTEM_CLOCK = Clock()

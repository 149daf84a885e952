"""What the planner returns: a `Plan` of `PlannedCall`s (registry tool names and arguments), or
an answer, or a local action, with the "Read as" line and the words it could not use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CAMPAIGN = "$campaign_id"  # filled in by the engine from the previous call's result


@dataclass
class PlannedCall:
    name: str
    arguments: dict[str, Any]


@dataclass
class Plan:
    """Tool calls to run; or a direct `answer`; or a local `action` the engine performs itself."""

    intent: str
    calls: list[PlannedCall] = field(default_factory=list)
    answer: str | None = None
    action: str | None = None
    reading: str | None = None  # "Read as: ..." for the reply's first line
    unused: list[str] = field(default_factory=list)  # words the planner could not use
    audience_words: str | None = None  # an audience question's words, kept by the thread for follow-ups
    orders_of: str | None = None  # with audience_words: whose orders they ask about (ThreadState.orders_of)
    # the builder accounted for every word itself ("drop the $100 minimum" names what goes, not an
    # audience): the unused-word check would name them back wrongly
    words_all_read: bool = False
    pending: dict[str, Any] | None = None  # with an `answer` that asks: the request the reply completes (ThreadState.pending)

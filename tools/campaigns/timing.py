"""When a sequence's steps fall due: counted from the event that made the contact eligible.

"Day 1" of an abandoned-cart sequence is a day after the abandonment (the checkout, the view,
the last order: `enrolments.triggered_at`), not after the scheduler noticed it. The entry time
is the floor for the first step, so nothing is due in the past, and later steps keep their
spacing. The scheduler, the preflight, the card and `explain_contact` all ask here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tools.core.models import (
    CampaignStep,
    Enrolment,
)

TIMING_NOTE = ("Day 1 counts from each contact's triggering event (their latest checkout, cart add, view or order "
               "that the segment names), never earlier than when they enter.")
EVENT_WORDS = {"Product Viewed": "product view", "Product Added": "cart add", "Checkout Started": "checkout",
               "Order Completed": "order"}


def trigger_words(names: list[str]) -> str:
    """'their latest cart add or checkout' for the events a segment names; the order counts only
    when nothing else is named (a win-back, a post-purchase flow), as a cart's "not ordered since"
    is not what starts it."""
    shown = [name for name in names if name != "Order Completed"] or list(names)
    return "their latest " + " or ".join(dict.fromkeys(EVENT_WORDS.get(name, name) for name in shown))


def step_due(enrolment: Enrolment, step: CampaignStep, steps: list[CampaignStep]) -> datetime:
    """When a step falls due: its delay after the triggering event (the checkout, the view, the
    last order: `triggered_at`), so "day 1" is a day after the abandonment. The entry is the
    floor for the first step (nothing is due before the contact entered) and later steps keep
    their spacing from it."""
    return step_anchor(enrolment.entered_at, enrolment.triggered_at, first_delay(steps)) + timedelta(
        minutes=step.delay_minutes)


def first_delay(steps: list[CampaignStep]) -> int:
    return min((s.delay_minutes for s in steps), default=0)


def step_anchor(entered_at: datetime, triggered_at: datetime | None, first_delay_minutes: int) -> datetime:
    # No triggering event (a segment of attributes only): the steps count from entry.
    if triggered_at is None:
        return entered_at
    return max(triggered_at, entered_at - timedelta(minutes=first_delay_minutes))


def delay_words(minutes: int) -> str:
    """A step's delay as the card, the console and the replies say it: day 3, after 4 h, after 90 min."""
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"day {days}"
    if minutes % 60 == 0:
        return f"after {minutes // 60} h"
    return f"after {minutes} min"

"""The statistics that keep the numbers honest: intervals for rates, the holdout lift, and the
subject-line test.

Wilson intervals for one rate, Newcombe's hybrid score interval for the difference of two (the
lift of sent over held out), and a two-proportion z-test that names a subject-line winner only
when the difference is significant at 95%. Pure arithmetic on counts, plus `holdout_lift`,
which reads the counts for one campaign.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tools.audience.order_value import ORDER_EVENT
from tools.core.models import (
    Campaign,
    CampaignStep,
    Enrolment,
    Event,
)
from tools.core.settings import Settings
from tools.reporting.tallies import Tally

Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for one proportion (no continuity correction)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return (centre - spread) / denominator, (centre + spread) / denominator


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, z: float = Z_95) -> tuple[float, float]:
    """Newcombe's hybrid score interval (his method 10) for p1 - p2; sound for small counts."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Pooled two-proportion z statistic for p1 - p2 and its two-sided p-value."""
    if not n1 or not n2:
        return 0.0, 1.0
    pooled = (x1 + x2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / spread
    return z, math.erfc(abs(z) / math.sqrt(2))


class LiftResult(BaseModel):
    sent_contacts: int
    sent_conversions: int
    holdout_contacts: int
    holdout_conversions: int
    sent_rate: float
    holdout_rate: float
    lift: float | None
    ci_low: float | None
    ci_high: float | None
    significant: bool
    words: str


def lift_from_counts(x_sent: int, n_sent: int, x_held: int, n_held: int) -> LiftResult:
    """Absolute lift of the sent group's conversion rate over the holdout's, with a 95% CI."""
    sent_rate = x_sent / n_sent if n_sent else 0.0
    held_rate = x_held / n_held if n_held else 0.0
    base = dict(sent_contacts=n_sent, sent_conversions=x_sent, holdout_contacts=n_held,
                holdout_conversions=x_held, sent_rate=sent_rate, holdout_rate=held_rate)
    if not n_sent or not n_held:
        return LiftResult(**base, lift=None, ci_low=None, ci_high=None, significant=False,
                          words="no lift yet: both the sent group and the holdout need contacts")
    low, high = newcombe_interval(x_sent, n_sent, x_held, n_held)
    significant = low > 0 or high < 0
    words = (f"converted {percent(sent_rate)} of contacts sent vs {percent(held_rate)} held out: "
             f"lift {points(sent_rate - held_rate)} (95% CI {points(low)} to {points(high)})")
    words += "" if significant else ", not significant yet"
    return LiftResult(**base, lift=sent_rate - held_rate, ci_low=low, ci_high=high,
                      significant=significant, words=words)


def holdout_lift(db: Session, settings: Settings, campaign: Campaign, since: datetime,
                 until: datetime) -> LiftResult:
    """Conversion of contacts who entered in [since, until), sent vs. held out.

    Everyone assigned to be sent counts as sent (intention to treat), so contacts who bought
    before their first message cannot flatter either group. A contact converts with an order
    between entering and the last step's delay plus the click window.
    """
    last_delay = db.scalar(select(func.max(CampaignStep.delay_minutes)).where(
        CampaignStep.campaign_id == campaign.id)) or 0
    window = timedelta(minutes=last_delay, days=settings.attribution_click_days)
    entered = {row.id: row for row in db.execute(
        select(Enrolment.id, Enrolment.holdout, Enrolment.entered_at).where(
            Enrolment.campaign_id == campaign.id, Enrolment.entered_at >= since, Enrolment.entered_at < until))}
    orders = db.execute(
        select(Enrolment.id, Event.occurred_at)
        .join(Event, Event.contact_id == Enrolment.contact_id)
        .where(Enrolment.campaign_id == campaign.id, Enrolment.entered_at >= since,
               Enrolment.entered_at < until, Event.name == ORDER_EVENT,
               Event.occurred_at >= Enrolment.entered_at, Event.occurred_at < until + window)
    )
    converted = {eid for eid, at in orders if at < entered[eid].entered_at + window}
    counts = Counter((row.holdout, row.id in converted) for row in entered.values())
    n_held = counts[(True, True)] + counts[(True, False)]
    n_sent = counts[(False, True)] + counts[(False, False)]
    return lift_from_counts(counts[(False, True)], n_sent, counts[(True, True)], n_held)


class SplitTestResult(BaseModel):
    step: int
    metric: str
    subject_a: str | None
    subject_b: str | None
    sent_a: int
    sent_b: int
    count_a: int
    count_b: int
    z: float
    p_value: float
    winner: Literal["a", "b"] | None
    words: str


def split_test(step: int, metric: str, a: Tally, b: Tally, subject_a: str | None = None,
               subject_b: str | None = None) -> SplitTestResult:
    """Subject A vs B on `metric` ("clicks" or "conversions"); a winner only when p < 0.05."""
    count_a, count_b = getattr(a, metric), getattr(b, metric)
    z, p_value = two_proportion_z(count_b, b.sent, count_a, a.sent)
    winner = ("b" if z > 0 else "a") if p_value < 0.05 else None
    rates = f"A {percent(a.rate(count_a))} of {a.sent}, B {percent(b.rate(count_b))} of {b.sent}"
    if winner:
        words = f"step {step} subject test: {winner.upper()} wins on {metric} ({rates}, p={p_value:.3f})"
    else:
        words = f"step {step} subject test: no winner on {metric} yet ({rates}, p={p_value:.2f})"
    return SplitTestResult(step=step, metric=metric, subject_a=subject_a, subject_b=subject_b,
                           sent_a=a.sent, sent_b=b.sent, count_a=count_a, count_b=count_b,
                           z=z, p_value=p_value, winner=winner, words=words)


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def points(difference: float) -> str:
    return f"{difference * 100:+.1f} pts"

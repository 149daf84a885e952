"""What happened to the messages, counted in SQL: sends, recipients, skips and deferrals with
their reasons, opens, clicks, unsubscribes and attributed orders, grouped by campaign, step,
variant and time bucket.

`collect` runs one aggregate query per kind of fact and folds them into `Tally` objects keyed by
the requested grain; the report, the digest and the statistics read those tallies and never
count rows in Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from tools.core.models import (
    Conversion,
    Message,
    MessageEvent,
)
from tools.core.vocabulary import NOT_SENT
from tools.reporting.buckets import Buckets

EVENT_KINDS = {"open": "opens", "click": "clicks", "unsubscribe": "unsubscribes",
               "bounce": "bounces", "complaint": "complaints"}


Dimension = Literal["campaign", "step", "variant"]


_DIMENSION_COLUMNS = {"campaign": "campaign_id", "step": "step_id", "variant": "variant"}


@dataclass
class Tally:
    """The numbers for one group (campaign / step / variant) in one bucket.

    Summing tallies adds `recipients` too, which over-counts people reached in several
    buckets; ask `collect` for the wider bucket when distinct recipients matter.
    """

    sent: int = 0
    recipients: int = 0
    opens: int = 0
    clicks: int = 0
    unsubscribes: int = 0
    bounces: int = 0
    complaints: int = 0
    conversions: int = 0
    revenue: Decimal = Decimal("0")
    skipped: Counter = field(default_factory=Counter)
    deferred: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)

    def __iadd__(self, other: Tally) -> Tally:
        for name in ("sent", "recipients", "opens", "clicks", "unsubscribes", "bounces",
                     "complaints", "conversions", "revenue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in NOT_SENT:
            getattr(self, name).update(getattr(other, name))
        return self

    def rate(self, count: int | Decimal) -> float:
        return float(count) / self.sent if self.sent else 0.0

    @property
    def conversion_rate(self) -> float:
        return self.rate(self.conversions)

    @property
    def revenue_per_recipient(self) -> float:
        return float(self.revenue) / self.recipients if self.recipients else 0.0


GroupKey = tuple[int, int | None, str | None, str]


def collect(
    db: Session,
    buckets: Buckets,
    grain: Sequence[Dimension] = ("campaign",),
    campaign_ids: Iterable[int] | None = None,
    recipients: bool = False,
) -> dict[GroupKey, Tally]:
    """Tallies keyed by (campaign_id, step_id, variant, bucket label), from four aggregations.

    Sends count on the day they were sent, skips and deferrals on the day they were due, each
    tracking kind once per message and bucket on the day it happened, and orders on the day
    they were placed. `recipients` adds a distinct-contact count (costlier; reports need it for
    revenue per recipient, the digest does not).
    """
    ids = sorted(set(campaign_ids)) if campaign_ids is not None else None
    tallies: dict[GroupKey, Tally] = defaultdict(Tally)
    for row in db.execute(_sent_query(buckets, grain, ids, recipients)):
        tally = tallies[_key(grain, row)]
        tally.sent, tally.recipients = row.n, (row.people if recipients else 0)
    for row in db.execute(_non_send_query(buckets, grain, ids)):
        getattr(tallies[_key(grain, row)], row.status)[row.reason or "no reason given"] += row.n
    for row in db.execute(_event_query(buckets, grain, ids)):
        setattr(tallies[_key(grain, row)], EVENT_KINDS[row.kind], row.n)
    for row in db.execute(_conversion_query(buckets, grain, ids)):
        tally = tallies[_key(grain, row)]
        tally.conversions, tally.revenue = row.n, Decimal(row.revenue or 0)
    return dict(tallies)


def _key(grain: Sequence[Dimension], row: Any) -> GroupKey:
    return (
        row.campaign_id,
        row.step_id if "step" in grain else None,
        row.variant if "variant" in grain else None,
        row.bucket,
    )


def _grouped(inner: Select, grain: Sequence[Dimension], extra: Sequence[str], aggregates: list) -> Select:
    """Group an inner select by its dimension columns and bucket.

    The bucket CASE is computed in a subquery and grouped by name from outside, because
    PostgreSQL cannot tell that two bound copies of the CASE are the same expression.
    """
    sub = inner.subquery()
    keys = [sub.c[_DIMENSION_COLUMNS[d]] for d in grain] + [sub.c.bucket] + [sub.c[e] for e in extra]
    return select(*keys, *[aggregate(sub) for aggregate in aggregates]).group_by(*keys)


def _dimensions(grain: Sequence[Dimension]) -> list:
    return [getattr(Message, _DIMENSION_COLUMNS[d]) for d in grain]


def _sent_query(buckets: Buckets, grain: Sequence[Dimension], ids: list[int] | None, recipients: bool) -> Select:
    columns = [*_dimensions(grain), buckets.expression(Message.sent_at).label("bucket")]
    if recipients:
        columns.append(Message.contact_id)
    inner = select(*columns).where(Message.sent_at >= buckets.start, Message.sent_at < buckets.end)
    if ids is not None:
        inner = inner.where(Message.campaign_id.in_(ids))
    aggregates = [lambda sub: func.count().label("n")]
    if recipients:
        aggregates.append(lambda sub: func.count(distinct(sub.c.contact_id)).label("people"))
    return _grouped(inner, grain, [], aggregates)


def _non_send_query(buckets: Buckets, grain: Sequence[Dimension], ids: list[int] | None) -> Select:
    inner = select(
        *_dimensions(grain), buckets.expression(Message.due_at).label("bucket"),
        Message.status, Message.reason,
    ).where(
        Message.status.in_(NOT_SENT), Message.due_at >= buckets.start, Message.due_at < buckets.end
    )
    if ids is not None:
        inner = inner.where(Message.campaign_id.in_(ids))
    return _grouped(inner, grain, ["status", "reason"], [lambda sub: func.count().label("n")])


def _event_query(buckets: Buckets, grain: Sequence[Dimension], ids: list[int] | None) -> Select:
    inner = (
        select(
            *_dimensions(grain), buckets.expression(MessageEvent.occurred_at).label("bucket"),
            MessageEvent.kind, MessageEvent.message_id,
        )
        .join(Message, Message.id == MessageEvent.message_id)
        .where(
            MessageEvent.occurred_at >= buckets.start,
            MessageEvent.occurred_at < buckets.end,
            MessageEvent.kind.in_(list(EVENT_KINDS)),
        )
    )
    if ids is not None:
        inner = inner.where(Message.campaign_id.in_(ids))
    return _grouped(inner, grain, ["kind"], [lambda sub: func.count(distinct(sub.c.message_id)).label("n")])


def _conversion_query(buckets: Buckets, grain: Sequence[Dimension], ids: list[int] | None) -> Select:
    bucket = buckets.expression(Conversion.occurred_at).label("bucket")
    if list(grain) == ["campaign"]:
        # Conversions carry their campaign, so the campaign grain needs no join.
        inner = select(Conversion.campaign_id, bucket, Conversion.revenue)
    else:
        inner = select(*_dimensions(grain), bucket, Conversion.revenue).join(
            Message, Message.id == Conversion.message_id
        )
    inner = inner.where(
        Conversion.message_id.is_not(None),
        Conversion.occurred_at >= buckets.start,
        Conversion.occurred_at < buckets.end,
    )
    if ids is not None:
        inner = inner.where(Conversion.campaign_id.in_(ids))
    return _grouped(inner, grain, [], [
        lambda sub: func.count().label("n"), lambda sub: func.sum(sub.c.revenue).label("revenue"),
    ])


def totals_by_bucket(tallies: dict[GroupKey, Tally]) -> dict[str, Tally]:
    merged: dict[str, Tally] = defaultdict(Tally)
    for (_campaign, _step, _variant, bucket), tally in tallies.items():
        merged[bucket] += tally
    return dict(merged)


def by_count(reasons: Counter) -> list[tuple[str, int]]:
    """Reasons, most frequent first, ties by name so the wording is stable."""
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))

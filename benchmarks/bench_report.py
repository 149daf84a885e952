"""Digest speed: the daily digest over the seeded store with a million messages, against raw SQL.

Seeds (or reuses) a store of N contacts and their events with `tools.ingest.seed.seed_store` (1M
contacts give about 10M events), adds four active sequences and M outbox rows spread over 28
days (mostly sent, some skipped or deferred with reasons, an A/B split on step 1) with opens,
clicks, unsubscribes, bounces and complaints, and attributes the orders. Then, in the same run,
it times the digest's aggregation queries (`tools.reporting.tallies.collect` over 14 local days), the
whole `build_digest` (queries, attribution check, chart), and a hand-written SQL aggregation of
the same numbers, checks both give identical numbers, and prints the ratio.
Targets (issue 7): digest under 3 s on SQLite, queries within 1.5x of the hand-written SQL.

    .venv/bin/python benchmarks/bench_report.py [--contacts 1000000] [--messages 1000000]
        [--database-url URL] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402

from tools.core import db as nudge_db
from tools.core.models import (  # noqa: E402
    Campaign,
    CampaignStep,
    Contact,
    Draft,
    Message,
    MessageEvent,
)
from tools.core.settings import load_settings  # noqa: E402
from tools.ingest.seed import seed_store, store_is_empty  # noqa: E402
from tools.reporting.attribution import attribute_orders  # noqa: E402
from tools.reporting.buckets import day_buckets
from tools.reporting.digest import CHART_DAYS, build_digest  # noqa: E402
from tools.reporting.report import NON_SEND_STATUSES
from tools.reporting.tallies import EVENT_KINDS, collect

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)
DIGEST_DAY = date(2026, 11, 28)
CAMPAIGNS = ("Abandoned cart", "Browse recovery", "Win-back", "Post-purchase")
SKIP_REASONS = ("frequency_cap", "no_consent", "unsubscribed", "exited: Order Completed")
CHUNK = 50_000


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def prepare(engine: Engine, contacts: int, messages: int) -> None:
    if store_is_empty(engine):
        started = time.perf_counter()
        summary = seed_store(engine, contacts, days=30, now=NOW)
        print(f"seeded: {' / '.join(summary.lines())} ({time.perf_counter() - started:.0f} s)")
    with engine.connect() as connection:
        existing = connection.scalar(select(func.count()).select_from(Message))
        people = connection.scalar(select(func.max(Contact.id)))
    if existing >= messages:
        print(f"reusing {existing:,} messages")
        return
    started = time.perf_counter()
    steps = _campaigns(engine)
    sent, events = _write_outbox(engine, steps, messages, people)
    print(f"outbox: {messages:,} messages ({sent:,} sent), {events:,} tracking events "
          f"({time.perf_counter() - started:.0f} s)")


def _campaigns(engine: Engine) -> list[tuple[int, int, bool]]:
    """Four active sequences of three steps; returns (campaign_id, step_id, split) per step."""
    steps = []
    with nudge_db.session_scope(engine) as db:
        for name in CAMPAIGNS:
            campaign = Campaign(name=name, status="active", activated_at=NOW - timedelta(days=40))
            db.add(campaign)
            db.flush()
            for position in (1, 2, 3):
                draft = Draft(purpose="reminder", subject=f"{name} {position}",
                              subject_b=f"{name} {position}?" if position == 1 else None)
                db.add(draft)
                db.flush()
                step = CampaignStep(campaign_id=campaign.id, position=position, draft_id=draft.id,
                                    delay_minutes=position * 1440)
                db.add(step)
                db.flush()
                steps.append((campaign.id, step.id, position == 1))
    return steps


def _write_outbox(engine: Engine, steps, count: int, people: int) -> tuple[int, int]:
    rng = random.Random(11)
    message_rows, event_rows, sent = [], [], 0
    for message_id in range(1, count + 1):
        campaign_id, step_id, split = steps[rng.randrange(len(steps))]
        due = NOW - timedelta(seconds=rng.randrange(28 * 86400))
        roll = rng.random()
        status = "sent" if roll < 0.95 else "skipped" if roll < 0.98 else "deferred"
        reason = None if status == "sent" else rng.choice(SKIP_REASONS)
        row = {
            "id": message_id, "campaign_id": campaign_id, "step_id": step_id,
            "contact_id": (message_id - 1) % people + 1, "round": (message_id - 1) // people + 1,
            "channel": "email", "variant": ("a" if message_id % 2 else "b") if split else None,
            "status": status, "reason": reason, "due_at": due, "attempts": 1,
            "sent_at": due if status == "sent" else None, "created_at": due, "updated_at": due,
        }
        message_rows.append(row)
        if status == "sent":
            sent += 1
            event_rows.extend(_tracking(rng, message_id, due))
        if len(message_rows) >= CHUNK:
            _flush(engine, message_rows, event_rows)
    _flush(engine, message_rows, event_rows)
    with engine.connect() as connection:
        events = connection.scalar(select(func.count()).select_from(MessageEvent))
    return sent, events


def _tracking(rng: random.Random, message_id: int, sent_at: datetime) -> list[dict]:
    rows = []
    roll = rng.random()
    if roll < 0.005:
        return [{"message_id": message_id, "kind": "bounce", "occurred_at": sent_at + timedelta(minutes=1)}]
    if roll < 0.30:
        opened = sent_at + timedelta(minutes=rng.randrange(1, 2880))
        rows.append({"message_id": message_id, "kind": "open", "occurred_at": opened})
        if rng.random() < 0.2:
            rows.append({"message_id": message_id, "kind": "click", "occurred_at": opened + timedelta(minutes=2)})
        if rng.random() < 0.01:
            rows.append({"message_id": message_id, "kind": "unsubscribe", "occurred_at": opened + timedelta(minutes=3)})
        if rng.random() < 0.0005:
            rows.append({"message_id": message_id, "kind": "complaint", "occurred_at": opened + timedelta(minutes=4)})
    return [row for row in rows if row["occurred_at"] < NOW]


def _flush(engine: Engine, message_rows: list[dict], event_rows: list[dict]) -> None:
    with engine.begin() as connection:
        if message_rows:
            connection.execute(insert(Message.__table__), message_rows)
        if event_rows:
            connection.execute(insert(MessageEvent.__table__), event_rows)
    message_rows.clear()
    event_rows.clear()


def digest_queries(engine: Engine, settings) -> dict:
    buckets = _buckets(settings)
    with nudge_db.session_scope(engine) as db:
        tallies = collect(db, buckets, ("campaign",))
    return {(cid, day): (t.sent, dict(t.skipped + t.deferred + t.failed), t.opens, t.clicks, t.unsubscribes,
                         t.bounces, t.complaints, t.conversions, Decimal(t.revenue))
            for (cid, _s, _v, day), t in tallies.items()}


def _buckets(settings):
    yesterday = DIGEST_DAY - timedelta(days=1)
    return day_buckets(yesterday - timedelta(days=CHART_DAYS - 1), yesterday, settings.zone)


def hand_written(engine: Engine, settings) -> dict:
    """The same numbers with plain SQL: per campaign and UTC day, four GROUP BYs."""
    buckets = _buckets(settings)
    postgres = engine.dialect.name == "postgresql"
    day = (lambda column: f"to_char({column}, 'YYYY-MM-DD')") if postgres else (lambda column: f"date({column})")
    bounds = ({"s": buckets.start.replace(tzinfo=None), "e": buckets.end.replace(tzinfo=None)} if postgres
              else {"s": stamp(buckets.start), "e": stamp(buckets.end)})
    statuses = ", ".join(f"'{s}'" for s in NON_SEND_STATUSES)
    kinds = ", ".join(f"'{k}'" for k in EVENT_KINDS)
    result: dict = {}
    empty = lambda: [0, Counter(), 0, 0, 0, 0, 0, 0, Decimal(0)]  # noqa: E731
    with engine.connect() as connection:
        for cid, d, n in connection.execute(text(
                f"SELECT campaign_id, {day('sent_at')} AS d, count(*) FROM messages "
                f"WHERE sent_at >= :s AND sent_at < :e GROUP BY campaign_id, d"), bounds):
            result.setdefault((cid, d), empty())[0] = n
        for cid, d, reason, n in connection.execute(text(
                f"SELECT campaign_id, {day('due_at')} AS d, reason, count(*) FROM messages "
                f"WHERE status IN ({statuses}) AND due_at >= :s AND due_at < :e "
                f"GROUP BY campaign_id, d, status, reason"), bounds):
            result.setdefault((cid, d), empty())[1][reason] += n
        for cid, d, kind, n in connection.execute(text(
                f"SELECT m.campaign_id, {day('e.occurred_at')} AS d, e.kind, count(DISTINCT e.message_id) "
                f"FROM message_events e JOIN messages m ON m.id = e.message_id "
                f"WHERE e.occurred_at >= :s AND e.occurred_at < :e AND e.kind IN ({kinds}) "
                f"GROUP BY m.campaign_id, d, e.kind"), bounds):
            result.setdefault((cid, d), empty())[2 + list(EVENT_KINDS).index(kind)] = n
        for cid, d, n, revenue in connection.execute(text(
                f"SELECT campaign_id, {day('occurred_at')} AS d, count(*), sum(revenue) FROM conversions "
                f"WHERE message_id IS NOT NULL AND occurred_at >= :s AND occurred_at < :e "
                f"GROUP BY campaign_id, d"), bounds):
            result.setdefault((cid, d), empty())[7:9] = [n, Decimal(str(round(revenue or 0, 2)))]
    return {key: (v[0], dict(v[1]), *v[2:8], v[8]) for key, v in result.items()}


def timed(function, repeat: int):
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.gettempdir()) / f'nudge-bench-report-{args.contacts}.db'}"
    nudge_db.upgrade(url)
    engine = nudge_db.engine_for(url)
    settings = load_settings(database_url=url, timezone="UTC")
    prepare(engine, args.contacts, args.messages)

    buckets = _buckets(settings)
    started = time.perf_counter()
    with nudge_db.session_scope(engine) as db:
        attributed = attribute_orders(db, settings, buckets.start, buckets.end)
    print(f"attribution: {attributed.orders:,} new orders, {attributed.attributed:,} credited to a message "
          f"({time.perf_counter() - started:.2f} s)")

    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    query_time, ours = timed(lambda: digest_queries(engine, settings), args.repeat)
    baseline_time, theirs = timed(lambda: hand_written(engine, settings), args.repeat)
    if ours != theirs:
        different = sorted(key for key in set(ours) | set(theirs) if ours.get(key) != theirs.get(key))
        raise SystemExit(f"the digest and the hand-written SQL disagree on {different[:5]}")

    def whole_digest():
        with nudge_db.session_scope(engine) as db:
            return build_digest(db, settings, DIGEST_DAY)

    digest_time, digest = timed(whole_digest, args.repeat)
    sent = sum(value[0] for value in ours.values())
    print(f"{engine.dialect.name}: {sent:,} sends in the 14-day window, {len(ours)} campaign-days, "
          f"{len(digest.anomalies)} anomalies")
    print(f"digest queries:       {query_time:.3f} s (median of {args.repeat})")
    print(f"hand-written SQL:     {baseline_time:.3f} s (same numbers, checked equal)")
    print(f"ratio:                {query_time / baseline_time:.2f}x (target <= 1.5x)")
    print(f"whole build_digest:   {digest_time:.3f} s incl. attribution check and chart (target < 3 s)")
    print(machine.describe())


if __name__ == "__main__":
    main()

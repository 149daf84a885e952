"""Sending throughput: recipients through decide, render and the outbox, then SMTP delivery,
beside a bare `smtplib` baseline over one connection in the same run.

Builds a fresh SQLite database (or uses --database-url) with N opted-in contacts, one approved
one-step campaign and its N due outbox messages (the "outbox" stage: enrol + materialise), then
times, on the same messages: "decide" (exit, consent and suppression, frequency rules), "render"
(Jinja render, tracking links, MIME build), and "end-to-end" (the real `OutboxWorker`: claim,
decide, render, commit point, SMTP, mark sent) against a local aiosmtpd sink server running in
its own process. The baseline sends already-rendered messages of the same size with bare
`smtplib.sendmail` over one connection to the same server. Targets (issue 5): decide and render
at 2,000 messages/s or more per core; delivery at 60% or more of the bare smtplib rate.

    .venv/bin/python benchmarks/bench_send.py [--recipients 100000]
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tools.core import db as nudge_db
from tools.core.clock import ManualClock  # noqa: E402

BATCH = 500
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def configure(url: str, outbox: str) -> None:
    os.environ.update({
        "DATABASE_URL": url, "NUDGE_SECRET": "bench-secret-0123456789", "NUDGE_APPROVERS": "UBENCH",
        "NUDGE_SENDER": "Bench Shop <news@shop.example>", "NUDGE_POSTAL_ADDRESS": "1 Market St, Springfield",
        "NUDGE_PUBLIC_URL": "https://nudge.shop.example", "NUDGE_SHOP_URL": "https://shop.example",
        "NUDGE_OUTBOX_DIR": outbox,
    })


def seed(engine, settings, count: int) -> None:
    from tools import registry
    from tools.core.context import ToolContext
    from tools.core.db import session_scope
    from tools.ingest.calls import ingest_calls

    for start in range(0, count, 5000):
        items = [{"type": "identify", "userId": f"b{n}", "timestamp": NOON.isoformat(),
                  "traits": {"email": f"b{n}@example.com", "first_name": f"Bea{n}", "country": "US",
                             "email_consent": "opt_in", "timezone": "UTC"}}
                 for n in range(start, min(count, start + 5000))]
        with session_scope(engine) as db:
            ingest_calls(db, items, NOON)
    clock = ManualClock(NOON)
    with session_scope(engine) as db:
        ctx = ToolContext(db=db, settings=settings, actor="UBENCH", clock=clock)
        created = registry.call(ctx, "create_sequence", {
            "name": "Bench", "segment": {"attribute": "email", "op": "exists"},
            "steps": [{"delay_hours": 0, "purpose": "cart_reminder"}]})
        registry.call(ctx, "approve_draft", {"draft_id": created.draft_ids[0]})
        registry.call(ctx, "schedule_campaign", {"campaign": "Bench"})


def timed(label: str, count: int, action) -> float:
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    rate = count / seconds if seconds else float("inf")
    print(f"{label:<34} {count:>8,} msgs in {seconds:8.2f} s = {rate:10,.0f} msgs/s")
    return rate


def decide_and_render(engine, settings, clock, pool: list[bytes]) -> tuple[float, float]:
    """Decide, then render, every due message in batches, without storing anything."""
    from scheduler.outbox import Batch, OutboxWorker, Stats
    from tools.core.db import session_factory
    from tools.core.models import Message

    worker = OutboxWorker(engine, settings, clock, sender=None, name="bench")
    with engine.begin() as connection:
        connection.execute(Message.__table__.update().values(claimed_by="bench"))
    seconds = {"decide": 0.0, "render": 0.0}
    total = 0
    with engine.connect() as connection:
        ids = list(connection.execute(select(Message.id).order_by(Message.id)).scalars())
    for start in range(0, len(ids), BATCH):
        db = session_factory(engine)()
        batch = Batch(worker, db, ids[start:start + BATCH], Stats())
        started = time.perf_counter()
        allowed = [m for m in batch.messages if batch.decide(m)]
        middle = time.perf_counter()
        for message in allowed:
            prepared = batch.render(message)
            if len(pool) < 1000:
                pool.append(prepared.envelope.data)
        seconds["decide"] += middle - started
        seconds["render"] += time.perf_counter() - middle
        total += len(batch.messages)
        db.rollback()
        db.close()
    with engine.begin() as connection:
        connection.execute(Message.__table__.update().values(claimed_by=None))
    for stage in ("decide", "render"):
        print(f"{stage:<34} {total:>8,} msgs in {seconds[stage]:8.2f} s = {total / seconds[stage]:10,.0f} msgs/s")
    return total / seconds["decide"], total / seconds["render"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_sink() -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the aiosmtpd sink did not start")


def bare_smtplib(port: int, pool: list[bytes], count: int) -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for n in range(count):
            smtp.sendmail("news@shop.example", [f"b{n}@example.com"], pool[n % len(pool)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="nudge-bench-send-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    configure(url, str(workdir / "outbox"))
    from scheduler import jobs
    from scheduler.outbox import OutboxWorker
    from scheduler.senders import SmtpSender
    from tools.core.settings import get_settings

    nudge_db.upgrade(url)
    engine, settings, clock = nudge_db.engine_for(url), get_settings(), ManualClock(NOON)
    n = args.recipients
    print(f"nudge bench_send: {n:,} recipients, {engine.dialect.name}, {os.cpu_count()} CPU(s)")
    seed(engine, settings, n)
    timed("outbox (enrol + materialise)", n, lambda: (jobs.enrol(engine, settings, clock),
                                                       jobs.materialise(engine, clock)))
    clock.advance(timedelta(minutes=1))
    pool: list[bytes] = []
    decide_rate, render_rate = decide_and_render(engine, settings, clock, pool)
    server, port = smtp_sink()
    try:
        worker = OutboxWorker(engine, settings, clock, SmtpSender(f"smtp://127.0.0.1:{port}"), batch_size=BATCH)
        stats_holder = {}
        end_to_end = timed("end-to-end (worker -> SMTP)", n,
                           lambda: stats_holder.setdefault("stats", worker.run_once()))
        stats = stats_holder["stats"]
        assert stats["sent"] == n, stats.text()
        delivery = n / stats.seconds["deliver"]
        print(f"{'  of which delivery (SMTP + marks)':<34} {n:>8,} msgs in {stats.seconds['deliver']:8.2f} s "
              f"= {delivery:10,.0f} msgs/s")
        baseline = timed("baseline: bare smtplib, 1 connection", n, lambda: bare_smtplib(port, pool, n))
    finally:
        server.terminate()
        server.wait(10)
    print(f"\nratios: delivery / bare smtplib = {delivery / baseline:.2f} (target >= 0.60); "
          f"end-to-end / bare smtplib = {end_to_end / baseline:.2f}")
    print(f"per core: decide {decide_rate:,.0f} msgs/s, render {render_rate:,.0f} msgs/s (target >= 2,000 each)")
    print(machine.describe())


if __name__ == "__main__":
    main()

"""Ingest throughput: events through `POST /v1/batch` over real HTTP against a bare bulk insert.

Starts the real Nudge HTTP server (uvicorn, in a subprocess on 127.0.0.1 and a free port) on a
fresh SQLite database and posts N `track` calls in batches of 500 from two concurrent clients.
Then, in the same run, inserts the same event rows into another fresh database with a bare
Core executemany (the bulk insert Nudge's ingest is built on, one transaction per 500 rows, as
each HTTP batch is one transaction), and prints events per second for both and their ratio.
The 20,000 contacts the events belong to exist beforehand in both databases (as if identified
earlier), so both sides time the same event inserts.
Targets (issue 2): HTTP at 50% or more of the bare rate, and at least 20,000 events/s on SQLite.
The webhook leg then posts signed Shopify `orders/create` webhooks (one order each, as Shopify
sends them) to `/shopify/webhooks` on the same server, from 2 clients (as the batch leg) and
from 8 (Shopify delivers in parallel; concurrent deliveries share a commit), and prints their
events per second next to the batch path's (issue 18's target: at least half the batch path's
rate per event), with the server's floor: the rate of a refused, unsigned webhook, which does
no database work at all, so no webhook can be faster.

    .venv/bin/python benchmarks/bench_ingest.py [--events 200000]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402

from tools.core import db as nudge_db
from tools.core.models import Event  # noqa: E402
from tools.ingest.contacts import contact_ids  # noqa: E402

BATCH = 500
CLIENTS = 2
WEBHOOK_CLIENTS = (2, 8)
USERS = 20_000
WRITE_KEY = "bench-write-key"
NAMES = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed")


def make_calls(count: int, now: datetime) -> list[dict]:
    return [
        {
            "type": "track",
            "userId": f"u{n % USERS}",
            "event": NAMES[n % 4],
            "messageId": f"bench-{n}",
            "timestamp": (now - timedelta(seconds=n)).isoformat(),
            "properties": {
                "product_id": f"p{n % 60}", "name": "Linen Shirt", "price": 39.0,
                "quantity": 1, "cart_id": f"c{n // 3}", "url": f"https://shop.example/p/{n % 60}",
            },
            "context": {"library": {"name": "analytics.js", "version": "5.2.0"}},
        }
        for n in range(count)
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NUDGE_")},
        "DATABASE_URL": database_url, "NUDGE_WRITE_KEY": WRITE_KEY,
        "NUDGE_INGEST_RATE_LIMIT": "100000", "SHOPIFY_WEBHOOK_SECRET": WRITE_KEY,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bot.web.app:build_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=Path(__file__).resolve().parents[1],
    )
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the HTTP server did not start")


def post_all(port: int, bodies: list[bytes]) -> float:
    url = f"http://127.0.0.1:{port}/v1/batch"

    def send(share: list[bytes]) -> None:
        with httpx.Client(auth=(WRITE_KEY, ""), timeout=60) as client:
            for body in share:
                answer = client.post(url, content=body, headers={"content-type": "application/json"})
                if answer.status_code != 200 or answer.json()["rejected"]:
                    raise SystemExit(f"ingest refused a batch: {answer.status_code} {answer.text[:200]}")

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(send, [bodies[i::CLIENTS] for i in range(CLIENTS)]))
    return time.perf_counter() - started


def order_webhooks(count: int, now: datetime) -> list[tuple[bytes, dict]]:
    """Signed orders/create deliveries, one order of two lines each, for customers in USERS."""
    from bot.web.shop_door import signature

    deliveries = []
    for n in range(count):
        order = {"id": 10_000_000 + n, "email": f"u{n % USERS}@example.com", "financial_status": "paid",
                 "created_at": (now - timedelta(seconds=n)).isoformat(), "currency": "USD",
                 "total_price": "78.00", "subtotal_price": "78.00", "total_tax": "0.00",
                 "customer": {"id": n % USERS, "email": f"u{n % USERS}@example.com",
                              "updated_at": now.isoformat()},
                 "line_items": [{"product_id": n % 60, "title": "Linen Shirt", "price": "39.00",
                                 "quantity": 2, "sku": f"s{n % 60}"}]}
        body = orjson.dumps(order)
        deliveries.append((body, {
            "content-type": "application/json", "x-shopify-topic": "orders/create",
            "x-shopify-webhook-id": f"bench-{n}", "x-shopify-triggered-at": now.isoformat(),
            "x-shopify-hmac-sha256": signature(WRITE_KEY, body),
        }))
    return deliveries


def post_webhooks(port: int, deliveries: list[tuple[bytes, dict]], clients: int, expect: int = 200) -> float:
    url = f"http://127.0.0.1:{port}/shopify/webhooks"

    def send(share: list[tuple[bytes, dict]]) -> None:
        with httpx.Client(timeout=60) as client:
            for body, headers in share:
                answer = client.post(url, content=body, headers=headers)
                if answer.status_code != expect or (expect == 200 and "duplicate" in answer.json()):
                    raise SystemExit(f"webhook answered {answer.status_code} {answer.text[:200]}")

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, [deliveries[i::clients] for i in range(clients)]))
    return time.perf_counter() - started


def known_contacts(database_url: str, calls: list[dict], now: datetime) -> dict[str, int]:
    """The contacts the events belong to, created up front (the shop identified them earlier)."""
    with nudge_db.session_scope(nudge_db.engine_for(database_url)) as db:
        return contact_ids(db, {call["userId"] for call in calls}, now)


def bare_insert(database_url: str, calls: list[dict], now: datetime) -> float:
    engine = nudge_db.engine_for(database_url)
    ids = known_contacts(database_url, calls, now)
    rows = [
        {
            "message_id": call["messageId"], "contact_id": ids[call["userId"]], "anonymous_id": None,
            "name": call["event"], "properties": call["properties"],
            "occurred_at": datetime.fromisoformat(call["timestamp"]), "received_at": now,
        }
        for call in calls
    ]
    started = time.perf_counter()
    for start in range(0, len(rows), BATCH):
        with engine.begin() as connection:
            connection.execute(Event.__table__.insert(), rows[start:start + BATCH])
    return time.perf_counter() - started


def count_events(database_url: str) -> int:
    from sqlalchemy import func, select

    with nudge_db.engine_for(database_url).connect() as connection:
        return connection.scalar(select(func.count()).select_from(Event.__table__))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--webhooks", type=int, default=3_000)
    args = parser.parse_args()
    now = datetime.now(timezone.utc)
    calls = make_calls(args.events, now)
    bodies = [orjson.dumps({"batch": calls[i:i + BATCH]}) for i in range(0, len(calls), BATCH)]
    with tempfile.TemporaryDirectory() as scratch:
        http_url, bare_url = f"sqlite:///{scratch}/http.db", f"sqlite:///{scratch}/bare.db"
        for url in (http_url, bare_url):
            nudge_db.upgrade(url)
        known_contacts(http_url, calls, now)
        port = free_port()
        server = start_server(http_url, port)
        try:
            http_seconds = post_all(port, bodies)
            hooks = order_webhooks(len(WEBHOOK_CLIENTS) * args.webhooks, now)
            hook_seconds = {clients: post_webhooks(port, hooks[n * args.webhooks:(n + 1) * args.webhooks], clients)
                            for n, clients in enumerate(WEBHOOK_CLIENTS)}
            unsigned = [(body, {k: v for k, v in headers.items() if k != "x-shopify-hmac-sha256"})
                        for body, headers in hooks[:args.webhooks]]
            floor_seconds = post_webhooks(port, unsigned, CLIENTS, expect=401)
        finally:
            server.terminate()
            server.wait()
        stored = count_events(http_url) - len(WEBHOOK_CLIENTS) * args.webhooks
        bare_seconds = bare_insert(bare_url, calls, now)
    if stored != args.events:
        raise SystemExit(f"HTTP ingest stored {stored} events, expected {args.events}")
    http_rate, bare_rate = args.events / http_seconds, args.events / bare_seconds
    print(f"events: {args.events:,} in batches of {BATCH}, {CLIENTS} HTTP clients, SQLite")
    print(f"HTTP /v1/batch : {http_rate:>10,.0f} events/s ({http_seconds:.2f} s)")
    print(f"bare insert    : {bare_rate:>10,.0f} events/s ({bare_seconds:.2f} s)")
    print(f"ratio HTTP/bare: {http_rate / bare_rate:.2f} (target >= 0.50; HTTP target >= 20,000 events/s)")
    for clients, seconds in hook_seconds.items():
        hook_rate = args.webhooks / seconds
        print(f"Shopify webhooks, {clients} clients: {hook_rate:>7,.0f} events/s ({args.webhooks:,} orders/create, "
              f"one order each, {seconds:.2f} s); ratio webhook/batch per event: {hook_rate / http_rate:.3f} "
              "(issue 18 target >= 0.50)")
    floor = args.webhooks / floor_seconds
    print(f"server floor: {floor:>7,.0f} requests/s (unsigned webhook refused with 401, no database work); "
          f"ratio floor/batch per event: {floor / http_rate:.3f}")
    print(machine.describe())


if __name__ == "__main__":
    main()

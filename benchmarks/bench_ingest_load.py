"""Ingest under concurrent load: 8 clients posting crossing batches with 10% malformed items.

Starts the real Nudge HTTP server (uvicorn, a subprocess, as bench_ingest.py does) on a fresh
SQLite database and, when `NUDGE_TEST_DATABASE_URL` is set, on a scratch PostgreSQL database
too. For `--seconds` (30 by default) 8 clients post batches of 50 calls that identify and track
the same 200 users in shuffled order (so concurrent transactions touch the same contacts and
would deadlock if they locked them in different orders), one item in ten malformed. Prints, per
database, the requests by status, the 5xx count (the target is 0: issue 16, item 2), the
accepted calls per second and the rejected items (expected: exactly the malformed ones).

    .venv/bin/python benchmarks/bench_ingest_load.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402
from bench_ingest import WRITE_KEY, free_port, start_server  # noqa: E402

from tools.core import db as nudge_db

CLIENTS = 8
BATCH = 50
USERS = 200


def batch(rng: random.Random, client: int, serial: int) -> list[dict]:
    calls = []
    for n in range(BATCH):
        user = f"u{rng.randrange(USERS)}"
        if n % 10 == 9:
            calls.append(rng.choice([{"type": "track", "userId": user},  # no event name
                                     {"type": "identify", "userId": user, "traits": {"email": "not-an-email"}},
                                     {"type": "track", "event": "Product Viewed"}]))  # no user
        elif rng.random() < 0.4:
            calls.append({"type": "identify", "userId": user,
                          "traits": {"email": f"{user}@shop.example", "first_name": f"C{client}"}})
        else:
            calls.append({"type": "track", "userId": user, "messageId": f"{client}-{serial}-{n}",
                          "event": rng.choice(["Product Viewed", "Order Completed"]),
                          "properties": {"total": 10.0, "product_id": f"p{n}"}})
    return calls


def load(port: int, seconds: float) -> tuple[Counter, int, int, float]:
    url = f"http://127.0.0.1:{port}/v1/batch"
    deadline = time.monotonic() + seconds

    def client(number: int) -> tuple[Counter, int, int]:
        rng = random.Random(number)
        statuses, accepted, rejected, serial = Counter(), 0, 0, 0
        with httpx.Client(auth=(WRITE_KEY, ""), timeout=60) as http:
            while time.monotonic() < deadline:
                answer = http.post(url, json={"batch": batch(rng, number, serial)})
                statuses[answer.status_code] += 1
                if answer.status_code == 200:
                    body = answer.json()
                    accepted += body["accepted"]
                    rejected += len(body["rejected"])
                serial += 1
        return statuses, accepted, rejected

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    elapsed = time.perf_counter() - started
    statuses = sum((result[0] for result in results), Counter())
    return statuses, sum(r[1] for r in results), sum(r[2] for r in results), elapsed


def run(label: str, database_url: str, seconds: float) -> None:
    nudge_db.upgrade(database_url)
    port = free_port()
    server = start_server(database_url, port)
    try:
        statuses, accepted, rejected, elapsed = load(port, seconds)
    finally:
        server.terminate()
        server.wait(10)
    errors = sum(count for status, count in statuses.items() if status >= 500)
    requests = sum(statuses.values())
    print(f"{label:<10}: {requests:,} requests {dict(sorted(statuses.items()))}, 5xx: {errors}, "
          f"{accepted / elapsed:,.0f} calls/s accepted, {rejected:,} rejected "
          f"(expected {requests * BATCH // 10:,} if all answered 200)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    print(f"{CLIENTS} clients, batches of {BATCH} over {USERS} shared users, 10% malformed, {args.seconds:g} s each")
    with tempfile.TemporaryDirectory() as scratch:
        run("SQLite", f"sqlite:///{scratch}/load.db", args.seconds)
    admin_url = os.environ.get("NUDGE_TEST_DATABASE_URL")
    if admin_url:
        name = f"nudge_load_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run("PostgreSQL", admin_url.rsplit("/", 1)[0] + f"/{name}", args.seconds)
        finally:
            nudge_db.engine_for(admin_url.rsplit("/", 1)[0] + f"/{name}").dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(machine.describe())


if __name__ == "__main__":
    main()

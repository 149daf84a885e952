"""Ingest under faults: crossing batches, load with bad items, a database gone or locked.

Concurrent `/v1/batch` requests must never answer 5xx for a conflict between themselves (issue
16, item 2), and a database that cannot be used answers 503 with a JSON error and `Retry-After`,
reports itself on `/healthz` and `/readyz`, and is used again as soon as it is back (item 5).
"""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from sqlalchemy import create_engine, exc, func, select, text
from starlette.testclient import TestClient

from bot.web import app as web
from bot.web import ingest as web_ingest
from bot.web.app import build_app
from tests.conftest import NO_POSTGRES, POSTGRES_URL
from tools.core import db as nudge_db
from tools.core.models import Contact, Event

KEY = {"Authorization": "Basic " + base64.b64encode(b"test-write-key:").decode()}


def client(settings) -> TestClient:
    app = build_app(settings.model_copy(update={"ingest_rate_limit": 100_000}), migrate=False)
    return TestClient(app, raise_server_exceptions=False)


def count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def crossing(first: str, second: str, round_: int) -> list[dict]:
    """Identify new users `first`0..19, then one event each for `second`0..19."""
    identifies = [{"type": "identify", "userId": f"{first}{round_}-{n}", "messageId": f"i-{first}{round_}-{n}",
                   "traits": {"email": f"{first}{round_}-{n}@shop.example"}} for n in range(20)]
    tracks = [{"type": "track", "userId": f"{second}{round_}-{n}", "event": "Order Completed",
               "messageId": f"t-{first}{round_}-{n}", "properties": {"total": 10}} for n in range(20)]
    return identifies + tracks


def test_crossing_batches_never_deadlock(settings, engine):
    rounds = 3
    with client(settings) as http:
        for round_ in range(rounds):
            start = threading.Barrier(2)

            def send(batch):
                start.wait()
                return http.post("/v1/batch", headers=KEY, json={"batch": batch})

            with ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(send, [crossing("a", "b", round_), crossing("b", "a", round_)]))
            assert [answer.status_code for answer in answers] == [200, 200], answers[0].text + answers[1].text
            assert [answer.json()["accepted"] for answer in answers] == [40, 40]
    assert count(engine, Contact) == 40 * rounds
    assert count(engine, Event) == 40 * rounds
    with engine.connect() as connection:
        orders = connection.scalars(select(Contact.order_count)).all()
    assert set(orders) == {1}


def test_eight_clients_with_bad_items_get_no_5xx(settings, engine):
    statuses: list[int] = []
    accepted = []
    deadline = time.monotonic() + 0.8

    def load(worker: int) -> None:
        sent = 0
        while time.monotonic() < deadline:
            batch = []
            for n in range(20):
                user = f"u{(worker * 7 + n) % 30}"  # shared users, so the clients' rows cross
                if n % 10 == 3:
                    batch.append({"type": "track", "userId": user})  # malformed: no event name
                elif n % 2:
                    batch.append({"type": "identify", "userId": user, "traits": {"first_name": f"W{worker}"}})
                else:
                    batch.append({"type": "track", "userId": user, "event": "Order Completed",
                                  "messageId": f"w{worker}-{sent}-{n}", "properties": {"total": 1}})
            answer = http.post("/v1/batch", headers=KEY, json={"batch": batch})
            statuses.append(answer.status_code)
            if answer.status_code == 200:
                body = answer.json()
                assert [item["index"] for item in body["rejected"]] == [3, 13]
                accepted.append(body["accepted"])
            sent += 1

    with client(settings) as http, ThreadPoolExecutor(8) as pool:
        list(pool.map(load, range(8)))
    assert statuses and not [status for status in statuses if status >= 500], sorted(set(statuses))
    assert set(statuses) == {200}
    assert count(engine, Event) == sum(accepted) // 18 * 10


def test_a_conflict_is_rerun_and_other_errors_are_not():
    def deadlock():
        error = type("DeadlockDetected", (Exception,), {"sqlstate": "40P01"})()
        return exc.OperationalError("INSERT ...", {}, error)

    calls = []
    for attempt in nudge_db.transaction_attempts():
        with attempt:
            calls.append(1)
            if len(calls) < 3:
                raise deadlock()
    assert len(calls) == 3

    calls.clear()
    with pytest.raises(exc.IntegrityError):
        for attempt in nudge_db.transaction_attempts():
            with attempt:
                calls.append(1)
                raise exc.IntegrityError("INSERT ...", {}, type("UniqueViolation", (Exception,), {"sqlstate": "23505"})())
    assert len(calls) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_write_lock_held_elsewhere_answers_503_then_recovers(settings, engine, monkeypatch):
    monkeypatch.setattr(web_ingest, "INGEST_BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(web, "PROBE_TIMEOUT_MS", 100)
    track = {"userId": "u1", "event": "Product Viewed", "messageId": "m1"}
    other = sqlite3.connect(engine.url.database)
    with client(settings) as http:
        other.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            answer = http.post("/v1/track", headers=KEY, json=track)
            assert time.monotonic() - started < 5
            assert answer.status_code == 503 and answer.headers["retry-after"] == str(web.RETRY_AFTER_S)
            assert answer.headers["content-type"] == "application/json"
            assert "retry later" in answer.json()["error"]
            assert http.get("/readyz").status_code == 503
            health = http.get("/healthz")
            assert health.status_code == 200 and health.json()["database"] == {"ok": True}  # reads still work
        finally:
            other.rollback()
            other.close()
        assert http.post("/v1/track", headers=KEY, json=track).status_code == 200
        assert http.get("/readyz").json() == {"ready": True, "service": "nudge", "database": {"ok": True}}
    assert count(engine, Event) == 1


@pytest.fixture
def scratch_postgres():
    """A PostgreSQL database of its own (the test drops it), its URL carrying a password.

    It is (re)created as a copy of a template migrated once, which is much faster than
    migrating again; the app's engine is never told, it must find its way back alone.
    """
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    name = f"nudge_gone_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgres@", "postgres:s3cret-pw@", 1)
    url = f"{base}/{name}"
    template = nudge_db.make_engine(f"{base}/{name}_tpl")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}_tpl"'))
    with template.begin() as connection:
        config = nudge_db.alembic_config(str(template.url))
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    template.dispose()

    def admin_run(sql: str) -> None:
        with admin.connect() as connection:
            connection.execute(text(sql))

    def create() -> None:
        admin_run(f'CREATE DATABASE "{name}" TEMPLATE "{name}_tpl"')

    def drop() -> None:
        admin_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def restart() -> None:
        admin_run(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")

    create()
    yield url, create, drop, restart
    nudge_db.engine_for(url).dispose()
    drop()
    admin_run(f'DROP DATABASE IF EXISTS "{name}_tpl" WITH (FORCE)')
    admin.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # replaced by the scratch database
def test_a_dropped_postgres_database_answers_503_then_recovers(settings, scratch_postgres):
    url, create, drop, restart = scratch_postgres
    assert "s3cret-pw" in url  # trust auth ignores it; it must still never be shown
    track = {"userId": "u1", "event": "Product Viewed"}
    with client(settings.model_copy(update={"database_url": url})) as http:
        assert http.post("/v1/track", headers=KEY, json=track).status_code == 200
        assert http.get("/healthz").json()["ok"] is True
        drop()
        answer = http.post("/v1/batch", headers=KEY, json={"batch": [{**track, "type": "track"}]})
        assert answer.status_code == 503 and answer.headers["retry-after"] == str(web.RETRY_AFTER_S)
        assert answer.headers["content-type"] == "application/json" and "error" in answer.json()
        health = http.get("/healthz")
        assert health.status_code == 200 and health.json()["ok"] is False
        assert "does not exist" in health.json()["database"]["error"]
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["ready"] is False
        for body in (answer.text, health.text, ready.text):
            assert "s3cret-pw" not in body
        create()
        assert http.post("/v1/track", headers=KEY, json=track).status_code == 200
        assert http.get("/readyz").status_code == 200
        # The server restarted while idle (no request saw it): the first request must still work.
        restart()
        assert http.post("/v1/track", headers=KEY, json=track).status_code == 200
    assert count(nudge_db.engine_for(url), Event) == 2  # one after the re-creation, one after the restart


def test_db_upgrade_on_a_missing_postgres_database_says_so_in_one_line(tmp_path):
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url = POSTGRES_URL.rsplit("/", 1)[0].replace("postgres@", "postgres:s3cret-pw@", 1) + "/nudge_never_created"
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-c", "from bot.cli.main import main; main()", "db", "upgrade"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("nudge: the database at DATABASE_URL=postgresql+psycopg://postgres:***@")
    assert 'database "nudge_never_created" does not exist' in lines[0]
    assert "s3cret-pw" not in done.stderr + done.stdout

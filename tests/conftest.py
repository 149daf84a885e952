"""Shared fixtures: a freshly migrated database on SQLite and, when configured, PostgreSQL.

Every test that asks for `db` (a Session) or `engine` runs once per database backend. SQLite
gets a copy of a database migrated once per run; PostgreSQL gets a database of its own per test
run (created from `NUDGE_TEST_DATABASE_URL`, dropped at the end), migrated once, with every table
emptied before each test, so parallel runs on one server never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from tools.core import db as nudge_db
from tools.core.columns import Base
from tools.core.settings import Settings, get_settings

POSTGRES_URL = os.environ.get("NUDGE_TEST_DATABASE_URL", "")
NO_POSTGRES = "PostgreSQL leg skipped: set NUDGE_TEST_DATABASE_URL=postgresql+psycopg://... to run it"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "nudge.db"
    url = f"sqlite:///{path}"
    nudge_db.upgrade(url)
    nudge_db.engine_for(url).dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    name = f"nudge_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A scratch database needs no durability; skipping the fsync per commit makes the
        # many-commit delivery tests several times faster.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    nudge_db.upgrade(url)
    yield url
    nudge_db.engine_for(url).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    # DELETE (children first) and restarting the sequences is about four times faster than one
    # TRUNCATE of every table on tables this small, and the suite empties them before each test.
    with nudge_db.engine_for(url).begin() as connection:
        # A connection an earlier test leaked (idle in transaction) would block the deletes forever.
        connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ))
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f'DELETE FROM "{table.name}"'))
        for (sequence,) in connection.execute(text("SELECT sequence_name FROM information_schema.sequences")).all():
            connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        connection.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template) -> Iterator[str]:
    """A migrated, empty database URL on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "nudge.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
        yield url
        nudge_db.engine_for(url).dispose()
        return
    url = request.getfixturevalue("postgres_database_url")
    _empty_postgres(url)
    yield url


@pytest.fixture
def engine(database_url) -> Engine:
    return nudge_db.engine_for(database_url)


@pytest.fixture
def db(engine) -> Iterator[Session]:
    session = nudge_db.session_factory(engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def settings(database_url, tmp_path, monkeypatch) -> Iterator[Settings]:
    """Settings for a test: its own database, outbox and exports, a known secret and sender."""
    for name in list(os.environ):
        if name.startswith(("NUDGE_", "SLACK_", "OPENAI_", "SMTP_")) and not name.startswith("NUDGE_TEST_"):
            monkeypatch.delenv(name)
    values = {
        "DATABASE_URL": database_url,
        "NUDGE_WRITE_KEY": "test-write-key",
        "NUDGE_SECRET": "test-secret-0123456789abcdef",
        "NUDGE_SENDER": "Demo Shop <news@shop.example>",
        "NUDGE_POSTAL_ADDRESS": "1 Market St, Springfield, OR 97477, USA",
        "NUDGE_SHOP_NAME": "Demo Shop",
        "NUDGE_DISCOUNT_CODE": "SAVE10",
        "NUDGE_PUBLIC_URL": "https://nudge.shop.example",
        "NUDGE_OUTBOX_DIR": str(tmp_path / "outbox"),
        "NUDGE_EXPORT_DIR": str(tmp_path / "exports"),
        "NUDGE_APPROVERS": "UAPPROVER",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()

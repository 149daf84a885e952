"""Connections to the shared database: engines, sessions, and applying the Alembic migrations.

SQLite is the embedded default (one file, WAL journal, foreign keys on, a busy timeout so the
scheduler and the HTTP server can share it); PostgreSQL is the scale-out database. The schema is
only ever created by `upgrade()`, which runs the revisions in `migrations/`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

import migrations

MIGRATIONS_DIR = Path(migrations.__file__).parent


def make_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite tuned for several processes sharing one file."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _begin_before_first_savepoint)
        return engine
    # JIT compilation costs ~170 ms per segment query and never pays back at Nudge's query sizes.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                         connect_args={"options": "-c jit=off"})


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_before_first_savepoint(connection, _name) -> None:
    # pysqlite opens its transaction lazily, at the first INSERT/UPDATE/DELETE. A SAVEPOINT
    # issued before that runs outside any transaction, and releasing it would commit at once,
    # so a later rollback of the session could not undo it. Opening the transaction here keeps
    # every session atomic; IMMEDIATE takes the write lock now, as a savepoint precedes a write.
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One shared engine per URL for the life of the process."""
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


AFTER_ROLLBACK = "nudge_after_rollback"


def keep_after_rollback(session: Session, write: Callable[[Session], None]) -> None:
    """Have `write` done again, in a transaction of its own, if this session rolls back.

    A refusal is audited in the transaction of the call it refuses, and the refusal itself
    usually rolls that transaction back; the audit row must outlive it.
    """
    session.info.setdefault(AFTER_ROLLBACK, []).append(write)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
        session.info.pop(AFTER_ROLLBACK, None)  # committed with the rest
    except BaseException:
        session.rollback()
        _redo_after_rollback(session)
        raise
    finally:
        session.close()


def _redo_after_rollback(session: Session) -> None:
    writes = session.info.pop(AFTER_ROLLBACK, [])
    if not writes:
        return
    try:
        for write in writes:
            write(session)
        session.commit()
    except Exception:  # the original error matters more than its audit row
        session.rollback()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every pending migration (all heads) to the database at `url`."""
    engine = engine_for(url)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def current_revisions(url: str) -> list[str]:
    from alembic.runtime.migration import MigrationContext

    with engine_for(url).connect() as connection:
        return sorted(MigrationContext.configure(connection).get_current_heads())


def is_migrated(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")

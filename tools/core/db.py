"""Connections to the shared database: engines, sessions, and applying the Alembic migrations.

SQLite is the embedded default (one file, WAL journal, foreign keys on, a busy timeout so the
scheduler and the HTTP server can share it); PostgreSQL is the scale-out database. The schema is
only ever created by `upgrade()`, which runs the revisions in `migrations/`.

Faults are classified here, once: `is_unavailable()` says an error means the database cannot be
used right now (gone, unreachable, locked past the busy timeout), which callers turn into one
line on the terminal or `503` with `Retry-After` over HTTP; `transaction_attempts()` reruns a
transaction that PostgreSQL aborted as a deadlock or serialization failure; `database_problem()`
probes whether the database can be read or written, for `/healthz` and `/readyz`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc, inspect, make_url
from sqlalchemy.orm import Session, sessionmaker
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

import migrations
from tools.core.settings import redact_url

MIGRATIONS_DIR = Path(migrations.__file__).parent
SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 5
# SQLSTATEs PostgreSQL uses for a transaction it aborted only because of a concurrent one:
# serialization_failure and deadlock_detected. Rerunning the transaction is the documented cure.
CONFLICT_STATES = frozenset({"40001", "40P01"})
CONFLICT_ATTEMPTS = 5
# sqlite3 raises OperationalError for a schema mistake ("no such table") too; only these say
# the file cannot be used right now.
SQLITE_OUTAGES = ("database is locked", "database table is locked", "unable to open database",
                  "disk i/o error", "database or disk is full", "readonly database")


class DatabaseUnavailable(RuntimeError):
    """The database cannot be used right now; the message names DATABASE_URL (redacted) and why."""


def make_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite tuned for several processes sharing one file."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                                  "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _begin_before_first_savepoint)
        return engine
    # JIT compilation costs ~170 ms per segment query and never pays back at Nudge's query sizes.
    # pool_pre_ping replaces a connection the server dropped (restart, failover, a database
    # recreated), so the process recovers by itself; the connect timeout bounds the wait on an
    # unreachable host, so a request answers 503 instead of hanging.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                         connect_args={"options": "-c jit=off", "connect_timeout": PG_CONNECT_TIMEOUT_S})


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_before_first_savepoint(connection, _name) -> None:
    # pysqlite opens its transaction lazily, at the first INSERT/UPDATE/DELETE. A SAVEPOINT
    # issued before that runs outside any transaction, and releasing it would commit at once,
    # so a later rollback of the session could not undo it. Opening the transaction here keeps
    # every session atomic; IMMEDIATE takes the write lock now, as a savepoint precedes a write.
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


@contextmanager
def busy_timeout(db: Session, milliseconds: int) -> Iterator[None]:
    """On SQLite, wait at most `milliseconds` for another process's write lock inside the block.

    The connection goes back to the pool afterwards, so its usual timeout is restored.
    """
    if db.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = db.connection()
    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(milliseconds)}")
    try:
        yield
    finally:
        if not connection.invalidated:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


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


def is_conflict(error: BaseException) -> bool:
    """A transaction PostgreSQL aborted for a deadlock or serialization failure: rerun it."""
    return isinstance(error, exc.DBAPIError) and getattr(error.orig, "sqlstate", None) in CONFLICT_STATES


def transaction_attempts() -> Retrying:
    """Attempts at one transaction, rerun after a conflict with a short random (jittered) wait.

    Use as `for attempt in transaction_attempts(): with attempt: <open, write, commit>`; the
    whole transaction goes inside, as PostgreSQL has rolled all of it back. After the last
    attempt the conflict is raised (and `is_unavailable` then calls it a transient outage).
    """
    return Retrying(
        retry=retry_if_exception(is_conflict), stop=stop_after_attempt(CONFLICT_ATTEMPTS),
        wait=wait_random_exponential(multiplier=0.02, max=0.5), reraise=True,
    )


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be used right now, rather than a bug.

    PostgreSQL: a failed or lost connection, the server shutting down or refusing connections,
    a database that no longer exists, a conflict that outlived its retries (all OperationalError
    in psycopg); SQLite: a lock held past the busy timeout, a file that cannot be opened or
    written. A full connection pool (pool timeout) counts too.
    """
    if isinstance(error, DatabaseUnavailable | exc.TimeoutError):
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if not isinstance(error, exc.OperationalError | exc.InterfaceError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        return any(outage in str(error.orig).lower() for outage in SQLITE_OUTAGES)
    return True


def outage_reason(error: BaseException, url: str) -> str:
    """The driver's one-line reason for an outage, with any password in it masked."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    line = " ".join(reason[0].split()) if reason else type(error).__name__
    password = make_url(url).password if "://" in url else None
    return line.replace(password, "***") if password else line


def unavailable(error: BaseException, url: str) -> DatabaseUnavailable:
    """A DatabaseUnavailable for `error` naming DATABASE_URL, to print as one line."""
    if isinstance(error, DatabaseUnavailable):
        return error
    return DatabaseUnavailable(
        f"the database at DATABASE_URL={redact_url(url)} cannot be used: {outage_reason(error, url)}"
        " (start or create it, or fix DATABASE_URL)"
    )


def database_problem(engine: Engine, write: bool = False, timeout_ms: int = 2000) -> str | None:
    """None when the database answers (and, with `write`, accepts a write), else the reason.

    The write probe takes SQLite's write lock (BEGIN IMMEDIATE, then rolls back) or, on
    PostgreSQL, asks for a transaction id, which a read-only server (a standby, a read-only
    transaction default) refuses; nothing is stored either way.
    """
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout_ms)}")
                try:
                    if write:
                        connection.exec_driver_sql("BEGIN IMMEDIATE")
                    connection.exec_driver_sql("SELECT 1")
                finally:
                    connection.rollback()
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            else:
                connection.exec_driver_sql(f"SET statement_timeout = {int(timeout_ms)}")
                if write:
                    read_only = connection.exec_driver_sql("SHOW transaction_read_only").scalar()
                    if read_only == "on":
                        return "the database is read-only"
                    connection.exec_driver_sql("SELECT pg_current_xact_id()")
                else:
                    connection.exec_driver_sql("SELECT 1")
                connection.rollback()
                connection.exec_driver_sql("RESET statement_timeout")
    except exc.SQLAlchemyError as error:
        if not is_unavailable(error):
            raise
        return outage_reason(error, engine.url.render_as_string(hide_password=False))
    return None

"""Only one live scheduler per database: the others wait on standby and take over when it dies.

APScheduler's job store must never be driven by two live schedulers, so `nudge run` (and `nudge
scheduler`) first become leader:
- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection held for
  the leader's lifetime. If the process dies, PostgreSQL closes the session and frees the lock.
- SQLite: a row in `leases` (name "scheduler") with an expiry the leader renews from a heartbeat;
  a standby takes the lease once it has expired. The lease uses the real clock, whatever clock
  the jobs use, because it measures whether a process is alive.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, or_, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from tools.core.bulk import insert_ignoring_duplicates
from tools.core.db import session_scope
from tools.core.models import Lease

log = logging.getLogger("nudge.leadership")

LEASE_NAME = "scheduler"


def _now() -> datetime:
    return datetime.now(timezone.utc)


class SqliteLease:
    """Leadership as an expiring row in `leases`, renewed by the leader's heartbeat."""

    def __init__(self, engine: Engine, holder: str, ttl: timedelta) -> None:
        self.engine, self.holder, self.ttl = engine, holder, ttl

    def try_acquire(self) -> bool:
        """Take or renew the lease if it is free, expired or already ours."""
        now = _now()
        try:
            with session_scope(self.engine) as db:
                taken = db.execute(
                    update(Lease)
                    .where(Lease.name == LEASE_NAME, or_(Lease.holder == self.holder, Lease.expires_at < now))
                    .values(holder=self.holder, expires_at=now + self.ttl)
                ).rowcount
                if not taken:
                    statement = insert_ignoring_duplicates(db, Lease.__table__, ("name",))
                    taken = db.execute(statement.values(
                        name=LEASE_NAME, holder=self.holder, expires_at=now + self.ttl)).rowcount
                return bool(taken)
        except (OperationalError, IntegrityError) as error:
            log.warning("could not renew the scheduler lease: %s", type(error).__name__)
            return False

    renew = try_acquire

    def release(self) -> None:
        with session_scope(self.engine) as db:
            db.execute(update(Lease).where(Lease.name == LEASE_NAME, Lease.holder == self.holder)
                       .values(expires_at=_now() - timedelta(seconds=1)))


class PostgresLock:
    """Leadership as a PostgreSQL session advisory lock on a connection kept open."""

    def __init__(self, engine: Engine, holder: str, ttl: timedelta) -> None:
        self.engine, self.holder = engine, holder
        self.key = int.from_bytes(hashlib.sha256(b"nudge.scheduler").digest()[:8], "big", signed=True)
        self.connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self.connection is not None:
            return self.renew()
        connection = self.engine.connect()
        try:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
            connection.commit()
        except DBAPIError:
            connection.close()
            return False
        if got:
            self.connection = connection
            return True
        connection.close()
        return False

    def renew(self) -> bool:
        """Still leader while the session holding the lock is alive."""
        if self.connection is None:
            return False
        try:
            self.connection.execute(text("SELECT 1")).scalar()
            self.connection.commit()
            return True
        except DBAPIError:
            self._forget()
            return False

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self.connection.commit()
        except DBAPIError:
            pass
        self._forget()

    def _forget(self) -> None:
        try:
            self.connection.invalidate()
            self.connection.close()
        except DBAPIError:
            pass
        self.connection = None


def leadership_for(engine: Engine, holder: str, ttl: timedelta):
    """The right leadership mechanism for this database."""
    cls = PostgresLock if engine.dialect.name == "postgresql" else SqliteLease
    return cls(engine, holder, ttl)

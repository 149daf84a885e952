"""The append-only audit log: who asked for, approved, changed, sent, exported or erased what.

Tools call `record()` inside their own transaction, so an action and its audit entry are stored
together or not at all; a refusal is recorded with `record_refusal()`, which also survives the
rollback of the refused call's transaction. Nothing in Nudge updates or deletes audit rows (retention included).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.core.columns import utcnow
from tools.core.db import keep_after_rollback
from tools.core.models import AuditEntry


def record(
    db: Session,
    actor: str,
    action: str,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
    thread: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one audit entry to the session (committed with the caller's transaction)."""
    entry = AuditEntry(
        actor=actor or "unknown",
        action=action,
        subject=subject,
        details=details or {},
        thread=thread,
        at=at or utcnow(),
    )
    db.add(entry)
    return entry


def record_refusal(db: Session, actor: str, action: str, subject: str | None, details: dict[str, Any],
                   thread: str | None, at: datetime) -> None:
    """Audit a refused attempt so that the entry outlives the rollback the refusal causes."""

    def write(session: Session) -> None:
        record(session, actor, action, subject, details, (thread or "")[:200] or None, at)

    write(db)
    keep_after_rollback(db, write)


def entries_since(db: Session, since: datetime, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.at >= since).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.scalars(query))

"""The append-only audit log: who asked for, approved, changed, sent, exported or erased what.

Tools call `record()` inside their own transaction, so an action and its audit entry are stored
together or not at all. Nothing in Nudge updates or deletes audit rows (retention included).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.models import AuditEntry, utcnow


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


def entries_since(db: Session, since: datetime, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.at >= since).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.scalars(query))

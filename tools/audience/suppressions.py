"""The suppression list's one writer: an address that must not be emailed again, and why.

A suppression is kept as the address's keyed hash (`tools.core.identity.email_hash`), so an
erased person stays unreachable without Nudge keeping their address. Erasure, the unsubscribe
link (and a shop's own unsubscribe) and a hard bounce all come here, and so does the one way
back: a shop's re-subscription dated after an unsubscribe lifts that unsubscribe alone; who may be reached is then
decided by `tools.audience.policy`, which reads the list.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tools.core.bulk import insert_ignoring_duplicates
from tools.core.models import Suppression
from tools.core.vocabulary import SuppressionReason


def suppress(db: Session, email_hash: str, reason: SuppressionReason, source: str, at: datetime) -> bool:
    """Put `email_hash` on the list for `reason`; False when it already was (nothing changes)."""
    statement = insert_ignoring_duplicates(db, Suppression.__table__, ("email_hash", "reason"))
    added = db.execute(statement.values(email_hash=email_hash, reason=str(reason), source=source[:200],
                                        created_at=at).returning(Suppression.id)).first()
    return added is not None


def unsubscribed_since(db: Session, email_hash: str) -> datetime | None:
    """When `email_hash` was suppressed as unsubscribed, or None when it is not."""
    return db.scalar(select(Suppression.created_at).where(
        Suppression.email_hash == email_hash, Suppression.reason == str(SuppressionReason.UNSUBSCRIBED)))


def lift_unsubscribe(db: Session, email_hash: str) -> None:
    """A person subscribed again (in the shop, after their unsubscribe): only that suppression
    goes. An erasure, a complaint or a hard bounce is never lifted."""
    db.execute(delete(Suppression).where(Suppression.email_hash == email_hash,
                                         Suppression.reason == str(SuppressionReason.UNSUBSCRIBED)))

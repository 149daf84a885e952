"""The suppression list's one writer: an address that must not be emailed again, and why.

A suppression is kept as the address's keyed hash (`tools.core.identity.email_hash`), so an
erased person stays unreachable without Nudge keeping their address. Erasure, the unsubscribe
link (and a shop's own unsubscribe) and a hard bounce all come here, and so does the one way
back: a shop's re-subscription dated after an unsubscribe lifts that unsubscribe alone; who may be reached is then
decided by `tools.audience.policy`, which reads the list.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tools.core import audit
from tools.core.bulk import insert_ignoring_duplicates
from tools.core.identity import email_hash, email_salt
from tools.core.models import Contact, Message, Suppression
from tools.core.vocabulary import CLAIMABLE, Status, SuppressionReason


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


def suppressions_of(db: Session, email_hash: str | None) -> list[Suppression]:
    """Every entry on the list for `email_hash` (unsubscribed, bounced, complained, erased), oldest first."""
    if not email_hash:
        return []
    return list(db.scalars(select(Suppression).where(Suppression.email_hash == email_hash)
                           .order_by(Suppression.created_at, Suppression.id)))


def lift_unsubscribe(db: Session, email_hash: str) -> None:
    """A person subscribed again (in the shop, after their unsubscribe): only that suppression
    goes. An erasure, a complaint or a hard bounce is never lifted."""
    db.execute(delete(Suppression).where(Suppression.email_hash == email_hash,
                                         Suppression.reason == str(SuppressionReason.UNSUBSCRIBED)))


def unsubscribe_contact(db: Session, contact: Contact, source: str, now: datetime, subject: str) -> bool:
    """Suppress the contact's address and skip their waiting messages; False if already done.

    Every unsubscribe comes here: the unsubscribe link (`scheduler.tracking`) and a shop's own
    unsubscribe (Shopify's `email_marketing_consent.state` "unsubscribed", `tools.ingest.shop_consent`).
    """
    if not contact.email:
        return False
    hashed = contact.email_hash or email_hash(email_salt(db), contact.email)
    # A second row with the same address (or an import that reset the consent) still gets
    # opted out although the address is already on the list.
    if not suppress(db, hashed, SuppressionReason.UNSUBSCRIBED, source, now) and contact.email_consent == "opt_out":
        return False
    contact.email_consent = "opt_out"
    skipped = db.execute(
        update(Message).where(Message.contact_id == contact.id, Message.status.in_(CLAIMABLE))
        .values(status=Status.SKIPPED, reason=str(SuppressionReason.UNSUBSCRIBED), claimed_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    audit.record(db, f"contact:{contact.id}", "contact.unsubscribed", subject,
                 {"source": source, "waiting_messages_skipped": skipped}, at=now)
    return True

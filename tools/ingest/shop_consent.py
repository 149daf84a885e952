"""The shop's word on consent: its unsubscribes and its re-subscriptions, applied as a webhook
is stored (`bot.web.shop_door`).

An unsubscribe suppresses the address at once through the one writer of unsubscribes
(`tools.audience.suppressions.unsubscribe_contact`). A later `subscribed` for an address
suppressed as unsubscribed lifts that suppression only when the shop dates the new consent
after the unsubscribe (a customer who subscribed again in the shop); a record dated before it
(a stale or re-sent one) keeps the address suppressed and its consent unchanged. Only an
unsubscribe is ever lifted: an erased, bounced or complained address stays suppressed whatever
the shop says (erased ones are also guarded by the contacts upsert, `tools.ingest.contacts`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.audience.suppressions import (
    lift_unsubscribe,
    unsubscribe_contact,
    unsubscribed_since,
)
from tools.core import audit
from tools.core.identity import email_hash, email_salt
from tools.core.models import Contact

CONSENT_FIELDS = ("email_consent", "consent_source", "consent_at")


def apply_unsubscribes(db: Session, user_ids: list[str], source: str, now: datetime) -> None:
    """The shop's unsubscribes, for the contacts it names that Nudge knows."""
    for user_id in user_ids:
        contact = db.scalar(select(Contact).where(Contact.user_id == user_id))
        if contact is not None:
            unsubscribe_contact(db, contact, source.replace(":", " ", 1), now, source)


def apply_consent(db: Session, subscribed: list[str], rows: dict[str, dict], source: str, now: datetime) -> int:
    """For each customer the shop calls subscribed whose address is suppressed as unsubscribed:
    lift the suppression when the consent is dated after it, else drop the consent from its
    identify row (in `rows`, by user id) so the contact stays opted out. How many were lifted."""
    if not subscribed:
        return 0
    salt, lifted = email_salt(db), 0
    for user_id in subscribed:
        row = rows.get(user_id)
        email = (row or {}).get("email") or db.scalar(select(Contact.email).where(Contact.user_id == user_id))
        if row is None or not email:
            continue
        hashed = email_hash(salt, email)
        unsubscribed_at = unsubscribed_since(db, hashed)
        if unsubscribed_at is None:
            continue
        given = row.get("consent_at")
        if given is None or given <= unsubscribed_at:
            for name in CONSENT_FIELDS:
                row.pop(name, None)
            continue
        lift_unsubscribe(db, hashed)
        audit.record(db, source.split(":")[0], "contact.resubscribed", user_id,
                     {"source": source, "consent_at": given.isoformat(),
                      "unsubscribed_at": unsubscribed_at.isoformat()}, at=now)
        lifted += 1
    return lifted

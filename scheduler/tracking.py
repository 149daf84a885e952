"""What happens when a recipient opens, clicks or unsubscribes: the database side of `/o /c /u`.

Each function takes an already verified token (tools.core.tokens) and records the event on the
outbox message. `unsubscribe` takes effect at once: the address's hash is suppressed (so no
campaign may reach it, and the outbox's commit point refuses even a message already in a
worker's batch), the contact is marked opted out, and their waiting messages are skipped.
Unsubscribing twice changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from tools.audience.suppressions import suppress
from tools.core import audit
from tools.core.identity import email_hash, email_salt
from tools.core.models import Contact, Draft, Message, MessageEvent
from tools.core.tokens import Token
from tools.core.vocabulary import CLAIMABLE, SuppressionReason
from tools.drafting.render import draft_urls


def record_open(db: Session, token: Token, now: datetime) -> bool:
    if db.get(Message, token.message_id) is None:
        return False
    db.add(MessageEvent(message_id=token.message_id, kind="open", occurred_at=now))
    return True


def click_target(db: Session, token: Token, now: datetime) -> str | None:
    """The URL to redirect to, if the sent email carried it; records the click.

    The outbox stores every link it signed on the message (`links`, migration 0008); a message
    sent before that falls back to the approved draft's literal links.
    """
    message = db.get(Message, token.message_id)
    if message is None or not token.url or token.url not in _allowed(db, message):
        return None
    db.add(MessageEvent(message_id=message.id, kind="click", url=token.url[:2000], occurred_at=now))
    return token.url


def _allowed(db: Session, message: Message) -> set[str]:
    if message.links is not None:
        return set(message.links)
    draft = db.get(Draft, message.draft_id) if message.draft_id else None
    return draft_urls(draft) if draft is not None else set()


def unsubscribe(db: Session, token: Token, source: str, now: datetime) -> bool:
    """Suppress the message's recipient at once; False if the message is unknown."""
    message = db.get(Message, token.message_id)
    contact = db.get(Contact, message.contact_id) if message else None
    if contact is None:
        return False
    if unsubscribe_contact(db, contact, source, now, f"message:{message.id}"):
        db.add(MessageEvent(message_id=message.id, kind="unsubscribe", occurred_at=now))
    return True


def unsubscribe_contact(db: Session, contact: Contact, source: str, now: datetime, subject: str) -> bool:
    """Suppress the contact's address and skip their waiting messages; False if already done.

    Every unsubscribe comes here (the suppression itself is written by
    `tools.audience.suppressions.suppress`): the unsubscribe link and a shop's own
    unsubscribe (Shopify's `email_marketing_consent.state` "unsubscribed") both come here.
    """
    if not contact.email:
        return False
    hashed = contact.email_hash or email_hash(email_salt(db), contact.email)
    if not suppress(db, hashed, SuppressionReason.UNSUBSCRIBED, source, now):
        return False
    contact.email_consent = "opt_out"
    skipped = db.execute(
        update(Message).where(Message.contact_id == contact.id, Message.status.in_(CLAIMABLE))
        .values(status="skipped", reason="unsubscribed", claimed_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    audit.record(db, f"contact:{contact.id}", "contact.unsubscribed", subject,
                 {"source": source, "waiting_messages_skipped": skipped}, at=now)
    return True

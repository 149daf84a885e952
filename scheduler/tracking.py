"""What happens when a recipient opens, clicks or unsubscribes: the database side of `/o /c /u`.

Each function takes an already verified token (tools.core.tokens) and records the event on the
outbox message. `unsubscribe` takes effect at once: the address's hash is suppressed (so no
campaign may reach it, and the outbox's commit point refuses even a message already in a
worker's batch), the contact is marked opted out, and their waiting messages are skipped.
Unsubscribing twice changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tools.audience.suppressions import unsubscribe_contact
from tools.core.models import Contact, Draft, Message, MessageEvent
from tools.core.tokens import Token
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

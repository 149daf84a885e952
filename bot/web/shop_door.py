"""What the shop doors (`bot.web.shopify`, `bot.web.woocommerce`) share: signatures, the delivery
pipeline, and the shop's word on consent.

Both platforms sign a webhook with the base64 HMAC-SHA256 of the raw body, compared here in
constant time. A delivery is mapped and validated outside the write turn (`prepared`), then
stored in one transaction that first records its delivery id as an IdempotencyKey (scope per
platform), so a redelivery stores nothing and answers `{"duplicate": true}`; the calls carry
messageIds derived from the resource, so a replay under a new delivery id is a no-op too.

Consent, as the shop says it (`apply_consent`): an unsubscribe suppresses the address at once
through the one writer of unsubscribes (`scheduler.tracking.unsubscribe_contact`). A later
`subscribed` for an address suppressed as unsubscribed lifts that suppression only when the
shop dates the new consent after the unsubscribe (a customer who subscribed again in the
shop); a record dated before it (a stale or re-sent one) keeps the address suppressed and its
consent unchanged. Only an unsubscribe is ever lifted: an erased, bounced or complained
address stays suppressed whatever the shop says (erased ones are also guarded by the contacts
upsert, `tools.ingest.contacts`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.web.ingest import IngestRefused
from scheduler.tracking import unsubscribe_contact
from tools.core import audit
from tools.core.bulk import insert_ignoring_duplicates, lock_for_writing, write_turn
from tools.core.db import session_scope
from tools.core.identity import email_hash, email_salt
from tools.core.models import Contact, IdempotencyKey, Suppression
from tools.ingest.calls import ValidCalls, store_calls, validate_calls
from tools.ingest.shop_calls import Mapped

CONSENT_FIELDS = ("email_consent", "consent_source", "consent_at")


def signature(secret: str, body: bytes) -> str:
    """The base64 HMAC-SHA256 of `body` keyed with `secret`, as Shopify and WooCommerce send it."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify(secret: str, given: str, body: bytes, header: str, setting: str) -> None:
    """Refuse (401) a body whose `header` value is missing or is not its signature."""
    if not given:
        raise IngestRefused(401, f"unsigned: a webhook needs {header}")
    if not hmac.compare_digest(given.strip().encode(), signature(secret, body).encode()):
        raise IngestRefused(401, f"{header} does not match the body; check {setting}")


def parsed(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise IngestRefused(400, f"body is not valid UTF-8 JSON: {error}") from None


def prepared(mapping: Callable[[str, Any], Mapped], topic: str, payload: Any,
             now: datetime) -> tuple[Mapped, ValidCalls]:
    """The payload mapped and validated, or a 422 naming the topic and the field to fix."""
    try:
        mapped = mapping(topic, payload)
    except ValueError as error:
        raise IngestRefused(422, f"{topic}: {error}") from None
    calls = validate_calls(mapped.calls, now)
    if calls.rejected:
        raise IngestRefused(422, f"{topic}: {calls.rejected[0].error}")
    return mapped, calls


def deliver(engine, scope: str, delivery_id: str | None, now: datetime,
            work: Callable[[Session], dict]) -> dict:
    """Run `work` in one write transaction, once per `delivery_id` within `scope`."""
    with write_turn(engine), session_scope(engine) as db:
        lock_for_writing(db)
        if delivery_id and not _first_delivery(db, scope, delivery_id[:255], now):
            return {"duplicate": True}
        return work(db)


def _first_delivery(db: Session, scope: str, delivery_id: str, now: datetime) -> bool:
    statement = insert_ignoring_duplicates(db, IdempotencyKey.__table__, ["scope", "key"])
    row = {"scope": scope, "key": delivery_id, "created_at": now}
    return db.execute(statement.values(**row).returning(IdempotencyKey.key)).first() is not None


def store_mapped(db: Session, mapped: Mapped, calls: ValidCalls, source: str, now: datetime) -> dict:
    """Store a prepared delivery with the shop's consent applied; the door's answer."""
    lifted = apply_consent(db, mapped, calls, source, now)
    result = store_calls(db, calls, now)
    for user_id in mapped.unsubscribed:
        contact = db.scalar(select(Contact).where(Contact.user_id == user_id))
        if contact is not None:
            unsubscribe_contact(db, contact, source.replace(":", " ", 1), now, source)
    answer: dict = {"stored": result.accepted}
    if lifted:
        answer["resubscribed"] = lifted
    if mapped.note:
        answer["note"] = mapped.note
    return answer


def apply_consent(db: Session, mapped: Mapped, calls: ValidCalls, source: str, now: datetime) -> int:
    """For each customer the shop calls subscribed whose address is suppressed as unsubscribed:
    lift the suppression when the consent is dated after it, else drop the consent from the
    identify so the contact stays opted out. How many were lifted."""
    if not mapped.subscribed:
        return 0
    rows = {row["user_id"]: row for _, row in calls.identifies}
    salt, lifted = email_salt(db), 0
    for user_id in mapped.subscribed:
        row = rows.get(user_id)
        email = (row or {}).get("email") or db.scalar(select(Contact.email).where(Contact.user_id == user_id))
        if row is None or not email:
            continue
        hashed = email_hash(salt, email)
        unsubscribed_at = db.scalar(select(Suppression.created_at).where(
            Suppression.email_hash == hashed, Suppression.reason == "unsubscribed"))
        if unsubscribed_at is None:
            continue
        given = row.get("consent_at")
        if given is None or given <= unsubscribed_at:
            for name in CONSENT_FIELDS:
                row.pop(name, None)
            continue
        db.execute(delete(Suppression).where(Suppression.email_hash == hashed,
                                             Suppression.reason == "unsubscribed"))
        audit.record(db, source.split(":")[0], "contact.resubscribed", user_id,
                     {"source": source, "consent_at": given.isoformat(),
                      "unsubscribed_at": unsubscribed_at.isoformat()}, at=now)
        lifted += 1
    return lifted

"""Email normalisation, the keyed email hash behind suppressions, and Nudge's own secrets.

A suppressed or erased address is kept only as `email_hash(...)`: an HMAC-SHA256 keyed with a
salt generated once per database, so the hash cannot be reversed by a dictionary of addresses
without the database, yet a later import of the same address is recognised. `NUDGE_SECRET` signs
tracking and unsubscribe tokens; when unset, one is generated once and kept in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tools.core.models import KeyValue

EMAIL_SALT_KEY = "email_hash_salt"
TOKEN_SECRET_KEY = "token_secret"


def normalise_email(email: str | None) -> str | None:
    """Trim and lower-case an address; None for an empty or obviously invalid one."""
    if not email:
        return None
    cleaned = email.strip().lower()
    if "@" not in cleaned or cleaned.startswith("@") or cleaned.endswith("@") or " " in cleaned:
        return None
    return cleaned


def email_hash(salt: str, email: str) -> str:
    return hmac.new(salt.encode(), normalise_email(email).encode(), hashlib.sha256).hexdigest()


def stored_secret(db: Session, key: str) -> str:
    """A random secret kept under `key` in app_state, created on first use (race-safe)."""
    existing = db.get(KeyValue, key)
    if existing:
        return existing.value
    try:
        with db.begin_nested():
            db.add(KeyValue(key=key, value=secrets.token_hex(32)))
    except IntegrityError:
        pass
    return db.scalar(select(KeyValue.value).where(KeyValue.key == key))


def email_salt(db: Session) -> str:
    return stored_secret(db, EMAIL_SALT_KEY)


def token_secret(db: Session, configured: str) -> str:
    """`NUDGE_SECRET` when set, else the one generated and stored in the database."""
    return configured or stored_secret(db, TOKEN_SECRET_KEY)

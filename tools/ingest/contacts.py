"""Contacts from identify calls and imports: validating traits and upserting them in batches.

`contact_fields()` turns a userId and its traits (Segment `identify` traits or a CSV row) into
the contact columns, or raises `ValueError` naming the bad trait. `upsert_contacts()` applies a
batch with identify semantics: traits present in a row overwrite, traits absent are left alone,
unknown traits merge into `contacts.traits`. Consent is guarded: an address erased earlier (its
hash is in suppressions with reason "erased") is not re-subscribed unless the row itself carries
fresh consent with a `consent_source` (when it gives a `consent_at`, one after the erasure),
and `consent_at` moves only when the consent changes.
One SELECT finds the existing contacts; new and changed rows are written with one executemany
each, and a row that changes nothing is not written at all, so re-importing a file is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tools.core.bulk import chunked, insert_ignoring_duplicates
from tools.core.identity import email_hash, normalise_email
from tools.core.models import Contact, Suppression

CONSENT_CHOICES = ("opt_in", "soft_opt_in", "none")
COUNTRY_ALIASES = {"UK": "GB"}
CONTACTS = Contact.__table__
MUTABLE = (
    "email", "email_hash", "first_name", "last_name", "timezone", "country", "region",
    "email_consent", "consent_source", "consent_at", "ad_consent", "do_not_sell", "traits",
)
LOOKUP_CHUNK = 1000
# Lookups by a list of keys are built once with an expanding parameter: `in_(values)` builds
# a bound parameter per value on every call, which cost more than the lookup itself.
_IDS_BY_USER_ID = select(CONTACTS.c.user_id, CONTACTS.c.id).where(
    CONTACTS.c.user_id.in_(bindparam("user_ids", expanding=True))
)
_CONTACTS_BY_USER_ID = select(CONTACTS.c.id, CONTACTS.c.user_id, *(CONTACTS.c[name] for name in MUTABLE)).where(
    CONTACTS.c.user_id.in_(bindparam("user_ids", expanding=True))
)
_ERASED_AMONG = select(Suppression.email_hash, Suppression.created_at).where(
    Suppression.reason == "erased", Suppression.email_hash.in_(bindparam("hashes", expanding=True))
)


class ContactTraits(BaseModel):
    """The traits Nudge keeps in columns; any other trait is kept as-is in `contacts.traits`."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, coerce_numbers_to_str=True)

    email: str | None = Field(None, max_length=320)
    first_name: str | None = Field(
        None, max_length=200, validation_alias=AliasChoices("first_name", "firstName")
    )
    last_name: str | None = Field(
        None, max_length=200, validation_alias=AliasChoices("last_name", "lastName")
    )
    timezone: str | None = Field(None, max_length=64)
    country: str | None = None
    region: str | None = Field(None, max_length=100)
    email_consent: str | None = None
    consent_source: str | None = Field(None, max_length=200)
    consent_at: datetime | None = None
    ad_consent: bool | None = None
    do_not_sell: bool | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and normalise_email(value) is None:
            raise ValueError(f"'{value[:80]}' is not an email address")
        return normalise_email(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value and not _known_zone(value):
            raise ValueError(f"'{value[:64]}' is not an IANA time zone (e.g. Europe/Paris)")
        return value or None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if not value:
            return None
        code = COUNTRY_ALIASES.get(value.upper(), value.upper())
        if len(code) != 2 or not code.isalpha() or not code.isascii():
            raise ValueError(f"'{value[:40]}' is not a two-letter country code (e.g. US, GB, DE)")
        return code

    @field_validator("email_consent")
    @classmethod
    def _consent(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.lower() not in CONSENT_CHOICES:
            raise ValueError(f"'{value[:40]}' is not one of {', '.join(CONSENT_CHOICES)}")
        return value.lower()

    @field_validator("consent_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a time zone offset (e.g. 2024-05-01T10:00:00Z)")
        return value


@lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def describe(error: ValidationError, prefix: str = "") -> str:
    """The first problem of a pydantic error as one line: "traits.email: 'x' is not an ..."."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        return f"missing {prefix}{where}"
    return f"{prefix}{where}: {message}" if where else message


def contact_fields(user_id: str, traits: dict[str, Any], prefix: str = "traits.") -> dict:
    """The contact row for `user_id`'s traits (only traits given), or ValueError saying why not."""
    try:
        parsed = ContactTraits.model_validate(traits)
    except ValidationError as error:
        raise ValueError(describe(error, prefix)) from None
    row = {name: value for name, value in parsed if value is not None and name in parsed.model_fields_set}
    row["user_id"] = user_id
    extra = {key: value for key, value in (parsed.model_extra or {}).items() if value is not None}
    if extra:
        row["traits"] = extra
    return row


@dataclass
class UpsertSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: dict[str, int] = field(default_factory=dict)


def upsert_contacts(db: Session, rows: list[dict], salt: str, now: datetime) -> UpsertSummary:
    """Create or update contacts by user_id (rows from `contact_fields`), applied in order."""
    merged = _merge_by_user(rows)
    existing = _existing(db, list(merged))
    erased = _erased_hashes(db, salt, merged.values(), existing.values())
    summary = UpsertSummary()
    inserts, updates = [], []
    # Sorted, so concurrent writers take row and unique-key locks in the same order.
    for user_id, row in sorted(merged.items()):
        before = existing.get(user_id)
        after = _apply(before, row, salt, erased, now)
        if before is None:
            inserts.append({"user_id": user_id, **after, "created_at": now, "updated_at": now})
        elif any(after[name] != before[name] for name in MUTABLE):
            updates.append({"_id": before["id"], **after, "updated_at": now})
            summary.ids[user_id] = before["id"]
        else:
            summary.ids[user_id] = before["id"]
            summary.unchanged += 1
    _write_updates(db, updates)
    summary.updated += len(updates)
    _write_inserts(db, inserts, merged, salt, now, summary)
    return summary


def _merge_by_user(rows: list[dict]) -> dict[str, dict]:
    merged: dict[str, dict] = {}
    for row in rows:
        target = merged.setdefault(row["user_id"], {})
        traits = {**target.get("traits", {}), **row.get("traits", {})}
        target.update(row)
        if traits:
            target["traits"] = traits
    return merged


def _existing(db: Session, user_ids: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for chunk in chunked(user_ids, LOOKUP_CHUNK):
        for record in db.execute(_CONTACTS_BY_USER_ID, {"user_ids": chunk}).mappings():
            found[record["user_id"]] = dict(record)
    return found


def _erased_hashes(db: Session, salt: str, rows, befores) -> dict[str, datetime]:
    emails = {row["email"] for row in rows if row.get("email")}
    emails |= {before["email"] for before in befores if before["email"]}
    hashes = [email_hash(salt, email) for email in emails]
    erased: dict[str, datetime] = {}
    for chunk in chunked(hashes, LOOKUP_CHUNK):
        for hashed, at in db.execute(_ERASED_AMONG, {"hashes": chunk}):
            erased[hashed] = max(at, erased.get(hashed, at))
    return erased


def _apply(before: dict | None, row: dict, salt: str, erased: dict[str, datetime], now: datetime) -> dict:
    """The contact's columns after applying `row` to `before` (None for a new contact)."""
    after = {name: before[name] for name in MUTABLE} if before else _blank()
    for name in MUTABLE:
        if name in row and name not in ("traits", "email_hash", "consent_at"):
            after[name] = row[name]
    after["traits"] = {**(after["traits"] or {}), **row.get("traits", {})}
    after["email"] = normalise_email(after["email"])
    after["email_hash"] = email_hash(salt, after["email"]) if after["email"] else None
    if after["email_hash"] in erased and not _fresh_consent(row, erased[after["email_hash"]]):
        same_address = before is not None and before["email_hash"] == after["email_hash"]
        if not same_address:
            after["email_consent"] = "none"
        elif after["email_consent"] != "none":
            after["email_consent"] = before["email_consent"]
    previous = before["email_consent"] if before else "none"
    if after["email_consent"] != previous:
        after["consent_at"] = row.get("consent_at") or now
    return after


def _fresh_consent(row: dict, erased_at: datetime) -> bool:
    """Opt-in with its source, given after the erasure: a consent dated before it (a shop's
    re-sent customer record) was withdrawn by the erasure; an undated one is given now."""
    given = row.get("consent_at")
    dated_after = given is None or given > erased_at
    return row.get("email_consent") in ("opt_in", "soft_opt_in") and bool(row.get("consent_source")) and dated_after


def _blank() -> dict:
    blank = {name: None for name in MUTABLE}
    blank.update(email_consent="none", ad_consent=False, do_not_sell=False, traits={})
    return blank


def _write_updates(db: Session, updates: list[dict]) -> None:
    if not updates:
        return
    statement = (
        CONTACTS.update()
        .where(CONTACTS.c.id == bindparam("_id"))
        .values({name: bindparam(name) for name in (*MUTABLE, "updated_at")})
    )
    db.execute(statement, updates)


def _write_inserts(db, inserts, merged, salt, now, summary: UpsertSummary) -> None:
    """Insert new contacts; one created meanwhile by another writer is updated instead."""
    if not inserts:
        return
    statement = insert_ignoring_duplicates(db, CONTACTS, ["user_id"]).returning(
        CONTACTS.c.id, CONTACTS.c.user_id
    )
    for record in db.execute(statement, inserts):
        summary.ids[record.user_id] = record.id
        summary.created += 1
    raced = [merged[row["user_id"]] for row in inserts if row["user_id"] not in summary.ids]
    if raced:
        again = upsert_contacts(db, raced, salt, now)
        summary.updated += again.updated + again.created
        summary.unchanged += again.unchanged
        summary.ids.update(again.ids)


def contact_ids(db: Session, user_ids: set[str], now: datetime) -> dict[str, int]:
    """Contact ids for `user_ids`, creating a bare contact (no email, no consent) for unknown ones."""
    ids = _ids_for(db, user_ids)
    # Sorted, so concurrent writers take unique-key locks in the same order (no deadlock).
    missing = sorted(user_id for user_id in user_ids if user_id not in ids)
    if missing:
        bare = [{"user_id": user_id, **_blank(), "created_at": now, "updated_at": now} for user_id in missing]
        db.execute(insert_ignoring_duplicates(db, CONTACTS, ["user_id"]), bare)
        ids.update(_ids_for(db, missing))
    return ids


def _ids_for(db: Session, user_ids) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunked(sorted(user_ids), LOOKUP_CHUNK):
        ids.update(db.execute(_IDS_BY_USER_ID, {"user_ids": chunk}).all())
    return ids

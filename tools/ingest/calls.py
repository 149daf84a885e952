"""Segment-format `identify` and `track` calls: validating each one and storing the valid ones fast.

Shops already emit the Segment HTTP Tracking API format, so Nudge accepts it as is: unknown
top-level fields (`context`, `integrations`, `sentAt`, ...) are ignored as Segment does. Every
call is validated on its own and a bad one is reported by its position with the reason, so a
batch with one broken item still stores all the others. Duplicates are dropped by `messageId`
(the events table's unique key for `track`; an idempotency key for `identify`); a call without
one gets an id derived from its content when it carries a timestamp, so re-importing the same
file stores nothing twice. Events are written with one executemany per batch, and an event for
an unknown userId creates a bare contact (no email, no consent) to hang it on.

Concurrent batches must not deadlock on PostgreSQL, so one ingest transaction takes its locks in
one global order, phase by phase, each phase sorted: identify idempotency keys (by key), every
contact the batch names that does not exist yet, in one insert (by userId, a bare contact, for
identify and track alike), all the batch's contacts locked (by id, the order the order-rollup
trigger locks them in), identify updates of those locked rows, then events (by messageId). A
lock is then never waited for while a later one is held; a conflict that still happens (with a
writer outside this order) is rerun by the caller (`db.transaction_attempts`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tools.core.bulk import chunked, insert_ignoring_duplicates
from tools.core.identity import email_salt
from tools.core.models import Event, IdempotencyKey
from tools.ingest.contacts import (
    CONTACTS,
    LOOKUP_CHUNK,
    contact_fields,
    contact_ids,
    describe,
    upsert_contacts,
)

MAX_CALL_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_DEPTH = 32
FUTURE_LIMIT = timedelta(hours=24)
PAST_LIMIT = timedelta(days=3653)
KINDS = ("identify", "track")
NUL_PROBLEM = "contains a NUL character (\\u0000), which cannot be stored"
IDEMPOTENCY_SCOPE = "ingest"
EVENTS = Event.__table__
CONTAINERS = (dict, list)
_LOCK_CONTACTS = (
    select(CONTACTS.c.id).where(CONTACTS.c.id.in_(bindparam("ids", expanding=True)))
    # key_share: FOR NO KEY UPDATE, the lock an UPDATE of these rows and the trigger take.
    .order_by(CONTACTS.c.id).with_for_update(key_share=True)
)


class Call(BaseModel):
    """One Segment call; `type` is implied by the endpoint, or given per item in a batch."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, str_strip_whitespace=True)

    type: Literal["identify", "track"]
    userId: str | None = Field(None, max_length=255)
    anonymousId: str | None = Field(None, max_length=255)
    messageId: str | None = Field(None, max_length=255)
    timestamp: datetime | None = None
    event: str | None = Field(None, max_length=200)
    traits: dict[str, Any] | None = None
    properties: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Call:
        if not self.userId and not self.anonymousId:
            raise ValueError("needs a userId or an anonymousId")
        if self.type == "track" and not self.event:
            raise ValueError("a track call needs an 'event' name (e.g. \"Product Viewed\")")
        if self.type == "identify" and not self.userId:
            raise ValueError("an identify call needs a userId (Nudge keeps contacts by userId)")
        return self


_CALL_LIST = TypeAdapter(list[Call])


@dataclass
class Rejection:
    index: int
    error: str


@dataclass
class IngestResult:
    accepted: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    new_events: int = 0


@dataclass
class ValidCalls:
    """The calls of one request that passed validation, and the ones that did not."""

    identifies: list[tuple[Call, dict]] = field(default_factory=list)
    tracks: list[Call] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def ingest_calls(
    db: Session,
    items: list[Any],
    now: datetime,
    kind: str | None = None,
    check_sizes: bool = True,
    may_contain_nul: bool = True,
    count_new: bool = False,
) -> IngestResult:
    """Validate `items` (Segment calls), store the valid ones, and report each rejected one.

    `kind` is the endpoint's call type for single calls; `check_sizes` measures each item
    against the 32 KB limit (skip it when the whole body is already smaller than that);
    `may_contain_nul` scans strings for NUL, which no database column can hold; `count_new`
    fills `new_events` (it costs a RETURNING clause, so the HTTP door does not ask).
    """
    return store_calls(db, validate_calls(items, now, kind, check_sizes, may_contain_nul), now, count_new)


def validate_calls(
    items: list[Any], now: datetime, kind: str | None = None, check_sizes: bool = True,
    may_contain_nul: bool = True,
) -> ValidCalls:
    """Validate without touching the database, so a server can do it outside its write turn."""
    calls = ValidCalls()
    shaped: list[tuple[int, dict]] = []
    for index, item in enumerate(items):
        problem = _shape_problem(item, check_sizes, may_contain_nul)
        if problem:
            calls.rejected.append(Rejection(index, problem))
        else:
            shaped.append((index, item if kind is None else {**item, "type": kind}))
    for index, outcome in _models(shaped):
        try:
            call = _finished(outcome, now, may_contain_nul)
            if call.type == "identify":
                calls.identifies.append((call, contact_fields(call.userId, call.traits or {})))
            else:
                calls.tracks.append(call)
        except ValueError as error:
            calls.rejected.append(Rejection(index, str(error)))
    calls.rejected.sort(key=lambda rejection: rejection.index)
    return calls


def _models(shaped: list[tuple[int, dict]]) -> Iterator[tuple[int, Call | ValueError]]:
    """Pydantic models for the items, or the reason each one is invalid.

    A whole batch is validated in one call into pydantic (a quarter cheaper than one call per
    item); only a batch with an invalid item pays for validating item by item to say which.
    """
    try:
        models = _CALL_LIST.validate_python([item for _, item in shaped])
    except ValidationError:
        yield from ((index, _model_or_reason(item)) for index, item in shaped)
        return
    yield from zip((index for index, _ in shaped), models)


def _model_or_reason(item: dict) -> Call | ValueError:
    try:
        return Call.model_validate(item)
    except ValidationError as error:
        return ValueError(_call_error(error))


def store_calls(db: Session, calls: ValidCalls, now: datetime, count_new: bool = False) -> IngestResult:
    """Store validated calls: contacts first, so a batch's events find its new contacts.

    Takes its locks in the module's global order; `calls` is not changed, so a caller may run
    this again in a new transaction after a deadlock.
    """
    fresh = _first_time(db, [call.messageId for call, _ in calls.identifies if call.messageId], now)
    rows = [row for call, row in calls.identifies if not call.messageId or call.messageId in fresh]
    named = {row["user_id"] for row in rows} | {call.userId for call in calls.tracks if call.userId}
    # Every contact the batch names exists after this one sorted insert (a bare contact for an
    # unknown userId), so the identifies below only update rows this transaction has locked.
    ids = contact_ids(db, named, now) if named else {}
    _lock_contacts(db, ids.values())
    if rows:
        upsert_contacts(db, rows, email_salt(db), now)
    new_events = _store_tracks(db, calls.tracks, ids, now, count_new)
    return IngestResult(len(calls.identifies) + len(calls.tracks), calls.rejected, new_events)


def _lock_contacts(db: Session, contact_ids: Iterable[int]) -> None:
    """On PostgreSQL, lock the batch's contacts now, in id order, before updating any of them.

    The identify updates and the order-rollup trigger after the event insert lock these rows
    too; taken here first and in one order, they are already held then. SQLite has one writer.
    """
    if db.get_bind().dialect.name != "postgresql":
        return
    for chunk in chunked(sorted(contact_ids), LOOKUP_CHUNK):
        db.execute(_LOCK_CONTACTS, {"ids": chunk}).all()


def _shape_problem(item: Any, check_size: bool, may_contain_nul: bool) -> str | None:
    """What is wrong with the raw item before its fields are validated, if anything."""
    if not isinstance(item, dict):
        return "each call must be a JSON object"
    if check_size and len(orjson.dumps(item)) > MAX_CALL_BYTES:
        return f"call is larger than {MAX_CALL_BYTES // 1024} KB"
    for part in ("properties", "traits"):
        problem = _structure_problem(item.get(part), may_contain_nul)
        if problem:
            return f"{part} {problem}"
    return None


def _finished(outcome: Call | ValueError, now: datetime, may_contain_nul: bool) -> Call:
    """The validated call with its time checked and its messageId filled in when derivable."""
    if isinstance(outcome, ValueError):
        raise outcome
    call = outcome
    identifiers = (call.userId, call.anonymousId, call.messageId, call.event)
    if may_contain_nul and any("\x00" in (value or "") for value in identifiers):
        raise ValueError(NUL_PROBLEM)
    given_time = call.timestamp is not None
    call.timestamp = _checked_time(call.timestamp, now)
    if not call.messageId and given_time:
        call.messageId = _derived_id(call)
    return call


def _call_error(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    if first["loc"] == ("type",) and first["type"] == "missing":
        return f"missing 'type': each batch item needs one of {', '.join(KINDS)}"
    if first["loc"] == ("timestamp",):
        return f"timestamp {str(first.get('input'))[:40]!r} is not an ISO 8601 time (e.g. 2026-05-01T10:00:00Z)"
    if first["loc"] == ("type",):
        return f"unsupported call type {first.get('input')!r}; supported: {', '.join(KINDS)}"
    return describe(error)


def _structure_problem(value: Any, may_contain_nul: bool) -> str | None:
    """Too deep a nesting or a NUL character in a part that is stored, else None.

    Only `properties` and `traits` are walked: ignored parts such as `context` are never stored.
    """
    return _walk(value, MAX_DEPTH, may_contain_nul) if type(value) in CONTAINERS else None


def _walk(node: dict | list, levels: int, may_contain_nul: bool) -> str | None:
    """The first problem in `node`, allowed `levels` more levels of containers.

    Parsed JSON holds only plain dicts and lists, so an exact type test suffices; for a body
    free of NUL, flat properties (the usual case) cost one pass over their values.
    """
    if may_contain_nul and type(node) is dict and any("\x00" in str(key) for key in node):
        return NUL_PROBLEM
    for child in node.values() if type(node) is dict else node:
        if type(child) in CONTAINERS:
            problem = (f"nested deeper than {MAX_DEPTH} levels" if levels <= 1
                       else _walk(child, levels - 1, may_contain_nul))
            if problem:
                return problem
        elif may_contain_nul and type(child) is str and "\x00" in child:
            return NUL_PROBLEM
    return None


def _checked_time(timestamp: datetime | None, now: datetime) -> datetime:
    """The call's time in UTC, refused when implausibly far in the future or past."""
    if timestamp is None:
        return now
    # In the stdlib UTC zone: comparing and binding datetimes in pydantic's zone object calls
    # into it each time, and that was a sixth of validating a call.
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=timezone.utc)
    else:
        timestamp = timestamp.astimezone(timezone.utc)
    if timestamp > now + FUTURE_LIMIT:
        raise ValueError(f"timestamp {timestamp.isoformat()} is more than 24 hours in the future")
    if timestamp < now - PAST_LIMIT:
        raise ValueError(f"timestamp {timestamp.isoformat()} is more than 10 years in the past")
    return timestamp


def _derived_id(call: Call) -> str:
    """A stable id for a timestamped call sent without messageId, so a resend is a duplicate."""
    stored = [call.type, call.userId, call.anonymousId, call.event, call.timestamp.isoformat(),
              call.properties, call.traits]
    digest = hashlib.sha256(orjson.dumps(stored, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"nudge-{digest[:40]}"


def _first_time(db: Session, keys: list[str], now: datetime) -> set[str]:
    """The keys never seen before (recording them now); duplicates within `keys` count once."""
    fresh = set(keys)
    table = IdempotencyKey.__table__
    for chunk in chunked(sorted(fresh), 1000):
        seen = select(table.c.key).where(table.c.scope == IDEMPOTENCY_SCOPE, table.c.key.in_(chunk))
        fresh.difference_update(db.scalars(seen))
    if fresh:
        rows = [{"scope": IDEMPOTENCY_SCOPE, "key": key, "created_at": now} for key in sorted(fresh)]
        db.execute(insert_ignoring_duplicates(db, table, ["scope", "key"]), rows)
    return fresh


def _store_tracks(db: Session, tracks: list[Call], ids: dict[str, int], now: datetime, count_new: bool) -> int:
    """Insert the events (sorted by messageId), skipping known ones; how many were new if asked."""
    if not tracks:
        return 0
    rows = [
        {
            "message_id": call.messageId,
            "contact_id": ids.get(call.userId) if call.userId else None,
            "anonymous_id": call.anonymousId,
            "name": call.event,
            "properties": call.properties or {},
            "occurred_at": call.timestamp,
            "received_at": now,
        }
        for call in sorted(tracks, key=_by_message_id)
    ]
    statement = insert_ignoring_duplicates(db, EVENTS, ["message_id"])
    if not count_new:
        db.execute(statement, rows)
        return 0
    return len(db.execute(statement.returning(EVENTS.c.id), rows).all())


def _by_message_id(call: Call) -> tuple[bool, str]:
    return call.messageId is None, call.messageId or ""

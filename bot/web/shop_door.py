"""What the shop doors (`bot.web.shopify`, `bot.web.woocommerce`) share: signatures, the delivery
pipeline, and the shop's word on consent.

Both platforms sign a webhook with the base64 HMAC-SHA256 of the raw body, compared here in
constant time. A delivery is mapped and validated outside the write turn (`prepared`), then
stored (`store`) in a transaction that first records its delivery id as an IdempotencyKey
(scope per platform), so a redelivery stores nothing and answers `{"duplicate": true}`; the
calls carry messageIds derived from the resource, so a replay under a new delivery id is a
no-op too. Deliveries that arrive while another is being written are stored together, in one
transaction and one `store_calls` (group commit): a webhook carries one event, and one
transaction per event is most of what makes a webhook cost more than an event of a Segment
batch (`benchmarks/bench_ingest.py`). The GDPR topics run alone (`deliver`).

Consent, as the shop says it, is applied by `tools.ingest.shop_consent` in the same transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from bot.web.ingest import IngestRefused
from tools.core.bulk import insert_ignoring_duplicates, lock_for_writing, write_turn
from tools.core.db import session_scope, transaction_attempts
from tools.core.models import IdempotencyKey
from tools.ingest.calls import ValidCalls, store_calls, validate_calls
from tools.ingest.shop_calls import Mapped
from tools.ingest.shop_consent import apply_consent, apply_unsubscribes

KEYS = IdempotencyKey.__table__


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
    """Run `work` in its own write transaction, once per `delivery_id` within `scope`."""
    with write_turn(engine), session_scope(engine) as db:
        lock_for_writing(db)
        if delivery_id and not _fresh_keys(db, [(scope, delivery_id[:255])], now):
            return {"duplicate": True}
        return work(db)


def _fresh_keys(db: Session, keys: list[tuple[str, str]], now: datetime) -> set[tuple[str, str]]:
    """Record the delivery keys; the ones never seen before (sorted, for one lock order)."""
    rows = [{"scope": scope, "key": key, "created_at": now} for scope, key in sorted(set(keys))]
    statement = insert_ignoring_duplicates(db, KEYS, ["scope", "key"]).returning(KEYS.c.scope, KEYS.c.key)
    return {(row.scope, row.key) for row in db.execute(statement, rows)}


@dataclass
class Delivery:
    """One prepared delivery waiting for its turn, and what became of it."""

    scope: str
    key: str | None
    mapped: Mapped
    calls: ValidCalls
    source: str
    now: datetime
    finished: threading.Event = field(default_factory=threading.Event)
    answer: dict | None = None
    error: BaseException | None = None

    def users(self) -> set[str]:
        return {row["user_id"] for _, row in self.calls.identifies} | {
            call.userId for call in self.calls.tracks if call.userId}

    def consent_users(self) -> set[str]:
        return {*self.mapped.subscribed, *self.mapped.unsubscribed}


class _Queue:
    def __init__(self) -> None:
        self.waiting: deque[Delivery] = deque()
        self.guard = threading.Lock()
        self.turn = threading.Lock()


_QUEUES: dict[Any, _Queue] = {}
_QUEUES_GUARD = threading.Lock()


def store(engine, delivery: Delivery) -> dict:
    """Store a prepared delivery, sharing one transaction with those that arrived meanwhile.

    Group commit: whoever takes the turn stores every delivery waiting, so a burst of webhooks
    (Shopify delivers in parallel) costs one transaction and one insert per table, not one per
    webhook. A delivery's answer is given only after the commit; if the transaction fails, every
    delivery in it fails (the sender retries a 5xx), and nothing of any of them is stored.
    """
    with _QUEUES_GUARD:
        queue = _QUEUES.setdefault(engine, _Queue())
    with queue.guard:
        queue.waiting.append(delivery)
    with queue.turn:
        if not delivery.finished.is_set():
            with queue.guard:
                group = list(queue.waiting)
                queue.waiting.clear()
            _store_group(engine, group)
    if delivery.error is not None:
        raise delivery.error
    return delivery.answer or {}


def _store_group(engine, group: list[Delivery]) -> None:
    try:
        for attempt in transaction_attempts():
            with attempt, write_turn(engine), session_scope(engine) as db:
                lock_for_writing(db)
                answers = _stored(db, group)
        for delivery, answer in zip(group, answers):
            delivery.answer = answer
    except BaseException as error:
        for delivery in group:
            delivery.error = error
        raise
    finally:
        for delivery in group:
            delivery.finished.set()


def _stored(db: Session, group: list[Delivery]) -> list[dict]:
    """Store the group in arrival order, as runs that share one `store_calls`.

    A delivery starts a new run when it carries consent for a customer the run already names
    (or names a customer the run has consent for), so one customer's consent changes apply in
    the order the shop sent them."""
    fresh = _fresh_keys(db, [(d.scope, d.key) for d in group if d.key], max(d.now for d in group))
    answers: list[dict] = [{} for _ in group]
    run: list[int] = []
    named: set[str] = set()
    consenting: set[str] = set()
    seen: set[tuple[str, str]] = set()
    for index, delivery in enumerate(group):
        key = (delivery.scope, delivery.key)
        if delivery.key and (key not in fresh or key in seen):
            answers[index] = {"duplicate": True}
            continue
        if delivery.key:
            seen.add(key)
        users, consent = delivery.users(), delivery.consent_users()
        if consent & named or users & consenting:
            _store_run(db, group, run, answers)
            run, named, consenting = [], set(), set()
        run.append(index)
        named |= users
        consenting |= consent
    _store_run(db, group, run, answers)
    return answers


def _store_run(db: Session, group: list[Delivery], run: list[int], answers: list[dict]) -> None:
    if not run:
        return
    deliveries = [group[index] for index in run]
    now = max(d.now for d in deliveries)
    merged = ValidCalls([pair for d in deliveries for pair in d.calls.identifies],
                        [call for d in deliveries for call in d.calls.tracks])
    rows = {row["user_id"]: row for _, row in merged.identifies}
    lifted = [apply_consent(db, d.mapped.subscribed, rows, d.source, now) for d in deliveries]
    store_calls(db, merged, now)
    for index, delivery, resubscribed in zip(run, deliveries, lifted):
        apply_unsubscribes(db, delivery.mapped.unsubscribed, delivery.source, now)
        answer: dict = {"stored": len(delivery.calls.identifies) + len(delivery.calls.tracks)}
        if resubscribed:
            answer["resubscribed"] = resubscribed
        if delivery.mapped.note:
            answer["note"] = delivery.mapped.note
        answers[index] = answer

"""Test support for the segment tests: a tiny store builder and a plain-Python reference evaluator.

The reference evaluator states what each segment condition means in the simplest possible
Python, over contacts and their events in memory; the property test checks the compiled SQL
against it on both databases.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tools.audience.spec import (
    AggregateCondition,
    AllOf,
    AnyOf,
    AttributeCondition,
    EventCondition,
    NotOf,
    SinceCondition,
    moment,
)
from tools.core import windows
from tools.core.clock import ManualClock
from tools.core.context import ToolContext
from tools.core.identity import email_hash, email_salt
from tools.core.models import Contact, Event, Suppression

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
MISSING = object()


def context(db: Session, settings, actor: str = "cli") -> ToolContext:
    return ToolContext(db=db, settings=settings, actor=actor, clock=ManualClock(NOW), confirmed=True)


def add_contact(db: Session, number: int, **fields: Any) -> Contact:
    values = dict(
        user_id=f"u{number}", email=f"person{number}@example.com", country="US",
        email_consent="none", ad_consent=False, do_not_sell=False, traits={},
        created_at=NOW - timedelta(days=100),
    )
    values.update(fields)
    if values["email"]:
        values.setdefault("email_hash", email_hash(email_salt(db), values["email"]))
    contact = Contact(**values)
    db.add(contact)
    db.flush()
    return contact


def add_event(db: Session, contact: Contact | None, name: str, hours_ago: float, **properties: Any) -> Event:
    event = Event(contact_id=contact.id if contact else None, name=name, properties=properties,
                  occurred_at=NOW - timedelta(hours=hours_ago), received_at=NOW)
    db.add(event)
    db.flush()
    return event


def suppress(db: Session, contact: Contact, reason: str) -> None:
    db.add(Suppression(email_hash=contact.email_hash, reason=reason, created_at=NOW))
    db.flush()


def empty_store(db: Session) -> None:
    for model in (Event, Suppression, Contact):
        db.execute(delete(model))
    db.flush()


def evaluate(node: Any, contact: Contact, events: list[Event], now: datetime = NOW) -> bool:
    """Does `contact` (with its `events`) satisfy the condition `node`?"""
    if isinstance(node, AllOf):
        return all(evaluate(child, contact, events, now) for child in node.all)
    if isinstance(node, AnyOf):
        return any(evaluate(child, contact, events, now) for child in node.any)
    if isinstance(node, NotOf):
        return not evaluate(node.not_, contact, events, now)
    if isinstance(node, AttributeCondition):
        return _attribute(node, contact, now)
    if isinstance(node, EventCondition):
        return _event(node, events, now)
    if isinstance(node, SinceCondition):
        return _since(node, events, now)
    return _aggregate(node, events, now)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_equals(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool):
        return isinstance(actual, bool) and actual == wanted
    if isinstance(wanted, str):
        return isinstance(actual, str) and actual == wanted
    return _is_number(actual) and float(actual) == float(wanted)


LINE_KEYS = ("products", "tags")  # lists whose lines "contains" looks in (tools.audience.sql.LINE_KEYS)


def json_matches(op: str, wanted: Any, actual: Any, key: str = "") -> bool:
    if op == "eq":
        return _json_equals(actual, wanted)
    if op == "ne":
        return not _json_equals(actual, wanted)
    if op == "in":
        return any(_json_equals(actual, item) for item in wanted)
    if op == "contains":
        if isinstance(actual, list) and key in LINE_KEYS:  # a line of a list: a string, or an object by its name (no catalogue here)
            return any(json_matches(op, wanted, line if isinstance(line, str) else line.get("name") if isinstance(line, dict) else None)
                       for line in actual)
        return isinstance(actual, str) and wanted.lower() in actual.lower()
    if op in ("gt", "lt"):
        return _is_number(actual) and (actual > wanted if op == "gt" else actual < wanted)
    return (actual is not MISSING and actual is not None) == wanted


def _attribute(node: AttributeCondition, contact: Contact, now: datetime) -> bool:
    if node.kind == "json":
        return json_matches(node.op, node.value, (contact.traits or {}).get(node.trait, MISSING), node.trait)
    actual = getattr(contact, node.attribute)
    if node.kind == "time":
        if node.op == "within_last":
            return actual >= now - windows.duration(node.value)
        limit = moment(node.value, now)
        return actual > limit if node.op == "gt" else actual < limit
    if node.op == "exists":
        return bool(actual) == node.value
    wanted = node.value
    if node.attribute == "email" and node.op != "contains":
        wanted = [w.lower() for w in wanted] if node.op == "in" else wanted.lower()
    if node.op == "eq":
        return actual is not None and actual == wanted
    if node.op == "ne":
        return not (actual is not None and actual == wanted)
    if node.op == "in":
        return actual is not None and actual in wanted
    return actual is not None and wanted.lower() in actual.lower()


def _in_window(event: Event, node: Any, now: datetime) -> bool:
    if node.within_last and event.occurred_at < now - windows.duration(node.within_last):
        return False
    between = getattr(node, "between", None)
    return not between or between[0] <= event.occurred_at < between[1]


def _matching(node: Any, name: str, events: list[Event], now: datetime) -> list[Event]:
    return [
        e for e in events
        if e.name == name and _in_window(e, node, now)
        and all(json_matches(f.op, f.value, e.properties.get(f.property, MISSING), f.property) for f in node.where)
    ]


def _event(node: EventCondition, events: list[Event], now: datetime) -> bool:
    count = len(_matching(node, node.event, events, now))
    low = 1 if node.at_least is None else node.at_least
    high = float("inf") if node.at_most is None else node.at_most
    return (low <= count <= high) == node.did


def _since(node: SinceCondition, events: list[Event], now: datetime) -> bool:
    found = _matching(node, node.since, events, now)
    if node.then_not:
        return any(
            not any(b.name == node.then_not and b.occurred_at > a.occurred_at for b in events)
            for a in found
        )
    return bool(found) and max(e.occurred_at for e in found) < now - windows.duration(node.inactive_for)


def _aggregate(node: AggregateCondition, events: list[Event], now: datetime) -> bool:
    found = _matching(node, node.event, events, now)
    if node.aggregate == "count":
        total = len(found)
    else:
        # Sums are rounded to a millionth in SQL, so float noise never decides a comparison.
        total = round(sum(e.properties.get(node.property) for e in found
                          if _is_number(e.properties.get(node.property))), 6)
    return {"eq": total == node.value, "ne": total != node.value,
            "gt": total > node.value, "lt": total < node.value}[node.op]

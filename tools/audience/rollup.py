"""Segment leaves that the per-contact order rollup answers without reading any events.

Migration 0007 keeps `contacts.order_count`, `lifetime_spend` and `last_order_at` equal to a
recount of each contact's "Order Completed" events (`lifetime_spend` sums their order values by
`tools.audience.order_value`'s rule since 0008, rounded to a millionth as every segment sum is). A leaf
about those events that filters no property and has no `between` window gets the same answer from those columns as
from the events: lifetime spend or order count, "no order for D" (within a trailing window or
ever), and "ordered (or not) in the last D". A column of the contact row costs nothing next to
reading every order and parsing its JSON, so `tools.audience.sql` asks here first and compiles
every other leaf from events. The segment property test checks both routes against the
plain-Python reference.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement

from tools.audience.order_value import ORDER_EVENT, ORDER_VALUE_PROPERTIES
from tools.audience.spec import (
    COMPARE,
    AggregateCondition,
    EventCondition,
    SinceCondition,
)
from tools.core import windows
from tools.core.models import Contact

PURCHASE_EVENT = ORDER_EVENT


def rollup_test(node: Any, now: datetime) -> ColumnElement[bool] | None:
    """A never-NULL test of the contact row equal to the leaf `node`, or None when the rollup
    cannot answer it (another event, a property filter, a `between` window, a windowed total)."""
    about = (EventCondition, AggregateCondition)
    name = node.event if isinstance(node, about) else getattr(node, "since", None)
    if name != PURCHASE_EVENT or node.where or getattr(node, "between", None):
        return None
    start = now - windows.duration(node.within_last) if node.within_last else None
    if isinstance(node, AggregateCondition):
        return None if start else _aggregate(node)
    if isinstance(node, SinceCondition):
        return _lapsed(node, now, start) if node.inactive_for else None
    if isinstance(node, EventCondition):
        return _occurrences(node, start)
    return None


def ordered_since(start: datetime) -> ColumnElement[bool]:
    """The contact has an order at `start` or later (never NULL)."""
    return and_(Contact.last_order_at.is_not(None), Contact.last_order_at >= start)


def _aggregate(node: AggregateCondition) -> ColumnElement[bool] | None:
    # A contact with no orders has a count and a spend of 0, as the events route reads it.
    if node.aggregate == "count":
        return COMPARE[node.op](Contact.order_count, node.value)
    if node.property in ORDER_VALUE_PROPERTIES:
        return COMPARE[node.op](Contact.lifetime_spend, node.value)
    return None


def _lapsed(node: SinceCondition, now: datetime, start: datetime | None) -> ColumnElement[bool]:
    # The latest order inside a trailing window is the latest order, when it falls inside it.
    last = Contact.last_order_at
    tests = [last.is_not(None), last < now - windows.duration(node.inactive_for)]
    return and_(*tests, last >= start) if start else and_(*tests)


def _occurrences(node: EventCondition, start: datetime | None) -> ColumnElement[bool] | None:
    at_least = 1 if node.at_least is None else node.at_least
    if start is not None:
        if at_least != 1 or node.at_most is not None:
            return None
        ordered = ordered_since(start)
    else:
        ordered = Contact.order_count >= at_least
        if node.at_most is not None:
            ordered = and_(ordered, Contact.order_count <= node.at_most)
    return ordered if node.did else ~ordered

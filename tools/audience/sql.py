"""Compiling a `SegmentSpec` into one SQLAlchemy query over contacts, with only bound values.

A leaf about orders that the per-contact order rollup answers (lifetime spend, "no order for
60 days", "did not buy this week") is a test of the contact row (`tools.audience.rollup`). Every
other event-based leaf becomes "the set of contacts whose events match", a small query over
`events` that the 0001 indexes answer (name, time, contact). A leaf is either membership in
that set or, when contacts with no matching events also qualify (spend under 50, did at most
2 times), membership in its complement. Negation is pushed down to the leaves, so a negated
set test is always `NOT EXISTS`, which both databases run as an anti-join; per-contact totals
over the same events in one `all` ("spent over 500" and "no order for 60 days") share one
grouped query.

A positive set test has three phrasings, because the databases differ in what they run fast:
- "set", `contacts.id IN (subquery)`: SQLite builds the set once and can drive the query from
  it, so a rare segment (abandoned carts) costs only its own events; PostgreSQL makes it a
  semi-join, but only as a conjunct of the whole WHERE.
- "exists", a correlated `EXISTS`: one index probe per contact, cheaper than building a set of
  millions of events, and a keyset page (`id > last ORDER BY id LIMIT n`) stops after n
  members, so streaming a million members costs one pass, not one pass per page.
- "array" (PostgreSQL only), `contacts.id = ANY(ARRAY(subquery))`: the subquery runs once and
  its ids are looked up in the contacts key, where a semi-join scans every contact. That wins
  for a small set: the abandoned carts of a day among a million contacts.
`tools.audience.segments.query_form` picks per test for counting; a property test checks every
phrasing (and the chooser) against a plain-Python evaluator on both databases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Union

from sqlalchemy import (
    Boolean,
    Float,
    Select,
    and_,
    any_,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from tools.audience.order_value import ORDER_EVENT, ORDER_VALUE_PROPERTIES, order_value
from tools.audience.rollup import rollup_test
from tools.audience.spec import (
    COMPARE,
    AggregateCondition,
    AllOf,
    AnyOf,
    AttributeCondition,
    EventCondition,
    NotOf,
    PropertyFilter,
    SegmentSpec,
    SinceCondition,
    moment,
)
from tools.core import windows
from tools.core.json_sql import (
    is_true,
    json_is,
    json_lines_contain,
    json_number,
    json_text,
)
from tools.core.models import Contact, Event, Product, Suppression

PORTABLE_FORMS = ("set", "exists")
# The JSON keys that hold lists, where "contains" looks in each line: an order's product lines
# (every shop import writes them as `products`) and a contact's `tags`.
LINE_KEYS = ("products", "tags")
FORMS = (*PORTABLE_FORMS, "array")
SUM_DECIMALS = 6
# A form, or a chooser `choose(sizer, top) -> form` asked per positive event test: `sizer`
# selects the test's events by name and window only (what an index range counts cheaply),
# `top` says the test is a conjunct of the whole condition rather than under an OR (see
# tools.audience.segments.query_form).
Chooser = Callable[[Select, bool], str]
Form = Union[str, Chooser]


def condition(spec: SegmentSpec, now: datetime, form: Form = "set") -> ColumnElement[bool]:
    """The spec as a WHERE condition over `Contact`."""
    if not callable(form) and form not in FORMS:
        raise ValueError(f"unknown form '{form}'; known forms: {', '.join(FORMS)}")
    return _node(spec.root, now, True, form, True)


def compile_spec(spec: SegmentSpec, now: datetime, form: Form = "set") -> Select:
    """One SELECT of the ids of the contacts the spec describes at `now`."""
    return select(Contact.id).where(condition(spec, now, form))


def _node(node: Any, now: datetime, member: bool, form: Form, top: bool) -> ColumnElement[bool]:
    """`node` (or, when not `member`, its negation) as SQL; `top`: a conjunct of the whole."""
    if isinstance(node, (AllOf, AnyOf)):
        conjunction = isinstance(node, AllOf) == member
        children = node.all if isinstance(node, AllOf) else node.any
        if conjunction and member:
            return _all_of(children, now, form, top)
        parts = [_node(child, now, member, form, top and conjunction) for child in children]
        return and_(*parts) if conjunction else or_(*parts)
    if isinstance(node, NotOf):
        return _node(node.not_, now, not member, form, top)
    if isinstance(node, AttributeCondition):
        test = _attribute(node, now)
        return test if member else not_(test)
    rollup = rollup_test(node, now)
    if rollup is not None:
        return rollup if member else not_(rollup)
    query, complement, sizer = _event_set(node, now)
    return _membership(query, member != complement, form, sizer, top)


def _all_of(children: list, now: datetime, form: Form, top: bool) -> ColumnElement[bool]:
    """A conjunction, where per-contact totals over the same events ("spent over 500" and "no
    order for 60 days") share one grouped query with both tests in its HAVING."""
    parts, shared = [], {}
    for child in children:
        having = _group_test(child, now)
        if having is None:
            parts.append(_node(child, now, True, form, top))
            continue
        name = child.event if isinstance(child, AggregateCondition) else child.since
        key = (name, tuple(f.model_dump_json() for f in child.where), child.within_last)
        shared.setdefault(key, (child, name, []))[2].append(having)
    for child, name, havings in shared.values():
        query = select(Event.contact_id).where(*_criteria(Event, name, child.where, _window(child, now)))
        grouped = query.group_by(Event.contact_id).having(and_(*havings))
        parts.append(_membership(grouped, True, form, _sizer(name, _window(child, now)), top))
    return and_(*parts)


def _group_test(node: Any, now: datetime) -> ColumnElement[bool] | None:
    """The HAVING test of a lapsed or aggregate leaf whose members hold matching events (None
    for a leaf the order rollup answers: a column test beats any grouped query)."""
    if rollup_test(node, now) is not None:
        return None
    if isinstance(node, SinceCondition) and node.inactive_for:
        return _lapsed_test(node, now, Event)
    if isinstance(node, AggregateCondition):
        test, zero_passes = _aggregate_test(node)
        return None if zero_passes else test
    return None


def _membership(query: Select, member: bool, form: Form, sizer: Select, top: bool) -> ColumnElement[bool]:
    chosen = (form(sizer, top) if callable(form) else form) if member else "exists"
    if chosen == "set":
        return Contact.id.in_(query)
    if chosen == "array":
        return Contact.id == any_(func.array(query.scalar_subquery()))
    correlated = query.where(query.selected_columns[0] == Contact.id).exists()
    return and_(_InKeyOrder(), correlated if member else ~correlated)


class _InKeyOrder(ColumnElement[bool]):
    """Always true; on SQLite it makes a query with a correlated probe read contacts in id order.

    SQLite scans the narrowest index that covers a query. A count whose only test of contacts is
    a correlated EXISTS needs just the id, so it scans the sign-up time index and probes each
    contact's events in sign-up order, jumping around the events index: 4-5 s on a million
    contacts. Reading a column that no index holds makes it scan the table in id order, where
    consecutive probes share index pages: about 1 s (measured with benchmarks/bench_segments.py).
    """

    type = Boolean()
    inherit_cache = True


@compiles(_InKeyOrder)
def _in_key_order(element: _InKeyOrder, compiler: Any, **kw: Any) -> str:
    return compiler.process(true(), **kw)


@compiles(_InKeyOrder, "sqlite")
def _in_key_order_sqlite(element: _InKeyOrder, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(Contact.order_count >= 0, **kw)})"


def _event_set(node: Any, now: datetime) -> tuple[Select, bool, Select]:
    """(contacts' query, whether members are its complement, its sizer)."""
    if isinstance(node, EventCondition):
        query, complement = _event_leaf(node, now)
        name = node.event
    elif isinstance(node, SinceCondition):
        query, complement, name = _since_leaf(node, now), False, node.since
    else:
        (query, complement), name = _aggregate_leaf(node, now), node.event
    return query, complement, _sizer(name, _window(node, now))


def _sizer(name: str, window: tuple) -> Select:
    return select(Event.id).where(*_criteria(Event, name, [], window))


def _window(node: Any, now: datetime) -> tuple[datetime | None, datetime | None]:
    if node.within_last:
        return now - windows.duration(node.within_last), None
    between = getattr(node, "between", None)
    return between if between else (None, None)


def _criteria(table: Any, name: str, filters: list[PropertyFilter], window: tuple) -> list:
    start, end = window
    found = [table.contact_id.is_not(None), table.name == name]
    if start is not None:
        found.append(table.occurred_at >= start)
    if end is not None:
        found.append(table.occurred_at < end)
    return found + [json_test(table.properties, f.property, f.op, f.value) for f in filters]


def _event_leaf(node: EventCondition, now: datetime) -> tuple[Select, bool]:
    at_least = 1 if node.at_least is None else node.at_least
    base = select(Event.contact_id).where(*_criteria(Event, node.event, node.where, _window(node, now)))
    if at_least == 1 and node.at_most is None:
        return base, not node.did
    grouped = base.group_by(Event.contact_id)
    if at_least == 0:
        # Zero occurrences qualify: members are everyone except those with too many.
        too_many = false() if node.at_most is None else func.count() > node.at_most
        query, complement = grouped.having(too_many), True
    else:
        enough = func.count() >= at_least
        bounds = enough if node.at_most is None else and_(enough, func.count() <= node.at_most)
        query, complement = grouped.having(bounds), False
    return query, complement == node.did


def _since_leaf(node: SinceCondition, now: datetime) -> Select:
    first = aliased(Event)
    found = select(first.contact_id).where(*_criteria(first, node.since, node.where, _window(node, now)))
    if node.then_not:
        after = aliased(Event)
        followed = select(after.id).where(
            after.contact_id == first.contact_id,
            after.name == node.then_not,
            after.occurred_at > first.occurred_at,
        )
        return found.where(~followed.exists())
    return found.group_by(first.contact_id).having(_lapsed_test(node, now, first))


def _lapsed_test(node: SinceCondition, now: datetime, table: Any) -> ColumnElement[bool]:
    return func.max(table.occurred_at) < now - windows.duration(node.inactive_for)


class _Rounded(FunctionElement):
    """A float sum rounded to a millionth (`SUM_DECIMALS`), on every database.

    Adding the same amounts in another order can change a float sum's last bit (PostgreSQL's
    plans add in varying orders), and 0.1 + 0.2 is not 0.3 in floats. Money never has six
    decimals, so rounding there removes that noise without changing any real amount, and
    "spent over 500" means the same every time, from events or from the order rollup
    (migration 0007 rounds the same way)."""

    type = Float()
    inherit_cache = True


@compiles(_Rounded)
def _rounded(element: _Rounded, compiler: Any, **kw: Any) -> str:
    return f"round({compiler.process(list(element.clauses)[0], **kw)}, {SUM_DECIMALS})"


@compiles(_Rounded, "postgresql")
def _rounded_pg(element: _Rounded, compiler: Any, **kw: Any) -> str:
    total = compiler.process(list(element.clauses)[0], **kw)
    return f"CAST(round(CAST({total} AS NUMERIC), {SUM_DECIMALS}) AS DOUBLE PRECISION)"


def _aggregate_test(node: AggregateCondition) -> tuple[ColumnElement[bool], bool]:
    """The HAVING test, and whether a contact with no matching events (total 0) passes it."""
    if node.aggregate == "count":
        total = func.count()
    else:
        total = _Rounded(func.coalesce(func.sum(_summed(node)), 0.0))
    return COMPARE[node.op](total, node.value), COMPARE[node.op](0, node.value)


def _summed(node: AggregateCondition) -> ColumnElement[float]:
    # An order's total, revenue or value is its order value, by the one rule.
    if node.event == ORDER_EVENT and node.property in ORDER_VALUE_PROPERTIES:
        return order_value(Event.properties)
    return json_number(Event.properties, node.property)


def _aggregate_leaf(node: AggregateCondition, now: datetime) -> tuple[Select, bool]:
    # Contacts without matching events have a total of 0; when 0 passes the test they are
    # members too, so the set is the complement of those whose total fails it.
    test, zero_passes = _aggregate_test(node)
    query = select(Event.contact_id).where(*_criteria(Event, node.event, node.where, _window(node, now)))
    query = query.group_by(Event.contact_id).having(not_(test) if zero_passes else test)
    return query, zero_passes


def json_test(document: Any, key: str, op: str, value: Any) -> ColumnElement[bool]:
    """A plainly true/false test of one JSON key (an event property or a contact trait)."""
    if op == "ne":
        return not_(_json_equals(document, key, [value]))
    if op in ("eq", "in"):
        return _json_equals(document, key, value if op == "in" else [value])
    if op == "contains" and key in LINE_KEYS:
        # a list ("products" of an order, a tags trait) contains it when one of its lines does:
        # an order line by its product's name, or by the catalogue's name or category for its id
        # (only these keys: reading every property as a possible list made browse segments 1.5x slower)
        named = select(Product.id).where(or_(func.lower(Product.name).contains(value.lower(), autoescape=True),
                                             func.lower(Product.category).contains(value.lower(), autoescape=True)))
        return or_(is_true(func.lower(json_text(document, key)).contains(value.lower(), autoescape=True)),
                   json_lines_contain(document, key, value, named))
    if op == "contains":
        return is_true(func.lower(json_text(document, key)).contains(value.lower(), autoescape=True))
    if op in ("gt", "lt"):
        return is_true(COMPARE[op](json_number(document, key), value))
    present = json_is(document, key, "present")
    return present if value else not_(present)


def _json_equals(document: Any, key: str, values: list) -> ColumnElement[bool]:
    flags = {value for value in values if isinstance(value, bool)}
    numbers = [value for value in values if not isinstance(value, (bool, str))]
    texts = [value for value in values if isinstance(value, str)]
    tests = [json_is(document, key, str(flag).lower()) for flag in sorted(flags)]
    if numbers:
        tests.append(is_true(json_number(document, key).in_(numbers)))
    if texts:
        tests.append(is_true(json_text(document, key).in_(texts)))
    return or_(*tests)


def _attribute(node: AttributeCondition, now: datetime) -> ColumnElement[bool]:
    if node.kind == "json":
        return json_test(Contact.traits, node.trait, node.op, node.value)
    if node.kind == "suppression":
        return _suppressed(node.op, node.value)
    if node.kind == "suppression_time":
        return exists(select(Suppression.id).where(Suppression.email_hash == Contact.email_hash,
                                                   _time_test(Suppression.created_at, node.op, node.value, now)))
    column = getattr(Contact, node.attribute)
    if node.kind == "time":
        return _time_test(column, node.op, node.value, now)
    if node.op == "ne":
        return not_(_column_test(column, "eq", node.value))
    return _column_test(column, node.op, node.value)


def _suppressed(op: str, value: Any) -> ColumnElement[bool]:
    """On the suppression list (by the address's keyed hash), for one of the reasons, or any."""
    listed = select(Suppression.id).where(Suppression.email_hash == Contact.email_hash)
    if op != "exists":
        listed = listed.where(Suppression.reason.in_(value if op == "in" else [value]))
    found = exists(listed)
    return found if op != "exists" or value else not_(found)


def _time_test(column: Any, op: str, value: str, now: datetime) -> ColumnElement[bool]:
    if op == "within_last":
        return column >= now - windows.duration(value)
    return COMPARE[op](column, moment(value, now))


def _column_test(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == "exists":
        present = and_(column.is_not(None), column != "")
        return present if value else not_(present)
    if isinstance(value, bool):
        return column == value
    if column is Contact.email:
        value = [item.lower() for item in value] if op == "in" else value.lower()
    # "IS NOT NULL AND ..." keeps each test two-valued (never NULL), so NOT means "not".
    if op == "eq":
        return and_(column.is_not(None), column == value)
    if op == "in":
        return and_(column.is_not(None), column.in_(value))
    return and_(column.is_not(None), func.lower(column).contains(value.lower(), autoescape=True))

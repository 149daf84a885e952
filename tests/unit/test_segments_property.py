"""Property test: on random small stores and random specs, the SQL equals a plain-Python reading.

Every SQL form ("set", "exists" and, on PostgreSQL, "array") and the keyset page iterator are
checked against the reference evaluator in `segments_support`, on SQLite and PostgreSQL. A second
test draws only the order leaves that `tools.audience.rollup` answers from contact columns.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.unit.segments_support import (
    NOW,
    add_contact,
    add_event,
    empty_store,
    evaluate,
)
from tools.audience.segments import count_members, member_ids
from tools.audience.spec import SegmentSpec
from tools.audience.sql import FORMS, PORTABLE_FORMS, compile_spec

NAMES = ["Product Viewed", "Checkout Started", "Order Completed"]
SCALARS = st.sampled_from([0, 10, 50.5, 200, -3, "p1", "P1x", "abc", True, False])
# lists too: a tags trait of strings, an order's product lines ("contains" looks in their lines)
LINES = st.one_of(st.lists(st.sampled_from(["p1", "AB x", 3]), max_size=2),
                  st.lists(st.fixed_dictionaries({"name": st.sampled_from(["Pink", "xAB", "Blue"]),
                                                  "product_id": st.sampled_from(["p1", "p2"])}), max_size=2))
JSON_VALUES = st.one_of(SCALARS, st.none(), LINES)
WINDOWS = st.sampled_from([None, "24h", "7d", "2w", "60d"])
NUMBERS = st.sampled_from([0, 10, 50.5, 100])


def _contact(index: int):
    return st.fixed_dictionaries({
        "country": st.sampled_from(["DE", "US", "CA", None]),
        "email": st.sampled_from([f"a{index}@x.com", f"bob{index}@y.org", None]),
        "region": st.sampled_from(["Berlin", "west berlin", None]),
        "email_consent": st.sampled_from(["none", "opt_in", "soft_opt_in", "opt_out"]),
        "ad_consent": st.booleans(),
        "do_not_sell": st.booleans(),
        "created_at": st.integers(0, 60).map(lambda days: NOW - timedelta(days=days, hours=3)),
        "traits": st.dictionaries(st.sampled_from(["plan", "score", "tags"]), JSON_VALUES, max_size=2),
    })


@st.composite
def stores(draw):
    people = [draw(_contact(i)) for i in range(draw(st.integers(1, 6)))]
    event = st.tuples(
        st.one_of(st.none(), st.integers(0, len(people) - 1)),
        st.sampled_from(NAMES),
        st.integers(-48, 24 * 90),
        st.dictionaries(st.sampled_from(["total", "product_id", "products"]), JSON_VALUES, max_size=3),
    )
    return people, draw(st.lists(event, max_size=15))


def _values_for(op: str):
    return {
        "eq": SCALARS, "ne": SCALARS, "in": st.lists(SCALARS, min_size=1, max_size=3),
        "contains": st.sampled_from(["p", "1", "AB", "x"]), "gt": NUMBERS, "lt": NUMBERS,
        "exists": st.booleans(),
    }[op]


@st.composite
def property_filters(draw):
    op = draw(st.sampled_from(["eq", "ne", "in", "contains", "gt", "lt", "exists"]))
    return {"property": draw(st.sampled_from(["total", "product_id", "products"])), "op": op, "value": draw(_values_for(op))}


@st.composite
def attributes(draw):
    choice = draw(st.sampled_from(["country", "email", "region", "email_consent", "ad_consent", "created_at", "trait"]))
    if choice == "trait":
        op = draw(st.sampled_from(["eq", "ne", "in", "contains", "gt", "lt", "exists"]))
        return {"attribute": f"traits.{draw(st.sampled_from(['plan', 'score']))}", "op": op, "value": draw(_values_for(op))}
    if choice == "country":
        op = draw(st.sampled_from(["eq", "ne", "in", "exists"]))
        value = {"in": st.lists(st.sampled_from(["DE", "US", "CA"]), min_size=1, max_size=2), "exists": st.booleans()}
        return {"attribute": "country", "op": op, "value": draw(value.get(op, st.sampled_from(["DE", "US"])))}
    if choice in ("email", "region"):
        op = draw(st.sampled_from(["eq", "ne", "contains", "exists"]))
        texts = st.sampled_from(["A1@X.com", "bob", "Berlin", "berlin", "x"])
        return {"attribute": choice, "op": op, "value": draw(st.booleans() if op == "exists" else texts)}
    if choice == "email_consent":
        op = draw(st.sampled_from(["eq", "ne", "in"]))
        consents = st.sampled_from(["none", "opt_in", "opt_out"])
        return {"attribute": choice, "op": op, "value": draw(st.lists(consents, min_size=1, max_size=2) if op == "in" else consents)}
    if choice == "ad_consent":
        return {"attribute": choice, "op": draw(st.sampled_from(["eq", "ne"])), "value": draw(st.booleans())}
    return {"attribute": "created_at", "op": draw(st.sampled_from(["gt", "lt", "within_last"])),
            "value": draw(st.sampled_from(["10d", "3w", "48h"]))}


@st.composite
def events(draw):
    leaf = {"event": draw(st.sampled_from(NAMES)), "did": draw(st.booleans())}
    if window := draw(WINDOWS):
        leaf["within_last"] = window
    leaf["where"] = draw(st.lists(property_filters(), max_size=1))
    low, high = draw(st.sampled_from([None, 0, 1, 2])), draw(st.sampled_from([None, 0, 1, 3]))
    if low is not None:
        leaf["at_least"] = low
    if high is not None and (low is None or low <= high):
        leaf["at_most"] = high
    return leaf


@st.composite
def sinces(draw):
    leaf = {"since": draw(st.sampled_from(NAMES)), "where": draw(st.lists(property_filters(), max_size=1))}
    if window := draw(WINDOWS):
        leaf["within_last"] = window
    if draw(st.booleans()):
        leaf["then_not"] = draw(st.sampled_from(NAMES))
    else:
        leaf["inactive_for"] = draw(st.sampled_from(["24h", "7d", "30d"]))
    return leaf


@st.composite
def aggregates(draw):
    kind = draw(st.sampled_from(["sum", "count"]))
    leaf = {"aggregate": kind, "event": draw(st.sampled_from(NAMES)), "op": draw(st.sampled_from(["eq", "ne", "gt", "lt"])),
            "value": draw(st.sampled_from([0, 1, 10, 60.5, 200]))}
    if kind == "sum":
        leaf["property"] = "total"
    if window := draw(WINDOWS):
        leaf["within_last"] = window
    return leaf


LEAVES = st.one_of(attributes(), events(), sinces(), aggregates())
TREES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda items: {"all": items}),
        st.lists(children, min_size=1, max_size=3).map(lambda items: {"any": items}),
        children.map(lambda child: {"not": child}),
    ),
    max_leaves=6,
)


def _load(db, store):
    people, happenings = store
    empty_store(db)
    contacts = [add_contact(db, i, user_id=f"p{i}", **fields) for i, fields in enumerate(people)]
    history = {c.id: [] for c in contacts}
    for owner, name, hours, properties in happenings:
        contact = contacts[owner] if owner is not None else None
        event = add_event(db, contact, name, hours, **properties)
        if contact:
            history[contact.id].append(event)
    return contacts, history


@hypothesis_settings(max_examples=50, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(store=stores(), raw=TREES)
def test_compiled_sql_matches_the_reference_evaluator(db, store, raw):
    _check_against_reference(db, store, raw)


def _check_against_reference(db, store, raw) -> None:
    try:
        spec = SegmentSpec.model_validate(raw)
    except ValidationError:
        assume(False)
    contacts, history = _load(db, store)
    expected = {c.id for c in contacts if evaluate(spec.root, c, history[c.id])}
    for form in FORMS if db.get_bind().dialect.name == "postgresql" else PORTABLE_FORMS:
        assert set(db.scalars(compile_spec(spec, NOW, form))) == expected, form
    assert list(member_ids(db, spec, NOW, batch_size=2)) == sorted(expected)
    assert count_members(db, spec, NOW) == len(expected)


def _order_leaf(strategy):
    """A leaf of `strategy` about orders with no property filter: the leaves the order rollup
    answers from contact columns (`tools.audience.rollup`), drawn often enough to test each one."""
    def about_orders(leaf: dict) -> dict:
        leaf = {**leaf, "where": []}
        leaf["event" if "event" in leaf else "since"] = "Order Completed"
        return leaf
    return strategy.map(about_orders)


ORDER_TREES = st.recursive(
    st.one_of(_order_leaf(events()), _order_leaf(sinces()), _order_leaf(aggregates())),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=2).map(lambda items: {"all": items}),
        children.map(lambda child: {"not": child}),
    ),
    max_leaves=3,
)


@hypothesis_settings(max_examples=50, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(store=stores(), raw=ORDER_TREES)
def test_order_rollup_leaves_match_the_reference_evaluator(db, store, raw):
    _check_against_reference(db, store, raw)


@st.composite
def line_tests(draw):
    """A "contains" on a list property or trait: an order's product lines, a tags list."""
    value = draw(_values_for("contains"))
    if draw(st.booleans()):
        return {"attribute": f"traits.{draw(st.sampled_from(['plan', 'tags']))}", "op": "contains", "value": value}
    leaf = {"event": "Order Completed", "where": [{"property": "products", "op": "contains", "value": value}]}
    return {"not": leaf} if draw(st.booleans()) else leaf


@hypothesis_settings(max_examples=30, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(store=stores(), raw=line_tests())
def test_a_list_contains_what_one_of_its_lines_contains(db, store, raw):
    # Mutation tried: `sql.json_test` without `json_lines_contain` fails this (a list is no string).
    _check_against_reference(db, store, raw)

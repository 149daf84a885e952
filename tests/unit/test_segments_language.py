"""Segment conditions, one example per leaf and operator, through the public tools and helpers."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.unit.segments_support import NOW, add_contact, add_event, context
from tools import registry
from tools.audience.segments import member_batches, member_ids
from tools.audience.spec import SegmentSpec
from tools.audience.sql import compile_spec
from tools.core.context import ToolError


@pytest.fixture
def people(db):
    """Five contacts whose histories make each example below distinct."""
    alice = add_contact(db, 1, country="DE", email_consent="opt_in", traits={"plan": "pro", "score": 42})
    bob = add_contact(db, 2, country="US", traits={"plan": "free", "score": "high"})
    carol = add_contact(db, 3, country="FR", region="Occitanie", email="carol@example.com")
    dan = add_contact(db, 4, country="CA", email=None, traits={"vip": True})
    erin = add_contact(db, 5, country=None, created_at=NOW.replace(day=26))
    add_event(db, alice, "Checkout Started", 2, total=120, cart_id="c1")
    for hours in (5, 30, 100):
        add_event(db, alice, "Product Viewed", hours, product_id="p-12")
    add_event(db, bob, "Checkout Started", 5, total=600)
    add_event(db, bob, "Order Completed", 4, total=600)
    add_event(db, carol, "Order Completed", 24 * 90, total=700)
    add_event(db, dan, "Product Viewed", 24 * 10, product_id="p-7")
    add_event(db, None, "Checkout Started", 1, total=5)
    db.flush()
    return {"alice": alice.id, "bob": bob.id, "carol": carol.id, "dan": dan.id, "erin": erin.id}


def members(db, people, spec: dict) -> set[str]:
    """Names of the members, checked to agree across both SQL forms and the page iterator."""
    parsed = SegmentSpec.model_validate(spec)
    by_id = {number: name for name, number in people.items()}
    as_set = {by_id[i] for i in db.scalars(compile_spec(parsed, NOW, "set"))}
    as_exists = {by_id[i] for i in db.scalars(compile_spec(parsed, NOW, "exists"))}
    paged = {by_id[i] for i in member_ids(db, parsed, NOW, batch_size=2)}
    assert as_set == as_exists == paged
    return as_set


@pytest.mark.parametrize(
    "spec, expected",
    [
        ({"attribute": "country", "op": "in", "value": ["de", "FR"]}, {"alice", "carol"}),
        ({"attribute": "country", "op": "eq", "value": "US"}, {"bob"}),
        ({"attribute": "country", "op": "ne", "value": "US"}, {"alice", "carol", "dan", "erin"}),
        ({"attribute": "country", "op": "exists"}, {"alice", "bob", "carol", "dan"}),
        ({"attribute": "email", "op": "exists", "value": False}, {"dan"}),
        ({"attribute": "email", "op": "eq", "value": "CAROL@example.com"}, {"carol"}),
        ({"attribute": "email", "op": "contains", "value": "PERSON1"}, {"alice"}),
        ({"attribute": "region", "op": "contains", "value": "occ"}, {"carol"}),
        ({"attribute": "email_consent", "op": "eq", "value": "opt_in"}, {"alice"}),
        ({"attribute": "ad_consent", "op": "eq", "value": False}, {"alice", "bob", "carol", "dan", "erin"}),
        ({"attribute": "do_not_sell", "op": "ne", "value": False}, set()),
        ({"attribute": "created_at", "op": "within_last", "value": "7d"}, {"erin"}),
        ({"attribute": "created_at", "op": "gt", "value": "2026-11-01"}, {"erin"}),
        ({"attribute": "created_at", "op": "lt", "value": "30d"}, {"alice", "bob", "carol", "dan"}),
        ({"attribute": "traits.plan", "op": "eq", "value": "pro"}, {"alice"}),
        ({"attribute": "traits.plan", "op": "ne", "value": "pro"}, {"bob", "carol", "dan", "erin"}),
        ({"attribute": "traits.plan", "op": "in", "value": ["pro", "free"]}, {"alice", "bob"}),
        ({"attribute": "traits.plan", "op": "contains", "value": "FR"}, {"bob"}),
        ({"attribute": "traits.score", "op": "gt", "value": 40}, {"alice"}),
        ({"attribute": "traits.score", "op": "lt", "value": 40}, set()),
        ({"attribute": "traits.vip", "op": "eq", "value": True}, {"dan"}),
        ({"attribute": "traits.vip", "op": "exists", "value": False}, {"alice", "bob", "carol", "erin"}),
    ],
)
def test_attribute_conditions(db, people, spec, expected):
    assert members(db, people, spec) == expected


@pytest.mark.parametrize(
    "spec, expected",
    [
        ({"event": "Product Viewed"}, {"alice", "dan"}),
        ({"event": "Product Viewed", "within_last": "7d"}, {"alice"}),
        ({"event": "Product Viewed", "did": False, "within_last": "7d"}, {"bob", "carol", "dan", "erin"}),
        ({"event": "Product Viewed", "at_least": 3}, {"alice"}),
        ({"event": "Product Viewed", "at_least": 2, "within_last": "24h"}, set()),
        ({"event": "Product Viewed", "at_most": 1}, {"dan"}),
        ({"event": "Product Viewed", "at_least": 0, "at_most": 1}, {"bob", "carol", "dan", "erin"}),
        ({"event": "Product Viewed", "where": [{"property": "properties.product_id", "op": "eq", "value": "p-12"}]}, {"alice"}),
        ({"event": "Order Completed", "where": [{"property": "total", "op": "gt", "value": 650}]}, {"carol"}),
        ({"event": "Order Completed", "between": ["2026-08-01", "2026-09-15"]}, {"carol"}),
        ({"event": "Checkout Started", "where": [{"property": "cart_id", "op": "exists"}]}, {"alice"}),
    ],
)
def test_event_conditions(db, people, spec, expected):
    assert members(db, people, spec) == expected


def test_abandoned_cart_is_a_checkout_with_no_order_after_it(db, people):
    spec = {"since": "Checkout Started", "within_last": "24h", "then_not": "Order Completed"}
    assert members(db, people, spec) == {"alice"}


def test_lapsed_means_did_it_before_but_not_for_the_period(db, people):
    assert members(db, people, {"since": "Order Completed", "inactive_for": "60d"}) == {"carol"}
    assert members(db, people, {"since": "Order Completed", "inactive_for": "120d"}) == set()


@pytest.mark.parametrize(
    "spec, expected",
    [
        ({"aggregate": "sum", "event": "Order Completed", "property": "total", "op": "gt", "value": 500}, {"bob", "carol"}),
        ({"aggregate": "sum", "event": "Order Completed", "property": "total", "op": "lt", "value": 650}, {"alice", "bob", "dan", "erin"}),
        ({"aggregate": "sum", "event": "Order Completed", "property": "total", "within_last": "30d", "op": "gt", "value": 0}, {"bob"}),
        ({"aggregate": "count", "event": "Product Viewed", "op": "eq", "value": 0}, {"bob", "carol", "erin"}),
        ({"aggregate": "count", "event": "Product Viewed", "op": "ne", "value": 3}, {"bob", "carol", "dan", "erin"}),
    ],
)
def test_aggregate_conditions(db, people, spec, expected):
    assert members(db, people, spec) == expected


def test_groups_combine_and_negate(db, people):
    vip_lapsed = {"all": [
        {"aggregate": "sum", "event": "Order Completed", "property": "total", "op": "gt", "value": 500},
        {"since": "Order Completed", "inactive_for": "60d"},
    ]}
    assert members(db, people, vip_lapsed) == {"carol"}
    either = {"any": [{"attribute": "country", "op": "eq", "value": "CA"}, {"event": "Order Completed"}]}
    assert members(db, people, either) == {"bob", "carol", "dan"}
    assert members(db, people, {"not": either}) == {"alice", "erin"}
    assert members(db, people, {"not": {"not": either}}) == {"bob", "carol", "dan"}


def test_pages_are_ascending_and_bounded(db, people):
    spec = SegmentSpec.model_validate({"attribute": "ad_consent", "op": "eq", "value": False})
    pages = list(member_batches(db, spec, NOW, batch_size=2))
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sum(pages, []) == sorted(people.values())
    if db.get_bind().dialect.name == "postgresql":
        # Paging turns merge joins off for its own queries only, not for the caller's next ones.
        assert db.scalar(text("SHOW enable_mergejoin")) == "on"


def test_compiled_sql_carries_user_text_only_as_parameters(db, people):
    hostile = "x'); DROP TABLE contacts; --"
    spec = SegmentSpec.model_validate({"all": [
        {"attribute": "traits.plan", "op": "eq", "value": hostile},
        {"event": "Product Viewed", "where": [{"property": "name", "op": "contains", "value": hostile}]},
    ]})
    compiled = compile_spec(spec, NOW).compile(db.get_bind())
    assert hostile not in str(compiled)
    assert any(hostile in repr(value) for value in compiled.params.values())
    assert list(db.scalars(compile_spec(spec, NOW))) == []


@pytest.mark.parametrize(
    "spec, words",
    [
        ({"attribute": "ltv", "op": "gt", "value": 5}, ["unknown field 'ltv'", "email_consent", "traits.<key>"]),
        ({"attribute": "country", "op": "gt", "value": "DE"}, ["does not take 'gt'", "eq, ne, in, exists"]),
        ({"attribute": "country", "op": "between", "value": "DE"}, ["op", "'within_last'"]),
        ({"attribute": "email_consent", "op": "eq", "value": "yes"}, ["opt_in, soft_opt_in"]),
        ({"event": "Product Viewed", "within_last": "3 months"}, ["'3 months' is not a window", "24h, 7d"]),
        ({"event": "Product Viewed", "at_least": 3, "at_most": 1}, ["at_least (3) is more than at_most (1)"]),
        ({"since": "Checkout Started"}, ["exactly one of then_not or inactive_for"]),
        ({"aggregate": "sum", "event": "Order Completed", "op": "gt", "value": 1}, ["needs a property"]),
        ({"attribute": "traits.a'b", "op": "exists"}, ["not a usable key"]),
        ({"every": []}, ["needs one of the keys: all, any, not"]),
        ({"all": []}, ["all"]),
        ({"event": "Product Viewed", "where": [{"property": "total", "op": "gt", "value": "ten"}]}, ["needs a number"]),
    ],
)
def test_bad_specs_are_refused_with_the_valid_choices(db, settings, spec, words):
    with pytest.raises(ToolError) as refused:
        registry.call(context(db, settings), "preview_segment", {"spec": spec})
    for word in words:
        assert word in str(refused.value)


def test_unknown_event_names_list_the_known_ones(db, settings, people):
    ctx = context(db, settings)
    with pytest.raises(ToolError) as refused:
        registry.call(ctx, "preview_segment", {"spec": {"event": "Checkout Startd"}})
    message = str(refused.value)
    assert "unknown event 'Checkout Startd'" in message and "did you mean 'Checkout Started'" in message
    assert "Order Completed" in message
    add_event(db, None, "Quiz Finished", 3)
    result = registry.call(ctx, "preview_segment", {"spec": {"event": "Quiz Finished"}})
    assert result.count == 0

"""Saving, versioning, listing and previewing segments through the tool registry."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.unit.segments_support import NOW, add_contact, add_event, context, suppress
from tools import registry
from tools.audience.segments import load_spec, member_ids
from tools.core.context import ToolError
from tools.core.models import AuditEntry, Segment

CART = {"since": "Checkout Started", "within_last": "24h", "then_not": "Order Completed"}
GERMANS = {"attribute": "country", "op": "eq", "value": "DE"}


def test_create_saves_a_segment_and_counts_it(db, settings):
    shopper = add_contact(db, 1)
    add_event(db, shopper, "Checkout Started", 3)
    result = registry.call(context(db, settings), "create_segment", {"name": "cart-24h", "spec": CART})
    assert (result.name, result.version, result.count) == ("cart-24h", 1, 1)
    assert "cart-24h" in result.summary and "1 contacts" in result.summary
    assert list(member_ids(db, "cart-24h", NOW)) == [shopper.id]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "segment.create")).one()
    assert entry.subject == "cart-24h" and entry.actor == "cli"


def test_names_are_unique_and_replace_adds_a_version(db, settings):
    ctx = context(db, settings)
    registry.call(ctx, "create_segment", {"name": "Germans", "spec": GERMANS})
    with pytest.raises(ToolError, match="already exists .* pass replace=true"):
        registry.call(ctx, "create_segment", {"name": "germans", "spec": CART})
    result = registry.call(ctx, "create_segment", {"name": "germans", "spec": CART, "replace": True})
    assert (result.name, result.version) == ("Germans", 2)
    versions = db.scalars(select(Segment).order_by(Segment.version)).all()
    assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert versions[0].spec == {"attribute": "country", "op": "eq", "value": "DE"}
    assert load_spec(db, "GERMANS").root.since == "Checkout Started"


def test_list_shows_current_versions(db, settings):
    ctx = context(db, settings)
    assert registry.call(ctx, "list_segments", {}).segments == []
    registry.call(ctx, "create_segment", {"name": "b-germans", "spec": GERMANS})
    registry.call(ctx, "create_segment", {"name": "a-cart", "spec": CART, "description": "24h carts"})
    registry.call(ctx, "create_segment", {"name": "a-cart", "spec": CART, "replace": True})
    listed = registry.call(ctx, "list_segments", {})
    assert [(s.name, s.version) for s in listed.segments] == [("a-cart", 2), ("b-germans", 1)]
    assert "a-cart (v2)" in listed.summary


@pytest.mark.parametrize(
    "arguments, words",
    [
        ({"name": "../etc", "spec": GERMANS}, "must start with a letter or digit"),
        ({"name": "", "spec": GERMANS}, "segment name"),
        ({"name": "ok", "spec": GERMANS, "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"name": "ok"}, "spec: Field required"),
    ],
)
def test_bad_create_input(db, settings, arguments, words):
    with pytest.raises(ToolError, match=words):
        registry.call(context(db, settings), "create_segment", arguments)


def test_suppressed_at_counts_who_went_on_the_list_in_a_window(db, settings):
    """"how many unsubscribed in the last 30 days": by the suppression's date, as SQL counts it."""
    from datetime import timedelta

    from tools.core.models import Suppression

    recent, old, never = (add_contact(db, n, country="US") for n in (1, 2, 3))
    db.add(Suppression(email_hash=recent.email_hash, reason="unsubscribed", created_at=NOW - timedelta(days=3)))
    db.add(Suppression(email_hash=old.email_hash, reason="unsubscribed", created_at=NOW - timedelta(days=90)))
    db.flush()
    ctx = context(db, settings)
    spec = {"all": [{"attribute": "suppressed", "op": "in", "value": ["unsubscribed"]},
                    {"attribute": "suppressed_at", "op": "within_last", "value": "30d"}]}
    assert sorted(member_ids(db, spec, NOW)) == [recent.id]
    assert registry.call(ctx, "preview_segment", {"spec": spec}).count == 1
    spec["all"][1] = {"attribute": "suppressed_at", "op": "lt", "value": (NOW - timedelta(days=30)).isoformat()}
    assert sorted(member_ids(db, spec, NOW)) == [old.id]
    with pytest.raises(ToolError, match="suppressed_at"):
        registry.call(ctx, "preview_segment", {"spec": {"attribute": "suppressed_at", "op": "eq", "value": "x"}})
    assert never.id not in member_ids(db, {"attribute": "suppressed_at", "op": "within_last", "value": "365d"}, NOW)


def test_preview_needs_exactly_one_of_name_or_spec(db, settings):
    with pytest.raises(ToolError, match="either name .* or spec"):
        registry.call(context(db, settings), "preview_segment", {})
    with pytest.raises(ToolError, match="no segment named 'nope'; saved segments: none saved yet"):
        registry.call(context(db, settings), "preview_segment", {"name": "nope"})


def test_preview_counts_samples_and_breaks_down_reachability(db, settings):
    ok = [add_contact(db, n, country="DE", region="Berlin", email_consent="opt_in") for n in range(1, 7)]
    add_contact(db, 7, country="DE", region="Bayern")
    add_contact(db, 8, country="DE", email=None)
    suppress(db, add_contact(db, 9, country="US"), "unsubscribed")
    suppress(db, add_contact(db, 10, country="US"), "bounced")
    suppress(db, add_contact(db, 11, country="US"), "complained")
    add_contact(db, 12, country="US")
    add_contact(db, 13, country="FR")
    spec = {"attribute": "country", "op": "in", "value": ["DE", "US"]}
    result = registry.call(context(db, settings), "preview_segment", {"spec": spec})
    assert result.count == 12
    assert [s.id for s in result.samples] == [c.id for c in ok[:5]]
    assert result.samples[0].email == "pe***@example.com"
    assert result.by_country == {"DE": 8, "US": 4}
    assert result.by_region == {"DE/Berlin": 6, "US/unknown": 4, "DE/Bayern": 1, "DE/unknown": 1}
    assert result.reachability == {"reachable": 7, "no_email": 1, "no_consent": 1, "unsubscribed": 1,
                                   "bounced": 1, "complained": 1, "erased": 0}
    assert "12 contacts; 7 reachable by email" in result.summary

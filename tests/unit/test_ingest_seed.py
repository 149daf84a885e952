"""The demo store: what `seed_store` makes is realistic enough to build campaigns on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tools.core.identity import email_hash, email_salt
from tools.core.models import Contact, Event, Product, Suppression
from tools.ingest.seed import seed_store, store_is_empty

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
ZONE_PREFIX = {"US": "America/", "CA": "America/", "GB": "Europe/London", "DE": "Europe/Berlin"}


def test_seeded_store_has_consents_suppressions_and_abandoned_carts(engine, db):
    assert store_is_empty(engine)

    summary = seed_store(engine, 400, days=7, seed=11, now=NOW)

    assert not store_is_empty(engine)
    contacts = list(db.scalars(select(Contact)))
    assert [c.user_id for c in sorted(contacts, key=lambda c: c.id)][:3] == ["u1", "u2", "u3"]
    assert all(c.timezone.startswith(ZONE_PREFIX[c.country]) for c in contacts if c.country in ZONE_PREFIX)
    assert {c.email_consent for c in contacts} == {"opt_in", "soft_opt_in", "none"}
    assert any(c.do_not_sell for c in contacts) and any(not c.ad_consent for c in contacts)
    salt = email_salt(db)
    assert all(c.email_hash == email_hash(salt, c.email) for c in contacts)
    unsubscribed = set(db.scalars(select(Suppression.email_hash).where(Suppression.reason == "unsubscribed")))
    assert unsubscribed and all(c.email_consent == "none" for c in contacts if c.email_hash in unsubscribed)
    assert len(list(db.scalars(select(Product)))) == summary.products == 60

    events = list(db.scalars(select(Event)))
    assert len(events) == summary.events and all(e.occurred_at <= NOW for e in events)
    # Hand count of tools.audience.recipes' definition: a cart event in the last 24 h with no later order.
    orders: dict[int, list] = {}
    for e in events:
        if e.name == "Order Completed":
            orders.setdefault(e.contact_id, []).append(e.occurred_at)

    def abandoned(names):
        return {e.contact_id for e in events if e.name in names and e.occurred_at >= NOW - timedelta(hours=24)
                and not any(at > e.occurred_at for at in orders.get(e.contact_id, []))}

    assert summary.abandoned_carts_24h == len(abandoned({"Product Added", "Checkout Started"})) > 0
    assert summary.abandoned_carts_24h > summary.abandoned_checkouts_24h == len(abandoned({"Checkout Started"})) > 0
    assert f"{summary.abandoned_carts_24h:,} carts abandoned in the last 24 hours" in summary.lines()[1]
    order = next(e for e in events if e.name == "Order Completed")
    assert order.properties["revenue"] == order.properties["total"] > 0 and order.properties["products"]
    added = next(e for e in events if e.name == "Product Added")
    assert {"product_id", "name", "price", "quantity", "cart_id", "url"} <= set(added.properties)


def test_returning_customers_have_an_order_history_before_the_clickstream(engine, db):
    summary = seed_store(engine, 400, days=7, seed=11, now=NOW)

    window_start = NOW - timedelta(days=7)
    orders = list(db.scalars(select(Event).where(Event.name == "Order Completed")))
    past = [o for o in orders if o.occurred_at < window_start]
    assert len(past) == summary.past_orders > 0
    signed_up = dict(db.execute(select(Contact.id, Contact.created_at)).all())
    assert all(signed_up[o.contact_id] <= o.occurred_at for o in past)
    assert all(o.properties["order_id"].startswith("h") and o.properties["total"] > 0 for o in past)
    spend: dict[int, float] = {}
    for order in past:
        spend[order.contact_id] = spend.get(order.contact_id, 0) + order.properties["total"]
    assert max(spend.values()) > 500, "some customers are VIPs by lifetime spend"
    assert f"{summary.past_orders:,} before" in summary.lines()[1]


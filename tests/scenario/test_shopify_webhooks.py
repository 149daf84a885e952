"""`POST /shopify/webhooks` with real-shaped, signed payloads: every topic signed, replayed,
tampered, unsigned and stale; consent, unsubscribe, erasure and access export."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.web.app import build_app
from tools.core.models import AuditEntry, Contact, Event, Suppression

FIXTURES = Path(__file__).parents[1] / "fixtures" / "shopify"
SECRET = "shpss_test_secret"
NOW = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
TOPICS = {
    "customers/create": "customers_create.json",
    "customers/update": "customers_create.json",
    "checkouts/create": "checkouts_create.json",
    "checkouts/update": "checkouts_create.json",
    "orders/create": "orders_create.json",
    "orders/paid": "orders_create.json",
    "customers/redact": "customers_redact.json",
    "customers/data_request": "customers_data_request.json",
}


class Clock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def http(settings, monkeypatch):
    monkeypatch.setattr(settings, "shopify_webhook_secret", SECRET)
    app = build_app(settings, migrate=False)
    app.state.clock = Clock()
    with TestClient(app) as client:
        yield client


def body_of(name: str, **changes) -> bytes:
    payload = json.loads((FIXTURES / name).read_text())
    payload.update(changes)
    return json.dumps(payload).encode()


def post(http, topic: str, body: bytes, webhook_id: str = "wh-1", signed: bool = True,
         triggered: datetime = NOW - timedelta(seconds=5), secret: str = SECRET):
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
               "X-Shopify-Webhook-Id": webhook_id, "X-Shopify-Shop-Domain": "demo-shop.myshopify.com",
               "X-Shopify-Triggered-At": triggered.isoformat().replace("+00:00", ".877041743Z")}
    if signed:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        headers["X-Shopify-Hmac-Sha256"] = base64.b64encode(digest).decode()
    return http.post("/shopify/webhooks", content=body, headers=headers)


def rows(engine, model):
    with engine.connect() as connection:
        return list(connection.execute(select(model).order_by(model.id)))


def test_a_customer_becomes_a_contact_with_the_shops_consent(http, engine):
    answer = post(http, "customers/create", body_of("customers_create.json"))

    assert answer.status_code == 200, answer.text
    [bob] = rows(engine, Contact)
    assert (bob.user_id, bob.email, bob.first_name, bob.country, bob.region) == (
        "shopify:706405506930370084", "bob@biller.example", "Bob", "CA", "ON")
    assert (bob.email_consent, bob.consent_source) == ("opt_in", "shopify:confirmed_opt_in")
    assert bob.consent_at == datetime(2026, 11, 30, 23, 55, tzinfo=timezone.utc)
    assert bob.traits["tags"] == "VIP, newsletter"


def test_single_opt_in_and_not_subscribed_are_kept_apart(http, engine):
    single = {"state": "subscribed", "opt_in_level": "single_opt_in", "consent_updated_at": None}
    post(http, "customers/create", body_of("customers_create.json", email_marketing_consent=single))
    post(http, "customers/create", body_of("customers_create.json", id=2, email="cy@x.example",
         email_marketing_consent={"state": "not_subscribed", "opt_in_level": "single_opt_in"}), "wh-2")

    bob, cy = rows(engine, Contact)
    assert (bob.email_consent, bob.consent_source) == ("opt_in", "shopify:single_opt_in")
    assert (cy.email_consent, cy.consent_source) == ("none", "shopify:not_subscribed")


def test_an_unsubscribe_in_the_shop_suppresses_at_once(http, engine):
    post(http, "customers/create", body_of("customers_create.json"))
    gone = {"state": "unsubscribed", "opt_in_level": "single_opt_in",
            "consent_updated_at": "2026-12-01T09:00:00-05:00"}
    answer = post(http, "customers/update", body_of("customers_create.json", email_marketing_consent=gone,
                  updated_at="2026-12-01T09:00:00-05:00"), "wh-2")

    assert answer.status_code == 200, answer.text
    [bob] = rows(engine, Contact)
    assert bob.email_consent == "opt_out"
    assert [(s.reason, s.email_hash) for s in rows(engine, Suppression)] == [("unsubscribed", bob.email_hash)]


def test_a_checkout_is_checkout_started_with_the_recovery_link(http, engine):
    answer = post(http, "checkouts/create", body_of("checkouts_create.json"))

    assert answer.status_code == 200, answer.text
    [event] = rows(engine, Event)
    assert event.name == "Checkout Started"
    assert event.properties["checkout_url"].endswith("/checkouts/123123123/recover?key=example-secret-token")
    assert (event.properties["total"], event.properties["currency"]) == (78.0, "USD")
    assert event.properties["products"] == [{"product_id": "632910392", "sku": "LIN-M", "name": "Linen Shirt",
                                             "variant": "M", "price": 39.0, "quantity": 2}]


def test_orders_create_and_paid_count_once_and_roll_up(http, engine):
    post(http, "orders/create", body_of("orders_create.json"), "wh-1")
    post(http, "orders/paid", body_of("orders_create.json"), "wh-2")

    [order] = rows(engine, Event)
    assert (order.name, order.properties["total"], order.properties["revenue"]) == ("Order Completed", 88.0, 78.0)
    [bob] = rows(engine, Contact)
    assert (bob.order_count, float(bob.lifetime_spend)) == (1, 88.0)


def test_an_unpaid_order_is_not_a_purchase(http, engine):
    answer = post(http, "orders/create", body_of("orders_create.json", financial_status="pending"))

    assert answer.status_code == 200 and "not paid" in answer.json()["note"]
    assert rows(engine, Event) == []


def test_every_topic_refuses_unsigned_tampered_and_stale_and_handles_a_replay_once(http, engine):
    post(http, "customers/create", body_of("customers_create.json"), "seed")
    for topic in sorted(TOPICS, key=lambda name: name.startswith("customers/redact")):
        before = len(rows(engine, AuditEntry)), len(rows(engine, Event))
        body = body_of(TOPICS[topic])

        unsigned = post(http, topic, body, f"{topic}-a", signed=False)
        tampered = post(http, topic, body, f"{topic}-b", secret=SECRET + "x")
        stale = post(http, topic, body, f"{topic}-c", triggered=NOW - timedelta(hours=7))
        assert [r.status_code for r in (unsigned, tampered, stale)] == [401, 401, 401], topic
        assert "unsigned" in unsigned.json()["error"] and "does not match" in tampered.json()["error"]
        assert "stale" in stale.json()["error"]
        assert (len(rows(engine, AuditEntry)), len(rows(engine, Event))) == before, topic

        first = post(http, topic, body, f"{topic}-d")
        replay = post(http, topic, body, f"{topic}-d")
        assert first.status_code == 200 and "duplicate" not in first.json(), (topic, first.text)
        assert replay.status_code == 200 and replay.json() == {"success": True, "duplicate": True}, topic


def test_a_bad_payload_is_a_422_saying_what_to_fix_and_stores_nothing(http, engine):
    lines = [{"title": "Linen Shirt", "price": "thirty", "quantity": 1, "product_id": 1}]
    answer = post(http, "checkouts/create", body_of("checkouts_create.json", line_items=lines))

    assert answer.status_code == 422
    assert answer.json()["error"] == "checkouts/create: line_items[0].price: 'thirty' is not an amount"
    assert rows(engine, Event) == [] and rows(engine, Contact) == []
    assert post(http, "checkouts/create", b"{not json", "wh-2").status_code == 400


def test_redact_erases_and_a_resent_customer_is_not_resubscribed(http, engine):
    post(http, "customers/create", body_of("customers_create.json"), "wh-1")
    post(http, "checkouts/create", body_of("checkouts_create.json"), "wh-2")
    answer = post(http, "customers/redact", body_of("customers_redact.json"), "wh-3")

    assert answer.status_code == 200, answer.text
    assert [s.reason for s in rows(engine, Suppression)] == ["erased"]
    assert [(a.actor, a.action) for a in rows(engine, AuditEntry)] == [("shopify", "forget_contact")]
    # Re-sent later (a new updated_at), still with the consent given before the erasure.
    later = post(http, "customers/update", body_of("customers_create.json", updated_at="2026-12-01T10:55:00-05:00"), "wh-4")
    assert later.status_code == 200, later.text
    resent = [c for c in rows(engine, Contact) if c.email]
    assert [(c.email, c.email_consent) for c in resent] == [("bob@biller.example", "none")]


def test_data_request_writes_the_access_export(http, engine, settings):
    post(http, "customers/create", body_of("customers_create.json"), "wh-1")
    answer = post(http, "customers/data_request", body_of("customers_data_request.json"), "wh-2")

    assert answer.status_code == 200, answer.text
    document = json.loads(Path(answer.json()["file"]).read_text())
    assert document["contacts"][0]["profile"]["email"] == "bob@biller.example"
    assert [(a.actor, a.action) for a in rows(engine, AuditEntry)] == [("shopify", "export_contact")]


def test_webhooks_are_off_without_a_secret(settings):
    with TestClient(build_app(settings, migrate=False)) as client:
        answer = post(client, "customers/create", body_of("customers_create.json"))
    assert answer.status_code == 401 and "SHOPIFY_WEBHOOK_SECRET" in answer.json()["error"]

"""`POST /woocommerce/webhooks` with real-shaped, signed REST v3 payloads: customers, started
checkouts, paid orders counted once, the creation ping, and unsigned, tampered and replayed
deliveries refused or ignored with nothing stored.

Mutations tried: skipping the constant-time compare (tampered test fails), keying
Order Completed by order id and modification time (the counted-once test fails), keying a
delivery by its id alone (two updates within one second: the second is lost, test fails),
reading `payment_url` as `cart_url` (the cart link test fails: the rule reads checkout_url first),
taking a registered customer's email from the order's billing (the moved-email test fails).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.web.app import build_app
from tools.core.models import Contact, Event, IdempotencyKey, Suppression

FIXTURES = Path(__file__).parents[1] / "fixtures" / "woocommerce"
SECRET = "wc-test-secret"
NOW = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
PAY = "https://woo-shop.example/checkout/order-pay/727/?pay_for_order=true&key=wc_order_XgQmpzBXcB6jY"


class Clock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def http(settings, monkeypatch):
    monkeypatch.setattr(settings, "woocommerce_webhook_secret", SECRET)
    app = build_app(settings, migrate=False)
    app.state.clock = Clock()
    with TestClient(app) as client:
        yield client


def body_of(name: str, **changes) -> bytes:
    payload = json.loads((FIXTURES / name).read_text())
    payload.update(changes)
    return json.dumps(payload).encode()


def post(http, topic: str, body: bytes, delivery: str = "d-1", signed: bool = True, secret: str = SECRET):
    resource, _, event = topic.partition(".")
    headers = {"Content-Type": "application/json", "X-WC-Webhook-Source": "https://woo-shop.example/",
               "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": resource, "X-WC-Webhook-Event": event,
               "X-WC-Webhook-ID": "12", "X-WC-Webhook-Delivery-ID": delivery}
    if signed:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        headers["X-WC-Webhook-Signature"] = base64.b64encode(digest).decode()
    return http.post("/woocommerce/webhooks", content=body, headers=headers)


def rows(engine, model):
    with engine.connect() as connection:
        return list(connection.execute(select(model).order_by(*model.__table__.primary_key)))


def test_a_customer_becomes_a_contact_with_the_consent_meta(http, engine):
    answer = post(http, "customer.created", body_of("customer_created.json"))

    assert answer.status_code == 200, answer.text
    [ada] = rows(engine, Contact)
    assert (ada.user_id, ada.email, ada.first_name, ada.last_name, ada.country) == (
        "woocommerce:25", "ada@lovelace.example", "Ada", "Lovelace", "GB")
    assert (ada.email_consent, ada.consent_source) == ("opt_in", "woocommerce:email_marketing_consent")
    assert ada.consent_at == datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc)


def test_a_customer_without_consent_meta_has_none(http, engine):
    post(http, "customer.created", body_of("customer_created.json", meta_data=[]))

    [ada] = rows(engine, Contact)
    assert ada.email_consent == "none"


def test_an_unsubscribe_meta_suppresses_at_once(http, engine):
    post(http, "customer.created", body_of("customer_created.json"), "d-1")
    gone = [{"id": 1041, "key": "email_marketing_consent", "value": "unsubscribed"}]
    answer = post(http, "customer.updated", body_of("customer_created.json", meta_data=gone,
                  date_modified_gmt="2026-12-01T09:00:00"), "d-2")

    assert answer.status_code == 200, answer.text
    [ada] = rows(engine, Contact)
    assert ada.email_consent == "opt_out"
    assert [s.reason for s in rows(engine, Suppression)] == ["unsubscribed"]


def test_a_pending_order_is_a_started_checkout_with_the_payment_link(http, engine):
    answer = post(http, "order.created", body_of("order_pending.json"))

    assert answer.status_code == 200, answer.text
    [event] = rows(engine, Event)
    assert event.name == "Checkout Started"
    assert event.properties["checkout_url"] == PAY
    assert (event.properties["total"], event.properties["currency"]) == (88.0, "EUR")
    assert event.properties["products"] == [{"product_id": "93", "sku": "LIN-M", "name": "Linen Shirt - M",
                                             "variant": "94", "price": 39.0, "quantity": 2}]
    [ada] = rows(engine, Contact)
    assert (ada.user_id, ada.email) == ("woocommerce:25", None), "the email comes with customer.created"


def test_a_checkout_draft_is_a_started_checkout_too_and_on_hold_is_not(http, engine):
    post(http, "order.created", body_of("order_pending.json", status="checkout-draft"), "d-1")
    held = post(http, "order.updated", body_of("order_pending.json", status="on-hold"), "d-2")

    assert [e.name for e in rows(engine, Event)] == ["Checkout Started"]
    assert held.status_code == 200 and "neither a started checkout" in held.json()["note"]


def test_a_paid_order_counts_once_however_often_it_is_updated(http, engine):
    post(http, "order.created", body_of("order_pending.json"), "d-1")
    post(http, "order.updated", body_of("order_processing.json"), "d-2")
    later = body_of("order_processing.json", status="completed", date_modified_gmt="2026-12-01T15:00:00")
    post(http, "order.updated", later, "d-3")

    names = [e.name for e in rows(engine, Event)]
    assert names == ["Checkout Started", "Order Completed"]
    order = next(e for e in rows(engine, Event) if e.name == "Order Completed")
    assert (order.properties["order_id"], order.properties["total"], order.properties["revenue"]) == ("727", 88.0, 78.0)
    assert order.occurred_at == datetime(2026, 12, 1, 14, 5, tzinfo=timezone.utc)
    [ada] = rows(engine, Contact)
    assert (ada.order_count, float(ada.lifetime_spend)) == (1, 88.0)


def test_a_registered_customers_order_never_moves_their_email_to_the_billing_one(http, engine):
    post(http, "customer.created", body_of("customer_created.json"), "d-1")
    order = json.loads(body_of("order_pending.json"))
    order["billing"]["email"] = "ada.work@office.example"
    post(http, "order.created", json.dumps(order).encode(), "d-2")

    [ada] = rows(engine, Contact)
    assert (ada.email, ada.email_consent) == ("ada@lovelace.example", "opt_in")


def test_a_guest_order_is_keyed_by_its_billing_email(http, engine):
    post(http, "order.updated", body_of("order_processing.json", customer_id=0))

    [guest] = rows(engine, Contact)
    assert guest.user_id == "ada@lovelace.example"


def test_the_creation_ping_is_answered_and_stores_nothing(http, engine):
    answer = http.post("/woocommerce/webhooks", content=b"webhook_id=12",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert answer.status_code == 200 and "ping" in answer.json()["note"]
    assert rows(engine, IdempotencyKey) == [] and rows(engine, Contact) == []


def test_unsigned_tampered_and_topicless_are_refused_and_a_redelivery_counts_once(http, engine):
    for topic, name in (("customer.updated", "customer_created.json"), ("order.updated", "order_pending.json")):
        body = body_of(name)
        unsigned = post(http, topic, body, f"{topic}-a", signed=False)
        tampered = post(http, topic, body, f"{topic}-b", secret=SECRET + "x")
        assert [unsigned.status_code, tampered.status_code] == [401, 401], topic
        assert "unsigned" in unsigned.json()["error"]
        assert "X-WC-Webhook-Signature does not match" in tampered.json()["error"]
        assert rows(engine, Event) == [] and rows(engine, Contact) == []
    body = body_of("order_pending.json")
    first = post(http, "order.updated", body, "same")
    again = post(http, "order.updated", body, "same")
    assert first.status_code == 200 and again.json() == {"success": True, "duplicate": True}
    no_topic = post(http, "", body, "d-9")
    assert no_topic.status_code == 400 and "X-WC-Webhook-Topic" in no_topic.json()["error"]


def test_two_updates_in_one_second_share_a_delivery_id_and_both_count(http, engine):
    # WooCommerce's delivery id is a hash of the webhook id and the current second.
    post(http, "order.updated", body_of("order_pending.json"), "same-second")
    paid = post(http, "order.updated", body_of("order_processing.json"), "same-second")

    assert paid.status_code == 200 and "duplicate" not in paid.json()
    assert [e.name for e in rows(engine, Event)] == ["Checkout Started", "Order Completed"]


def test_a_bad_payload_is_a_422_naming_the_field_and_stores_nothing(http, engine):
    lines = [{"name": "Linen Shirt", "product_id": 93, "price": "thirty", "quantity": 1}]
    answer = post(http, "order.created", body_of("order_pending.json", line_items=lines))

    assert answer.status_code == 422
    assert answer.json()["error"] == "order.created: line_items[0].price: 'thirty' is not an amount"
    assert rows(engine, Event) == [] and rows(engine, Contact) == []
    assert post(http, "order.created", b"{not json", "d-2").status_code == 400


def test_webhooks_are_off_without_a_secret(settings):
    with TestClient(build_app(settings, migrate=False)) as client:
        answer = post(client, "customer.created", body_of("customer_created.json"))
    assert answer.status_code == 401 and "WOOCOMMERCE_WEBHOOK_SECRET" in answer.json()["error"]

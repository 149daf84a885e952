"""The shop's word on consent, through the webhook doors: an unsubscribe suppresses at once; a
later `subscribed` lifts only an unsubscribe, and only when the shop dates the new consent after
it; an erased, bounced or complained address stays suppressed whatever the shop says.

Mutations tried: lifting regardless of the consent's date (the stale re-send test fails),
lifting every suppression reason of the address (the bounced/complained test fails).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.web.app import build_app
from tests.scenario import test_shopify_webhooks as shop
from tests.scenario import test_woocommerce_webhooks as woo
from tools.core.identity import email_hash, email_salt
from tools.core.models import AuditEntry, Contact, Suppression

UNSUBSCRIBED = {"state": "unsubscribed", "opt_in_level": "single_opt_in",
                "consent_updated_at": "2026-12-01T09:00:00-05:00"}


def resubscribed(at: str) -> dict:
    return {"state": "subscribed", "opt_in_level": "confirmed_opt_in", "consent_updated_at": at}


@pytest.fixture
def http(settings, monkeypatch):
    monkeypatch.setattr(settings, "shopify_webhook_secret", shop.SECRET)
    monkeypatch.setattr(settings, "woocommerce_webhook_secret", woo.SECRET)
    app = build_app(settings, migrate=False)
    app.state.clock = shop.Clock()
    with TestClient(app) as client:
        yield client


def customer(http, webhook_id: str, consent: dict, updated_at: str):
    body = shop.body_of("customers_create.json", email_marketing_consent=consent, updated_at=updated_at)
    answer = shop.post(http, "customers/update", body, webhook_id)
    assert answer.status_code == 200, answer.text
    return answer.json()


def suppressions(engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.scalars(select(Suppression.reason)))


def contact(engine):
    with engine.connect() as connection:
        return connection.execute(select(Contact)).one()


def unsubscribe_then(http, engine, consent_at: str):
    assert shop.post(http, "customers/create", shop.body_of("customers_create.json"), "wh-1").status_code == 200
    customer(http, "wh-2", UNSUBSCRIBED, "2026-12-01T09:00:00-05:00")
    assert suppressions(engine) == ["unsubscribed"] and contact(engine).email_consent == "opt_out"
    return customer(http, "wh-3", resubscribed(consent_at), "2026-12-01T10:30:00-05:00")


def test_a_resubscribe_dated_after_the_unsubscribe_lifts_it(http, engine):
    # The unsubscribe was stored at the door's clock (16:00 UTC); the shop's new consent is later.
    answer = unsubscribe_then(http, engine, "2026-12-01T11:30:00-05:00")

    assert answer["resubscribed"] == 1
    assert suppressions(engine) == []
    bob = contact(engine)
    assert (bob.email_consent, bob.consent_source) == ("opt_in", "shopify:confirmed_opt_in")
    assert bob.consent_at == datetime(2026, 12, 1, 16, 30, tzinfo=timezone.utc)
    with engine.connect() as connection:
        actions = list(connection.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["contact.unsubscribed", "contact.resubscribed"]


def test_a_stale_subscribed_record_keeps_the_address_suppressed_and_opted_out(http, engine):
    answer = unsubscribe_then(http, engine, "2026-11-30T18:55:00-05:00")

    assert "resubscribed" not in answer
    assert suppressions(engine) == ["unsubscribed"]
    assert contact(engine).email_consent == "opt_out"


@pytest.mark.parametrize("reason", ["bounced", "complained"])
def test_a_bounced_or_complained_address_stays_suppressed(http, engine, db, reason):
    customer(http, "wh-1", UNSUBSCRIBED, "2026-12-01T09:00:00-05:00")
    hashed = email_hash(email_salt(db), "bob@biller.example")
    db.add(Suppression(email_hash=hashed, reason=reason, source="smtp",
                       created_at=datetime(2026, 12, 1, 12, tzinfo=timezone.utc)))
    db.commit()

    customer(http, "wh-2", resubscribed("2026-12-01T11:30:00-05:00"), "2026-12-01T11:30:00-05:00")

    assert suppressions(engine) == [reason]


def test_an_erased_address_stays_suppressed_after_a_resubscribe(http, engine):
    customer(http, "wh-1", UNSUBSCRIBED, "2026-12-01T09:00:00-05:00")
    assert shop.post(http, "customers/redact", shop.body_of("customers_redact.json"), "wh-2").status_code == 200
    # Subscribed again in the shop after the erasure (16:00 UTC): the erasure still stands.
    customer(http, "wh-3", resubscribed("2026-12-01T11:30:00-05:00"), "2026-12-01T11:30:00-05:00")

    assert "erased" in suppressions(engine)


def test_woocommerce_resubscribe_lifts_an_unsubscribe_made_in_the_shop(http, engine):
    gone = [{"id": 1, "key": "email_marketing_consent", "value": "unsubscribed"}]
    back = [{"id": 1, "key": "email_marketing_consent", "value": "subscribed"}]
    woo.post(http, "customer.updated", woo.body_of("customer_created.json", meta_data=gone,
             date_modified_gmt="2026-12-01T15:00:00"), "d-1")
    assert suppressions(engine) == ["unsubscribed"]
    stale = woo.post(http, "customer.updated", woo.body_of("customer_created.json", meta_data=back,
                     date_modified_gmt="2026-12-01T15:30:00"), "d-2")
    assert stale.json().get("resubscribed") is None and suppressions(engine) == ["unsubscribed"]

    later = woo.post(http, "customer.updated", woo.body_of("customer_created.json", meta_data=back,
                     date_modified_gmt="2026-12-01T16:30:00"), "d-3")

    assert later.json()["resubscribed"] == 1 and suppressions(engine) == []
    assert contact(engine).email_consent == "opt_in"

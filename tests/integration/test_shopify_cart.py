"""A Shopify-fed cart sequence: a checkouts/create webhook, then nothing, then the scheduler."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from bot.web.app import build_app
from scheduler import jobs
from scheduler.senders import SmtpSender
from tests.delivery_support import approved_sequence
from tests.fakes.smtp_server import FakeSMTP
from tests.scenario.test_shopify_webhooks import NOW, SECRET, Clock, body_of, post
from tools.core.clock import ManualClock

ABANDONED = {"since": "Checkout Started", "within_last": "24h", "then_not": "Order Completed"}
RECOVER = "https://demo-shop.myshopify.com/59910191/checkouts/123123123/recover?key=example-secret-token"


@pytest.fixture
def cart_email(engine, settings, monkeypatch):
    monkeypatch.setattr(settings, "shopify_webhook_secret", SECRET)
    app = build_app(settings, migrate=False)
    app.state.clock = Clock()
    with TestClient(app) as http:
        assert post(http, "checkouts/create", body_of("checkouts_create.json")).status_code == 200
    clock = ManualClock(NOW)
    approved_sequence(engine, settings, [{"delay_hours": 1, "purpose": "cart_reminder"}], segment=ABANDONED)
    with FakeSMTP() as smtp:
        for hours in (0, 2):
            clock.set(NOW + timedelta(hours=hours))
            jobs.enrol(engine, settings, clock)
            jobs.dispatch(engine, settings, clock, SmtpSender(smtp.url))
        html = smtp.messages[0].email.get_body(("html",)).get_content()
    from sqlalchemy import select

    from tools.core.models import Message

    with engine.connect() as connection:
        links = connection.scalar(select(Message.links).where(Message.status == "sent"))
    return smtp.recipients(), html, links


def test_a_shopify_checkout_alone_produces_the_cart_email(cart_email):
    recipients, html, _links = cart_email
    assert recipients == ["bob@biller.example"]
    assert "Linen Shirt" in html and "× 2" in html


def test_the_cart_button_is_the_abandoned_checkout_url_wrapped_in_click_tracking(cart_email):
    _, html, links = cart_email
    assert RECOVER in links, "the outbox signed the checkout's recovery link for this email"
    assert RECOVER not in html and RECOVER.replace("&", "&amp;") not in html, "it is only behind /c/"
    assert "/c/" in html

"""A WooCommerce-fed cart sequence: a consenting customer's pending order webhook, then nothing,
then the scheduler: the cart email's button is the order's `payment_url`, behind click tracking."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.web.app import build_app
from scheduler import jobs
from scheduler.senders import SmtpSender
from tests.delivery_support import approved_sequence
from tests.fakes.smtp_server import FakeSMTP
from tests.scenario.test_woocommerce_webhooks import (
    NOW,
    PAY,
    SECRET,
    Clock,
    body_of,
    post,
)
from tools.core.clock import ManualClock
from tools.core.models import Message

ABANDONED = {"since": "Checkout Started", "within_last": "24h", "then_not": "Order Completed"}


def test_a_pending_woocommerce_order_gets_the_cart_email_with_its_payment_link(engine, settings, monkeypatch):
    monkeypatch.setattr(settings, "woocommerce_webhook_secret", SECRET)
    app = build_app(settings, migrate=False)
    app.state.clock = Clock()
    with TestClient(app) as http:
        assert post(http, "customer.created", body_of("customer_created.json"), "d-1").status_code == 200
        assert post(http, "order.created", body_of("order_pending.json"), "d-2").status_code == 200
    clock = ManualClock(NOW)
    approved_sequence(engine, settings, [{"delay_hours": 1, "purpose": "cart_reminder"}], segment=ABANDONED)
    with FakeSMTP() as smtp:
        for hours in (0, 2):
            clock.set(NOW + timedelta(hours=hours))
            jobs.enrol(engine, settings, clock)
            jobs.dispatch(engine, settings, clock, SmtpSender(smtp.url))
        html = smtp.messages[0].email.get_body(("html",)).get_content()
        recipients = smtp.recipients()
    with engine.connect() as connection:
        links = connection.scalar(select(Message.links).where(Message.status == "sent"))

    assert recipients == ["ada@lovelace.example"]
    assert "Linen Shirt" in html
    assert PAY in links and PAY.replace("&", "&amp;") not in html and "/c/" in html

"""Concurrent shop webhooks share a transaction (group commit in `bot.web.shop_door.store`) and
still count once each: parallel deliveries and their redeliveries over HTTP, and one customer's
unsubscribe then re-subscribe held in one group, applied in the order sent.

Mutations tried: treating a key seen earlier in the same group as fresh (the redelivery test
fails: a duplicate is answered as stored), never starting a new run for a customer's consent
(the ordering test fails: the re-subscribe is checked before the unsubscribe exists).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.web import shop_door
from bot.web.app import build_app
from tests.scenario import test_shopify_webhooks as shop
from tools.core.models import Contact, Event, Suppression


def app_for(settings, monkeypatch):
    monkeypatch.setattr(settings, "shopify_webhook_secret", shop.SECRET)
    app = build_app(settings, migrate=False)
    app.state.clock = shop.Clock()
    return app


def count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def grouped(app, engine, topic: str, sends: list[tuple[str, bytes]]) -> dict[str, list[dict]]:
    """Post `sends` from threads while holding the turn, so they wait in one group in order."""
    queue = shop_door._QUEUES.setdefault(engine, shop_door._Queue())
    answers: dict[str, list[dict]] = {}

    def send(webhook_id, body):
        answers.setdefault(webhook_id, []).append(shop.post(TestClient(app), topic, body, webhook_id).json())

    with queue.turn:
        threads = []
        for webhook_id, body in sends:
            threads.append(threading.Thread(target=send, args=(webhook_id, body)))
            threads[-1].start()
            while len(queue.waiting) < len(threads):
                time.sleep(0.001)
    for thread in threads:
        thread.join()
    return answers


def test_a_redelivery_in_the_same_group_is_a_duplicate(settings, engine, monkeypatch):
    app = app_for(settings, monkeypatch)
    body = shop.body_of("orders_create.json")

    answers = grouped(app, engine, "orders/create", [("wh-1", body), ("wh-1", body), ("wh-2", body)])

    assert sorted(answers["wh-1"], key=str) == [{"success": True, "duplicate": True}, {"success": True, "stored": 2}]
    assert answers["wh-2"] == [{"success": True, "stored": 2}]
    assert count(engine, Event) == 1


def test_parallel_deliveries_and_redeliveries_store_each_order_once(settings, engine, monkeypatch):
    app = app_for(settings, monkeypatch)
    sends = [(n, shop.body_of("orders_create.json", id=1000 + n)) for n in range(12)] * 2

    def send(item):
        n, body = item
        return shop.post(TestClient(app), "orders/create", body, f"wh-{n}").json()

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, sends))

    assert sum(1 for a in answers if a.get("duplicate")) == 12
    assert sum(1 for a in answers if a.get("stored")) == 12
    assert count(engine, Event) == 12
    with engine.connect() as connection:
        assert connection.scalar(select(Contact.order_count)) == 12


def test_one_customers_consent_changes_in_one_group_apply_in_order(settings, engine, monkeypatch):
    app = app_for(settings, monkeypatch)
    assert shop.post(TestClient(app), "customers/create", shop.body_of("customers_create.json"), "wh-0").status_code == 200
    gone = {"state": "unsubscribed", "opt_in_level": "single_opt_in", "consent_updated_at": "2026-12-01T09:00:00-05:00"}
    back = {"state": "subscribed", "opt_in_level": "confirmed_opt_in", "consent_updated_at": "2026-12-01T11:30:00-05:00"}
    bodies = [("wh-1", shop.body_of("customers_create.json", email_marketing_consent=gone,
                                    updated_at="2026-12-01T09:00:00-05:00")),
              ("wh-2", shop.body_of("customers_create.json", email_marketing_consent=back,
                                    updated_at="2026-12-01T11:30:00-05:00"))]
    answers = grouped(app, engine, "customers/update", bodies)

    assert answers["wh-2"][0].get("resubscribed") == 1, answers
    assert count(engine, Suppression) == 0
    with engine.connect() as connection:
        assert connection.scalar(select(Contact.email_consent)) == "opt_in"

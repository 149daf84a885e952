"""The Segment-format ingest door over HTTP: good calls are stored, bad ones refused clearly."""

from __future__ import annotations

import base64
import gzip
from datetime import datetime, timezone

import orjson
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.web.app import build_app
from tools.core.models import Contact, Event
from tools.core.settings import load_settings

KEY = {"Authorization": "Basic " + base64.b64encode(b"test-write-key:").decode()}
VIEW = {"userId": "u1", "event": "Product Viewed", "properties": {"product_id": "p1"}}


@pytest.fixture
def http(settings):
    with TestClient(build_app(settings, migrate=False)) as client:
        yield client


def events(engine) -> list[tuple]:
    with engine.connect() as connection:
        query = select(Event.message_id, Event.name, Event.contact_id, Event.anonymous_id, Event.occurred_at)
        return list(connection.execute(query.order_by(Event.id)))


def contact(engine, user_id: str):
    with engine.connect() as connection:
        return connection.execute(select(Contact).where(Contact.user_id == user_id)).one_or_none()


def test_identify_then_track_stores_a_contact_and_its_event(http, engine):
    identify = {"userId": "u1", "messageId": "i1", "context": {"ip": "1.2.3.4"}, "sentAt": "x",
                "traits": {"email": " Ann@Example.COM ", "firstName": "Ann", "email_consent": "opt_in",
                           "consent_source": "signup_form", "country": "uk", "shoe_size": 38}}
    track = {**VIEW, "messageId": "t1", "timestamp": "2026-11-28T10:00:00+02:00", "integrations": {}}

    assert http.post("/v1/identify", headers=KEY, json=identify).json() == {"success": True}
    assert http.post("/v1/track", headers=KEY, json=track).status_code == 200

    person = contact(engine, "u1")
    assert (person.email, person.first_name, person.country) == ("ann@example.com", "Ann", "GB")
    assert person.email_consent == "opt_in" and person.consent_at is not None
    assert person.traits == {"shoe_size": 38}
    assert events(engine) == [
        ("t1", "Product Viewed", person.id, None, datetime(2026, 11, 28, 8, tzinfo=timezone.utc))
    ]


def test_an_event_for_an_unknown_user_creates_a_bare_contact(http, engine):
    http.post("/v1/track", headers=KEY, json={**VIEW, "userId": "new-user"})
    http.post("/v1/track", headers=KEY, json={"anonymousId": "anon-1", "event": "Product Viewed"})

    person = contact(engine, "new-user")
    assert person.email is None and person.email_consent == "none"
    assert [(name, anonymous) for _, name, _, anonymous, _ in events(engine)] == [
        ("Product Viewed", None), ("Product Viewed", "anon-1")
    ]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic " + base64.b64encode(b"wrong:").decode()}])
def test_a_missing_or_wrong_write_key_is_401(http, engine, headers):
    response = http.post("/v1/track", headers=headers, json=VIEW)

    assert response.status_code == 401
    assert "write key" in response.json()["error"]
    assert events(engine) == []


@pytest.mark.parametrize(
    "body, status, words",
    [
        (b'{"userId": "u1", "event": ', 400, "not valid UTF-8 JSON"),
        (b'{"userId": "u1", "event": "\xff"}', 400, "not valid UTF-8 JSON"),
        (b"[" * 5000 + b"]" * 5000, 400, "not valid UTF-8 JSON"),
        (orjson.dumps({"event": "Product Viewed"}), 400, "userId or an anonymousId"),
        (orjson.dumps({"userId": "u1"}), 400, "'event' name"),
        (orjson.dumps({**VIEW, "timestamp": "2099-01-01T00:00:00Z"}), 400, "in the future"),
        (orjson.dumps({**VIEW, "properties": {"blob": "x" * 33_000}}), 413, "at most 32 KB"),
    ],
)
def test_bad_single_calls_are_refused_with_a_reason(http, engine, body, status, words):
    response = http.post("/v1/track", headers={**KEY, "Content-Type": "application/json"}, content=body)

    assert response.status_code == status
    assert words in response.json()["error"]
    assert events(engine) == []


def test_a_batch_over_500_kb_is_413(http, engine):
    batch = [{**VIEW, "type": "track", "properties": {"pad": "y" * 20_000}} for _ in range(30)]

    response = http.post("/v1/batch", headers=KEY, json={"batch": batch})

    assert response.status_code == 413 and "500 KB" in response.json()["error"]


def test_a_mixed_batch_keeps_the_good_items_and_names_the_bad_ones(http, engine):
    batch = [
        {**VIEW, "type": "track", "messageId": "ok-1"},
        {"type": "track", "event": "Product Viewed"},
        {"type": "page", "userId": "u1"},
        {"type": "identify", "userId": "u2", "traits": {"email": "not-an-email"}},
        {"type": "identify", "userId": "u3", "traits": {"email": "c@example.com"}, "messageId": "ok-2"},
        {**VIEW, "type": "track", "messageId": "ok-3", "properties": {"big": "z" * 33_000}},
    ]

    response = http.post("/v1/batch", headers=KEY, json={"batch": batch})

    assert response.status_code == 200
    answer = response.json()
    assert answer["accepted"] == 2
    reasons = {item["index"]: item["error"] for item in answer["rejected"]}
    assert [item["index"] for item in answer["rejected"]] == [1, 2, 3, 5], "in batch order"
    assert "userId or an anonymousId" in reasons[1]
    assert "unsupported call type 'page'" in reasons[2]
    assert "traits.email" in reasons[3]
    assert "32 KB" in reasons[5]
    assert [row[0] for row in events(engine)] == ["ok-1"]
    assert contact(engine, "u3").email == "c@example.com"


def test_a_duplicate_message_id_is_stored_once(http, engine):
    for _ in range(2):
        http.post("/v1/track", headers=KEY, json={**VIEW, "messageId": "same"})
    http.post("/v1/batch", headers=KEY, json={"batch": [{**VIEW, "type": "track", "messageId": "same"}] * 3})
    first = {"userId": "u9", "messageId": "id-1", "traits": {"first_name": "Old"}}
    http.post("/v1/identify", headers=KEY, json=first)
    http.post("/v1/identify", headers=KEY, json={**first, "traits": {"first_name": "Replayed"}})

    assert [row[0] for row in events(engine)] == ["same"]
    assert contact(engine, "u9").first_name == "Old"


def test_gzip_bodies_are_accepted(http, engine):
    body = gzip.compress(orjson.dumps({"batch": [{**VIEW, "type": "track", "messageId": "g1"}]}))

    response = http.post("/v1/batch", headers={**KEY, "Content-Encoding": "gzip"}, content=body)

    assert response.json()["accepted"] == 1 and len(events(engine)) == 1


def test_requests_past_the_rate_limit_get_429_with_retry_after(settings, engine):
    app = build_app(load_settings(ingest_rate_limit=1), migrate=False)
    with TestClient(app) as client:
        answers = [client.post("/v1/track", headers=KEY, json=VIEW) for _ in range(3)]

    assert answers[0].status_code == 200
    limited = [answer for answer in answers if answer.status_code == 429]
    assert limited and int(limited[0].headers["Retry-After"]) >= 1
    assert "rate limit" in limited[0].json()["error"]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Event)) == 3 - len(limited)

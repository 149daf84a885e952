"""Hostile input through the ingest door (`POST /v1/identify`, `/v1/track`, `/v1/batch`).

Each attack must get a clear 4xx JSON error (or, for a batch, a per-item rejection) and leave
stored data unchanged: wrong or missing keys, oversize and gzip-bomb bodies, deep nesting,
invalid UTF-8, huge numbers, far-off timestamps, NULs, 10,000 distinct event names and bursts
past the per-key rate limit. Two hypothesis targets throw arbitrary JSON and arbitrary bytes.
Hostile cases tried: 50 fixed (9 key, 32 body, 1 stream, 5 batch items, 10,000 names, a burst,
an erased address) + 120 generated (2 targets x 60), per database backend.
"""

from __future__ import annotations

import gzip
import json
import time

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.security.conftest import basic, snapshot
from tools.core.models import Contact, Event

KEY = basic("test-write-key")
GOOD = {"userId": "u1", "event": "Product Viewed", "properties": {"product_id": "p1"}}
FUZZ = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth):
        value = {"n": value}
    return value


@pytest.fixture
def stored(http, engine):
    """A store with one contact and one event, and its snapshot before the attack."""
    http.post("/v1/identify", headers=KEY,
              json={"userId": "u0", "traits": {"email": "a@x.example"}})
    http.post("/v1/track", headers=KEY, json={**GOOD, "userId": "u0", "messageId": "m0"})
    return snapshot(engine)


AUTH_ATTACKS = {
    "no header": {},
    "wrong key": basic("not-the-key"),
    "key as password": basic("", "test-write-key"),
    "key with suffix": basic("test-write-keyX"),
    "key prefix": basic("test-write"),
    "bearer scheme": {"Authorization": "Bearer test-write-key"},
    "broken base64": {"Authorization": "Basic !!!notbase64"},
    "binary credentials": {"Authorization": "Basic " + "//79/A=="},
    "empty basic": {"Authorization": "Basic "},
}


def test_wrong_or_missing_key_is_401_and_stores_nothing(http, engine, stored):
    answers = {name: http.post("/v1/track", headers=headers, json={**GOOD, "messageId": name})
               for name, headers in AUTH_ATTACKS.items()}

    wrong = {name: answer.status_code for name, answer in answers.items()
             if answer.status_code != 401 or "write key" not in answer.json()["error"]}
    assert wrong == {}
    assert snapshot(engine) == stored


def call(**fields) -> bytes:
    """A track call body: the good one with `fields` changed."""
    return json.dumps({**GOOD, **fields}).encode()


def identify(traits: dict) -> bytes:
    return json.dumps({"userId": "u9", "traits": traits}).encode()


def raw(properties: bytes) -> bytes:
    return b'{"userId":"u1","event":"E","properties":' + properties + b"}"


def bodies() -> dict[str, tuple[str, bytes, dict[str, str], int]]:
    track, batch, gz = "/v1/track", "/v1/batch", {"Content-Encoding": "gzip"}
    big_batch = json.dumps({"batch": [{**GOOD, "type": "track", "properties": {"b": "y" * 20_000}}
                                      for _ in range(30)]}).encode()
    bomb = gzip.compress(call(properties={"z": "0" * 5_000_000}))
    return {
        "call over 32 KB": (track, call(properties={"blob": "x" * 40_000}), {}, 413),
        "batch over 500 KB": (batch, big_batch, {}, 413),
        "gzip bomb": (track, bomb, gz, 413),
        "not gzip": (track, b"plain", gz, 400),
        "unknown encoding": (track, b"{}", {"Content-Encoding": "br"}, 415),
        "nested 40 deep": (track, call(properties=nested(40)), {}, 400),
        "nested 100000 deep": (batch, raw(b"[" * 100_000 + b"]" * 100_000), {}, 400),
        "nested 10000 deep": (track, raw(b"[" * 10_000 + b"]" * 10_000), {}, 400),
        "invalid UTF-8": (track, b'{"userId":"u1","event":"\xff\xfe\xc0\xaf"}', {}, 400),
        "lone surrogate": (track, b'{"userId":"u1","event":"\\ud800"}', {}, 400),
        "NUL in event name": (track, b'{"userId":"u1","event":"a\\u0000b"}', {}, 400),
        "NUL in a property key": (track, raw(b'{"a\\u0000":1}'), {}, 400),
        "truncated JSON": (track, b'{"userId":"u1","event":', {}, 400),
        "NaN literal": (track, raw(b'{"v":NaN}'), {}, 400),
        "empty body": (track, b"", {}, 400),
        "JSON array": (track, b"[1,2,3]", {}, 400),
        "JSON string": (track, b'"track"', {}, 400),
        "batch not a list": (batch, b'{"batch":{"a":1}}', {}, 400),
        "integer over 64 bits": (track, raw(b'{"n":' + b"9" * 400 + b"}"), {}, 400),
        "float overflow": (track, raw(b'{"n":1e400}'), {}, 400),
        "year 9999": (track, call(timestamp="9999-12-31T23:59:59Z"), {}, 400),
        "year 1": (track, call(timestamp="0001-01-01T00:00:00Z"), {}, 400),
        "year 2999 at +14:00": (track, call(timestamp="2999-01-01T00:00:00+14:00"), {}, 400),
        "epoch 1e20": (track, call(timestamp=1e20), {}, 400),
        "garbage timestamp": (track, call(timestamp="yesterday"), {}, 400),
        "userId object": (track, call(userId={"$ne": None}), {}, 400),
        "userId 10k chars": (track, call(userId="u" * 10_000), {}, 400),
        "event 5k chars": (track, call(event="E" * 5_000), {}, 400),
        "no user": (track, json.dumps({"event": "E"}).encode(), {}, 400),
        "blank event": (track, call(event="   "), {}, 400),
        "formula as email": ("/v1/identify", identify({"email": "=cmd|' /C calc'!A0"}), {}, 400),
        "bad consent trait": ("/v1/identify", identify({"email_consent": "yes please"}), {}, 400),
    }


BODIES = bodies()


def test_hostile_bodies_get_a_clear_error_and_store_nothing(http, engine, stored):
    problems = {}
    for name, (path, body, headers, status) in BODIES.items():
        response = http.post(path, content=body,
                             headers={**KEY, "Content-Type": "application/json", **headers})
        error = response.json().get("error") if response.status_code != 500 else None
        clear = isinstance(error, str) and 10 < len(error) < 500
        if response.status_code != status or not clear:
            problems[name] = (response.status_code, response.text[:200])
        elif snapshot(engine) != stored:
            problems[name] = "stored data changed"
    assert problems == {}


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(http, engine, stored):
    def chunks():
        yield b'{"userId":"u1","event":"E","properties":{"x":"'
        for _ in range(100):
            yield b"x" * 10_000
        yield b'"}}'

    response = http.post("/v1/track", headers=KEY, content=chunks())

    assert response.status_code == 413
    assert snapshot(engine) == stored


def test_bad_items_in_a_batch_are_rejected_one_by_one_and_good_ones_kept(http, engine, stored):
    items = [
        {**GOOD, "type": "track", "messageId": "ok-1"},
        {**GOOD, "type": "alias"},
        "not an object",
        {**GOOD, "type": "track", "timestamp": "9999-01-01T00:00:00Z"},
        {**GOOD, "type": "track", "properties": nested(40)},
        {**GOOD, "type": "track", "messageId": "ok-2", "event": "'; DROP TABLE events; --"},
    ]

    response = http.post("/v1/batch", headers=KEY, json={"batch": items})

    assert response.status_code == 200
    answer = response.json()
    assert answer["accepted"] == 2
    assert [r["index"] for r in answer["rejected"]] == [1, 2, 3, 4]
    assert all(len(r["error"]) > 10 for r in answer["rejected"])
    with engine.connect() as connection:
        names = set(connection.scalars(select(Event.name)))
    assert "'; DROP TABLE events; --" in names, "SQL-looking text is stored as plain text"


def test_ten_thousand_distinct_event_names_are_stored_without_harm(http, engine, stored):
    started = time.monotonic()
    for start in range(0, 10_000, 2_000):
        batch = [{"type": "track", "userId": f"u{n % 50}", "event": f"Spam Event {n}",
                  "messageId": f"spam-{n}"} for n in range(start, start + 2_000)]
        response = http.post("/v1/batch", headers=KEY, json={"batch": batch})
        assert response.status_code == 200 and response.json()["accepted"] == 2_000

    assert time.monotonic() - started < 30
    with engine.connect() as connection:
        assert connection.scalar(select(func.count(func.distinct(Event.name)))) == 10_001
    after = snapshot(engine)
    assert set(stored["contacts"]) <= set(after["contacts"]), "existing contacts are untouched"
    assert http.get("/healthz").status_code == 200


def test_a_burst_past_the_rate_limit_gets_429_with_retry_after(settings, engine, monkeypatch):
    from starlette.testclient import TestClient

    from bot.web.app import build_app
    from tools.core.settings import load_settings

    monkeypatch.setenv("NUDGE_INGEST_RATE_LIMIT", "5")
    with TestClient(build_app(load_settings())) as client:
        answers = [client.post("/v1/track", headers=KEY, json={**GOOD, "messageId": f"b{n}"})
                   for n in range(20)]
        other = client.post("/v1/track", headers=basic("wrong"), json=GOOD)

    statuses = [answer.status_code for answer in answers]
    assert statuses[:5] == [200] * 5 and 429 in statuses
    limited = next(answer for answer in answers if answer.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1
    assert "rate limit" in limited.json()["error"]
    assert other.status_code == 401, "a wrong key is refused, not counted against the real one"
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Event)) == statuses.count(200)


def test_identify_cannot_resubscribe_an_erased_address(http, engine, settings):
    from tools import registry
    from tools.core.context import ToolContext
    from tools.core.db import session_scope

    http.post("/v1/identify", headers=KEY, json={
        "userId": "u5", "traits": {"email": "gone@x.example", "email_consent": "opt_in",
                                   "consent_source": "signup"}})
    with session_scope(engine) as db:
        registry.call(ToolContext(db=db, settings=settings, confirmed=True), "forget_contact",
                      {"contact": "gone@x.example"})

    http.post("/v1/identify", headers=KEY, json={
        "userId": "u5", "traits": {"email": "gone@x.example", "email_consent": "opt_in"}})

    with engine.connect() as connection:
        consent = connection.scalar(select(Contact.email_consent).where(Contact.user_id == "u5"))
    assert consent == "none"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
CALL_LIKE = st.fixed_dictionaries(
    {}, optional={
        "type": st.sampled_from(["track", "identify", "page", "", None]),
        "userId": st.one_of(st.text(max_size=300), st.integers(), st.none(), JSON_VALUES),
        "anonymousId": st.one_of(st.text(max_size=20), st.none()),
        "event": st.one_of(st.text(max_size=250), JSON_VALUES),
        "timestamp": st.one_of(st.text(max_size=30), st.integers(), st.datetimes().map(str)),
        "traits": st.one_of(st.dictionaries(st.sampled_from(
            ["email", "first_name", "country", "timezone", "email_consent", "ad_consent", "x"]),
            JSON_VALUES, max_size=5), JSON_VALUES),
        "properties": JSON_VALUES,
    })


@FUZZ
@given(items=st.lists(CALL_LIKE | JSON_VALUES, max_size=5))
def test_fuzz_batches_never_fail_the_server(http, items):
    response = http.post("/v1/batch", headers=KEY, json={"batch": items})

    assert response.status_code in (200, 400, 413), response.text
    answer = response.json()
    if response.status_code == 200:
        assert answer["accepted"] + len(answer["rejected"]) == len(items)
    else:
        assert answer["error"]


@FUZZ
@given(body=st.binary(max_size=300),
       path=st.sampled_from(["/v1/track", "/v1/identify", "/v1/batch"]))
def test_fuzz_raw_bytes_never_fail_the_server(http, body, path):
    response = http.post(path, headers=KEY, content=body)

    assert 200 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")

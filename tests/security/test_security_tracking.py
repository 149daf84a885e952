"""Hostile input through the tracking and unsubscribe door (`/o/`, `/c/`, `/u/`).

Tokens are forged, truncated, padded, re-signed with another secret, swapped between kinds,
pointed at messages that do not exist and replayed; click tokens try to leave for another site
(an open redirect). Every forged request gets 404 and records nothing; a replayed unsubscribe
changes nothing the second time. A hypothesis target throws arbitrary token strings at all four
routes. Hostile cases tried: 84 fixed (16 forged tokens x 4 routes, 7 redirect targets, 1 query
steer, 4 unknown messages, 3 replays, 1 GET, 4 bad one-click bodies) + 50 generated, per backend.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from tests.privacy_data import add_person
from tests.security.conftest import snapshot
from tools.core.db import session_scope
from tools.core.models import Draft, Message, MessageEvent, Suppression
from tools.core.tokens import make_token

SECRET = "test-secret-0123456789abcdef"
SALT = "nudge.tracking.v1"
CART = "https://shop.example/cart"
NOW = datetime.now(timezone.utc)
FUZZ = hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def message_id(engine) -> int:
    """A sent message whose approved draft links to the shop's cart page."""
    with session_scope(engine) as db:
        message = db.get(Message, add_person(db, NOW).sent_id)
        draft = db.scalar(select(Draft).order_by(Draft.id))
        draft.text = f"Your cart is waiting: {CART}"
        message.draft_id = draft.id
        return message.id


def forged_payloads(message_id: int, route: str) -> dict[str, str]:
    """Tokens an attacker can build without the secret, or by mangling a real one."""
    real_click = make_token(SECRET, "click", message_id, CART)
    other_kind = real_click if route == "/o/" else make_token(SECRET, "open", message_id)
    payload, _, signature = real_click.rpartition(".")
    evil_payload = base64.urlsafe_b64encode(json.dumps([1, message_id, "https://evil.example"])
                                            .encode()).decode().rstrip("=")
    return {
        "another secret": URLSafeSerializer("guess", salt=SALT).dumps([1, message_id, CART]),
        "no salt": URLSafeSerializer(SECRET).dumps([1, message_id, CART]),
        "payload swapped for evil URL": f"{evil_payload}.{signature}",
        "truncated by one": real_click[:-1],
        "truncated to half": real_click[: len(real_click) // 2],
        "signature removed": payload,
        "signature only": signature,
        "padded": real_click + "AAAA",
        "case flipped": real_click.swapcase(),
        "token of another kind": other_kind,
        "empty-ish": ".",
        "dots": "....",
        "traversal": "..%2F..%2Fetc%2Fpasswd",
        "unicode": "ťøķëñ",
        "very long": "A" * 20_000,
        "JSON injection": '[1,1,"https://evil.example"]',
    }


ROUTES = [("GET", "/o/"), ("GET", "/c/"), ("GET", "/u/"), ("POST", "/u/")]


def hit(http, method: str, route: str, token: str):
    body = b"List-Unsubscribe=One-Click" if method == "POST" else None
    return http.request(method, route + token, content=body, follow_redirects=False,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})


@pytest.mark.parametrize("method, route", ROUTES)
def test_forged_tokens_get_404_and_record_nothing(http, engine, message_id, method, route):
    before = snapshot(engine)

    answers = {name: hit(http, method, route, token)
               for name, token in forged_payloads(message_id, route).items()}

    wrong = {name: answer.status_code for name, answer in answers.items()
             if answer.status_code not in (404, 414)}
    assert wrong == {}
    assert all("evil" not in answer.headers.get("location", "") for answer in answers.values())
    assert snapshot(engine) == before


@pytest.mark.parametrize("target", [
    "https://evil.example/phish", "//evil.example", "javascript:alert(1)",
    "https://shop.example.evil.example/cart", "https://shop.example/cart@evil.example",
    CART + "?next=https://evil.example", "data:text/html,<script>alert(1)</script>",
])
def test_a_validly_signed_click_cannot_leave_the_approved_draft(http, engine, message_id, target):
    token = make_token(SECRET, "click", message_id, target)

    response = hit(http, "GET", "/c/", token)

    assert response.status_code == 404
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(MessageEvent).where(
            MessageEvent.kind == "click")) == 0


def test_the_approved_link_still_redirects_and_query_strings_cannot_steer_it(http, message_id):
    token = make_token(SECRET, "click", message_id, CART)

    response = http.get(f"/c/{token}?url=https://evil.example&next=//evil.example",
                        follow_redirects=False)

    assert response.status_code == 302 and response.headers["location"] == CART


def test_tokens_for_messages_that_do_not_exist_are_404(http, engine, message_id):
    before = snapshot(engine)

    answers = [hit(http, "GET", "/o/", make_token(SECRET, "open", 999_999)),
               hit(http, "GET", "/c/", make_token(SECRET, "click", 999_999, CART)),
               hit(http, "POST", "/u/", make_token(SECRET, "unsubscribe", 999_999)),
               hit(http, "GET", "/o/", make_token(SECRET, "open", -1))]

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert snapshot(engine) == before


def test_a_replayed_unsubscribe_changes_nothing_the_second_time(http, engine, message_id):
    token = make_token(SECRET, "unsubscribe", message_id)

    first = hit(http, "POST", "/u/", token)
    after_first = snapshot(engine)
    replays = [hit(http, "POST", "/u/", token) for _ in range(3)]

    assert first.status_code == 200 and all(r.status_code == 200 for r in replays)
    assert snapshot(engine) == after_first
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Suppression)) == 1


def test_get_on_the_unsubscribe_link_never_unsubscribes(http, engine, message_id):
    before = snapshot(engine)

    page = hit(http, "GET", "/u/", make_token(SECRET, "unsubscribe", message_id))

    assert page.status_code == 200 and "<form" in page.text
    assert snapshot(engine) == before


@pytest.mark.parametrize("body", [b"", b"List-Unsubscribe=Yes", b"x" * 10_000,
                                  b"List-Unsubscribe=One-Click&List-Unsubscribe=One-Click"])
def test_a_one_click_post_without_the_rfc8058_body_changes_nothing(http, engine, message_id, body):
    before = snapshot(engine)

    response = http.post("/u/" + make_token(SECRET, "unsubscribe", message_id), content=body)

    assert response.status_code == 400
    assert snapshot(engine) == before


@FUZZ
@given(token=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                     max_size=200),
       route=st.sampled_from(ROUTES))
def test_fuzz_arbitrary_tokens_are_404(http, message_id, token, route):
    method, prefix = route
    safe = token.replace("/", "_").replace("?", "_").replace("#", "_").replace("%", "_")

    response = hit(http, method, prefix, safe)

    assert response.status_code in (404, 405, 414), response.text

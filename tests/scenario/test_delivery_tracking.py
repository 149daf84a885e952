"""The tracking door over HTTP: open pixel, click redirect, unsubscribe page and one-click POST."""

from __future__ import annotations

import mailbox
import re
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from scheduler import jobs
from scheduler.senders import sender_for
from tests.delivery_support import START, add_contacts, call, days
from tools.core.clock import ManualClock
from tools.core.db import session_scope
from tools.core.models import Contact, MessageEvent, Suppression

SALE = "https://shop.example/winter-sale"


@pytest.fixture
def delivered(engine, settings):
    """One email sent to u0 (into the Maildir), whose draft links to SALE; returns its HTML."""
    add_contacts(engine, 1)
    created = call(engine, settings, "create_sequence", {
        "name": "Sale", "segment": {"attribute": "email", "op": "exists"},
        "steps": [{"delay_hours": 1, "purpose": "announcement", "brief": "Winter sale"}]})
    revised = call(engine, settings, "revise_draft", {"draft_id": created.draft_ids[0], "cta_url": SALE})
    call(engine, settings, "approve_draft", {"draft_id": revised.draft_id})
    call(engine, settings, "schedule_campaign", {"campaign": "Sale"})
    clock = ManualClock(START)
    jobs.enrol(engine, settings, clock)
    clock.advance(days(1))
    jobs.dispatch(engine, settings, clock, sender_for(settings))
    [raw] = [m.as_bytes() for m in mailbox.Maildir(settings.outbox_dir, create=False)]
    return message_from_bytes(raw, policy=policy.default)


@pytest.fixture
def client(settings):
    from bot.web.app import build_app

    with TestClient(build_app(settings), follow_redirects=False) as test_client:
        yield test_client


def path_of(url: str) -> str:
    return url.removeprefix("https://nudge.shop.example")


def links(email, prefix: str) -> list[str]:
    html = email.get_body(("html",)).get_content()
    return [path_of(url.replace("&amp;", "&")) for url in
            re.findall(rf'(https://nudge\.shop\.example/{prefix}/[^"]+)"', html)]


def events(engine) -> list[str]:
    with session_scope(engine) as db:
        return list(db.scalars(select(MessageEvent.kind).order_by(MessageEvent.id)))


def suppressed(engine) -> int:
    with session_scope(engine) as db:
        return db.scalar(select(func.count()).select_from(Suppression))


def test_open_pixel_and_click_are_recorded_and_redirect_only_to_the_draft(engine, delivered, client):
    [pixel] = links(delivered, "o")
    response = client.get(pixel)
    assert response.status_code == 200 and response.headers["content-type"] == "image/gif"
    [click] = links(delivered, "c")
    response = client.get(click)
    assert response.status_code == 302 and response.headers["location"] == SALE
    assert events(engine) == ["open", "click"]


def test_forged_or_altered_tokens_get_404_and_change_nothing(engine, delivered, client):
    [click] = links(delivered, "c")
    unsubscribe = path_of(delivered["List-Unsubscribe"].split("<")[1].split(">")[0])
    altered = [click[:-3] + ("AAA" if not click.endswith("AAA") else "BBB"),
               unsubscribe[:-2] + "xx", "/o/not-a-token", "/c/" + unsubscribe.split("/u/")[1]]
    for path in altered:
        assert client.get(path).status_code == 404, path
    response = client.post(unsubscribe[:-2] + "xx", content=b"List-Unsubscribe=One-Click",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 404
    assert events(engine) == [] and suppressed(engine) == 0


def test_the_unsubscribe_page_asks_first_and_the_post_suppresses_once(engine, delivered, client):
    path = path_of(delivered["List-Unsubscribe"].split("<")[1].split(">")[0])
    page = client.get(path)
    assert page.status_code == 200 and 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert suppressed(engine) == 0, "a GET (a mail scanner) must not unsubscribe"
    assert client.post(path, content=b"nonsense=1",
                       headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 400
    for _ in range(2):
        response = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200 and "no more marketing emails" in response.text
    assert suppressed(engine) == 1 and events(engine) == ["unsubscribe"]
    with session_scope(engine) as db:
        assert db.scalar(select(Contact.email_consent)) == "opt_out"


def test_the_email_carries_the_footer_and_one_click_headers(delivered, settings):
    assert delivered["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = delivered.get_body(("plain",)).get_content()
    assert "https://nudge.shop.example/u/" in text and settings.postal_address in text
    assert delivered["Message-ID"].endswith("@shop.example>")

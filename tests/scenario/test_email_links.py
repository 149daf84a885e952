"""Real emails, sent through the outbox into the Maildir, with every link followed over HTTP.

Each cart email's button leads to the cart by the rule in tools.drafting.cart_link (checkout_url, then a
Shopify cart permalink, then the shop's cart page), carries the step's discount code, and every
link of both parts goes through a signed `/c/` redirect that records a click and answers 302 to
the real destination; a token moved to another message's id leads nowhere.
"""

from __future__ import annotations

import mailbox
import re
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from scheduler import jobs
from scheduler.senders import sender_for
from tests.delivery_support import START, add_contacts, approved_sequence, days, track
from tools.core.clock import ManualClock
from tools.core.db import session_scope
from tools.core.models import Message, MessageEvent
from tools.core.tokens import make_token

SHOP = "https://shop.example"
CHECKOUT = f"{SHOP}/12345/checkouts/abc/recover?key=k1"
TRACKER = "https://nudge.shop.example"


@pytest.fixture
def shop_settings(settings):
    return settings.model_copy(update={"shop_url": SHOP})


@pytest.fixture
def emails(engine, shop_settings):
    """Day-1 cart_discount emails for three carts, by recipient address."""
    add_contacts(engine, 3)
    at = START - days(0.5)
    track(engine, "u0", "Product Added", at, product_id="p1", name="Tote Bag", price=40, variant_id=111)
    track(engine, "u0", "Checkout Started", at + days(0.01), cart_id="c0", checkout_url=CHECKOUT,
          products=[{"product_id": "p1", "name": "Tote Bag", "price": 40, "variant_id": 111}])
    track(engine, "u1", "Product Added", at, product_id="p1", name="Tote Bag", price=40, variant_id=111, quantity=2)
    track(engine, "u1", "Product Added", at, product_id="p2", name="Wool Scarf", price=20, variant="222",
          url=f"{SHOP}/products/wool-scarf")
    track(engine, "u2", "Product Added", at, product_id="p3", name="Oak Tray", price=30,
          url=f"{SHOP}/products/oak-tray")
    approved_sequence(engine, shop_settings, [{"delay_hours": 1, "purpose": "cart_discount",
                                               "discount_percent": 10, "discount_code": "WINTER25"}])
    clock = ManualClock(START)
    jobs.enrol(engine, shop_settings, clock)
    clock.advance(days(1))
    jobs.dispatch(engine, shop_settings, clock, sender_for(shop_settings))
    found = {}
    for item in mailbox.Maildir(shop_settings.outbox_dir, create=False):
        email = message_from_bytes(item.as_bytes(), policy=policy.default)
        found[email["To"].addresses[0].addr_spec] = email
    return found


@pytest.fixture
def client(shop_settings):
    from bot.web.app import build_app

    with TestClient(build_app(shop_settings), follow_redirects=False) as test_client:
        yield test_client


def parts(email) -> tuple[str, str]:
    assert email.get_content_type() == "multipart/alternative"
    return email.get_body(("html",)).get_content(), email.get_body(("plain",)).get_content()


def destinations(email, client) -> set[str]:
    """Follow every link of both parts; each must be a tracked redirect to a real URL."""
    html, text = parts(email)
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*)"', html)]
    urls = hrefs + re.findall(r"https?://\S+", text)
    assert "" not in hrefs
    untracked = {u for u in urls if not u.startswith(f"{TRACKER}/c/") and "/u/" not in u}
    assert untracked == set(), "every link but unsubscribe goes through the click redirect"
    found = set()
    for url in (u for u in urls if u.startswith(f"{TRACKER}/c/")):
        response = client.get(url.removeprefix(TRACKER))
        assert response.status_code == 302, url
        found.add(response.headers["location"])
    return found


def clicks(engine) -> int:
    with session_scope(engine) as db:
        return db.scalar(select(func.count()).select_from(MessageEvent).where(MessageEvent.kind == "click"))


def test_every_cart_link_opens_the_cart_with_the_code_and_every_click_is_recorded(engine, emails, client):
    assert set(emails) == {"u0@example.com", "u1@example.com", "u2@example.com"}
    for email in emails.values():
        html, text = parts(email)
        assert "WINTER25" in html and "Use code WINTER25 at checkout" in text
    checkout = destinations(emails["u0@example.com"], client)
    permalink = destinations(emails["u1@example.com"], client)
    cart_page = destinations(emails["u2@example.com"], client)

    assert f"{CHECKOUT}&discount=WINTER25" in checkout
    assert f"{SHOP}/cart/111:2,222:1?discount=WINTER25" in permalink
    assert f"{SHOP}/products/wool-scarf" in permalink  # the cart item's own link, tracked too
    assert f"{SHOP}/discount/WINTER25?redirect=/cart" in cart_page
    with engine.connect() as connection:
        followed = connection.scalar(select(func.count()).select_from(MessageEvent)
                                     .where(MessageEvent.kind == "click"))
    html_links = sum(len(re.findall(r'href="https://nudge\.shop\.example/c/', parts(e)[0])) for e in emails.values())
    text_links = sum(len(re.findall(r"https://nudge\.shop\.example/c/", parts(e)[1])) for e in emails.values())
    assert followed == html_links + text_links > 6


def test_a_cart_link_is_only_good_on_the_message_that_carried_it(engine, emails, client, shop_settings):
    with session_scope(engine) as db:
        ids = dict(db.execute(select(Message.contact_id, Message.id)).all())
        u0_links = db.get(Message, ids[1]).links
    assert f"{CHECKOUT}&discount=WINTER25" in u0_links
    moved = make_token(shop_settings.secret, "click", ids[2], f"{CHECKOUT}&discount=WINTER25")

    assert client.get(f"/c/{moved}").status_code == 404
    assert clicks(engine) == 0

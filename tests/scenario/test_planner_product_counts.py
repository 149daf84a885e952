"""Browsing words with a product and a negation, counted through the offline planner and checked
against SQL written here: "viewed shoes" keeps the product (its name or category), and "viewed
... but didn't add to cart" leaves out whoever added to cart.

Mutations tried: dropping the `where` filter in `extract._about_product` fails
`test_viewed_a_product_by_name_or_category`; dropping the "not Product Added" part fails
`test_viewed_but_did_not_add_to_cart`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.engine.conversation import Conversation
from tests.count_support import reply_number
from tests.delivery_support import ingest, track

NOW = datetime.now(timezone.utc)


def _people(engine, *users: str) -> None:
    for user in users:
        ingest(engine, [{"type": "identify", "userId": user, "timestamp": (NOW - timedelta(days=9)).isoformat(),
                         "traits": {"email": f"{user}@example.com", "email_consent": "opt_in"}}], NOW - timedelta(days=9))


def _ask(engine, settings, words: str) -> str:
    return Conversation(engine, settings, use_agent=False).handle(words, "UAPPROVER", "T1").text


def test_viewed_a_product_by_name_or_category(engine, settings):
    _people(engine, "a", "b", "c", "d")
    track(engine, "a", "Product Viewed", NOW - timedelta(days=1), name="Leather Loafer", category="Shoes")
    track(engine, "b", "Product Viewed", NOW - timedelta(days=2), name="Running Shoes", category="Sport")
    track(engine, "c", "Product Viewed", NOW - timedelta(days=1), name="Wool Belt", category="Accessories")
    track(engine, "d", "Product Viewed", NOW - timedelta(days=1), name="Oxford Shoe", category="Shoes")
    track(engine, "d", "Order Completed", NOW - timedelta(hours=2), total=80.0)  # bought since
    reply = _ask(engine, settings, "how many people looked at shoes in the last 7 days?")
    assert "'shoe'" in reply.splitlines()[0] and "not ordered" not in reply.splitlines()[0]
    assert reply_number(reply) == 3  # a (category), b (name), d (viewed, whatever they did next); not c (belt)
    # only words of abandonment add "and have not ordered since" (two outside testers read it so)
    abandoned = _ask(engine, settings, "how many people looked at shoes in the last 7 days but didn't buy?")
    assert reply_number(abandoned) == 2  # not d, who ordered since


def test_viewed_but_did_not_add_to_cart(engine, settings):
    _people(engine, "a", "b", "c")
    for user in ("a", "b", "c"):
        track(engine, user, "Product Viewed", NOW - timedelta(hours=20), name="Midi Sundress")
    track(engine, "b", "Product Added", NOW - timedelta(hours=19), name="Midi Sundress")
    reply = _ask(engine, settings, "how many people viewed a product in the last 2 days but didn't add it to cart?")
    assert "without adding anything to cart" in reply.splitlines()[0]
    assert reply_number(reply) == 2  # a and c; b added to cart

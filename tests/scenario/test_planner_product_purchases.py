"""What people bought, in words: "how many bought the cashmere scarf", "customers who ordered
accessories last month", "never bought shoes". Through the conversation engine and the offline
planner on a seeded demo store, on both databases: the count in the reply must equal the one
computed here in plain Python from the raw order lines and the catalogue (an order line names a
product by its own name, or by its catalogue name or category through its product id).

Mutations tried: the planner without `stages.bought_products` fails every case (the product
was dropped; the reply counted every buyer); `sql.json_test` without the line test
(`json_lines_contain`) fails them too (a product list is no string, so nobody matched); the
line test without the catalogue lookup fails the category cases ("accessories" is a category,
never in an order line's name).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from sqlalchemy import text

from bot.engine.conversation import Conversation
from tests.count_support import aware, reply_number
from tools.ingest.seed import seed_store

NOW = datetime.now(timezone.utc)


@pytest.fixture
def store(engine):
    seed_store(engine, contacts=200, now=NOW)
    with engine.connect() as connection:
        people = {row.id: row.country for row in connection.execute(text("SELECT id, country FROM contacts"))}
        catalogue = {row.id: f"{row.name} {row.category}".lower() for row in connection.execute(
            text("SELECT id, name, category FROM products"))}
        orders = defaultdict(list)
        for row in connection.execute(text("SELECT contact_id, occurred_at, properties FROM events WHERE name = 'Order Completed'")):
            properties = row.properties if isinstance(row.properties, dict) else orjson.loads(row.properties)
            words = " ".join(f"{line['name']} {catalogue.get(line['product_id'], '')}".lower() for line in properties["products"])
            orders[row.contact_id].append((aware(row.occurred_at), words))
    return people, orders


def _bought(orders, key, word, since=None) -> bool:
    return any(word in words and (since is None or at >= since) for at, words in orders.get(key, []))


CASES = {
    "how many people bought the cashmere scarf":
        lambda people, orders: [k for k in people if _bought(orders, k, "cashmere scarf")],
    "customers who ordered accessories in the last 30 days?":
        lambda people, orders: [k for k in people if _bought(orders, k, "accessorie", NOW - timedelta(days=30))],
    "how many shoppers in the uk purchased scarves or belts":
        lambda people, orders: [k for k, country in people.items() if country == "GB"
                                and (_bought(orders, k, "scarf") or _bought(orders, k, "belt"))],
    # two purchases, each its own way (Mutation tried: without the several-purchases branch of
    # `stages.bought_products` this read "never ordered shoes", the opposite of what was asked)
    "how many bought shoes and never bought accessories?":
        lambda people, orders: [k for k in people if _bought(orders, k, "shoe") and not _bought(orders, k, "accessorie")],
    "how many bought the cashmere belt or the wool scarf ever":
        lambda people, orders: [k for k in people if _bought(orders, k, "cashmere belt") or _bought(orders, k, "wool scarf")],
    "how many customers have never bought shoes":
        lambda people, orders: [k for k in people if orders.get(k) is not None and not _bought(orders, k, "shoe")]
        + [k for k in people if orders.get(k) is None],
}


@pytest.mark.parametrize("phrasing", list(CASES))
def test_the_count_of_a_products_buyers_equals_the_count_from_the_order_lines(engine, settings, store, phrasing):
    people, orders = store
    expected = len(CASES[phrasing](people, orders))
    reply = Conversation(engine, settings, use_agent=False).handle(phrasing, "UAPPROVER", f"T-{hash(phrasing)}")
    first = reply.text.splitlines()[0]
    assert first.startswith("Read as:") and "(by product name or category)" in first, reply.text
    assert "I did not use" not in reply.text, reply.text
    assert reply_number(reply.text) == expected, reply.text
    assert 0 < expected < len(people)  # the store has both buyers and non-buyers of it: the test can fail


def test_words_that_name_no_product_are_no_product(engine, settings, store):
    # "bought twice", "ordered in the last 30 days": the order count and window, no product.
    people, orders = store
    since = NOW - timedelta(days=30)
    expected = [k for k in people if any(at >= since for at, _ in orders.get(k, []))]
    reply = Conversation(engine, settings, use_agent=False).handle(
        "how many bought something in the last 30 days", "UAPPROVER", "T-no-product")
    assert "product name" not in reply.text, reply.text
    assert reply_number(reply.text) == len(expected), reply.text

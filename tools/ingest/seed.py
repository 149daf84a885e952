"""A deterministic, realistic demo store: catalogue, contacts with consents, and their shopping.

`seed_store()` fills an empty database (check with `store_is_empty()`) with a 60-product
catalogue, contacts `u1..uN` across the US, Canada, the UK and the EU (each with a matching time
zone and a realistic consent mix: opt-in, soft opt-in, none, some unsubscribed or bounced with
suppression rows, some do-not-sell, EU ad consent for some), and sessions over the last D days:
Product Viewed -> Product Added -> Checkout Started -> Order Completed, with some carts abandoned
in the last 24 hours. Before that clickstream window, returning customers also have an order
history going back to their sign-up (orders only, as a shop's order export would give), so
lifetime spend and "lapsed for 60 days" mean something. The same seed gives the same store. It is built for size (a million
contacts, ten million events): rows are generated in chunks as plain tuples and written with
the driver's executemany on SQLite and COPY on PostgreSQL, never through the ORM.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import orjson
from sqlalchemy import Engine, func, select

from tools.audience import recipes
from tools.audience.segments import count_members
from tools.audience.spec import SegmentSpec
from tools.core.db import session_scope
from tools.core.identity import email_hash, email_salt
from tools.core.models import Contact, Event, Product

CHUNK = 20_000
SESSIONS_PER_DAY = 0.1
# Orders a year before the clickstream window, by kind of customer: most never came back.
PAST_ORDERS_PER_YEAR = ((0.55, 0.0), (0.3, 1.0), (0.15, 4.0))
SHOP = "https://shop.example"
CATEGORIES = {
    "Shirts": (["Linen", "Oxford", "Flannel", "Denim", "Poplin"], ["Shirt", "Overshirt"], (29, 79)),
    "Dresses": (["Wrap", "Midi", "Slip", "Shirt", "Knit"], ["Dress", "Sundress"], (49, 149)),
    "Shoes": (["Canvas", "Leather", "Suede", "Running", "Trail"], ["Sneaker", "Loafer"], (59, 189)),
    "Bags": (["Tote", "Weekender", "Crossbody", "Canvas", "Leather"], ["Bag", "Backpack"], (39, 229)),
    "Accessories": (["Wool", "Silk", "Cashmere", "Leather", "Cotton"], ["Scarf", "Belt"], (15, 99)),
    "Home": (["Ceramic", "Linen", "Oak", "Stoneware", "Cotton"], ["Mug Set", "Throw"], (19, 129)),
}
FIRST = ["Ava", "Liam", "Noah", "Emma", "Mia", "Lucas", "Sofia", "Leon", "Chloe", "Hugo", "Lea",
         "Finn", "Olivia", "James", "Amelia", "Mateo", "Isla", "Oscar", "Zoe", "Elias", "Nora",
         "Ethan", "Grace", "Louis", "Alice", "Jonas", "Maya", "Adam", "Julia", "Theo"]
LAST = ["Smith", "Johnson", "Brown", "Garcia", "Miller", "Martin", "Bernard", "Dubois", "Muller",
        "Schmidt", "Rossi", "Russo", "Lopez", "Martinez", "Taylor", "Wilson", "Murphy", "Kelly",
        "Jansen", "de Vries", "Nowak", "Kowalski", "Andersson", "Nilsson", "Tremblay", "Roy",
        "Singh", "Chen", "Walsh", "Evans"]
DOMAINS = ["example.com", "example.net", "example.org", "mail.example"]
# country, weight, [(region, time zone), ...]
GEOGRAPHY = [
    ("US", 40, [("NY", "America/New_York"), ("FL", "America/New_York"), ("IL", "America/Chicago"),
                ("TX", "America/Chicago"), ("CO", "America/Denver"), ("CA", "America/Los_Angeles"),
                ("WA", "America/Los_Angeles")]),
    ("CA", 10, [("ON", "America/Toronto"), ("QC", "America/Toronto"), ("BC", "America/Vancouver"),
                ("AB", "America/Edmonton")]),
    ("GB", 18, [("England", "Europe/London"), ("Scotland", "Europe/London"), ("Wales", "Europe/London")]),
    ("DE", 9, [("Berlin", "Europe/Berlin"), ("Bayern", "Europe/Berlin")]),
    ("FR", 8, [("Ile-de-France", "Europe/Paris"), ("Occitanie", "Europe/Paris")]),
    ("ES", 4, [("Madrid", "Europe/Madrid")]),
    ("IT", 4, [("Lombardia", "Europe/Rome")]),
    ("NL", 3, [("Noord-Holland", "Europe/Amsterdam")]),
    ("IE", 2, [("Dublin", "Europe/Dublin")]),
    ("SE", 1, [("Stockholm", "Europe/Stockholm")]),
    ("PL", 1, [("Mazowieckie", "Europe/Warsaw")]),
]
WEIGHTS = [weight for _, weight, _ in GEOGRAPHY]
EUROPE = {"GB", "DE", "FR", "ES", "IT", "NL", "IE", "SE", "PL"}
CONTACT_COLUMNS = (
    "id", "user_id", "email", "email_hash", "first_name", "last_name", "timezone", "country",
    "region", "email_consent", "consent_source", "consent_at", "ad_consent", "do_not_sell",
    "traits", "created_at", "updated_at",
)
EVENT_COLUMNS = ("contact_id", "name", "properties", "occurred_at", "received_at")
SUPPRESSION_COLUMNS = ("email_hash", "reason", "source", "created_at")
PRODUCT_COLUMNS = ("id", "name", "price", "currency", "category", "image_url", "url")


@dataclass
class SeedSummary:
    contacts: int = 0
    events: int = 0
    products: int = 0
    orders: int = 0
    past_orders: int = 0
    abandoned_carts_24h: int = 0  # cart abandoners (tools.audience.recipes), counted on the stored events
    abandoned_checkouts_24h: int = 0  # the narrower checkout abandoners
    unsubscribed: int = 0
    bounced: int = 0
    do_not_sell: int = 0
    seconds: float = 0.0
    days: int = 0
    by_country: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        countries = ", ".join(f"{code} {count:,}" for code, count in sorted(self.by_country.items()))
        return [
            f"{self.products} products, {self.contacts:,} contacts ({countries})",
            f"{self.events:,} events: {self.orders:,} orders in the last {self.days} days "
            f"and {self.past_orders:,} before, "
            f"{self.abandoned_carts_24h:,} carts abandoned in the last 24 hours "
            f"({self.abandoned_checkouts_24h:,} of them at checkout)",
            f"{self.unsubscribed:,} unsubscribed, {self.bounced:,} bounced, "
            f"{self.do_not_sell:,} do-not-sell; took {self.seconds:.1f} s",
        ]


def store_is_empty(engine: Engine) -> bool:
    """True when there are no contacts, events or products yet (safe to seed)."""
    with engine.connect() as connection:
        return all(
            connection.scalar(select(func.count()).select_from(select(model.id).limit(1).subquery())) == 0
            for model in (Contact, Event, Product)
        )


def seed_store(
    engine: Engine,
    contacts: int,
    days: int = 30,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> SeedSummary:
    """Fill an empty store; `progress(done, total)` is called as contacts are written."""
    started = time.perf_counter()
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    with session_scope(engine) as db:
        salt = email_salt(db)
    maker = _StoreMaker(seed, salt, now, days)
    with _BackgroundWriter(_writer(engine)) as writer:
        writer.write("products", PRODUCT_COLUMNS, maker.product_rows())
        for first in range(1, contacts + 1, CHUNK):
            last = min(first + CHUNK, contacts + 1)
            people, events, suppressions = maker.chunk(first, last)
            writer.write("contacts", CONTACT_COLUMNS, people)
            writer.write("suppressions", SUPPRESSION_COLUMNS, suppressions)
            writer.write("events", EVENT_COLUMNS, events)
            if progress:
                progress(last - 1, contacts)
    _count_abandoners(engine, maker.summary, now)
    maker.summary.seconds = time.perf_counter() - started
    return maker.summary


def _count_abandoners(engine: Engine, summary: SeedSummary, now: datetime) -> None:
    """The abandoned carts as every other screen counts them: the segment recipes, on the store."""
    with session_scope(engine) as db:
        summary.abandoned_carts_24h = count_members(db, SegmentSpec.model_validate(recipes.cart_abandoners("24h")), now)
        summary.abandoned_checkouts_24h = count_members(
            db, SegmentSpec.model_validate(recipes.checkout_abandoners("24h")), now)


def _stamp(moment: datetime) -> str:
    """How a naive UTC time is stored as text, exactly as `UTCDateTime` would bind it."""
    return moment.isoformat(sep=" ", timespec="microseconds")


class _StoreMaker:
    """Generates the rows, consuming one random stream in a fixed order (hence deterministic)."""

    def __init__(self, seed: int, salt: str, now: datetime, days: int) -> None:
        # Naive UTC throughout: ten million timezone conversions would cost seconds.
        self.rng, self.salt, self.now, self.days = random.Random(seed), salt, now.replace(tzinfo=None), days
        # Order history has its own stream and ids, so adding it changed no other seeded row.
        self.history_rng = random.Random(f"order-history-{seed}")
        self.past_order_ids = 0
        self.summary = SeedSummary(days=days)
        self.products = self._catalogue()
        self.received = _stamp(self.now)
        self.carts = 0

    def _catalogue(self) -> list[dict]:
        products = []
        for category, (adjectives, nouns, (low, high)) in CATEGORIES.items():
            for adjective in adjectives:
                for noun in nouns:
                    number = len(products) + 1
                    slug = f"{adjective}-{noun}".lower().replace(" ", "-")
                    products.append({
                        "product_id": f"p{number:03d}", "name": f"{adjective} {noun}",
                        "price": self.rng.randrange(low, high) + 0.99, "category": category,
                        "url": f"{SHOP}/products/{slug}", "image_url": f"{SHOP}/images/{slug}.jpg",
                        # A Shopify-style variant id, so cart emails can rebuild the cart (tools.drafting.cart_link).
                        "variant_id": 44_000_000_000 + number,
                    })
        self.summary.products = len(products)
        return products

    def product_rows(self) -> list[tuple]:
        return [
            (p["product_id"], p["name"], p["price"], "USD", p["category"], p["image_url"], p["url"])
            for p in self.products
        ]

    def chunk(self, first: int, last: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
        people, events, suppressions = [], [], []
        for number in range(first, last):
            person, suppression, created = self._contact(number)
            people.append(person)
            if suppression:
                suppressions.append(suppression)
            events.extend(self._past_orders(number, created))
            events.extend(self._activity(number))
        return people, events, suppressions

    def _contact(self, number: int) -> tuple[tuple, tuple | None, datetime]:
        rng, summary = self.rng, self.summary
        country, _, places = rng.choices(GEOGRAPHY, WEIGHTS)[0]
        region, zone = rng.choice(places)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{number}@{rng.choice(DOMAINS)}".lower().replace(" ", "")
        hashed = email_hash(self.salt, email)
        created = self.now - timedelta(days=rng.uniform(self.days, 400))
        consent, source = self._consent(country)
        consent_at = _stamp(created) if consent != "none" else None
        roll = rng.random()
        suppression = None
        if roll < 0.04:
            consent, source, consent_at = "none", "unsubscribe_link", _stamp(created + timedelta(days=20))
            suppression = (hashed, "unsubscribed", "unsubscribe_link", consent_at)
            summary.unsubscribed += 1
        elif roll < 0.05:
            suppression = (hashed, "bounced", "smtp", _stamp(created + timedelta(days=3)))
            summary.bounced += 1
        do_not_sell = rng.random() < (0.15 if region == "CA" and country == "US" else 0.03)
        ad_consent = not do_not_sell and rng.random() < (0.4 if country in EUROPE else 0.8)
        summary.do_not_sell += do_not_sell
        summary.contacts += 1
        summary.by_country[country] = summary.by_country.get(country, 0) + 1
        stamp = _stamp(created)
        person = (
            number, f"u{number}", email, hashed, first, last, zone, country, region, consent,
            source, consent_at, ad_consent, do_not_sell, "{}", stamp, stamp,
        )
        return person, suppression, created

    def _consent(self, country: str) -> tuple[str, str | None]:
        roll = self.rng.random()
        opt_in = 0.45 if country in EUROPE else 0.55
        if roll < opt_in:
            return "opt_in", self.rng.choice(("newsletter_form", "checkout_checkbox", "popup"))
        if roll < opt_in + 0.2:
            return "soft_opt_in", "purchase"
        return "none", None

    def _activity(self, number: int) -> Iterator[tuple]:
        rng = self.rng
        abandoned_at = None
        if rng.random() < 0.03:
            abandoned_at = self.now - timedelta(hours=rng.uniform(1, 23))
        latest = abandoned_at - timedelta(hours=2) if abandoned_at else self.now
        sessions = _poisson(rng, self.days * SESSIONS_PER_DAY * rng.choice((0.2, 0.6, 1.0, 1.4, 1.8)))
        window = (latest - (self.now - timedelta(days=self.days))).total_seconds()
        for start in sorted(rng.uniform(0, window) for _ in range(sessions)):
            yield from self._session(number, latest - timedelta(seconds=window - start), None)
        if abandoned_at:
            yield from self._session(number, abandoned_at, "abandon")

    def _past_orders(self, number: int, created: datetime) -> Iterator[tuple]:
        """Orders between sign-up and the start of the clickstream window, oldest first."""
        rng = self.history_rng
        window_start = self.now - timedelta(days=self.days)
        years = (window_start - created).total_seconds() / (365 * 86400)
        per_year = rng.choices([rate for _, rate in PAST_ORDERS_PER_YEAR],
                               [share for share, _ in PAST_ORDERS_PER_YEAR])[0]
        if years <= 0 or not per_year:
            return
        span = (window_start - created).total_seconds()
        for offset in sorted(rng.uniform(0, span) for _ in range(_poisson(rng, per_year * years))):
            self.past_order_ids += 1
            order_id = f"h{self.past_order_ids}"
            items = rng.sample(self.products, rng.randint(1, 3))
            lines = [{"product_id": p["product_id"], "name": p["name"], "price": p["price"],
                      "quantity": rng.choice((1, 1, 2))} for p in items]
            total = round(sum(line["price"] * line["quantity"] for line in lines), 2)
            self.summary.past_orders += 1
            yield self._event(number, "Order Completed", created + timedelta(seconds=offset), {
                "cart_id": order_id, "order_id": order_id, "total": total,
                "revenue": total, "currency": "USD", "products": lines,
            })

    def _session(self, number: int, at: datetime, outcome: str | None) -> Iterator[tuple]:
        """One visit: views, maybe a cart, maybe a checkout, maybe an order."""
        rng = self.rng
        viewed = rng.sample(self.products, rng.randint(1, 4))
        for product in viewed:
            at += timedelta(seconds=20 + 220 * rng.random())
            yield self._event(number, "Product Viewed", at, _view_properties(product))
        if outcome is None and rng.random() > 0.35:
            return
        self.carts += 1
        cart_id = f"c{self.carts}"
        items = [dict(product, quantity=rng.choice((1, 1, 1, 2)), cart_id=cart_id) for product in viewed[:2]]
        for item in items:
            at += timedelta(seconds=10 + 110 * rng.random())
            yield self._event(number, "Product Added", at, item)
        total = round(sum(item["price"] * item["quantity"] for item in items), 2)
        lines = [{k: item[k] for k in ("product_id", "variant_id", "name", "price", "quantity")} for item in items]
        if (outcome == "abandon" and rng.random() < 0.5) or (outcome is None and rng.random() > 0.55):
            return
        at += timedelta(seconds=30 + 270 * rng.random())
        checkout = {"cart_id": cart_id, "total": total, "currency": "USD", "products": lines,
                    "url": f"{SHOP}/cart/{cart_id}"}
        yield self._event(number, "Checkout Started", at, checkout)
        if outcome == "abandon" or rng.random() > 0.65:
            return
        at += timedelta(seconds=60 + 540 * rng.random())
        self.summary.orders += 1
        order = dict(checkout, order_id=f"o{self.carts}", revenue=total)
        yield self._event(number, "Order Completed", at, order)

    def _event(self, number: int, name: str, at: datetime, properties: dict) -> tuple:
        self.summary.events += 1
        return (number, name, orjson.dumps(properties).decode(), _stamp(min(at, self.now)), self.received)


def _view_properties(product: dict) -> dict:
    return {k: product[k] for k in ("product_id", "name", "price", "category", "url")}


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; means here are small)."""
    limit, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class _SQLiteWriter:
    """Driver-level executemany in big transactions, with fsync off while seeding."""

    def __init__(self, engine: Engine) -> None:
        self.connection = engine.raw_connection()
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.execute("PRAGMA cache_size=-512000")

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if rows:
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            self.connection.cursor().executemany(sql, rows)
            self.connection.commit()

    def finish(self) -> None:
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.execute("PRAGMA cache_size=-2000")
        self.connection.close()


class _PostgresWriter:
    """COPY FROM STDIN per chunk; contact ids are given explicitly, so the sequence catches up."""

    def __init__(self, engine: Engine) -> None:
        self.connection = engine.raw_connection()

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        cursor = self.connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        self.connection.commit()

    def finish(self) -> None:
        cursor = self.connection.cursor()
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('contacts', 'id'), COALESCE(MAX(id), 1)) FROM contacts"
        )
        self.connection.commit()
        # Freshly copied tables have no planner statistics and no visibility map until
        # autovacuum gets round to them; segment queries need both (for index-only scans) now.
        # The order rollup's trigger rewrote every buyer's contact row while their orders were
        # copied; FULL compacts contacts again (a third smaller on a million contacts), but
        # leaves the visibility map empty, so the plain VACUUM after it still matters.
        driver = self.connection.dbapi_connection
        driver.autocommit = True
        try:
            driver.execute("VACUUM FULL contacts")
            for table in ("products", "contacts", "suppressions", "events"):
                driver.execute(f"VACUUM (ANALYZE) {table}")
        finally:
            driver.autocommit = False
        self.connection.close()


class _BackgroundWriter:
    """Writes chunks on a second thread while the next chunk is generated (the driver releases
    the GIL while the database works, so generating and writing overlap on two cores)."""

    def __init__(self, writer: _SQLiteWriter | _PostgresWriter) -> None:
        self.writer = writer
        self.queue: queue.Queue = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="seed-writer", daemon=True)

    def __enter__(self) -> _BackgroundWriter:
        self.thread.start()
        return self

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if self.error:
            raise self.error
        self.queue.put((table, columns, rows))

    def _run(self) -> None:
        while (job := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.writer.write(*job)
                except BaseException as error:  # handed to the generating thread
                    self.error = error

    def __exit__(self, *exc_info) -> None:
        self.queue.put(None)
        self.thread.join()
        self.writer.finish()
        if self.error and not exc_info[0]:
            raise self.error


def _writer(engine: Engine) -> _SQLiteWriter | _PostgresWriter:
    return _PostgresWriter(engine) if engine.dialect.name == "postgresql" else _SQLiteWriter(engine)

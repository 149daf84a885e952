"""What an email knows about its recipient: their cart, what they last viewed, the best sellers
they do not already have, and the reviews of those products.

`personalisations` reads these for a batch of contacts in a few queries (the outbox renders
thousands of emails per run): a contact's cart is replayed from their latest e-commerce events
within 30 days (added, removed, checkout started, ordered), items are enriched from the product
catalogue, and money is shown in the cart's currency. `tools.drafting.render` puts the values
into the templates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tools.core.models import Contact, Event, Product
from tools.core.money import money
from tools.drafting.cart_link import variant_id
from tools.drafting.render import contact_values, safe_url

CART_EVENTS = ("Product Added", "Product Removed", "Checkout Started", "Order Completed")


CART_LOOKBACK = timedelta(days=30)


REVIEW_LOOKBACK = timedelta(days=365)


TOP_PRODUCTS = 3




def personalisation(db: Session, contact: Contact, now: datetime) -> dict[str, Any]:
    """A contact's values: latest open cart, product in focus and the shop's best sellers."""
    return personalisations(db, [contact], now)[contact.id]


def personalisations(db: Session, contacts: Iterable[Contact], now: datetime) -> dict[int, dict[str, Any]]:
    """`personalisation` for many contacts at once, by contact id, in five queries in all."""
    contacts = list(contacts)
    carts = _latest_carts(db, [c.id for c in contacts], now)
    viewed = _last_viewed(db, [c.id for c in contacts if not carts.get(c.id, ([], ""))[0]], now)
    keys = {line["product_id"] for lines, _ in carts.values() for line in lines}
    keys |= {str(props["product_id"]) for props in viewed.values() if props.get("product_id")}
    catalogue = _catalogue(db, keys)
    return {c.id: _contact_personalisation(db, c, carts.get(c.id), viewed.get(c.id), catalogue, now)
            for c in contacts}


def _contact_personalisation(db, contact, cart, viewed, catalogue, now) -> dict[str, Any]:
    lines, links = cart or ([], {})
    reviews = product_reviews(db, now)
    items = [_rated(_item(line["props"], catalogue.get(line["product_id"]), line["quantity"]), reviews)
             for line in lines]
    focus = items[0] if items else _viewed_item(viewed, catalogue)
    shown = {item["id"] for item in items} | ({focus["id"]} if focus else set())
    values: dict[str, Any] = {
        **contact_values(contact),
        "cart_items": items,
        "cart_total": _cart_total(items),
        "cart_url": links.get("cart_url", ""),
        "checkout_url": links.get("checkout_url", ""),
        "top_products": top_products(db, now, exclude=shown),
    }
    if focus:
        values.update(
            product_name=focus["name"], product_price=focus["price"],
            product_url=focus["url"], product_image=focus["image"],
        )
    return values


def _latest_carts(db: Session, contact_ids: list[int], now: datetime) -> dict[int, tuple[list[dict], dict]]:
    """Each contact's open cart lines and its latest `checkout_url` and `cart_url`, from their
    cart events of the lookback (see tools.drafting.cart_link for how the button's link is chosen)."""
    if not contact_ids:
        return {}
    events = db.scalars(
        select(Event)
        .where(Event.contact_id.in_(contact_ids), Event.name.in_(CART_EVENTS))
        .where(Event.occurred_at >= now - CART_LOOKBACK, Event.occurred_at <= now)
        .order_by(Event.contact_id, Event.occurred_at, Event.id)
    )
    by_contact: dict[int, list[Event]] = {}
    for event in events:
        by_contact.setdefault(event.contact_id, []).append(event)
    return {contact_id: _replay_cart(found) for contact_id, found in by_contact.items()}


def _replay_cart(events: list[Event]) -> tuple[list[dict], dict]:
    cart: dict[str, dict] = {}
    cart_id, links = None, {}
    for event in events:
        props = event.properties or {}
        if event.name == "Order Completed":
            cart, cart_id, links = {}, None, {}
            continue
        if props.get("cart_id") and props.get("cart_id") != cart_id:
            if cart_id is not None:
                cart, links = {}, {}
            cart_id = props.get("cart_id")
        for key in ("checkout_url", "cart_url"):
            if safe_url(props.get(key)):
                links[key] = safe_url(props.get(key))
        _apply_cart_event(cart, event.name, props)
    return list(cart.values()), links


def _apply_cart_event(cart: dict[str, dict], name: str, props: dict) -> None:
    if name == "Checkout Started" and isinstance(props.get("products"), list):
        cart.clear()
        for product in props["products"]:
            if isinstance(product, dict):
                _apply_cart_event(cart, "Product Added", product)
        return
    key = str(props.get("product_id") or props.get("sku") or props.get("name") or "")
    if not key or name == "Checkout Started":
        return
    if name == "Product Removed":
        cart.pop(key, None)
        return
    line = cart.setdefault(key, {"product_id": key, "props": props, "quantity": 0})
    line["quantity"] += _quantity(props.get("quantity"))


def _quantity(value: Any) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def _catalogue(db: Session, keys: set[str]) -> dict[str, Product]:
    return {p.id: p for p in db.scalars(select(Product).where(Product.id.in_(keys)))} if keys else {}


def _item(props: dict, product: Product | None, quantity: int = 1) -> dict[str, Any]:
    """One item as templates see it: name, price (formatted), quantity, image, url, rating."""
    currency = (product.currency if product else props.get("currency")) or "USD"
    amount = product.price if product else _decimal(props.get("price"))
    return {
        "id": str((product.id if product else None) or props.get("product_id") or props.get("sku") or ""),
        "name": str((product.name if product else None) or props.get("name") or "your item"),
        "price": money(amount, str(currency)),
        "amount": amount,
        "currency": str(currency),
        "quantity": quantity,
        "image": str((product.image_url if product else None) or props.get("image_url") or props.get("image") or ""),
        "url": str((product.url if product else None) or props.get("url") or ""),
        "variant_id": variant_id(props),
        "rating": _rating(props.get("rating")),
        "reviews": 0,
        "review": "",
    }


def product_item(product: Product) -> dict[str, Any]:
    """A catalogue product as templates see an item (amount and currency dropped for storage)."""
    item = _item({}, product)
    return {k: v for k, v in item.items() if k not in ("amount", "currency", "variant_id", "rating", "reviews", "review")}


def _decimal(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _cart_total(items: list[dict]) -> str:
    priced = [item for item in items if item["amount"] is not None]
    currencies = {item["currency"] for item in priced}
    if not priced or len(currencies) != 1:
        return ""
    return money(sum(item["amount"] * item["quantity"] for item in priced), currencies.pop())


def _last_viewed(db: Session, contact_ids: list[int], now: datetime) -> dict[int, dict]:
    """The properties of each contact's latest "Product Viewed" event up to `now`."""
    if not contact_ids:
        return {}
    order = (Event.occurred_at.desc(), Event.id.desc())
    ranked = (
        select(Event.contact_id, Event.properties,
               func.row_number().over(partition_by=Event.contact_id, order_by=order).label("rank"))
        .where(Event.contact_id.in_(contact_ids), Event.name == "Product Viewed", Event.occurred_at <= now)
        .subquery()
    )
    rows = db.execute(select(ranked.c.contact_id, ranked.c.properties).where(ranked.c.rank == 1))
    return {contact_id: props or {} for contact_id, props in rows}


def _viewed_item(props: dict | None, catalogue: dict[str, Product]) -> dict[str, Any] | None:
    if props is None:
        return None
    product = catalogue.get(str(props["product_id"])) if props.get("product_id") else None
    return _item(props, product)


def top_products(db: Session, now: datetime, exclude: set[str] = frozenset()) -> list[dict[str, Any]]:
    """The best sellers of the last 30 days with their ratings, leaving out `exclude` (the
    contact's own cart: a recommendation is something else). Counted once per session and hour."""
    key = ("top_products", now.replace(minute=0, second=0, microsecond=0))
    if key not in db.info:
        reviews = product_reviews(db, now)
        db.info[key] = [_rated(item, reviews) for item in _count_top_products(db, now)]
    return [dict(item) for item in db.info[key] if item["id"] not in exclude][:TOP_PRODUCTS]


def product_reviews(db: Session, now: datetime) -> dict[str, dict[str, Any]]:
    """Per product id: the average `rating`, the count and the latest short `review_body` of the
    year's "Product Reviewed" events (Segment spec), cached per session and hour."""
    key = ("product_reviews", now.replace(minute=0, second=0, microsecond=0))
    if key not in db.info:
        rows = db.scalars(
            select(Event.properties)
            .where(Event.name == "Product Reviewed", Event.occurred_at >= now - REVIEW_LOOKBACK,
                   Event.occurred_at <= now)
            .order_by(Event.occurred_at.desc()).limit(5000))
        found: dict[str, dict[str, Any]] = {}
        for props in rows:
            rating = _rating((props or {}).get("rating"))
            if not rating or not (props or {}).get("product_id"):
                continue
            entry = found.setdefault(str(props["product_id"]), {"sum": 0.0, "reviews": 0, "review": ""})
            entry["sum"] += float(rating)
            entry["reviews"] += 1
            body = " ".join(str(props.get("review_body") or "").split())
            if not entry["review"] and 0 < len(body) <= 160:
                entry["review"] = body
        db.info[key] = {pid: {"rating": f"{e['sum'] / e['reviews']:.1f}", "reviews": e["reviews"],
                              "review": e["review"]} for pid, e in found.items()}
    return db.info[key]


def _rated(item: dict[str, Any], reviews: dict[str, dict[str, Any]]) -> dict[str, Any]:
    found = reviews.get(item["id"])
    return {**item, **found} if found else item


def _rating(value: Any) -> str:
    """A 0-5 star rating as "4.5", or "" for anything else."""
    try:
        rating = float(value)
    except (TypeError, ValueError):
        return ""
    return f"{rating:.1f}" if 0 < rating <= 5 else ""


def _count_top_products(db: Session, now: datetime) -> list[dict[str, Any]]:
    orders = db.scalars(
        select(Event.properties)
        .where(Event.name == "Order Completed", Event.occurred_at >= now - CART_LOOKBACK, Event.occurred_at <= now)
        .order_by(Event.occurred_at.desc())
        .limit(2000)
    )
    counts: Counter[str] = Counter()
    for props in orders:
        for line in (props or {}).get("products") or [props or {}]:
            if isinstance(line, dict) and line.get("product_id"):
                counts[str(line["product_id"])] += _quantity(line.get("quantity"))
    ranked = [product_id for product_id, _ in counts.most_common(TOP_PRODUCTS * 3)]
    catalogue = {p.id: p for p in db.scalars(select(Product).where(Product.id.in_(ranked)))} if ranked else {}
    # Three times as many as an email shows, so a contact's own cart can be left out.
    return [_item({}, catalogue[pid]) for pid in ranked if pid in catalogue][:TOP_PRODUCTS * 3]

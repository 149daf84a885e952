"""Turning a stored draft into the email one contact receives, safely.

Every template renders in Jinja's immutable sandbox; HTML output is autoescaped, so a customer
named `{{7*7}}` or `<script>` and a product titled `{{ ''.__class__ }}` come out as plain text
(data is only ever a value, never template source). Draft sources may use only the documented
placeholders (`tools.drafting.placeholders`); `template_errors` rejects anything else and anything the
sandbox refuses. `render_email` wraps the draft's body in the layout from `prompts/email/`, whose
footer always carries the unsubscribe link and the postal address. `personalisation` builds a
contact's values (cart, product in focus, best sellers) from their events and the catalogue;
`personalisations` does the same for a whole outbox batch in a fixed number of queries.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import StrictUndefined, Template, TemplateError, Undefined, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prompts import loader
from tools.core.models import Contact, Draft, Event, Product
from tools.core.settings import Settings
from tools.drafting import placeholders
from tools.drafting.cart_link import cart_link, variant_id

CART_EVENTS = ("Product Added", "Product Removed", "Checkout Started", "Order Completed")
CART_LOOKBACK = timedelta(days=30)
REVIEW_LOOKBACK = timedelta(days=365)
TOP_PRODUCTS = 3
_CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str


def safe_url(value: Any) -> str:
    """The URL if it is http(s) or mailto, else "" (so `javascript:` from data never lands)."""
    url = value.unescape() if isinstance(value, Markup) else str(value or "")
    url = url.strip()
    return url if urlsplit(url).scheme.lower() in {"http", "https", "mailto"} else ""


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, also refusing arithmetic that would build huge values ("x" * 10**9)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        numbers = [v for v in (left, right) if isinstance(v, int)]
        sized = any(isinstance(v, (str, list, tuple)) for v in (left, right))
        if (operator == "**" and abs(right) > 64) or (operator == "*" and sized and any(abs(n) > 1000 for n in numbers)):
            raise SecurityError(f"'{operator}' would build a value too large for an email")
        return super().call_binop(context, operator, left, right)


@lru_cache(maxsize=4)
def environment(html: bool, strict: bool = False) -> ImmutableSandboxedEnvironment:
    """The sandbox: autoescaping for HTML; strict mode (used by checks) fails on any undefined."""
    env = _Sandbox(
        autoescape=html,
        undefined=StrictUndefined if strict else Undefined,
        keep_trailing_newline=True,
    )
    env.filters["safe_url"] = safe_url
    # Drafts need only the placeholders: no range() loops to spin on, no lipsum, no namespace.
    env.globals.clear()
    return env


@lru_cache(maxsize=512)
def template(source: str, html: bool, strict: bool = False) -> Template:
    """`source` compiled once in the sandbox (a send renders the same few drafts many times)."""
    return environment(html, strict).from_string(source)


def unknown_placeholders(source: str) -> set[str]:
    """Variables `source` reads that are not documented placeholders (syntax errors raise)."""
    return meta.find_undeclared_variables(environment(False).parse(source)) - placeholders.KNOWN


def template_errors(field: str, source: str | None, *, html: bool = False) -> list[str]:
    """Why `source` may not be used as a draft's `field` (empty when it is fine)."""
    if not source:
        return []
    try:
        unknown = unknown_placeholders(source)
    except TemplateError as error:
        return [f"{field}: template error: {error}"]
    if unknown:
        names = ", ".join(sorted(unknown))
        return [f"{field} uses unknown placeholder(s) {names}; known placeholders: {placeholders.known_list()}"]
    return _trial_errors(field, source, html)


def _trial_errors(field: str, source: str, html: bool) -> list[str]:
    # Rendering once with full sample data and once with every value missing catches what
    # parsing cannot: sandbox refusals ({{ ''.__class__ }}), unknown item fields, bad indexing.
    for label, values in (("sample data", placeholders.sample_values()), ("missing data", placeholders.fallbacks())):
        try:
            template(source, html, strict=True).render(values)
        except Exception as error:  # noqa: BLE001 - any failure means the template is unusable
            return [f"{field}: does not render with {label}: {type(error).__name__}: {error}"]
    return []


def draft_errors(draft: Draft) -> list[str]:
    """Template problems in a stored email draft's sources."""
    errors = []
    for field in ("subject", "subject_b", "preheader", "text"):
        errors += template_errors(field, getattr(draft, field))
    return errors + template_errors("html", draft.html, html=True)


def render_email(
    draft: Draft,
    contact: Contact | None,
    *,
    extra: dict[str, Any],
    links: dict[str, str],
    settings: Settings,
    variant: str = "a",
) -> RenderedEmail:
    """The email `contact` receives: subject, preheader, HTML and text, footer included.

    `extra` is usually `personalisation(db, contact, now)`; `links` must hold `unsubscribe_url`.
    Variant "b" uses the draft's second subject line when it has one.
    """
    values = _values(draft, contact, extra, links, settings)
    subject_source = draft.subject_b if variant == "b" and draft.subject_b else draft.subject
    subject = _one_line(_render(subject_source, values, html=False))
    preheader = _one_line(_render(draft.preheader, values, html=False))
    frame = {**values, "subject": subject, "preheader": preheader}
    body_html = Markup(_render(draft.html, values, html=True))
    body_text = re.sub(r"\n{3,}", "\n\n", _render(draft.text, values, html=False)).strip()
    html = template(loader.read("email/layout.html.j2"), True).render(frame, body=body_html)
    text = template(loader.read("email/layout.txt.j2"), False).render(frame, body=body_text)
    return RenderedEmail(subject=subject, preheader=preheader, html=html, text=text)


def _render(source: str | None, values: dict[str, Any], *, html: bool) -> str:
    return template(source or "", html).render(values)


def _one_line(text: str) -> str:
    # Subjects end up in a mail header: no line breaks may survive from data or copy.
    return " ".join(text.split())


def _values(draft, contact, extra, links, settings) -> dict[str, Any]:
    values = placeholders.fallbacks()
    values.update(
        shop_name=placeholders.shop_name(settings.shop_name),
        shop_url=settings.shop_url,
        postal_address=settings.postal_address,
    )
    if contact is not None:
        values.update(_present(contact_values(contact)))
    values.update(_present({k: v for k, v in extra.items() if k in placeholders.PER_CONTACT}))
    values.update(_present(draft_values(draft)))
    values.update(_present({k: v for k, v in links.items() if k in placeholders.KNOWN}))
    values["cart_url"] = cart_link(
        checkout_url=str(extra.get("checkout_url") or ""), cart_url=str(values["cart_url"] or ""),
        items=values["cart_items"], shop_url=settings.shop_url, discount_code=values["discount_code"])
    values["product_url"] = values["product_url"] or values["shop_url"]
    return values


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "", [])}


def contact_values(contact: Contact) -> dict[str, Any]:
    return {"first_name": (contact.first_name or "").strip(), "last_name": (contact.last_name or "").strip()}


def draft_values(draft: Draft) -> dict[str, Any]:
    """Values fixed for the whole draft: its discount and the product it focuses on."""
    params = draft.params or {}
    values = {"discount_code": params.get("discount_code"), "discount_percent": params.get("discount_percent")}
    focus = params.get("product") or {}
    values.update(
        product_name=focus.get("name"),
        product_price=focus.get("price"),
        product_url=focus.get("url"),
        product_image=focus.get("image"),
    )
    return values


def draft_urls(draft: Draft) -> set[str]:
    """The literal http(s) URLs written in a draft (an approved draft may redirect to these).

    Personalised links (cart items, products) come from data at send time and are covered by
    the signed tracking token rather than this list.
    """
    sources = " ".join(filter(None, [draft.html, draft.text]))
    literal = re.sub(r"{{.*?}}|{%.*?%}|{#.*?#}", " ", sources, flags=re.S)
    focus = ((draft.params or {}).get("product") or {}).get("url")
    found = {m.rstrip(".,;:)") for m in re.findall(r"https?://[^\s\"'<>]+", literal)}
    return {url for url in found | {focus} if url and safe_url(url)}


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
        "price": _money(amount, str(currency)),
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


def _money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    sign = _CURRENCY_SIGNS.get(currency.upper())
    return f"{sign}{amount:,.2f}" if sign else f"{amount:,.2f} {currency.upper()[:3]}"


def _cart_total(items: list[dict]) -> str:
    priced = [item for item in items if item["amount"] is not None]
    currencies = {item["currency"] for item in priced}
    if not priced or len(currencies) != 1:
        return ""
    return _money(sum(item["amount"] * item["quantity"] for item in priced), currencies.pop())


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

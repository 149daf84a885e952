"""The one documented set of personalisation placeholders a draft may use, each with its fallback.

A draft's subject, preheader and body are Jinja templates that may name only these variables
(`{{ first_name }}`, `{% for item in cart_items %}{{ item.name }}{% endfor %}`, ...). Drafting
rejects any other name with this list; rendering starts from the fallbacks, so a contact with
missing data still gets a sensible email ("Hi there,"). `sample_values()` is what checks and
previews use when no real contact is at hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Placeholder:
    name: str
    meaning: str
    fallback: Any
    sample: Any


_ITEM_FIELDS = ("name, price, quantity, image, url, rating (average stars, e.g. 4.6, from \"Product Reviewed\" "
                "events or a product's `rating`), reviews (their count) and review (a short quote)")
_SAMPLE_ITEM = {
    "name": "Linen throw",
    "price": "$49.00",
    "quantity": 1,
    "image": "https://shop.example/img/throw.jpg",
    "url": "https://shop.example/p/throw",
    "rating": "4.8",
    "reviews": 12,
    "review": "Soft, warm and the colour is just right.",
}

PLACEHOLDERS: dict[str, Placeholder] = {
    p.name: p
    for p in [
        Placeholder("first_name", "the contact's first name", "there", "Ada"),
        Placeholder("last_name", "the contact's last name", "", "Lovelace"),
        Placeholder("shop_name", "the shop's name (NUDGE_SHOP_NAME)", "our shop", "Demo Shop"),
        Placeholder("shop_url", "the shop's home page (NUDGE_SHOP_URL)", "", "https://shop.example"),
        Placeholder(
            "cart_items",
            f"the items left in the contact's latest cart, each with {_ITEM_FIELDS}",
            [],
            [_SAMPLE_ITEM],
        ),
        Placeholder("cart_total", "the cart's total, formatted with its currency", "", "$49.00"),
        Placeholder("cart_url", "a link back to the cart", "", "https://shop.example/cart"),
        Placeholder(
            "product_name", "the product in focus (first cart item or last viewed)",
            "the things you picked out", "Linen throw",
        ),
        Placeholder("product_price", "that product's price, formatted", "", "$49.00"),
        Placeholder("product_url", "a link to that product", "", "https://shop.example/p/throw"),
        Placeholder("product_image", "that product's image URL", "", "https://shop.example/img/throw.jpg"),
        Placeholder(
            "top_products",
            f"the shop's best sellers of the last 30 days, outside the contact's cart, each with {_ITEM_FIELDS}",
            [],
            [_SAMPLE_ITEM],
        ),
        Placeholder("discount_code", "the draft's discount code (discount_code, else NUDGE_DISCOUNT_CODE)", "", "SAVE10"),
        Placeholder("discount_percent", "the draft's discount, in percent", "", 10),
        Placeholder("unsubscribe_url", "the contact's one-click unsubscribe link", "", "https://nudge.example/u/x"),
        Placeholder("postal_address", "the sender's postal address (NUDGE_POSTAL_ADDRESS)", "", "1 Main St"),
    ]
}

KNOWN = frozenset(PLACEHOLDERS)
# Values that come from settings or links, never from a contact's personalisation.
FIXED = frozenset({"shop_name", "shop_url", "postal_address", "unsubscribe_url"})
PER_CONTACT = KNOWN - FIXED


def shop_name(configured: str) -> str:
    """The shop's name in copy: NUDGE_SHOP_NAME, else the fallback that reads right mid-sentence."""
    return configured.strip() or PLACEHOLDERS["shop_name"].fallback


def fallbacks() -> dict[str, Any]:
    """Every placeholder at its fallback value (copies, so callers may change them)."""
    return {name: _copy(p.fallback) for name, p in PLACEHOLDERS.items()}


def sample_values() -> dict[str, Any]:
    return {name: _copy(p.sample) for name, p in PLACEHOLDERS.items()}


def describe() -> str:
    """The documented list, one line each, as shown in errors and given to the drafting model."""
    return "\n".join(
        f"- {{{{ {p.name} }}}}: {p.meaning}" + (f" (fallback: \"{p.fallback}\")" if p.fallback not in ("", []) else "")
        for p in PLACEHOLDERS.values()
    )


def known_list() -> str:
    return ", ".join(sorted(KNOWN))


def _copy(value: Any) -> Any:
    return [dict(item) for item in value] if isinstance(value, list) else value

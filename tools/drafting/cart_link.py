"""Where a cart email's button leads: one rule, used by every template and every surface.

The link is, in order (the first that exists wins):
1. the open cart's latest `checkout_url` event property (a Shopify source maps Shopify's
   `abandoned_checkout_url` into `properties.checkout_url` of "Checkout Started");
2. its latest `cart_url` property;
3. with NUDGE_SHOP_URL set and every cart line carrying a Shopify variant id (`variant_id`, or a
   `variant` made only of digits), a Shopify cart permalink `<shop>/cart/<variant>:<qty>,...`
   that rebuilds the cart on any device;
4. with NUDGE_SHOP_URL set, the shop's cart page `<shop>/cart`;
5. the first cart line's product `url`;
6. nothing: the template then leaves the button out.

A discount code rides along where Shopify applies one from the link: `?discount=CODE` on a
checkout URL or a cart permalink, and `<shop>/discount/CODE?redirect=/cart` for the cart page.
A `cart_url` from another platform and a product page are left as they are (the code is printed
in the email either way).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit


def variant_id(props: dict[str, Any]) -> str:
    """The Shopify variant id an event's product line carries, or ""."""
    for key in ("variant_id", "variant"):
        value = str(props.get(key) or "").strip()
        if value.isdigit():
            return value
    return ""


def cart_link(*, checkout_url: str, cart_url: str, items: list[dict[str, Any]], shop_url: str,
              discount_code: str | None) -> str:
    """The button's URL for one contact's cart (see the module notes), or "" when there is none."""
    code = discount_code or ""
    shop = shop_url.rstrip("/")
    if checkout_url:
        return _with_query(checkout_url, code)
    if cart_url:
        return cart_url
    if shop and items and all(item.get("variant_id") for item in items):
        lines = ",".join(f"{item['variant_id']}:{max(1, int(item.get('quantity') or 1))}" for item in items)
        return _with_query(f"{shop}/cart/{lines}", code)
    if shop:
        return f"{shop}/discount/{quote(code)}?redirect=/cart" if code else f"{shop}/cart"
    return next((str(item["url"]) for item in items if item.get("url")), "")


def _with_query(url: str, code: str) -> str:
    if not code:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "discount"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("discount", code)])))

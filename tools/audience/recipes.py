"""The named audiences a marketer means by everyday words, as segment specs: one definition each.

"Cart abandoners" are people who added a product to the cart or started checkout in a window
and placed no order after it; "checkout abandoners" are the narrower group who reached checkout.
"Browse abandoners" viewed a product and did not order; "lapsed" customers ordered before but
not for a while. The planner, the seed summary, the system prompt and the docs all take these
shapes from here, so "abandoned cart" means one thing on every screen.
"""

from __future__ import annotations

from typing import Any

ORDER = "Order Completed"
CART_EVENTS = ("Product Added", "Checkout Started")


def _did_then_no_order(event: str, window: str) -> dict[str, Any]:
    return {"since": event, "within_last": window, "then_not": ORDER}


def cart_abandoners(window: str = "24h") -> dict[str, Any]:
    """Added to cart or started checkout within `window`, with no order after it."""
    return {"any": [_did_then_no_order(event, window) for event in CART_EVENTS]}


def checkout_abandoners(window: str = "24h") -> dict[str, Any]:
    """Started checkout within `window` and did not order after it (the narrower group)."""
    return _did_then_no_order("Checkout Started", window)


def browse_abandoners(window: str = "48h") -> dict[str, Any]:
    """Viewed a product within `window` and did not order after it."""
    return _did_then_no_order("Product Viewed", window)


def lapsed_customers(inactive_for: str = "90d") -> dict[str, Any]:
    """Ordered before, but not for `inactive_for`."""
    return {"since": ORDER, "inactive_for": inactive_for}


def spent_over(amount: float) -> dict[str, Any]:
    """Lifetime spend (the sum of orders' totals) above `amount`."""
    return {"aggregate": "sum", "event": ORDER, "property": "total", "op": "gt", "value": amount}

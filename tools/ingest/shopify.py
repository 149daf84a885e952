"""Shopify webhook payloads as Segment calls: pure mapping functions, no database.

`calls_for(topic, payload)` turns one webhook body (shapes as in Shopify's webhook reference)
into the Segment-format `identify` and `track` calls that `tools.ingest.calls` validates and stores,
so consent, erasure hashes, dedupe and the order rollup behave exactly as for Segment data.
A customer is the contact `shopify:<customer id>` (a guest checkout or order: its email).
`email_marketing_consent` maps as: `subscribed` -> `opt_in` (the source names the opt-in
level, `single_opt_in` or `confirmed_opt_in`), `not_subscribed`, `pending`, `invalid` and
`redacted` -> `none`, `unsubscribed` -> `none` plus an unsubscribe the door writes as a
suppression (which a later-dated `subscribed` may lift: the door decides, as `Mapped` lists
both); the consent time is the shop's `consent_updated_at`. A checkout becomes
"Checkout Started" with `properties.checkout_url` = `abandoned_checkout_url` (the cart link
of the cart emails); an order becomes one "Order Completed" keyed by the order id, so
orders/create and orders/paid count once. Bad values raise `ValueError` naming the field.
"""

from __future__ import annotations

from typing import Any

from tools.ingest.shop_calls import Mapped, money, present, quantity

CUSTOMER_TOPICS = ("customers/create", "customers/update")
CHECKOUT_TOPICS = ("checkouts/create", "checkouts/update")
ORDER_TOPICS = ("orders/create", "orders/paid")
PRIVACY_TOPICS = ("customers/redact", "customers/data_request")
TOPICS = (*CUSTOMER_TOPICS, *CHECKOUT_TOPICS, *ORDER_TOPICS, *PRIVACY_TOPICS)
NO_CONSENT_STATES = ("not_subscribed", "pending", "invalid", "redacted")
UNPAID = ("pending", "voided")


def calls_for(topic: str, payload: Any) -> Mapped:
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object (a Shopify webhook payload)")
    if topic in CUSTOMER_TOPICS:
        return customer_calls(payload)
    if topic in CHECKOUT_TOPICS:
        return checkout_calls(payload)
    if topic in ORDER_TOPICS:
        return order_calls(payload)
    return Mapped(note=f"topic '{topic[:60]}' is not used by Nudge; used topics: {', '.join(TOPICS)}")


def user_id(customer: dict | None, email: str | None) -> str | None:
    if customer and customer.get("id") not in (None, ""):
        return f"shopify:{customer['id']}"
    return email.strip().lower() if isinstance(email, str) and email.strip() else None


def customer_calls(customer: dict, fallback_email: str | None = None) -> Mapped:
    email = customer.get("email") or fallback_email
    who = user_id(customer, email)
    if who is None:
        raise ValueError("customer has neither an id nor an email")
    traits: dict[str, Any] = {}
    if email:
        traits["email"] = email
    for name in ("first_name", "last_name"):
        if customer.get(name):
            traits[name] = customer[name]
    address = customer.get("default_address") or {}
    if isinstance(address, dict) and address.get("country_code"):
        traits["country"] = address["country_code"]
    if isinstance(address, dict) and address.get("province_code"):
        traits["region"] = address["province_code"]
    if customer.get("tags"):
        traits["tags"] = str(customer["tags"])
    if customer.get("id") not in (None, ""):
        traits["shopify_customer_id"] = str(customer["id"])
    mapped = Mapped()
    stamp = customer.get("updated_at") or customer.get("created_at")
    state = _consent(customer.get("email_marketing_consent"), traits, stamp)
    if state == "unsubscribed":
        mapped.unsubscribed.append(who)
    elif state == "subscribed":
        mapped.subscribed.append(who)
    call = {"type": "identify", "userId": who, "traits": traits}
    if stamp:
        call["messageId"] = f"shopify:customer:{customer.get('id') or who}:{stamp}"
    mapped.calls.append(call)
    return mapped


def _consent(consent: Any, traits: dict, as_of: str | None) -> str | None:
    """Put the shop's consent into `traits` and return its state (None when not given).

    Consent without `consent_updated_at` is dated by the record's own time (`as_of`), so a
    re-sent record of an erased customer never counts as consent given after the erasure."""
    if consent is None:
        return None
    if not isinstance(consent, dict):
        raise ValueError("email_marketing_consent must be an object with a 'state'")
    state = consent.get("state")
    if state == "subscribed":
        level = consent.get("opt_in_level") or "unknown"
        traits.update(email_consent="opt_in", consent_source=f"shopify:{level}")
    elif state in NO_CONSENT_STATES or state == "unsubscribed":
        traits.update(email_consent="none", consent_source=f"shopify:{state}")
    else:
        raise ValueError(f"email_marketing_consent.state {str(state)[:40]!r} is not one of "
                         "subscribed, not_subscribed, pending, unsubscribed, redacted, invalid")
    if consent.get("consent_updated_at") or as_of:
        traits["consent_at"] = consent.get("consent_updated_at") or as_of
    return state


def products(lines: Any, where: str = "line_items") -> list[dict]:
    if lines is None:
        return []
    if not isinstance(lines, list):
        raise ValueError(f"{where} must be a list")
    found = []
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            raise ValueError(f"{where}[{index}] must be an object")
        product = {
            "product_id": str(line.get("product_id") or line.get("variant_id") or line.get("sku") or ""),
            "sku": line.get("sku") or None,
            "name": line.get("title") or line.get("name"),
            "variant": line.get("variant_title") or None,
            "price": money(line.get("price"), f"{where}[{index}].price"),
            "quantity": quantity(line.get("quantity"), f"{where}[{index}].quantity"),
        }
        found.append(present(product))
    return found


def checkout_calls(checkout: dict) -> Mapped:
    if checkout.get("completed_at"):
        return Mapped(note="checkout completed: its order webhook records the purchase")
    token = checkout.get("token") or checkout.get("id")
    if not token:
        raise ValueError("checkout has no token or id")
    customer = checkout.get("customer") if isinstance(checkout.get("customer"), dict) else None
    email = checkout.get("email") or (customer or {}).get("email")
    mapped = customer_calls(customer, email) if customer else Mapped()
    who = user_id(customer, email)
    if who and not customer:
        mapped.calls.append({"type": "identify", "userId": who, "traits": {"email": email}})
    properties = {
        "checkout_id": str(token),
        "cart_id": str(checkout.get("cart_token") or token),
        "checkout_url": checkout.get("abandoned_checkout_url"),
        "total": money(checkout.get("total_price"), "total_price"),
        "value": money(checkout.get("total_price"), "total_price"),
        "subtotal": money(checkout.get("subtotal_price"), "subtotal_price"),
        "tax": money(checkout.get("total_tax"), "total_tax"),
        "discount": money(checkout.get("total_discounts"), "total_discounts"),
        "currency": checkout.get("currency") or checkout.get("presentment_currency"),
        "products": products(checkout.get("line_items")),
        "source": "shopify",
    }
    stamp = checkout.get("updated_at") or checkout.get("created_at")
    track = {"type": "track", "event": "Checkout Started", "timestamp": stamp,
             "messageId": f"shopify:checkout:{token}:{stamp}",
             "properties": {k: v for k, v in properties.items() if v is not None}}
    track["userId" if who else "anonymousId"] = who or f"shopify-checkout:{token}"
    mapped.calls.append(track)
    return mapped


def is_purchase(financial_status: str | None, cancelled: bool) -> bool:
    """An order counts as a purchase unless unpaid (pending, voided) or cancelled."""
    return not cancelled and (financial_status or "").lower() not in UNPAID


def order_calls(order: dict) -> Mapped:
    if not order.get("id"):
        raise ValueError("order has no id")
    if not is_purchase(order.get("financial_status"), bool(order.get("cancelled_at"))):
        return Mapped(note=f"order not paid (financial_status {order.get('financial_status')}); "
                           "orders/paid records it when it is")
    customer = order.get("customer") if isinstance(order.get("customer"), dict) else None
    email = order.get("email") or order.get("contact_email") or (customer or {}).get("email")
    who = user_id(customer, email)
    if who is None:
        raise ValueError("order has neither a customer nor an email")
    mapped = customer_calls(customer, email) if customer else Mapped()
    if not customer:
        mapped.calls.append({"type": "identify", "userId": who, "traits": {"email": email}})
    properties = {
        "order_id": str(order["id"]),
        "checkout_id": order.get("checkout_token") or None,
        "cart_id": order.get("cart_token") or None,
        "name": order.get("name"),
        "total": money(order.get("total_price"), "total_price"),
        "revenue": money(order.get("subtotal_price"), "subtotal_price"),
        "tax": money(order.get("total_tax"), "total_tax"),
        "discount": money(order.get("total_discounts"), "total_discounts"),
        "currency": order.get("currency"),
        "products": products(order.get("line_items")),
        "source": "shopify",
    }
    mapped.calls.append({
        "type": "track", "event": "Order Completed", "userId": who,
        "timestamp": order.get("processed_at") or order.get("created_at"),
        "messageId": f"shopify:order:{order['id']}",
        "properties": {k: v for k, v in properties.items() if v is not None},
    })
    return mapped

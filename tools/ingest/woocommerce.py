"""WooCommerce webhook payloads as Segment calls: pure mapping functions, no database.

`calls_for(topic, payload)` turns one webhook body (a REST API v3 customer or order object, as
WooCommerce sends them) into the `identify` and `track` calls `tools.ingest.calls` validates
and stores, as `tools.ingest.shopify` does for Shopify. A registered customer is the contact
`woocommerce:<customer id>` (its email comes from the customer topics only, never from an
order's billing email); a guest order's is its billing email. Read from a customer:
`email`, `first_name`, `last_name`, `billing.country` (and `billing.state` as the region), and
consent from the first of `CONSENT_KEYS` found in `meta_data` (WooCommerce itself keeps no
marketing consent; plugins store it there): "subscribed"/"yes"/"1"/true -> `opt_in` with source
`woocommerce:<meta key>`, "unsubscribed" -> `none` plus an unsubscribe the door suppresses, any
other value -> `none`; dated by the record's `date_modified_gmt`. An order in `pending` or
`checkout-draft` is a started checkout: "Checkout Started" with its lines, total, currency
and `checkout_url` = the order's `payment_url` (the link that reopens payment of that very
order, which the cart-link rule puts on the cart emails' button). An order in `processing` or
`completed` is one "Order Completed" keyed by the order id, so order.created then
order.updated (and every later update) count once. Other statuses only get a note.
"""

from __future__ import annotations

from typing import Any

from tools.ingest.shop_calls import Mapped, money, present, quantity

CUSTOMER_TOPICS = ("customer.created", "customer.updated")
ORDER_TOPICS = ("order.created", "order.updated")
TOPICS = (*CUSTOMER_TOPICS, *ORDER_TOPICS)
CHECKOUT_STATUSES = ("pending", "checkout-draft")
PAID_STATUSES = ("processing", "completed")
# Meta keys read for consent, first found wins: the generic key a shop's own checkbox can
# write, and the one the "Mailchimp for WooCommerce" plugin keeps on customers and orders.
CONSENT_KEYS = ("email_marketing_consent", "mailchimp_woocommerce_is_subscribed")
YES = ("subscribed", "yes", "1", "true", "opt_in")


def calls_for(topic: str, payload: Any) -> Mapped:
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object (a WooCommerce webhook payload)")
    if topic in CUSTOMER_TOPICS:
        return customer_calls(payload)
    if topic in ORDER_TOPICS:
        return order_calls(payload)
    return Mapped(note=f"topic '{topic[:60]}' is not used by Nudge; used topics: {', '.join(TOPICS)}")


def user_id(customer_id: Any, email: Any) -> str | None:
    if customer_id not in (None, "", 0, "0"):
        return f"woocommerce:{customer_id}"
    return email.strip().lower() if isinstance(email, str) and email.strip() else None


def _stamp(record: dict) -> str | None:
    """The record's modification time in UTC (WooCommerce's *_gmt fields carry no offset)."""
    for name in ("date_modified_gmt", "date_created_gmt"):
        if record.get(name):
            return f"{str(record[name]).removesuffix('Z')}Z"
    return record.get("date_modified") or record.get("date_created") or None


def _section(record: dict, name: str) -> dict:
    value = record.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be an object")
    return value


def customer_calls(customer: dict) -> Mapped:
    billing = _section(customer, "billing")
    email = customer.get("email") or billing.get("email")
    who = user_id(customer.get("id"), email)
    if who is None:
        raise ValueError("customer has neither an id nor an email")
    return _identify(who, customer, billing, email, f"woocommerce:customer:{customer.get('id') or who}")


def _identify(who: str, record: dict, billing: dict, email: str | None, key: str) -> Mapped:
    traits = present({
        "email": email,
        "first_name": record.get("first_name") or billing.get("first_name"),
        "last_name": record.get("last_name") or billing.get("last_name"),
        "country": billing.get("country"),
        "region": billing.get("state"),
    })
    if record.get("id") not in (None, "", 0) and who.startswith("woocommerce:"):
        traits["woocommerce_customer_id"] = str(record["id"])
    mapped = Mapped()
    stamp = _stamp(record)
    state = _consent(record.get("meta_data"), traits, stamp)
    if state == "unsubscribed":
        mapped.unsubscribed.append(who)
    elif state == "subscribed":
        mapped.subscribed.append(who)
    call: dict[str, Any] = {"type": "identify", "userId": who, "traits": traits}
    if stamp:
        call["messageId"] = f"{key}:{stamp}"
    mapped.calls.append(call)
    return mapped


def _consent(meta: Any, traits: dict, as_of: str | None) -> str | None:
    """Put the consent found in `meta_data` into `traits`; its state, or None when absent."""
    if meta is None:
        return None
    if not isinstance(meta, list):
        raise ValueError("meta_data must be a list of {key, value} objects")
    found = {entry.get("key"): entry.get("value") for entry in meta if isinstance(entry, dict)}
    key = next((name for name in CONSENT_KEYS if name in found), None)
    if key is None:
        return None
    value = str(found[key]).strip().lower()
    state = "subscribed" if value in YES else "unsubscribed" if value == "unsubscribed" else "not_subscribed"
    traits.update(email_consent="opt_in" if state == "subscribed" else "none",
                  consent_source=f"woocommerce:{key}")
    if as_of:
        traits["consent_at"] = as_of
    return state


def products(lines: Any) -> list[dict]:
    if lines is None:
        return []
    if not isinstance(lines, list):
        raise ValueError("line_items must be a list")
    found = []
    for index, line in enumerate(lines):
        where = f"line_items[{index}]"
        if not isinstance(line, dict):
            raise ValueError(f"{where} must be an object")
        variation = line.get("variation_id")
        found.append(present({
            "product_id": str(line.get("product_id") or line.get("sku") or ""),
            "sku": line.get("sku"),
            "name": line.get("name"),
            "variant": str(variation) if variation not in (None, "", 0) else None,
            "price": money(line.get("price"), f"{where}.price"),
            "quantity": quantity(line.get("quantity"), f"{where}.quantity"),
        }))
    return found


def order_calls(order: dict) -> Mapped:
    if not order.get("id"):
        raise ValueError("order has no id")
    status = str(order.get("status") or "")
    if status not in CHECKOUT_STATUSES + PAID_STATUSES:
        return Mapped(note=f"order status '{status[:40]}' is neither a started checkout "
                           f"({', '.join(CHECKOUT_STATUSES)}) nor a paid order ({', '.join(PAID_STATUSES)})")
    billing = _section(order, "billing")
    email = billing.get("email")
    who = user_id(order.get("customer_id"), email)
    if who is None:
        raise ValueError("order has neither a customer_id nor a billing email")
    # The order's billing name and country describe the buyer; its meta may carry consent. A
    # registered customer's address is their account's (customer.* topics): a billing email
    # typed at checkout may differ, and the account's consent must not move to it.
    guest = who == email.strip().lower() if isinstance(email, str) else False
    mapped = _identify(who, {"meta_data": order.get("meta_data"), **_dates(order)}, billing,
                       email if guest else None, f"woocommerce:order-customer:{order['id']}")
    properties = {
        "total": money(order.get("total"), "total"),
        "tax": money(order.get("total_tax"), "total_tax"),
        "discount": money(order.get("discount_total"), "discount_total"),
        "shipping": money(order.get("shipping_total"), "shipping_total"),
        "currency": order.get("currency"),
        "products": products(order.get("line_items")),
        "source": "woocommerce",
    }
    if status in CHECKOUT_STATUSES:
        stamp = _stamp(order)
        properties.update(checkout_id=str(order["id"]), cart_id=order.get("cart_hash") or str(order["id"]),
                          checkout_url=order.get("payment_url"), value=properties["total"])
        track = {"event": "Checkout Started", "timestamp": stamp,
                 "messageId": f"woocommerce:checkout:{order['id']}:{stamp}"}
    else:
        revenue = None if properties["total"] is None else round(
            properties["total"] - (properties["tax"] or 0) - (properties["shipping"] or 0), 2)
        properties.update(order_id=str(order["id"]), checkout_id=str(order["id"]),
                          name=f"#{order.get('number') or order['id']}", revenue=revenue)
        track = {"event": "Order Completed", "messageId": f"woocommerce:order:{order['id']}",
                 "timestamp": _paid_at(order)}
    mapped.calls.append({"type": "track", "userId": who, **track,
                         "properties": {k: v for k, v in properties.items() if v is not None}})
    return mapped


def _dates(order: dict) -> dict:
    return {name: order.get(name) for name in ("date_modified_gmt", "date_created_gmt") if order.get(name)}


def _paid_at(order: dict) -> str | None:
    for name in ("date_paid_gmt", "date_created_gmt"):
        if order.get(name):
            return f"{str(order[name]).removesuffix('Z')}Z"
    return None

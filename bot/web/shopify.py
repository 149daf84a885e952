"""The Shopify door: `POST /shopify/webhooks`, Shopify's webhooks mapped onto contacts and events.

A request is accepted only when `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw
body keyed with `SHOPIFY_WEBHOOK_SECRET` (compared in constant time) and `X-Shopify-Triggered-At`
is at most `MAX_AGE` old: Shopify retries a failed delivery 8 times over 4 hours, so 6 hours
admits every retry and refuses a body captured and replayed later. A delivery is handled once
per `X-Shopify-Webhook-Id` (`bot.web.shop_door`, shared with WooCommerce). The mapping is
`tools.ingest.shopify`; storing goes through `tools.ingest.calls` like Segment data, and the
shop's consent through `shop_door.store` (which also lets concurrent deliveries share a
commit); the GDPR topics go through `registry.call` (actor "shopify", so they are audited).
Every refusal is JSON `{"error": ...}`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.web import shop_door
from bot.web.ingest import IngestRefused, _now, json_response, read_body
from tools import registry
from tools.core.clock import ManualClock
from tools.core.context import ToolContext, ToolError
from tools.core.safe_output import output_path
from tools.core.settings import Settings
from tools.ingest import shopify
from tools.ingest.calls import MAX_BATCH_BYTES

MAX_AGE = timedelta(hours=6)
MAX_AHEAD = timedelta(minutes=5)
SCOPE = "shopify-webhook"
ACTOR = "shopify"


class ShopifyDoor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def webhook(self, request: Request) -> Response:
        try:
            body = await read_body(request, MAX_BATCH_BYTES)
            self._verify(request, body)
            topic = request.headers.get("x-shopify-topic", "").strip()
            payload = shop_door.parsed(body)
            webhook_id = request.headers.get("x-shopify-webhook-id", "").strip()[:255] or None
            answer = await run_in_threadpool(
                handle, request.app.state.engine, self.settings, topic, payload, webhook_id, _now(request)
            )
        except IngestRefused as refusal:
            return json_response(refusal.status, {"error": str(refusal)}, refusal.headers)
        return json_response(200, {"success": True, **answer})

    def _verify(self, request: Request, body: bytes) -> None:
        secret = self.settings.shopify_webhook_secret
        if not secret:
            raise IngestRefused(401, "Shopify webhooks are off: set SHOPIFY_WEBHOOK_SECRET to the "
                                     "secret Shopify signs them with")
        shop_door.verify(secret, request.headers.get("x-shopify-hmac-sha256", ""), body,
                         "X-Shopify-Hmac-Sha256", "SHOPIFY_WEBHOOK_SECRET")
        _check_fresh(request.headers.get("x-shopify-triggered-at", ""), _now(request))


def _check_fresh(header: str, now: datetime) -> None:
    try:
        # Shopify sends nanoseconds ("...:27.877041743Z"); Python parses up to microseconds.
        text = header.strip().replace("Z", "+00:00")
        if "." in text:
            head, _, tail = text.partition(".")
            digits = "".join(c for c in tail if c.isdigit())
            text = f"{head}.{digits[:6]}{tail[len(digits):]}"
        at = datetime.fromisoformat(text)
        at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    except ValueError:
        raise IngestRefused(401, "missing or unreadable X-Shopify-Triggered-At (an ISO 8601 time)") from None
    if at < now - MAX_AGE or at > now + MAX_AHEAD:
        raise IngestRefused(401, f"stale webhook: triggered at {at.isoformat()}, more than "
                                 f"{int(MAX_AGE.total_seconds() // 3600)} hours from now")


def handle(engine, settings: Settings, topic: str, payload: Any, webhook_id: str | None, now: datetime) -> dict:
    """Map, validate and store one delivery in one transaction; refusals raise IngestRefused."""
    if topic in shopify.PRIVACY_TOPICS:
        return shop_door.deliver(engine, SCOPE, webhook_id, now,
                                 lambda db: _privacy(db, settings, topic, payload, now))
    mapped, calls = shop_door.prepared(shopify.calls_for, topic, payload, now)
    delivery = shop_door.Delivery(SCOPE, webhook_id, mapped, calls, f"shopify:{topic}", now)
    return shop_door.store(engine, delivery)


def _privacy(db, settings: Settings, topic: str, payload: Any, now: datetime) -> dict:
    """customers/redact -> forget_contact; customers/data_request -> export_contact to a file."""
    customer = payload.get("customer") if isinstance(payload, dict) else None
    if not isinstance(customer, dict):
        raise IngestRefused(422, f"{topic}: the payload needs a 'customer' object with an id or email")
    who = customer.get("email") or shopify.user_id(customer, None)
    if not who:
        raise IngestRefused(422, f"{topic}: customer has neither an email nor an id")
    # The signed mandatory webhook is itself the merchant's confirmed request.
    ctx = ToolContext(db=db, settings=settings, actor=ACTOR, thread=f"shopify:{topic}",
                      clock=ManualClock(now), surface="shopify/webhook", confirmed=True)
    name = "forget_contact" if topic == "customers/redact" else "export_contact"
    try:
        result = registry.call(ctx, name, {"contact": str(who)})
    except ToolError as error:
        return {"note": str(error)}
    if name == "forget_contact":
        return {"note": result.summary}
    request_id = str((payload.get("data_request") or {}).get("id") or customer.get("id") or "request")
    target = output_path(f"{settings.export_dir}/shopify-data-request-{_safe(request_id)}.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result.data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"note": result.summary, "file": str(target)}


def _safe(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c in "-_")[:64] or "request"


def routes(settings: Settings) -> list[BaseRoute]:
    return [Route("/shopify/webhooks", ShopifyDoor(settings).webhook, methods=["POST"])]

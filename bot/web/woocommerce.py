"""The WooCommerce door: `POST /woocommerce/webhooks`, WooCommerce's webhooks mapped onto
contacts and events.

A request is accepted only when `X-WC-Webhook-Signature` is the base64 HMAC-SHA256 of the raw
body keyed with `WOOCOMMERCE_WEBHOOK_SECRET` (the webhook's "Secret" in WooCommerce, compared
in constant time); the topic is `X-WC-Webhook-Topic` and the mapping `tools.ingest.woocommerce`.
WooCommerce sends no delivery time, so there is no staleness window: a replayed body stores
nothing new because its calls are keyed by the resource and its modification time.
A delivery is handled once per `X-WC-Webhook-Delivery-ID` (`bot.web.shop_door`), keyed together
with a digest of the body: WooCommerce derives that id from the webhook id and the current
second, so two different updates of one order within a second share it, and must both count.
When a webhook is saved, WooCommerce posts an unsigned form body `webhook_id=N` without a topic
(its "ping") and disables the webhook unless it gets a 2xx: that exact body is answered 200 and
nothing is stored. Every refusal is JSON `{"error": ...}`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.web import shop_door
from bot.web.ingest import IngestRefused, _now, json_response, read_body
from tools.core.settings import Settings
from tools.ingest import woocommerce
from tools.ingest.calls import MAX_BATCH_BYTES

SCOPE = "woocommerce-webhook"
PING = re.compile(rb"webhook_id=\d{1,20}")


class WooCommerceDoor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def webhook(self, request: Request) -> Response:
        try:
            body = await read_body(request, MAX_BATCH_BYTES)
            topic = request.headers.get("x-wc-webhook-topic", "").strip()
            if not topic and PING.fullmatch(body.strip()):
                return json_response(200, {"success": True, "note": "ping received; nothing stored"})
            self._verify(request, body)
            if not topic:
                raise IngestRefused(400, "missing X-WC-Webhook-Topic (e.g. order.updated)")
            payload = shop_door.parsed(body)
            delivery = request.headers.get("x-wc-webhook-delivery-id", "").strip()[:200]
            key = f"{delivery}:{hashlib.sha256(body).hexdigest()[:32]}" if delivery else None
            answer = await run_in_threadpool(handle, request.app.state.engine, topic, payload, key,
                                             _now(request))
        except IngestRefused as refusal:
            return json_response(refusal.status, {"error": str(refusal)}, refusal.headers)
        return json_response(200, {"success": True, **answer})

    def _verify(self, request: Request, body: bytes) -> None:
        secret = self.settings.woocommerce_webhook_secret
        if not secret:
            raise IngestRefused(401, "WooCommerce webhooks are off: set WOOCOMMERCE_WEBHOOK_SECRET to the "
                                     "webhook's secret in WooCommerce")
        shop_door.verify(secret, request.headers.get("x-wc-webhook-signature", ""), body,
                         "X-WC-Webhook-Signature", "WOOCOMMERCE_WEBHOOK_SECRET")


def handle(engine, topic: str, payload: Any, delivery_key: str | None, now: datetime) -> dict:
    """Map, validate and store one delivery in one transaction; refusals raise IngestRefused."""
    mapped, calls = shop_door.prepared(woocommerce.calls_for, topic, payload, now)
    delivery = shop_door.Delivery(SCOPE, delivery_key, mapped, calls, f"woocommerce:{topic}", now)
    return shop_door.store(engine, delivery)


def routes(settings: Settings) -> list[BaseRoute]:
    return [Route("/woocommerce/webhooks", WooCommerceDoor(settings).webhook, methods=["POST"])]

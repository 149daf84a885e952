"""The tracking and unsubscribe door: `GET /o/TOKEN` (open pixel), `GET /c/TOKEN` (click
redirect), `GET /u/TOKEN` (unsubscribe page) and `POST /u/TOKEN` (RFC 8058 one-click).

Tokens are HMAC-signed (tools.core.tokens): a forged, altered or wrong-kind token gets 404 and
changes nothing. A click only redirects to a URL the approved draft contains, so this is never
an open redirect. GET on `/u/` never unsubscribes (mail scanners follow links); it shows a page
whose button posts the same one-click body a mail client sends, and needs no cookies.
"""

from __future__ import annotations

import base64
import html
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from scheduler import tracking
from tools.core.clock import SYSTEM_CLOCK
from tools.core.db import session_scope
from tools.core.identity import token_secret
from tools.core.settings import Settings
from tools.core.tokens import read_token
from tools.drafting.placeholders import shop_name

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}
NOT_FOUND = PlainTextResponse("Not found", status_code=404)
MAX_BODY = 4096


def routes(settings: Settings) -> list[BaseRoute]:
    return [
        Route("/o/{token}", open_pixel, methods=["GET"]),
        Route("/c/{token}", click, methods=["GET"]),
        Route("/u/{token}", unsubscribe_page, methods=["GET"]),
        Route("/u/{token}", one_click, methods=["POST"]),
    ]


def _run(request: Request, action, kind: str):
    """Verify the token and run `action(db, token, now)` in one transaction; None if forged."""
    state = request.app.state
    now = getattr(state, "clock", SYSTEM_CLOCK).now()

    def work():
        with session_scope(state.engine) as db:
            token = read_token(token_secret(db, state.settings.secret), request.path_params["token"], kind)
            return None if token is None else (token, action(db, token, now))

    return run_in_threadpool(work)


async def open_pixel(request: Request) -> Response:
    result = await _run(request, tracking.record_open, "open")
    if not result or not result[1]:
        return NOT_FOUND
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


async def click(request: Request) -> Response:
    result = await _run(request, tracking.click_target, "click")
    if not result or not result[1]:
        return NOT_FOUND
    return RedirectResponse(result[1], status_code=302, headers=NO_STORE)


async def unsubscribe_page(request: Request) -> Response:
    result = await _run(request, lambda db, token, now: True, "unsubscribe")
    if not result:
        return NOT_FOUND
    shop = html.escape(shop_name(request.app.state.settings.shop_name))
    return HTMLResponse(_page(shop, "Unsubscribe", (
        f"<p>Stop all marketing emails from {shop}?</p>"
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>')), headers=NO_STORE)


async def one_click(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_BODY or parse_qs(body.decode("latin-1")).get("List-Unsubscribe") != ["One-Click"]:
        check = await _run(request, lambda db, token, now: True, "unsubscribe")
        if not check:
            return NOT_FOUND
        return PlainTextResponse("Expected the form body List-Unsubscribe=One-Click", status_code=400)
    source = "one-click" if "text/html" not in request.headers.get("accept", "") else "unsubscribe page"
    result = await _run(request, lambda db, token, now: tracking.unsubscribe(db, token, source, now),
                        "unsubscribe")
    if not result or not result[1]:
        return NOT_FOUND
    shop = html.escape(shop_name(request.app.state.settings.shop_name))
    return HTMLResponse(_page(shop, "Unsubscribed", f"<p>You will get no more marketing emails "
                              f"from {shop}.</p>"), headers=NO_STORE)


def _page(shop: str, title: str, content: str) -> str:
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{title} - {shop}</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f"<body><h1>{title}</h1>{content}</body></html>")

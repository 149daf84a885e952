"""The Nudge HTTP server: one Starlette app holding every HTTP door.

Doors: `GET /healthz`, the Segment-format ingest API (`/v1/*`), Shopify's webhooks
(`/shopify/webhooks`), email tracking and unsubscribe (`/o/`, `/c/`, `/u/`), and Slack's HTTP
mode (`/slack/events`). Each door's routes live in their own module and are collected here; `nudge serve` and `make run` serve this app with uvicorn.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.runtime import database
from tools.settings import Settings, get_settings


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True, "service": "nudge"})


def door_routes(settings: Settings) -> list[BaseRoute]:
    """Every door's routes. Add a door by adding its module's `routes(settings)` here."""
    from bot import web_ingest, web_shops, web_slack, web_tracking

    return [*web_ingest.routes(settings), *web_shops.routes(settings), *web_slack.routes(settings),
            *web_tracking.routes(settings)]


def build_app(settings: Settings | None = None, migrate: bool = True) -> Starlette:
    settings = settings or get_settings()
    engine = database(settings, migrate=migrate)
    app = Starlette(routes=[Route("/healthz", healthz), *door_routes(settings)])
    app.state.settings = settings
    app.state.engine = engine
    return app

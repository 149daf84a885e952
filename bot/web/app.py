"""The Nudge HTTP server: one Starlette app holding every HTTP door.

Doors: `GET /healthz` and `GET /readyz`, the Segment-format ingest API (`/v1/*`), Shopify's
webhooks (`/shopify/webhooks`) and WooCommerce's (`/woocommerce/webhooks`), email tracking and
unsubscribe (`/o/`, `/c/`, `/u/`), and
Slack's HTTP mode (`/slack/events`). Each door's routes live in their own module and are
collected here; `nudge serve` and `make run` serve this app with uvicorn. Whatever the door, a
database that cannot be used right now gives `503` with a JSON error and `Retry-After` (senders
and load balancers retry that), not a 500; the engine's pre-ping replaces dead connections, so
the app recovers when the database is back.
"""

from __future__ import annotations

import logging

from sqlalchemy import exc
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.runtime import database
from tools.core.db import database_problem, is_unavailable, outage_reason
from tools.core.settings import Settings, get_settings

RETRY_AFTER_S = 5
PROBE_TIMEOUT_MS = 1_000
LOG = logging.getLogger("nudge.web")


async def healthz(request: Request) -> JSONResponse:
    """Liveness: 200 while the process serves, saying whether the database answers a query."""
    problem = await run_in_threadpool(database_problem, request.app.state.engine, False, PROBE_TIMEOUT_MS)
    return JSONResponse({"ok": problem is None, "service": "nudge", "database": _database_state(problem)})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: 503 while the database cannot be written, so a load balancer routes elsewhere."""
    problem = await run_in_threadpool(database_problem, request.app.state.engine, True, PROBE_TIMEOUT_MS)
    body = {"ready": problem is None, "service": "nudge", "database": _database_state(problem)}
    if problem:
        return JSONResponse(body, 503, {"Retry-After": str(RETRY_AFTER_S)})
    return JSONResponse(body)


def _database_state(problem: str | None) -> dict:
    return {"ok": True} if problem is None else {"ok": False, "error": problem}


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    """503 + Retry-After for an outage; any other database error stays a 500 (a bug)."""
    if not is_unavailable(error):
        raise error
    # The reason (host, database name) is for the operator's log, not for whoever sent the request.
    LOG.warning("database unavailable on %s: %s", request.url.path,
                outage_reason(error, request.app.state.settings.database_url))
    message = "the database is unavailable right now; nothing was stored, retry later"
    return JSONResponse({"error": message}, 503, {"Retry-After": str(RETRY_AFTER_S)})


def door_routes(settings: Settings) -> list[BaseRoute]:
    """Every door's routes. Add a door by adding its module's `routes(settings)` here."""
    from bot.web import (
        ingest as web_ingest,
    )
    from bot.web import (
        shops as web_shops,
    )
    from bot.web import (
        slack as web_slack,
    )
    from bot.web import (
        tracking as web_tracking,
    )

    return [*web_ingest.routes(settings), *web_shops.routes(settings), *web_slack.routes(settings),
            *web_tracking.routes(settings)]


def build_app(settings: Settings | None = None, migrate: bool = True) -> Starlette:
    settings = settings or get_settings()
    engine = database(settings, migrate=migrate)
    app = Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), *door_routes(settings)],
        exception_handlers={exc.SQLAlchemyError: database_unavailable},
    )
    app.state.settings = settings
    app.state.engine = engine
    return app

"""Slack's HTTP mode: `POST /slack/events` on the Nudge HTTP server.

Present only when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set. Events, the slash command,
button clicks and modal submissions all arrive here; Bolt checks the signature and refuses
timestamps more than five minutes old (401), and an oversized body is refused before parsing
(413). Bolt's dispatch blocks on the database, so it runs on Starlette's thread pool rather
than on the event loop.
"""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.slack_app import build_slack_app
from tools.db import engine_for
from tools.settings import Settings

MAX_BODY_BYTES = 1_000_000


def routes(settings: Settings) -> list[BaseRoute]:
    if not (settings.slack_bot_token and settings.slack_signing_secret):
        return []
    slack_app = build_slack_app(settings, engine_for(settings.database_url))
    return [Route("/slack/events", endpoint_for(slack_app), methods=["POST"])]


def endpoint_for(slack_app: App):
    async def slack_events(request: Request) -> Response:
        declared = request.headers.get("content-length", "0")
        if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
            return PlainTextResponse("request body too large", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return PlainTextResponse("request body too large", status_code=413)
        try:
            bolt_request = to_bolt_request(request, body)
        except ValueError:  # not UTF-8, or JSON that does not parse (UnicodeDecodeError is one)
            return PlainTextResponse("request body is not valid UTF-8 JSON or form data", status_code=400)
        return to_starlette_response(await run_in_threadpool(slack_app.dispatch, bolt_request))

    return slack_events

"""Slack's HTTP mode: `POST /slack/events` on the Nudge HTTP server.

Present only when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set. Events, the slash command,
button clicks and modal submissions all arrive here; Bolt checks the signature and refuses
timestamps more than five minutes old (401; a timestamp that is not a number is refused here
first), and an oversized body is refused before parsing (413). Bolt's dispatch blocks on the database, so it runs on Starlette's thread pool rather
than on the event loop.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.slack.app import build_slack_app
from bot.slack.services import UNREADABLE, well_formed
from tools.core.db import engine_for
from tools.core.settings import Settings

log = logging.getLogger(__name__)
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
        if not request.headers.get("x-slack-request-timestamp", "").isdigit():
            return PlainTextResponse("missing or malformed X-Slack-Request-Timestamp", status_code=401)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return PlainTextResponse("request body too large", status_code=413)
        try:
            bolt_request = to_bolt_request(request, body)
        except (ValueError, AttributeError, TypeError, KeyError):
            # Not UTF-8, JSON that does not parse, or JSON that is not an object: Bolt's
            # request parser assumes an object and fails on anything else.
            return PlainTextResponse("request body is not a Slack JSON object or form", status_code=400)
        if not well_formed(bolt_request.body):
            return PlainTextResponse("not a Slack event, command or interaction payload", status_code=400)
        try:
            response = await run_in_threadpool(slack_app.dispatch, bolt_request)
        except UNREADABLE as error:
            # Bolt reads payload fields without checking them; a payload it cannot read is the
            # sender's error, not ours.
            log.info("unreadable Slack payload refused: %s", type(error).__name__)
            return PlainTextResponse("malformed Slack payload", status_code=400)
        return to_starlette_response(response)

    return slack_events

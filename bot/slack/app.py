"""The Bolt app: built from settings, with the listeners of every Slack surface registered.

One `App` serves both modes: HTTP (Slack posts to `/slack/events`, see `bot/web/slack.py`) and
Socket Mode (`run_socket_mode`, when SLACK_APP_TOKEN is set; see `bot/slack/socket.py`). Listeners ack at once and do the
work in lazy listeners (`process_before_response=False`, so Bolt answers Slack before the work
runs on its thread pool). Two global middlewares run first: requests from another workspace
than SLACK_TEAM_ID are refused and audited, and an event Slack retries (same `event_id`, with
X-Slack-Retry-Num) is handled once, remembered as an `IdempotencyKey` in scope "slack".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from sqlalchemy import Engine

from bot.engine import messages
from bot.engine.conversation import Conversation
from bot.slack import actions as slack_actions
from bot.slack import commands as slack_commands
from bot.slack import events as slack_events
from bot.slack import socket as slack_socket
from bot.slack import views as slack_views
from bot.slack.services import (
    UNREADABLE,
    SlackServices,
    first_time,
    team_of,
    user_of,
    web_client,
)
from tools.core import audit
from tools.core.clock import SYSTEM_CLOCK, Clock
from tools.core.db import session_scope
from tools.core.settings import Settings

log = logging.getLogger(__name__)


class ClientWinsIsIntended(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN from the environment and warns that the client Nudge passes
    (same token, SLACK_API_URL's base) wins over it; that is the intent, so it is not printed."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


logging.getLogger("slack_bolt.App").addFilter(ClientWinsIsIntended())


def build_slack_app(settings: Settings, engine: Engine, clock: Clock = SYSTEM_CLOCK,
                    conversation: Conversation | None = None) -> App:
    services = SlackServices(engine, settings, conversation or Conversation(engine, settings, clock), clock)
    app = App(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret or None,
        request_verification_enabled=bool(settings.slack_signing_secret),
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )
    app.middleware(same_workspace(services))
    app.middleware(once_per_event(services))
    app.error(on_error)
    for surface in (slack_events, slack_commands, slack_actions, slack_views):
        surface.register(app, services)
    return app


def same_workspace(services: SlackServices) -> Callable[..., Any]:
    def middleware(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        expected = services.settings.slack_team_id
        team = team_of(body)
        if expected and team != expected:
            user = user_of(body)
            with session_scope(services.engine) as session:
                audit.record(session, f"slack:{user or 'unknown'}", "slack.wrong_workspace", f"team:{team}",
                             {"type": body.get("type")}, None, services.clock.now())
            return BoltResponse(status=403, body=messages.WRONG_WORKSPACE)
        return next()

    return middleware


def once_per_event(services: SlackServices) -> Callable[..., Any]:
    def middleware(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not first_time(services, "slack", str(event_id)):
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    """A payload Bolt cannot read is the sender's error (400); anything else is logged as ours."""
    if isinstance(error, UNREADABLE):
        log.info("unreadable Slack payload (%s): %s", body.get("type") if isinstance(body, dict) else "?",
                 type(error).__name__)
        return BoltResponse(status=400, body="malformed Slack payload")
    log.error("slack listener failed for %s: %s", body.get("type"), type(error).__name__, exc_info=error)
    return None


def connect_socket_mode(settings: Settings, engine: Engine):
    """Connect to Slack over Socket Mode (SLACK_APP_TOKEN); returns the handler to close().

    A token Slack refuses raises SettingsError naming SLACK_APP_TOKEN (see bot/slack/socket.py).
    """
    return slack_socket.connect(build_slack_app(settings, engine), settings.slack_app_token)


def run_socket_mode(settings: Settings, engine: Engine) -> None:
    """Connect to Slack over Socket Mode and serve until interrupted."""
    slack_socket.serve_until_interrupted(connect_socket_mode(settings, engine))

"""The Bolt app: built from settings, with the listeners of every Slack surface registered.

One `App` serves both modes: HTTP (Slack posts to `/slack/events`, see `bot/web_slack.py`) and
Socket Mode (`run_socket_mode`, when SLACK_APP_TOKEN is set; see `bot/slack_socket.py`). Listeners ack at once and do the
work in lazy listeners (`process_before_response=False`, so Bolt answers Slack before the work
runs on its thread pool). Two global middlewares run first: requests from another workspace
than SLACK_TEAM_ID are refused and audited, and an event Slack retries (same `event_id`, with
X-Slack-Retry-Num) is handled once, remembered as an `IdempotencyKey` in scope "slack".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot import messages
from bot.conversation import Conversation
from tools import audit
from tools.clock import SYSTEM_CLOCK, Clock
from tools.db import session_scope
from tools.models import IdempotencyKey
from tools.settings import Settings

log = logging.getLogger(__name__)
# What Bolt raises when it reads a payload field that is missing or of the wrong shape.
UNREADABLE = (LookupError, AttributeError, TypeError, ValueError)


class ClientWinsIsIntended(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN from the environment and warns that the client Nudge passes
    (same token, SLACK_API_URL's base) wins over it; that is the intent, so it is not printed."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


logging.getLogger("slack_bolt.App").addFilter(ClientWinsIsIntended())


@dataclass
class SlackServices:
    """What every listener needs: the database, settings, clock and conversation engine."""

    engine: Engine
    settings: Settings
    conversation: Conversation
    clock: Clock = SYSTEM_CLOCK


def web_client(settings: Settings) -> WebClient:
    if settings.slack_api_url:
        base = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
        return WebClient(token=settings.slack_bot_token, base_url=base)
    return WebClient(token=settings.slack_bot_token)


def build_slack_app(settings: Settings, engine: Engine, clock: Clock = SYSTEM_CLOCK,
                    conversation: Conversation | None = None) -> App:
    from bot import slack_actions, slack_commands, slack_events, slack_views

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


def team_of(body: dict[str, Any]) -> str | None:
    team = body.get("team_id") or body.get("team")
    if isinstance(team, dict):
        team = team.get("id")
    if not team and isinstance(body.get("user"), dict):
        team = body["user"].get("team_id")
    return team if isinstance(team, str) else None


def user_of(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    return body.get("user_id") or event.get("user")


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


def first_time(services: SlackServices, scope: str, key: str) -> bool:
    """Record `key`; False when it was already recorded (a retry or a duplicate)."""
    try:
        with session_scope(services.engine) as session:
            session.add(IdempotencyKey(scope=scope, key=key[:255], created_at=services.clock.now()))
    except IntegrityError:
        return False
    return True


def well_formed(body: Any) -> bool:
    """The shape Bolt reads before any middleware runs (HTTP and Socket Mode alike).

    An object with a string `type`, or a slash command; an event has an `event` object with a
    `type`; a button click has a non-empty list of `actions` (Bolt takes the first one for every
    listener's arguments); a modal event has a `view` object.
    """
    if not isinstance(body, dict):
        return False
    if isinstance(body.get("command"), str):
        return True
    kind = body.get("type")
    if not isinstance(kind, str):
        return "ssl_check" in body
    if kind == "event_callback":
        event = body.get("event")
        return isinstance(event, dict) and isinstance(event.get("type"), str)
    if kind == "block_actions" or (kind == "interactive_message" and "callback_id" in body):
        actions = body.get("actions")
        return isinstance(actions, list) and bool(actions) and isinstance(actions[0], dict)
    if kind in {"view_submission", "view_closed"}:
        return isinstance(body.get("view"), dict)
    return True


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

    A token Slack refuses raises SettingsError naming SLACK_APP_TOKEN (see bot/slack_socket.py).
    """
    from bot import slack_socket

    return slack_socket.connect(build_slack_app(settings, engine), settings.slack_app_token)


def run_socket_mode(settings: Settings, engine: Engine) -> None:
    """Connect to Slack over Socket Mode and serve until interrupted."""
    from bot import slack_socket

    slack_socket.serve_until_interrupted(connect_socket_mode(settings, engine))

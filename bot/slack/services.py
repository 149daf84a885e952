"""What every Slack listener shares: the services it runs with, and reading a payload's ids.

`bot/slack/app.py` builds the Bolt app and registers the listener modules (events, commands,
actions, views); they and the Socket Mode client import from here, never from the app, so the
app is the composition root that nothing imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.engine.conversation import Conversation
from tools.core.clock import SYSTEM_CLOCK, Clock
from tools.core.db import session_scope
from tools.core.models import IdempotencyKey
from tools.core.settings import Settings

# What Bolt raises when it reads a payload field that is missing or of the wrong shape.
UNREADABLE = (LookupError, AttributeError, TypeError, ValueError)


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

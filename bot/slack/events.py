"""Slack events: mentions in channels (`app_mention`) and direct messages (`message.im`).

Each is acked at once; a lazy listener posts "Working on it..." in the thread, runs the request
through the conversation engine (the thread is the conversation: `channel:thread_ts`), and then
updates that message in place with the reply and its draft cards.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.display import blocks as kit
from bot.engine import messages
from bot.slack.services import SlackServices
from tools.core.blockkit import clip

log = logging.getLogger(__name__)
MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
FALLBACK_TEXT_LIMIT = 3000


def register(app: App, services: SlackServices) -> None:
    def on_mention(event: dict[str, Any], client: WebClient) -> None:
        thread_ts = event.get("thread_ts") or event.get("ts")
        answer_in_place(services, client, event["channel"], thread_ts, event.get("text", ""), event.get("user"))

    def on_message(event: dict[str, Any], client: WebClient) -> None:
        if not is_direct_message(event):
            return
        thread_ts = event.get("thread_ts")
        answer_in_place(services, client, event["channel"], thread_ts, event.get("text", ""), event.get("user"),
                        thread_key=f"{event['channel']}:{thread_ts or 'dm'}")

    app.event("app_mention")(ack=ack_now, lazy=[on_mention])
    app.event("message")(ack=ack_now, lazy=[on_message])


def ack_now(ack: Ack) -> None:
    ack()


def is_direct_message(event: dict[str, Any]) -> bool:
    """A person's own DM to Nudge: not an edit, a join notice or another bot's message."""
    return event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")


def answer_in_place(services: SlackServices, client: WebClient, channel: str, thread_ts: str | None, text: str,
                    user: str | None, thread_key: str | None = None) -> None:
    """Post "Working on it...", answer through the conversation engine, update the post."""
    working = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=messages.WORKING)
    thread_ts = thread_ts or working["ts"]
    request = MENTION.sub(" ", text or "").strip()
    reply = services.conversation.handle(request, user or "unknown", thread_key or f"{channel}:{thread_ts}",
                                         surface="slack")
    update(client, channel, working["ts"], reply.text, reply.blocks)


def update(client: WebClient, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
    """Replace a message; if Slack refuses the blocks, still replace it with the plain text."""
    fallback = clip(text, FALLBACK_TEXT_LIMIT)
    try:
        client.chat_update(channel=channel, ts=ts, text=fallback, blocks=blocks)
    except SlackApiError as error:
        log.warning("chat.update with blocks refused (%s); sending text only", error.response.get("error"))
        client.chat_update(channel=channel, ts=ts, text=fallback, blocks=kit.text_blocks(fallback))

"""Card buttons in Slack: each row of `bot/display/buttons.BUTTONS` gets its listener here.

A button runs its tool at once (Approve, Schedule), asks first in a modal (Edit: the new copy;
Reject: a reason; the submissions are in `bot/slack/views.py`), or decides on a proposed
irreversible action (Confirm / Cancel).

Every click is acked at once and handled in a lazy listener that runs the tool through
`tools.registry.call` as the clicking user; who may do what is decided there (and audited
there), and a refusal is shown to the clicker privately. Schedule proposes: its Confirm / Cancel
message is posted in the thread, and only the person who clicked Schedule can confirm it, once.
Approving is idempotent in the tool (one approval per draft version), so a double click
approves once. After a change the card message is rebuilt from the database and updated in
place, so what Slack shows is always what is stored.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.display import blocks as kit
from bot.display import cards, ids
from bot.display.buttons import BUTTONS
from bot.engine import messages
from bot.slack.events import update
from bot.slack.files import send_privately
from bot.slack.services import SlackServices, user_of
from tools import proposals, registry
from tools.core.context import ToolError, ToolResult
from tools.core.db import session_scope
from tools.core.models import Draft, Proposal
from tools.drafting.approvals import newest_version

log = logging.getLogger(__name__)
UNKNOWN_ACTIONS = re.compile(rf"^(?!({'|'.join(ids.ACTION_IDS)})$).*")


def register(app: App, services: SlackServices) -> None:
    def press(body: dict[str, Any], client: WebClient) -> None:
        """A button that runs its tool at once (Approve, Schedule); Schedule is proposed."""
        click = Click(body)
        if not well_formed(client, click):
            return
        button = BUTTONS[click.action_id]
        with message_lock(click):
            result = run_tool(services, client, click, button.tool, button.arguments(click.number))
            if result is not None and button.target == "draft":
                refresh(services, client, click, click.draft_id)

    def decide(body: dict[str, Any], client: WebClient) -> None:
        click = Click(body)
        if not well_formed(client, click):
            return
        confirm = BUTTONS[click.action_id].confirm
        with message_lock(click):
            reply = services.conversation.decide(click.number, click.user, click.thread, confirm, SURFACE)
            if reply.failed:
                return ephemeral(client, click, reply.text)
            update(client, click.channel, click.ts, reply.text, reply.blocks)
            if note := send_privately(client, click.user, reply.attachments):
                ephemeral(client, click, note)

    def ask_copy(body: dict[str, Any], client: WebClient) -> None:
        click = Click(body)
        if not well_formed(client, click):
            return
        with session_scope(services.engine) as session:
            draft = session.get(Draft, newest_version(session, click.draft_id))
            if draft is None:
                return ephemeral(client, click, messages.DRAFT_MISSING.format(draft_id=click.draft_id))
            copy = cards.editable_copy(draft)
            card = kit.DraftCard(draft.id, draft.version, draft.purpose, subject=copy["subject"],
                                 preheader=copy["preheader"])
        client.views_open(trigger_id=body["trigger_id"], view=kit.edit_modal(card, copy["body"], click.metadata(draft.id)))

    def ask_reason(body: dict[str, Any], client: WebClient) -> None:
        click = Click(body)
        button = BUTTONS[click.action_id]
        if not well_formed(client, click) or not may_run(services, client, click, button.tool):
            return
        client.views_open(trigger_id=body["trigger_id"],
                          view=kit.reject_modal(click.draft_id, click.metadata(click.draft_id)))

    def unknown(body: dict[str, Any], client: WebClient) -> None:
        click = Click(body)
        ephemeral(client, click, messages.UNKNOWN_ACTION.format(action_id=click.action_id[:100]))

    # How Slack asks what a button needs first: a modal; its submission is in bot/slack/views.py.
    asking = {"copy": ask_copy, "reason": ask_reason}
    for action_id, button in BUTTONS.items():
        handler = decide if button.tool is None else asking.get(button.asks, press)
        app.action(action_id)(ack=ack_now, lazy=[handler])
    app.action(UNKNOWN_ACTIONS)(ack=ack_now, lazy=[unknown])


SURFACE = "slack/button"


def ack_now(ack: Ack) -> None:
    ack()


_LOCKS = tuple(threading.Lock() for _ in range(64))


def message_lock(click: Click) -> threading.Lock:
    """Clicks on one message take turns, so the last update shows every decision before it.
    A fixed pool of locks (by hash) keeps memory flat however many messages there are."""
    return _LOCKS[hash(f"{click.channel}:{click.ts}") % len(_LOCKS)]


class Click:
    """The parts of a block_actions payload the listeners use, read defensively."""

    def __init__(self, body: dict[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
        container = body.get("container") or {}
        message = body.get("message") or {}
        self.action_id = str(action.get("action_id") or "")
        self.value = str(action.get("value") or "")
        self.user = user_of(body) or "unknown"
        self.channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        self.ts = container.get("message_ts") or message.get("ts")
        self.intro = message.get("text") if message.get("text") != messages.WORKING else None
        self.thread_ts = message.get("thread_ts") or self.ts
        self.thread = f"{self.channel}:{self.thread_ts}"
        self.number = int(self.value) if self.value.isdigit() else None

    @property
    def draft_id(self) -> int | None:
        return self.number

    def metadata(self, draft_id: int) -> dict[str, Any]:
        return {"draft_id": draft_id, "channel": self.channel, "ts": self.ts, "thread": self.thread}


def well_formed(client: WebClient, click: Click) -> bool:
    if click.number is None:
        ephemeral(client, click, messages.MALFORMED_ACTION)
        return False
    return True


def may_run(services: SlackServices, client: WebClient, click: Click, name: str) -> bool:
    """Ask the registry whether the clicker may run `name` (it audits a refusal); show a refusal."""
    try:
        with session_scope(services.engine) as session:
            registry.check(services.conversation.context(session, click.user, click.thread, SURFACE), name)
    except ToolError as error:
        ephemeral(client, click, sentence(str(error)))
        return False
    return True


def run_tool(services: SlackServices, client: WebClient, click: Click, name: str, arguments: dict[str, Any]) -> ToolResult | None:
    """Run one tool as the clicking user; a refusal goes back to them only, and a call that
    needs confirmation is posted in the thread with Confirm / Cancel."""
    try:
        with session_scope(services.engine) as session:
            ctx = services.conversation.context(session, click.user, click.thread, SURFACE)
            result = proposals.call_or_propose(ctx, name, arguments)
            if not isinstance(result, Proposal):
                return result
            text = messages.proposed(result.summary)
            blocks = kit.proposal_blocks(text, result.id)
    except ToolError as error:
        ephemeral(client, click, sentence(str(error)))
        return None
    if click.channel:
        client.chat_postMessage(channel=click.channel, thread_ts=click.thread_ts, text=text, blocks=blocks)
    return None


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def refresh(services: SlackServices, client: WebClient, click: Click, draft_id: int, note: str | None = None) -> None:
    with session_scope(services.engine) as session:
        ctx = services.conversation.context(session, click.user, click.thread)
        blocks = cards.message_blocks(ctx, draft_id, click.intro, note)
    update(client, click.channel, click.ts, click.intro or note or "Draft updated.", blocks)


def ephemeral(client: WebClient, click: Click, text: str) -> None:
    if click.channel:
        client.chat_postEphemeral(channel=click.channel, user=click.user, text=text)


def parse_metadata(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}

"""Modal submissions: the Edit modal (a new draft version) and the Reject modal (a reason).

The ack validates the fields (an empty subject, body or reason is shown back in the modal as
an error); a lazy listener then runs the tool as the submitting user and updates the card
message the modal was opened from. Saving an edit makes a new version, so its compliance is
checked again and it needs its own approval. Who may reject is decided by `registry.call`,
which also audits a refusal; the listener only shows it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.display import cards, ids
from bot.display.buttons import BUTTONS
from bot.engine import messages
from bot.slack.actions import parse_metadata, sentence
from bot.slack.events import update
from bot.slack.services import SlackServices, user_of
from tools import registry
from tools.core.context import ToolError
from tools.core.db import session_scope


def register(app: App, services: SlackServices) -> None:
    def save_edit(body: dict[str, Any], client: WebClient) -> None:
        values, meta, user = edit_values(body["view"]), parse_metadata(body["view"].get("private_metadata")), user_of(body)
        if edit_errors(values) or not isinstance(meta.get("draft_id"), int):
            return
        arguments = {"draft_id": meta["draft_id"], "subject": values["subject"], "preheader": values["preheader"],
                     "body": values["body"]}
        finish(services, client, meta, user, BUTTONS[ids.EDIT].tool, arguments, "edited")

    def save_reject(body: dict[str, Any], client: WebClient) -> None:
        meta, user = parse_metadata(body["view"].get("private_metadata")), user_of(body)
        reason = field(body["view"], ids.REASON_BLOCK, ids.REASON_INPUT)
        if not reason or not isinstance(meta.get("draft_id"), int):
            return
        finish(services, client, meta, user, BUTTONS[ids.REJECT].tool,
               BUTTONS[ids.REJECT].arguments(meta["draft_id"], {"reason": reason}), "rejected")

    app.view(ids.EDIT_VIEW)(ack=ack_edit, lazy=[save_edit])
    app.view(ids.REJECT_VIEW)(ack=ack_reject, lazy=[save_reject])


def ack_edit(ack: Ack, view: dict[str, Any]) -> None:
    errors = edit_errors(edit_values(view))
    ack(response_action="errors", errors=errors) if errors else ack()


def ack_reject(ack: Ack, view: dict[str, Any]) -> None:
    if field(view, ids.REASON_BLOCK, ids.REASON_INPUT):
        ack()
    else:
        ack(response_action="errors", errors={ids.REASON_BLOCK: messages.REJECT_NEEDS_REASON})


def field(view: dict[str, Any], block: str, action: str) -> str:
    state = ((view.get("state") or {}).get("values") or {}).get(block) or {}
    return ((state.get(action) or {}).get("value") or "").strip()


def edit_values(view: dict[str, Any]) -> dict[str, str]:
    return {
        "subject": field(view, ids.SUBJECT_BLOCK, ids.SUBJECT_INPUT),
        "preheader": field(view, ids.PREHEADER_BLOCK, ids.PREHEADER_INPUT),
        "body": field(view, ids.BODY_BLOCK, ids.BODY_INPUT),
    }


def edit_errors(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not values["subject"]:
        errors[ids.SUBJECT_BLOCK] = messages.EDIT_EMPTY_FIELD.format(field="subject")
    if not values["body"]:
        errors[ids.BODY_BLOCK] = messages.EDIT_EMPTY_FIELD.format(field="body")
    return errors


def finish(services: SlackServices, client: WebClient, meta: dict[str, Any], user: str | None, name: str,
           arguments: dict[str, Any], verb: str) -> None:
    """Run the tool as `user`, then rebuild the card message the modal came from."""
    channel, ts = meta.get("channel"), meta.get("ts")
    try:
        with session_scope(services.engine) as session:
            ctx = services.conversation.context(session, user or "unknown", meta.get("thread"), "slack/modal")
            result = registry.call(ctx, name, arguments)
    except ToolError as error:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=sentence(str(error)))
        return
    if not (channel and ts):
        return
    note = f"Draft {meta['draft_id']} {verb} by <@{user}>: {result.summary}"
    with session_scope(services.engine) as session:
        ctx = services.conversation.context(session, user or "unknown", meta.get("thread"))
        blocks = cards.message_blocks(ctx, meta["draft_id"], None, note)
    update(client, channel, ts, note, blocks)

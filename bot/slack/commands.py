"""The `/nudge` slash command: the same requests as a mention, from any channel or DM.

Acked at once; a lazy listener posts "Working on it..." in the channel and updates it with the
reply. The posted message starts a thread, so follow-ups mention Nudge in that thread. Where
Nudge may not post (it was not invited to the channel), the person is told so privately.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.display import ids
from bot.engine import messages
from bot.slack.events import answer_in_place
from bot.slack.services import SlackServices


def register(app: App, services: SlackServices) -> None:
    def run(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        try:
            answer_in_place(services, client, command["channel_id"], None, command.get("text", ""),
                            command.get("user_id"))
        except SlackApiError as error:
            if error.response.get("error") not in {"not_in_channel", "channel_not_found"}:
                raise
            respond(text=messages.NOT_IN_CHANNEL, response_type="ephemeral")

    app.command(ids.SLASH_COMMAND)(ack=ack_now, lazy=[run])


def ack_now(ack: Ack) -> None:
    ack()

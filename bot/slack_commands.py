"""The `/nudge` slash command: the same requests as a mention, from any channel or DM.

Acked at once; a lazy listener posts "Working on it..." in the channel and updates it with the
reply. The posted message starts a thread, so follow-ups mention Nudge in that thread.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids
from bot.slack_events import answer_in_place


def register(app: App, services) -> None:
    def run(command: dict[str, Any], client: WebClient) -> None:
        answer_in_place(services, client, command["channel_id"], None, command.get("text", ""),
                        command.get("user_id"))

    app.command(ids.SLASH_COMMAND)(ack=ack_now, lazy=[run])


def ack_now(ack: Ack) -> None:
    ack()

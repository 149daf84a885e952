"""Handing a reply's files to the person who asked, privately: a direct message from Nudge.

An access request's JSON holds one person's whole record, so it is never posted in the channel
the request came from: `send_privately` opens (or finds) the direct message between Nudge and
the approver who confirmed it (`conversations.open`) and uploads each file there with
`files_upload_v2` (Slack's external upload: get an upload URL, post the bytes, complete the
upload into that DM). The returned sentence says where the file went, or why it could not be
sent and how to get it instead; it is shown to the asker only.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.engine.results import Attachment

log = logging.getLogger(__name__)


def send_privately(client: WebClient, user: str, attachments: list[Attachment]) -> str | None:
    """Upload `attachments` to `user`'s direct message with Nudge; a sentence for them, or None."""
    if not attachments:
        return None
    try:
        channel = client.conversations_open(users=user)["channel"]["id"]
        for attachment in attachments:
            client.files_upload_v2(channel=channel, content=attachment.content, filename=attachment.filename,
                                   title=attachment.title,
                                   initial_comment="The data you asked for (personal data: keep it private).")
    except (SlackApiError, KeyError, TypeError) as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
        log.warning("private upload to %s failed: %s", user, reason)
        return (f"I could not send you the file privately (Slack said: {reason}); "
                "run `nudge export-contact EMAIL --out FILE.json` on the server to get it.")
    names = ", ".join(a.filename for a in attachments)
    return f"I sent you {names} in a direct message (only you can see it)."

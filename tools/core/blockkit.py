"""Slack Block Kit primitives: sections, headers, context lines and plain text, within Slack's limits.

Pure functions from text to payload dicts, with one clipping rule (Slack refuses a section over
3,000 characters; we stop at 2,900 and end with "…"). `bot/display/blocks.py` builds cards and
modals from them and `tools/reporting/digest.py` the digest; before, the digest had its own
copies that cut text mid-word at 3,000.
"""

from __future__ import annotations

from typing import Any

SECTION_LIMIT = 2900  # Slack's section text limit is 3000 characters


def clip(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Text a customer or marketer wrote, safe inside mrkdwn (no <!channel>, no fake links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int = 150) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text) or " "}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_LIMIT) or " "}]}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, 150)}


DIVIDER = {"type": "divider"}

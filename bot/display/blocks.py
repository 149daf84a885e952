"""Block Kit builders: pure functions from plain data to Slack message and modal payloads.

A draft card shows what an approver needs to decide (subject, preheader, the first lines, one
sample personalisation, the compliance verdict and warnings) with Approve / Edit / Reject
buttons; a campaign message stacks its steps' cards under the preflight numbers and adds a
Schedule button once every step is approved. Nothing here touches the database or Slack, so the
console renders the same data and tests build click payloads from the same ids.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from bot.display import ids
from bot.display.buttons import BUTTONS
from tools.core.blockkit import SECTION_LIMIT, context, plain, section

MAX_BLOCKS = 50


@dataclass
class DraftCard:
    draft_id: int
    version: int
    purpose: str
    channel: str = "email"
    step_label: str | None = None
    subject: str | None = None
    preheader: str | None = None
    first_lines: str = ""
    sample: str | None = None
    status: str = "pending"
    decided_by: str | None = None
    reason: str | None = None
    blocking: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    platform: str | None = None


@dataclass
class CampaignView:
    campaign_id: int
    name: str
    status: str
    cards: list[DraftCard]
    note: str | None = None

    @property
    def all_approved(self) -> bool:
        return bool(self.cards) and all(card.status == "approved" for card in self.cards)

    @property
    def schedulable(self) -> bool:
        return self.all_approved and self.status in {"draft", "awaiting_approval", "awaiting approval"}


def button(action_id: str, value: str) -> dict[str, Any]:
    """The Block Kit element of a button in `bot/display/buttons.BUTTONS`."""
    row = BUTTONS[action_id]
    element = {"type": "button", "text": plain(row.label, 75), "action_id": action_id, "value": value}
    if row.style:
        element["style"] = row.style
    return element


def text_blocks(text: str) -> list[dict[str, Any]]:
    """A plain reply as sections, split on paragraph boundaries to respect Slack's limits."""
    chunks, current = [], ""
    for paragraph in text.split("\n\n"):
        if current and len(current) + len(paragraph) + 2 > SECTION_LIMIT:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    chunks.append(current)
    return [section(chunk) for chunk in chunks[:10]]


def verdict(card: DraftCard) -> str:
    if card.blocking:
        lines = "\n".join(f"• {item}" for item in card.blocking)
        return f":no_entry: *Blocked until fixed*\n{lines}"
    if card.warnings:
        lines = "\n".join(f"• {item}" for item in card.warnings)
        return f":warning: *Compliant, with warnings*\n{lines}"
    return ":white_check_mark: *Compliant*: no findings"


def status_line(card: DraftCard) -> str:
    if card.status == "approved":
        return f":white_check_mark: Approved by <@{card.decided_by}>" if card.decided_by else ":white_check_mark: Approved"
    if card.status == "rejected":
        who = f" by <@{card.decided_by}>" if card.decided_by else ""
        return f":x: Rejected{who}: {card.reason or 'no reason given'}"
    return ":hourglass: Awaiting approval"


def draft_card(card: DraftCard) -> list[dict[str, Any]]:
    title = " · ".join(part for part in (card.step_label, card.purpose.replace("_", " ")) if part)
    header = f"*{title}*  (draft {card.draft_id}, v{card.version})"
    body = [f"*Subject:* {card.subject or '(none)'}"]
    if card.preheader:
        body.append(f"*Preheader:* {card.preheader}")
    if card.first_lines:
        body.append("> " + card.first_lines.replace("\n", "\n> "))
    blocks = [
        section(header + "\n" + "\n".join(body)),
    ]
    if card.sample:
        blocks.append(context(f"Sample: {card.sample}"))
    blocks.append(section(verdict(card)))
    blocks.append(context(status_line(card)))
    if card.status == "pending":
        blocks.append(draft_actions(card.draft_id, editable=card.channel == "email"))
    return blocks


def draft_actions(draft_id: int, editable: bool = True) -> dict[str, Any]:
    """Approve / Edit / Reject; ad copy is edited by asking, so it has no Edit modal."""
    value = str(draft_id)
    edit = [button(ids.EDIT, value)] if editable else []
    return {
        "type": "actions",
        "block_id": f"{ids.ACTIONS_BLOCK_PREFIX}{draft_id}",
        "elements": [
            button(ids.APPROVE, value),
            *edit,
            button(ids.REJECT, value),
        ],
    }


def campaign_message(view: CampaignView, intro: str | None = None) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if intro:
        blocks += text_blocks(intro)
    blocks.append(section(f"*{view.name}* (campaign {view.campaign_id}, {view.status.replace('_', ' ')})"))
    for card in view.cards:
        blocks.append({"type": "divider"})
        blocks += draft_card(card)
    if view.note:
        blocks.append(context(view.note))
    if view.schedulable:
        blocks.append({
            "type": "actions",
            "block_id": ids.SCHEDULE_BLOCK,
            "elements": [button(ids.SCHEDULE, str(view.campaign_id))],
        })
    return fit(blocks)


def proposal_blocks(text: str, proposal_id: int) -> list[dict[str, Any]]:
    """What an irreversible action would do, with Confirm / Cancel for the person who asked."""
    value = str(proposal_id)
    return fit(text_blocks(":warning: " + text) + [{
        "type": "actions",
        "block_id": f"{ids.PROPOSAL_BLOCK_PREFIX}{proposal_id}",
        "elements": [button(ids.CONFIRM, value), button(ids.CANCEL, value)],
    }])


def fit(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep within Slack's 50-block limit, saying so rather than failing the whole message."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    return blocks[: MAX_BLOCKS - 1] + [context("(more not shown; ask me about one step at a time)")]


def edit_modal(card: DraftCard, body: str, metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.EDIT_VIEW,
        "private_metadata": json.dumps(metadata),
        "title": plain(f"Edit draft {card.draft_id}", 24),
        "submit": plain("Save new version", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            _input(ids.SUBJECT_BLOCK, ids.SUBJECT_INPUT, "Subject", card.subject or "", 500),
            _input(ids.PREHEADER_BLOCK, ids.PREHEADER_INPUT, "Preheader", card.preheader or "", 500, optional=True),
            _input(ids.BODY_BLOCK, ids.BODY_INPUT, "Body", body, 3000, multiline=True),
        ],
    }


def reject_modal(draft_id: int, metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.REJECT_VIEW,
        "private_metadata": json.dumps(metadata),
        "title": plain(f"Reject draft {draft_id}", 24),
        "submit": plain("Reject", 24),
        "close": plain("Cancel", 24),
        "blocks": [_input(ids.REASON_BLOCK, ids.REASON_INPUT, "Why? (the writer sees this)", "", 2000, multiline=True)],
    }


def _input(block_id: str, action_id: str, label: str, initial: str, limit: int,
           multiline: bool = False, optional: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline,
                               "max_length": limit}
    if initial:
        element["initial_value"] = initial[:limit]
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element,
            "optional": optional}


SLACK_MENTION = re.compile(r"<@([A-Za-z0-9_.-]+)>")
SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)\|([^>]+)>")
# Slack's emoji shortcodes that Nudge writes, as the symbols a terminal shows.
SYMBOLS = {":white_check_mark:": "✓", ":warning:": "⚠", ":no_entry:": "⛔", ":hourglass:": "⏳",
           ":x:": "✗", ":chart_with_upwards_trend:": "↗", ":chart_with_downwards_trend:": "↘",
           ":bulb:": "💡", ":tada:": "🎉"}
BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")


def terminal(text: str, ansi: bool = False) -> str:
    """Slack mrkdwn as a terminal shows it: mentions as @id, links as 'label (url)', emoji as
    symbols, *bold* in bold where the terminal supports it (plain otherwise)."""
    text = SLACK_MENTION.sub(r"@\1", text)
    text = SLACK_LINK.sub(r"\2 (\1)", text)
    for code, symbol in SYMBOLS.items():
        text = text.replace(code, symbol)
    return BOLD.sub(r"\033[1m\1\033[0m" if ansi else r"\1", text)


def as_text(blocks: list[dict[str, Any]], ansi: bool = False) -> tuple[str, list[tuple[str, str, str]]]:
    """Render blocks for a terminal: the text, and the buttons as (label, action_id, value)."""
    lines: list[str] = []
    choices: list[tuple[str, str, str]] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            lines.append(block["text"]["text"])
        elif kind == "context":
            lines += [element.get("text", "") for element in block["elements"]]
        elif kind == "divider":
            lines.append("-" * 60)
        elif kind == "actions":
            for element in block["elements"]:
                choices.append((element["text"]["text"], element["action_id"], element["value"]))
                lines.append(f"  [{len(choices)}] {element['text']['text']} ({element['value']})")
    return terminal("\n".join(lines), ansi), choices

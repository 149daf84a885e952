"""The local console: the conversation engine in a terminal, cards as text, buttons as numbers.

`nudge chat` (and `make run` without Slack tokens) uses it. The local user ("console") is an
approver, so a marketer can build, approve and schedule a campaign without Slack. Typing a
number presses that button: Approve and Schedule act at once, Edit asks for the new subject,
preheader and body (an empty line keeps the current one), Reject asks for a reason, and an
irreversible action (Schedule, or "forget jo@example.com" typed in) is shown with what it would
do and the numbered choices Confirm and Cancel. Every button runs the same tools as the Slack
buttons, through `tools.registry.call`, which decides who may do what. End of input ends the
session cleanly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

from bot.display import blocks as kit
from bot.display import cards
from bot.display.buttons import BUTTONS
from bot.engine import deliverables, messages
from bot.engine.conversation import Conversation
from bot.engine.results import Reply
from tools import proposals
from tools.core.context import ToolError
from tools.core.db import session_scope
from tools.core.models import Draft, Proposal
from tools.drafting.approvals import newest_version

PROMPT = "you> "
USER = "console"
SURFACE = "console"


def terminal_prompt() -> dict:
    """Console options for a person at a terminal: an inline prompt and bold text."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return {}

    def prompt(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    return {"prompt": prompt, "ansi": True}


class Console:
    def __init__(self, conversation: Conversation, lines: Iterator[str], write: Callable[[str], None],
                 thread: str = "console", user: str = USER, prompt: Callable[[str], None] | None = None,
                 ansi: bool = False) -> None:
        self.conversation = conversation
        self.lines = lines
        self.write = write
        # On a terminal the prompt stays on the line the person types on; piped, it is a line.
        self.prompt = prompt or (lambda text: write(text.rstrip()))
        self.ansi = ansi
        self.thread = thread
        self.user = user
        self.choices: list[tuple[str, str, str]] = []

    def run(self) -> None:
        self.write("Nudge console. Ask for a campaign, e.g. \"build an abandoned-cart sequence\"; "
                   "type a number to press a button, 'help' for examples, Ctrl-D to quit.")
        while (line := self.ask(PROMPT)) is not None:
            line = line.strip()
            if not line:
                continue
            if line.lower() in {"quit", "exit"}:
                break
            if line.isdigit() and self.choices:
                self.press(int(line))
            else:
                self.show(self.conversation.handle(line, self.user, self.thread, surface=SURFACE))
        self.write("bye")

    def ask(self, prompt: str) -> str | None:
        self.prompt(prompt)
        return next(self.lines, None)

    def show(self, reply: Reply) -> None:
        self.render(reply.blocks)
        for line in deliverables.save_all(reply.attachments, self.conversation.settings):
            self.write(line)

    def render(self, blocks: list[dict]) -> None:
        text, self.choices = kit.as_text(blocks, self.ansi)
        self.write(text)

    def press(self, number: int) -> None:
        """Press button `number`: the same table (bot/display/buttons.py) the Slack buttons use."""
        if not 1 <= number <= len(self.choices):
            self.write(f"There is no button {number}; choose 1 to {len(self.choices)}.")
            return
        _label, action_id, value = self.choices[number - 1]
        button, target = BUTTONS[action_id], int(value)
        if button.tool is None:
            self.show(self.conversation.decide(target, self.user, self.thread, button.confirm, f"{SURFACE}/button"))
            return
        answers = {"reason": self.ask_reason, "copy": self.ask_copy}[button.asks](target) if button.asks else {}
        if answers is None:
            return
        result = self.call(button.tool, button.arguments(target, answers))
        if result is not None:
            self.show_card(button.target, target, result.summary)

    def ask_reason(self, draft_id: int) -> dict | None:
        reason = (self.ask("reason> ") or "").strip()
        if not reason:
            self.write("Not rejected: a reason is needed so the writer knows what to change.")
            return None
        return {"reason": reason}

    def ask_copy(self, draft_id: int) -> dict:
        with session_scope(self.conversation.engine) as session:
            draft = session.get(Draft, newest_version(session, draft_id))
            current = cards.editable_copy(draft)
        self.write(f"Editing draft {draft_id}. Press Enter to keep a field as it is; write \\n for a new line.")
        changes = {}
        for name in ("subject", "preheader", "body"):
            self.write(f"current {name}: {current[name][:300]}")
            answer = (self.ask(f"{name}> ") or "").strip()
            changes[name] = answer.replace("\\n", "\n") if answer else current[name]
        return changes

    def show_card(self, kind: str, number: int, note: str) -> None:
        with session_scope(self.conversation.engine) as session:
            ctx = self.conversation.context(session, self.user, self.thread)
            build = cards.message_blocks if kind == "draft" else cards.campaign_blocks
            self.render(build(ctx, number, None, note))

    def call(self, name: str, arguments: dict):
        """Run a button's tool as the console user; an irreversible one is proposed instead."""
        try:
            with session_scope(self.conversation.engine) as session:
                ctx = self.conversation.context(session, self.user, self.thread, f"{SURFACE}/button")
                result = proposals.call_or_propose(ctx, name, arguments)
                if not isinstance(result, Proposal):
                    return result
                blocks = kit.proposal_blocks(messages.proposed(result.summary), result.id)
        except ToolError as error:
            self.write(messages.not_done(error))
            return None
        self.render(blocks)
        return None

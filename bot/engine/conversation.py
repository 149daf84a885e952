"""The conversation engine: text, user and thread in; a reply (text, blocks, tool calls) out.

Slack, the console, `nudge ask` and the tests all come through `Conversation.handle`. A thread
is a conversation: each user and assistant turn is stored in `conversation_turns` with the
thread's `ThreadState`, so follow-ups refer to what the thread built even after a restart.
Plans come from the LLM agent when a model is configured, otherwise from the offline planner;
both call the same tools through `tools.registry.call`. An offline plan runs in one
transaction, so a tool error mid-plan leaves nothing half-created; the agent gives each tool
call its own transaction and hands errors back to the model. Nothing here raises on user text:
every failure becomes a plain reply.

Before any tool runs, the turn is classified (`bot.engine.speech.is_question`): a question's tool
contexts are marked so `registry.call` refuses every writing tool, whichever planner chose it.
An irreversible call (`NeedsConfirmation`) is not run: it becomes a stored proposal, with the
rest of the plan, shown with Confirm / Cancel; `decide` acts on it for the proposer only.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, select

from bot.display import blocks as kit
from bot.display import cards
from bot.engine import deliverables, messages, recall
from bot.engine.memory import ThreadState
from bot.engine.planner import choose
from bot.engine.planner.plans import CAMPAIGN, Plan, PlannedCall
from bot.engine.results import (
    CallRecord,
    Outcome,
    Reply,
    Turn,
    proposal_outcome,
)
from bot.engine.speech import is_question
from tools import proposals, registry
from tools.core import audit
from tools.core.clock import SYSTEM_CLOCK, Clock
from tools.core.context import ToolContext, ToolError
from tools.core.db import session_scope
from tools.core.models import ConversationTurn, Proposal
from tools.core.settings import Settings

log = logging.getLogger(__name__)
HISTORY_TURNS = 20


class Conversation:
    def __init__(self, engine: Engine, settings: Settings, clock: Clock = SYSTEM_CLOCK,
                 use_agent: bool | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.use_agent = settings.llm_configured if use_agent is None else use_agent

    def handle(self, text: str, user: str, thread: str | None = None, surface: str = "chat",
               confirmed: bool = False) -> Reply:
        """Answer one request in `thread` (defaults to a per-user thread).

        `surface` names where it came from ("slack", "console", "ask") for the audit log;
        `confirmed` (`nudge ask --yes`) runs irreversible calls without a proposal.
        """
        thread = thread or f"direct:{user}"
        text = (text or "").replace("\x00", "")  # no database text column can hold NUL
        if len(text) > messages.MAX_REQUEST_CHARS:
            return self._refuse(messages.too_long(len(text)), text, user, thread)
        turn = Turn(user, thread, surface, is_question(text), confirmed)
        state, history = self._load(thread)
        self._store(thread, "user", user, text, {"question": turn.question})
        try:
            outcome = self._run(text, turn, state, history)
        except Exception as error:  # a bug must still get a plain reply, never a traceback
            log.exception("conversation failed in thread %s", thread)
            outcome = Outcome(messages.INTERNAL_ERROR.format(kind=type(error).__name__), [], state)
        reply = self._render(outcome)
        self._store(thread, "assistant", None, reply.text,
                    {"state": outcome.state.to_dict(),
                     # results stay out of the stored turn: they may hold contacts' data
                     "calls": [{k: v for k, v in c.items() if k != "result"} for c in reply.calls_json()]})
        return reply

    def _run(self, text: str, turn: Turn, state: ThreadState,
             history: list[tuple[str, str]]) -> Outcome:
        if self.use_agent:
            from bot.engine.agent import run_agent

            return run_agent(self, text, turn, state, history)
        with session_scope(self.engine) as session:
            spelled, every_line = recall.every_campaign(session, text)
            if spelled is None:
                return Outcome(every_line, [], state)
            text = spelled
            state, focus_line = recall.focus(session, text, recall.segments(session, text, state))
        focus_line = "\n".join(line for line in (every_line, focus_line) if line)
        plan = choose.plan(text, state)
        if focus_line:
            plan.reading = "\n".join(line for line in (plan.reading, focus_line) if line)
        # a question Nudge asked waits for the next message only ("who counts as a VIP?")
        asked = ThreadState.from_dict({**state.to_dict(), "pending": plan.pending}) if plan.pending or state.pending else state
        if plan.answer is not None:
            return Outcome("\n".join(line for line in (focus_line, plan.answer) if line), [], asked)
        state = asked
        if plan.action == "digest":
            return self.digest(turn, state)
        outcome = self.execute(plan.calls, turn, state)
        if plan.audience_words and outcome.state is not state:  # it ran: "what about France?" may follow
            outcome.state.audience_words = plan.audience_words
            outcome.state.orders_of = plan.orders_of
        return with_reading(outcome, plan)

    def digest(self, turn: Turn, state: ThreadState) -> Outcome:
        """Today's digest (about yesterday), as the morning post shows it: the daily_digest tool."""
        arguments: dict[str, Any] = {}
        try:
            with session_scope(self.engine) as session:
                result = registry.call(self.turn_context(session, turn), "daily_digest", arguments)
        except ToolError as error:
            return Outcome(messages.not_done(error), [CallRecord("daily_digest", arguments, str(error), ok=False)], state)
        return Outcome(result.summary, [CallRecord("daily_digest", arguments, "digest", result=result.model_dump(mode="json"))],
                       state, blocks=result.blocks)

    def execute(self, calls: list[PlannedCall], turn: Turn, state: ThreadState) -> Outcome:
        """Run an offline plan in one transaction: all of it happens, or none of it.

        A call that needs confirmation stops the plan there: what ran before it is kept, and it
        and the calls after it become one proposal.
        """
        working = ThreadState.from_dict(state.to_dict())
        records: list[CallRecord] = []
        try:
            with session_scope(self.engine) as session:
                ctx = self.turn_context(session, turn)
                self._audit(session, turn.user, turn.thread, "conversation.plan", [c.name for c in calls])
                for index, planned in enumerate(calls):
                    arguments = resolve(planned.arguments, working)
                    rest = [{"name": c.name, "arguments": resolve(c.arguments, working)} for c in calls[index + 1:]]
                    result = proposals.call_or_propose(ctx, planned.name, arguments, then=rest)
                    if isinstance(result, Proposal):
                        done = "\n\n".join(record.summary for record in records)
                        return proposal_outcome(turn, result, done, records, working)
                    working.absorb(planned.name, arguments, result)
                    records.append(CallRecord(planned.name, arguments, result.summary,
                                              result=result.model_dump(mode="json")))
        except ToolError as error:
            records.append(CallRecord(planned.name, arguments, str(error), ok=False))
            with session_scope(self.engine) as session:
                self._audit(session, turn.user, turn.thread, "conversation.plan_failed", [r.name for r in records], str(error))
            return Outcome(messages.PLAN_FAILED.format(error=error), records, state)
        text = "\n\n".join(record.summary for record in records)
        return Outcome(text, records, working)

    def decide(self, proposal_id: int, user: str, thread: str | None, confirm: bool, surface: str) -> Reply:
        """Confirm or cancel a proposal as `user`; the reply says what happened."""
        records: list[CallRecord] = []
        state = ThreadState()
        try:
            with session_scope(self.engine) as session:
                ctx = self.context(session, user, thread, surface=surface)
                for name, arguments, result in proposals.decide(ctx, proposal_id, confirm):
                    state.absorb(name, arguments, result)
                    records.append(CallRecord(name, arguments, result.summary, result=result.model_dump(mode="json")))
        except ToolError as error:
            text = messages.not_done(error)
            return Reply(text, kit.text_blocks(text), [], failed=True)
        if not confirm:
            text = messages.CANCELLED.format(proposal_id=proposal_id, user=user)
            return Reply(text, kit.text_blocks(text), [])
        text = messages.CONFIRMED.format(user=user) + "\n\n".join(record.summary for record in records)
        return self._render(Outcome(text, records, state))

    def _audit(self, session, user: str, thread: str, action: str, names: list[str], error: str | None = None) -> None:
        # Written first and flushed: besides the audit trail, this opens the database
        # transaction with a write, so on SQLite a tool's savepoint nests inside the plan's
        # transaction instead of committing on release (pysqlite starts transactions lazily).
        details = {"tools": names, **({"error": error[:500]} if error else {})}
        audit.record(session, user, action, thread[:200], details, thread, self.clock.now())
        session.flush()

    def context(self, session, user: str, thread: str | None, surface: str = "chat",
                question: bool = False, confirmed: bool = False) -> ToolContext:
        return ToolContext(db=session, settings=self.settings, actor=user, thread=thread, clock=self.clock,
                           surface=surface, question=question, confirmed=confirmed)

    def turn_context(self, session, turn: Turn) -> ToolContext:
        planner_name = "agent" if self.use_agent else "planner"
        return self.context(session, turn.user, turn.thread, f"{turn.surface}/{planner_name}",
                            turn.question, turn.confirmed)

    def _render(self, outcome: Outcome) -> Reply:
        reply = self._draw(outcome)
        reply.attachments = deliverables.attachments(outcome.calls, self.clock.now())
        return reply

    def _draw(self, outcome: Outcome) -> Reply:
        """The reply's blocks: a proposal's Confirm / Cancel, the campaign's cards, a new draft's
        card, or the text alone."""
        if outcome.blocks is not None:
            return Reply(outcome.text, outcome.blocks, outcome.calls)
        if outcome.proposal_id is not None:
            return Reply(outcome.text, kit.proposal_blocks(outcome.text, outcome.proposal_id), outcome.calls)
        try:
            blocks = self._cards(outcome)
        except Exception:  # the work is done and stored; a card that fails to draw must not hide it
            log.exception("drawing cards failed")
            blocks = None
        return Reply(outcome.text, blocks or kit.text_blocks(outcome.text), outcome.calls)

    def _cards(self, outcome: Outcome) -> list[dict[str, Any]] | None:
        done = {record.name for record in outcome.calls if record.ok}
        state = outcome.state
        with session_scope(self.engine) as session:
            ctx = self.context(session, "console", None)
            if done & CAMPAIGN_TOOLS and state.campaign_id is not None:
                return cards.campaign_blocks(ctx, state.campaign_id, outcome.text)
            if done & DRAFT_TOOLS and state.draft_ids:
                return cards.message_blocks(ctx, state.draft_ids[-1], outcome.text)
        return None

    def _refuse(self, answer: str, text: str, user: str, thread: str) -> Reply:
        self._store(thread, "user", user, text[: messages.MAX_REQUEST_CHARS], {"truncated_from": len(text)})
        self._store(thread, "assistant", None, answer, {})
        return Reply(answer, kit.text_blocks(answer), [])

    def _load(self, thread: str) -> tuple[ThreadState, list[tuple[str, str]]]:
        with session_scope(self.engine) as session:
            turns = list(session.scalars(
                select(ConversationTurn).where(ConversationTurn.thread == thread)
                .order_by(ConversationTurn.id.desc()).limit(HISTORY_TURNS)
            ))
        turns.reverse()
        state = ThreadState()
        for turn in turns:
            if turn.role == "assistant" and turn.data.get("state"):
                state = ThreadState.from_dict(turn.data["state"])
        return state, [(turn.role, turn.content) for turn in turns]

    def _store(self, thread: str, role: str, user: str | None, content: str, data: dict[str, Any]) -> None:
        with session_scope(self.engine) as session:
            session.add(ConversationTurn(thread=thread[:200], role=role, user_id=user, content=content,
                                         data=data, created_at=self.clock.now()))


def with_reading(outcome: Outcome, plan: Plan) -> Outcome:
    """Start the reply with how the request was read and the words that were not used."""
    lines = [plan.reading] if plan.reading else []
    if plan.unused:
        lines.append("I did not use: " + ", ".join(f"'{word}'" for word in plan.unused))
    if lines:
        outcome.text = "\n".join(lines) + "\n\n" + outcome.text
    return outcome


def resolve(arguments: dict[str, Any], state: ThreadState) -> dict[str, Any]:
    """Fill the planner's placeholders from what earlier calls in the plan created."""
    return {
        key: (str(state.campaign_id) if value == CAMPAIGN else value)
        for key, value in arguments.items()
    }


CAMPAIGN_TOOLS = {"create_sequence", "update_sequence", "preflight", "schedule_campaign"}
DRAFT_TOOLS = {"draft_email", "draft_ad_copy", "revise_draft"}

"""The LLM planner: a LangChain agent whose tools are the registry's tools, and nothing else.

Used when a model is configured (OPENAI_API_KEY and/or OPENAI_BASE_URL, model NUDGE_MODEL; any
OpenAI-compatible endpoint). Each registry tool becomes a `StructuredTool` whose schema is the
tool's own pydantic input model, so the model meets exactly the validation a user meets. Each
tool call runs in its own transaction as the asking user, through `registry.call`, so the model
meets the same permissions, the same question rule (a question turn may only read) and the
same confirmations as a person: an irreversible call becomes a stored proposal with Confirm /
Cancel buttons for the person, and the model is told it is waiting. A refusal or a bad argument
goes back to the model as the tool's answer so it can correct itself. A step limit stops loops,
and an unreachable model becomes a plain reply.

LangChain's HumanInTheLoopMiddleware was considered for the confirmations: it interrupts the
graph and needs a checkpointer to resume it, so a Confirm click landing on another process (or
after a restart) would have to restore the agent's state. A proposal stored by the registry's
rule is the same on every surface, survives restarts, and runs exactly the call that was shown.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import AIMessage
from langchain_core.tools import StructuredTool
from langgraph.errors import GraphRecursionError
from pydantic import ValidationError

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.results import CallRecord, Outcome, proposal_outcome
from tools import proposals, registry
from tools.core.context import ToolError, validation_message
from tools.core.db import session_scope
from tools.core.llm import chat_model
from tools.core.models import Proposal

log = logging.getLogger(__name__)
STEP_LIMIT = 24  # graph steps: about ten tool calls and their answers
RESULT_CHARS = 6000


def system_prompt() -> str:
    from prompts.loader import read

    return read("system.md")


class ToolRunner:
    """Runs the agent's tool calls for one request and remembers what they did."""

    def __init__(self, conversation, turn, state: ThreadState) -> None:
        self.conversation = conversation
        self.turn = turn
        self.state = state
        self.calls: list = []
        self.proposal: Proposal | None = None

    def run(self, name: str, arguments: dict[str, Any]) -> str:
        arguments = _plain(arguments)
        try:
            with session_scope(self.conversation.engine) as session:
                ctx = self.conversation.turn_context(session, self.turn)
                result = proposals.call_or_propose(ctx, name, arguments)
                if isinstance(result, Proposal):
                    self.proposal = result
                    self.calls.append(CallRecord(name, arguments, result.summary, ok=False))
                    return (f"Waiting for the person's confirmation: {result.summary} A Confirm button "
                            "is shown to them. Do not call this tool again and do not say it is done.")
        except ToolError as error:
            self.calls.append(CallRecord(name, arguments, str(error), ok=False))
            return f"Error: {error}"
        self.state.absorb(name, arguments, result)
        self.calls.append(CallRecord(name, arguments, result.summary, result=result.model_dump(mode="json")))
        return result.model_dump_json()[:RESULT_CHARS]

    def tools(self) -> list[StructuredTool]:
        return [self._structured(entry) for entry in registry.TOOLS]

    def _structured(self, entry: registry.Tool) -> StructuredTool:
        def invoke(**arguments: Any) -> str:
            return self.run(entry.name, arguments)

        return StructuredTool.from_function(
            func=invoke, name=entry.name, description=entry.description,
            args_schema=entry.input_model, handle_validation_error=_validation_answer,
        )


def run_agent(conversation, text: str, turn, state: ThreadState, history: list[tuple[str, str]]):
    """Answer `text` with the model; returns the engine's Outcome."""
    runner = ToolRunner(conversation, turn, ThreadState.from_dict(state.to_dict()))
    agent = create_agent(chat_model(conversation.settings, temperature=0), runner.tools(),
                         system_prompt=system_prompt() + thread_context(state, turn.user, turn.question))
    chat = [{"role": role, "content": content} for role, content in history if role in {"user", "assistant"}]
    try:
        result = agent.invoke({"messages": [*chat, {"role": "user", "content": text}]},
                              config={"recursion_limit": STEP_LIMIT})
        answer = final_text(result["messages"]) or "\n\n".join(c.summary for c in runner.calls) or "Done."
        answer = with_read_as(answer, runner.calls)
    except GraphRecursionError:
        answer = messages.STEP_LIMIT.format(steps=STEP_LIMIT)
    except Exception as error:  # the endpoint is outside our control; say so plainly
        log.warning("model call failed: %s", type(error).__name__)
        answer = messages.MODEL_UNAVAILABLE.format(kind=type(error).__name__)
    if runner.proposal is not None:
        return proposal_outcome(turn, runner.proposal, answer, runner.calls, runner.state)
    return Outcome(answer, runner.calls, runner.state)


QUESTION_RULE = (
    "\n\nThis message asks for information, not for a change: answer it with tools that only "
    "read (previews, counts, reports, explanations). Tools that change something will be refused."
)


def thread_context(state: ThreadState, user: str, question: bool = False) -> str:
    rule = QUESTION_RULE if question else ""
    if state.campaign_id is None and not state.draft_ids:
        return f"\n\n## This thread\nThe person asking is {user}. Nothing has been built in this thread yet.{rule}"
    request = json.dumps(state.sequence_request)[:2000] if state.sequence_request else "none"
    known = "; ".join(f"{c['id']} '{c['name']}' ({c['status']})" for c in state.campaigns[-8:]) or "none listed"
    return (
        f"\n\n## This thread\nThe person asking is {user}. This thread built campaign "
        f"{state.campaign_id} (status {state.campaign_status}); latest drafts {state.draft_ids}; "
        f"the create_sequence arguments were: {request}. Follow-ups such as \"make day 5 15% off\" "
        f"or \"exclude Canada\" refer to it (update_sequence). Campaigns this thread knows: {known}; "
        "when several fit the words, pick the live one (active, then paused) and say which." + rule
    )


def with_read_as(answer: str, calls: list) -> str:
    """Every reply says how the request was read: a model that forgot its "Read as:" line gets
    one made from the calls it made, in the tools' own terms, so nothing it did goes unsaid."""
    if answer.lstrip().lower().startswith("read as") or not calls:
        return answer
    done = "; ".join(f"{call.name.replace('_', ' ')} {_short(call.arguments)}".strip() for call in calls[:4])
    return f"Read as (the calls made): {done}\n\n{answer}"


def _short(arguments: dict[str, Any]) -> str:
    text = json.dumps(arguments, separators=(",", ":"), ensure_ascii=False)
    return "" if text == "{}" else (text if len(text) <= 160 else text[:157] + "...")


def final_text(history: list[Any]) -> str:
    for message in reversed(history):
        if isinstance(message, AIMessage) and not message.tool_calls:
            content = message.content
            return content if isinstance(content, str) else " ".join(
                part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _validation_answer(error: ValidationError) -> str:
    return f"Error: invalid arguments: {validation_message(error)}"


def _plain(arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments as JSON-ready values (LangChain hands over parsed pydantic models)."""
    return json.loads(json.dumps(arguments, default=_dump))


def _dump(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return str(value)

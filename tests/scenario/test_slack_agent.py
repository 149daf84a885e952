"""The LLM planner: LangChain's agent with the registry's tools against a scripted local model.

The real `openai` client and LangChain agent talk to `tests/fakes/openai_server.py`; the model's
tool calls run through `tools.registry`, errors go back to the model, a loop is cut off by the
step limit, and an unreachable model becomes a plain reply. The headline story also runs
through Slack in this mode.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.display import ids
from bot.engine import messages
from bot.engine.agent import STEP_LIMIT
from bot.engine.conversation import Conversation
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.scenario.slack_kit import HEADLINE, start
from tools.core.models import Approval, Campaign
from tools.core.settings import get_settings
from tools.ingest.seed import seed_store

SEQUENCE = {
    "name": "Abandoned cart",
    "segment": {"since": "Checkout Started", "within_last": "24h", "then_not": "Order Completed"},
    "steps": [{"delay_days": 1, "purpose": "cart_reminder"}, {"delay_days": 3, "purpose": "social_proof"},
              {"delay_days": 5, "purpose": "cart_discount", "discount_percent": 10}],
    "exit_event": "Order Completed",
}
COPY = {"subject": "You left something behind", "preheader": "Your cart is saved", "headline": "Still thinking?",
        # The discount step's email must print its code (tools.drafting.writers.code_errors).
        "body": "Hi {{ first_name }},\n\nYour cart is waiting for you.{% if discount_code %} Use code "
                "{{ discount_code }} at checkout.{% endif %}", "cta_label": "Return to my cart",
        "cta_url": "{{ cart_url }}", "signoff": "The team"}
FINAL = "I built the abandoned-cart sequence; approve the three drafts, then press Schedule."


def headline_script() -> list[Reply]:
    """The model's turns: build the sequence, (the drafting model writes three emails), preflight, answer."""
    return [
        Reply.tool_calls(("create_sequence", SEQUENCE)),
        *[Reply.structured("EmailCopy", COPY) for _ in SEQUENCE["steps"]],
        Reply.tool_calls(("preflight", {"campaign": "1"})),
        Reply.text(FINAL),
    ]


@pytest.fixture
def model(settings, monkeypatch):
    with FakeOpenAI() as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
        get_settings.cache_clear()
        yield fake


@pytest.fixture
def conversation(model, engine):
    seed_store(engine, contacts=200)
    return Conversation(engine, get_settings())


def tool_messages(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


def test_agent_builds_the_sequence_with_registry_tools(model, conversation, db):
    model.script(*headline_script())
    reply = conversation.handle(HEADLINE, "UAPPROVER", "agent-thread")
    # the model wrote no "Read as" line: the reply gets one made from its calls
    assert reply.text.startswith("Read as (the calls made): create sequence") and reply.text.endswith(FINAL)
    assert [(c.name, c.ok) for c in reply.calls] == [("create_sequence", True), ("preflight", True)]
    first = model.requests[0]
    tools = {tool["function"]["name"] for tool in first["tools"]}
    assert {"create_sequence", "preview_segment", "approve_draft", "schedule_campaign"} <= tools
    assert "You are Nudge" in first["messages"][0]["content"]
    approve = [e for b in reply.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ids.APPROVE]
    assert len(approve) == 3
    assert db.scalar(select(func.count()).select_from(Campaign)) == 1
    assert model.pending == 0


def test_tool_errors_go_back_to_the_model(model, conversation, db):
    model.script(
        Reply.tool_calls(("schedule_campaign", {"campaign": "999"})),
        Reply.tool_calls(("create_segment", {"name": "x", "spec": {"attribute": "ltv", "op": "gt", "value": 1}})),
        Reply.text("There is no campaign 999, and ltv is not a field I know."),
    )
    reply = conversation.handle("schedule campaign 999 and save a segment of big spenders", "UAPPROVER", "t")
    assert reply.text.endswith("There is no campaign 999, and ltv is not a field I know.")
    assert [c.ok for c in reply.calls] == [False]
    second, third = model.requests[1], model.requests[2]
    assert "Error: no campaign '999'" in tool_messages(second)[0]
    assert "Error: invalid arguments" in tool_messages(third)[-1] and "ltv" in tool_messages(third)[-1]


def test_only_approvers_may_approve_through_the_model(model, conversation):
    model.script(Reply.tool_calls(("approve_draft", {"draft_id": 1})), Reply.text("Only approvers may approve."))
    reply = conversation.handle("approve draft 1", "UMARKETER", "t")
    assert reply.calls[0].ok is False and "only approvers" in reply.calls[0].summary


def test_a_looping_model_is_stopped(model, conversation):
    model.default = Reply.tool_calls(("list_campaigns", {}))
    reply = conversation.handle("list campaigns forever", "UAPPROVER", "t")
    assert reply.text == messages.STEP_LIMIT.format(steps=STEP_LIMIT)
    assert len(model.requests) <= STEP_LIMIT


def test_an_unreachable_model_gets_a_plain_reply(model, conversation, db):
    model.default = Reply.error(500)
    reply = conversation.handle(HEADLINE, "UAPPROVER", "t")
    assert "did not answer" in reply.text and "Traceback" not in reply.text
    assert db.scalar(select(func.count()).select_from(Campaign)) == 0


def test_follow_up_carries_the_thread_context(model, conversation):
    model.script(*headline_script())
    conversation.handle(HEADLINE, "UAPPROVER", "ctx")
    model.script(Reply.text("Noted."))
    conversation.handle("exclude Canada", "UAPPROVER", "ctx")
    last = model.requests[-1]
    system = last["messages"][0]["content"]
    assert "campaign 1" in system and "Checkout Started" in system
    assert [m["role"] for m in last["messages"][1:]] == ["user", "assistant", "user"]


def test_headline_story_through_slack_with_the_model(settings, database_url, monkeypatch, db):
    with FakeOpenAI() as model:
        harness, stop = start(monkeypatch, database_url, OPENAI_BASE_URL=model.base_url,
                              OPENAI_API_KEY="sk-test-not-a-real-key")
        try:
            model.script(*headline_script())
            harness.mention(HEADLINE)
            card = harness.fake.wait_for("chat.update", timeout=20)[0]
            drafts = [e["value"] for b in card["blocks"] if b["type"] == "actions"
                      for e in b["elements"] if e["action_id"] == ids.APPROVE]
            assert card["text"].endswith(FINAL) and len(drafts) == 3
            harness.click(ids.APPROVE, drafts[0], user="UMARKETER", message_ts=card["ts"])
            assert "NUDGE_APPROVERS" in harness.fake.wait_for("chat.postEphemeral")[0]["text"]
            for draft in drafts:
                harness.click(ids.APPROVE, draft, message_ts=card["ts"])
            harness.fake.wait_for("chat.update", 4)
            schedule = next(e["value"] for b in harness.fake.calls("chat.update")[-1]["blocks"]
                            if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ids.SCHEDULE)
            posted = len(harness.fake.calls("chat.postMessage"))
            harness.click(ids.SCHEDULE, schedule, message_ts=card["ts"])
            proposal = harness.fake.wait_for("chat.postMessage", posted + 1)[-1]
            confirm = next(e["value"] for b in proposal["blocks"] if b["type"] == "actions"
                           for e in b["elements"] if e["action_id"] == ids.CONFIRM)
            harness.click(ids.CONFIRM, confirm, message_ts="1700000099.000100")
            assert "Confirmed by" in json.dumps(harness.fake.wait_for("chat.update", 5)[-1]["blocks"])
            db.expire_all()
            assert db.scalar(select(func.count()).select_from(Approval)) == 3
            assert db.get(Campaign, int(schedule)).status == "active"
        finally:
            stop()


def test_the_models_own_read_as_line_is_kept(model, conversation):
    # Mutation tried: `agent.with_read_as` always prefixing fails this; never prefixing fails
    # test_agent_builds_the_sequence_with_registry_tools.
    said = "Read as: contacts in Germany who spent over 500\n\n120 contacts."
    spec = {"all": [{"attribute": "country", "op": "in", "value": ["DE"]},
                    {"aggregate": "sum", "event": "Order Completed", "property": "total", "op": "gt", "value": 500}]}
    model.script(Reply.tool_calls(("preview_segment", {"spec": spec})), Reply.text(said))
    reply = conversation.handle("how many germans spent over 500?", "UMARKETER", "t-read")
    assert reply.text == said and [c.name for c in reply.calls] == ["preview_segment"]

"""The scripted OpenAI-compatible fake itself: text, tool calls, streaming, errors, recording."""

import json

import openai
import pytest

from tests.fakes.openai_server import FakeOpenAI, Reply


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _client(fake):
    return openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)


def test_replies_come_in_order_and_requests_are_recorded(fake):
    fake.script(Reply.text("hello"), Reply.tool_calls(("lookup", {"q": 1}), ("other", "{broken")))
    client = _client(fake)
    first = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    second = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "again"}])
    assert first.choices[0].message.content == "hello"
    calls = second.choices[0].message.tool_calls
    assert [c.function.name for c in calls] == ["lookup", "other"]
    assert json.loads(calls[0].function.arguments) == {"q": 1} and calls[1].function.arguments == "{broken"
    assert second.choices[0].finish_reason == "tool_calls"
    assert [r["messages"][0]["content"] for r in fake.requests] == ["hi", "again"]


def test_streaming_delivers_the_same_reply(fake):
    fake.script(Reply.text("streamed"), Reply.tool_calls(("lookup", {"q": 2})))
    client = _client(fake)
    chunks = list(client.chat.completions.create(model="m", messages=[], stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "streamed"
    chunks = list(client.chat.completions.create(model="m", messages=[], stream=True))
    assert chunks[0].choices[0].delta.tool_calls[0].function.name == "lookup"


def test_an_empty_queue_fails_loudly_unless_a_default_is_set(fake):
    with pytest.raises(openai.InternalServerError):
        _client(fake).chat.completions.create(model="m", messages=[])
    with FakeOpenAI(default=Reply.json({"ok": True})) as patient:
        answer = _client(patient).chat.completions.create(model="m", messages=[])
        assert json.loads(answer.choices[0].message.content) == {"ok": True}


def test_scripted_errors_use_their_status(fake):
    fake.script(Reply.error(429, "slow down"))
    with pytest.raises(openai.RateLimitError):
        _client(fake).chat.completions.create(model="m", messages=[])

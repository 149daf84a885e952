"""The LLM writer against a scripted local model: valid output, a retry, and the template fallback."""

import pytest

from tests.fakes.openai_server import FakeOpenAI, Reply
from tools import registry
from tools.core.context import ToolContext
from tools.core.models import Draft
from tools.core.settings import load_settings

GOOD = {
    "subject": "Your basket misses you",
    "preheader": "Everything is where you left it.",
    "headline": "Still yours",
    "body": "Hi {{ first_name }},\n\nYour picks are saved at {{ shop_name }}.",
    "cta_label": "Back to my basket",
    "cta_url": "{{ cart_url }}",
    "signoff": "Cheers,\nThe team",
    "show_cart": True,
    "show_products": False,
}
UNKNOWN_PLACEHOLDER = {**GOOD, "subject": "Hey {{ nickname }}, your basket"}
MISSING_FIELD = {key: value for key, value in GOOD.items() if key != "body"}


@pytest.fixture
def model():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def ctx(db, settings, model):
    configured = load_settings(openai_base_url=model.base_url, openai_api_key="test-key", model="fake-model")
    return ToolContext(db=db, settings=configured, actor="cli")


def test_valid_output_is_stored_as_an_llm_draft(ctx, db, model):
    model.script(Reply.structured("EmailCopy", GOOD))
    result = registry.call(ctx, "draft_email", {"purpose": "cart_reminder", "tone": "playful"})
    assert result.writer == "llm" and result.subject == GOOD["subject"]
    assert "Back to my basket" in db.get(Draft, result.draft_id).html
    request = model.requests[0]
    assert request["model"] == "fake-model"
    assert request["tools"][0]["function"]["name"] == "EmailCopy"
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "{{ first_name }}" in system and "RE:" in system
    assert "cart_reminder" in user and "playful" in user


@pytest.mark.parametrize("bad", [UNKNOWN_PLACEHOLDER, MISSING_FIELD, "{not json"])
def test_invalid_output_is_retried_once_with_the_errors(ctx, model, bad):
    model.script(Reply.structured("EmailCopy", bad), Reply.structured("EmailCopy", GOOD))
    result = registry.call(ctx, "draft_email", {"purpose": "cart_reminder"})
    assert result.writer == "llm" and len(model.requests) == 2
    retry = model.requests[1]["messages"][-1]["content"]
    assert "problems" in retry
    if bad is UNKNOWN_PLACEHOLDER:
        assert "nickname" in retry and "known placeholders" in retry


def test_invalid_twice_falls_back_to_the_template_and_says_so(ctx, db, model):
    model.script(Reply.structured("EmailCopy", UNKNOWN_PLACEHOLDER), Reply.structured("EmailCopy", MISSING_FIELD))
    result = registry.call(ctx, "draft_email", {"purpose": "cart_reminder"})
    assert result.writer == "template" and len(model.requests) == 2
    assert "ready-made template" in result.summary and "nickname" not in db.get(Draft, result.draft_id).subject
    assert model.pending == 0


def test_an_unreachable_model_falls_back(ctx, model):
    model.script(Reply.error(500), Reply.error(500))
    result = registry.call(ctx, "draft_email", {"purpose": "welcome"})
    assert result.writer == "template" and "could not be reached" in result.summary
    assert "test-key" not in result.summary


def test_a_text_answer_instead_of_the_function_is_retried(ctx, model):
    model.script(Reply.text("Here is a lovely email!"), Reply.structured("EmailCopy", GOOD))
    assert registry.call(ctx, "draft_email", {"purpose": "cart_reminder"}).writer == "llm"


def test_ad_copy_from_the_model_is_held_to_hard_limits(ctx, model):
    too_long = {"intro": ["Your cart is saved."], "headline": ["x" * 201]}
    good = {"intro": ["Your cart is saved."], "headline": ["Back for more?"]}
    model.script(Reply.structured("AdCopy_linkedin", too_long), Reply.structured("AdCopy_linkedin", good))
    result = registry.call(ctx, "draft_ad_copy", {"platform": "linkedin"})
    assert result.writer == "llm" and result.fields == good
    assert "allows 200" in model.requests[1]["messages"][-1]["content"]
    model.script(Reply.structured("AdCopy_linkedin", too_long), Reply.structured("AdCopy_linkedin", too_long))
    fallback = registry.call(ctx, "draft_ad_copy", {"platform": "linkedin"})
    assert fallback.writer == "template" and "ready-made copy" in fallback.summary


def test_no_model_configured_uses_the_template_without_calling(db, settings, model):
    ctx = ToolContext(db=db, settings=settings, actor="cli")
    assert registry.call(ctx, "draft_email", {"purpose": "welcome"}).writer == "template"
    assert model.requests == []

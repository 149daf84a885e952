"""A model-written discount email prints its code: the prompt names the step's code, or says a
single-use code per recipient comes at send time, and an answer that never prints
`{{ discount_code }}` is sent back once with that problem. Sent, the email shows the pool's code.

Mutation tried: `code_errors` returning no problems: the answer without the placeholder was kept
(one request, not two), so the first test failed.
"""

import mailbox
from email import message_from_bytes, policy

import pytest

from scheduler import jobs
from scheduler.senders import sender_for
from tests.delivery_support import START, add_contacts, call, days
from tests.fakes.openai_server import FakeOpenAI, Reply
from tools.core.clock import ManualClock
from tools.core.settings import load_settings

NO_CODE = {
    "subject": "10% off the cart you left",
    "preheader": "Your picks are still saved.",
    "headline": "A little thank-you",
    "body": "Hi {{ first_name }},\n\nTake {{ discount_percent }}% off your cart at {{ shop_name }}.",
    "cta_label": "Back to my cart",
    "cta_url": "{{ cart_url }}",
    "signoff": "Cheers,\nThe team",
    "show_cart": True,
    "show_products": False,
}
WITH_CODE = {**NO_CODE, "body": NO_CODE["body"] + "\n\nUse code {{ discount_code }} at checkout."}


@pytest.fixture
def model():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def llm_settings(settings, model):
    return load_settings(openai_base_url=model.base_url, openai_api_key="test-key", model="fake-model",
                         discount_code="")


def test_a_pooled_discount_is_a_placeholder_the_model_must_print(engine, llm_settings, model):
    model.script(Reply.structured("EmailCopy", NO_CODE), Reply.structured("EmailCopy", WITH_CODE))
    draft = call(engine, llm_settings, "draft_email", {"purpose": "cart_discount", "discount_percent": 10})
    assert draft.writer == "llm" and len(model.requests) == 2
    prompt = model.requests[0]["messages"][1]["content"]
    assert "single-use code of their own" in prompt and "{{ discount_code }}" in prompt
    assert "never prints the discount code" in model.requests[1]["messages"][-1]["content"]
    add_contacts(engine, 1)
    created = call(engine, llm_settings, "create_sequence", {
        "name": "Pooled", "segment": {"attribute": "email", "op": "exists"},
        "steps": [{"delay_hours": 0, "purpose": "cart_discount", "draft_id": draft.draft_id}]})
    call(engine, llm_settings, "import_discount_codes", {"campaign": "Pooled", "step": 1, "text": "MODEL-7Q2X\n"})
    call(engine, llm_settings, "approve_draft", {"draft_id": draft.draft_id})
    call(engine, llm_settings, "schedule_campaign", {"campaign": str(created.campaign_id)})
    clock = ManualClock(START)
    jobs.enrol(engine, llm_settings, clock)
    clock.advance(days(0.01))
    jobs.dispatch(engine, llm_settings, clock, sender_for(llm_settings))
    [item] = list(mailbox.Maildir(llm_settings.outbox_dir, create=False))
    email = message_from_bytes(item.as_bytes(), policy=policy.default)
    assert "Use code MODEL-7Q2X at checkout." in email.get_body(("plain",)).get_content()


def test_a_fixed_code_is_named_in_the_prompt(engine, llm_settings, model):
    model.script(Reply.structured("EmailCopy", WITH_CODE))
    draft = call(engine, llm_settings, "draft_email", {"purpose": "cart_discount", "discount_percent": 10,
                                                       "discount_code": "WINTER25"})
    assert draft.writer == "llm" and len(model.requests) == 1
    prompt = model.requests[0]["messages"][1]["content"]
    assert "Discount code: WINTER25. Print it in the body with the {{ discount_code }} placeholder" in prompt

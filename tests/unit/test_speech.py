"""Question or request: the decision that keeps a question from changing anything.

Mutation tried: `_ASKS_LEAVE` removed from the frame branch of `bot.engine.speech.is_question` (so
"can we email ..." reads as a request): the permission-question cases fail.
"""

import pytest

from bot.engine.speech import is_question

REQUESTS = [
    "can you build an abandoned-cart sequence?",
    "could you draft a win-back email",
    "can we set up browse abandonment",
    "Can you please pause the cart sequence?",
    "hey nudge, could you set up a browse abandonment flow for people who viewed in the last 2 days?",
    "would you mind creating a segment of VIPs",
    "I'd like you to build a win-back flow with 15% off",
    "I want a win-back flow for lapsed customers",
    "let's build a browse abandonment flow",
    "please forget jo@example.com",
    "schedule campaign 10",
    "build an abandoned-cart sequence: reminder on day 1, reviews on day 3, 10% off on day 5",
    "abandoned cart flow for US customers only",
    "make day 5 15% off",
    "what about 15% off on day 5?",
    "exclude Canada",
    "quiet hours 21:00 to 08:00",
    "at most 2 emails per week",
    "export the cart abandoners to meta",
    "send the digest now",
    "erase jo@example.com please",
    "ok so cancel campaign 4",
]
QUESTIONS = [
    "can we email people in Germany who never opted in?",
    "could we text customers who unsubscribed?",
    "what's the GDPR consent status of someone@example.org?",
    "check draft 14 for CAN-SPAM and GDPR problems",
    "what's the consent breakdown for the abandoned cart audience",
    "show me the preflight for the cart sequence",
    "how many people abandoned a cart in the last 24 hours?",
    "is campaign 3 live?",
    "I'd like to know how many VIPs we have",
    "why didn't jo@example.com get the day 3 email?",
    "who approved the cart sequence?",
    "do we have anyone in Canada?",
    "should we pause the cart flow?",
    "abandoned carts last week?",
    "list campaigns",
    "what's scheduled?",
    "is it ok to email lapsed customers in France?",
    "can you tell me who is in the vip segment",
    "how did the cart sequence do last week?",
    "tell me the revenue since black friday",
    "any idea how many orders came in yesterday?",
    "number of contacts in the EU",
    "",
]


@pytest.mark.parametrize("text", REQUESTS)
def test_requests_polite_or_not_are_requests(text):
    assert is_question(text) is False


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_and_look_ups_are_questions(text):
    assert is_question(text) is True

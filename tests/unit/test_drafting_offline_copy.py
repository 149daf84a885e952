"""The template writer (no model configured) writes from the brief, the product and the offer.

Announcement and custom emails get a subject about what the brief is about, never the request
pasted in; ad copy names the product or the brief's subject; copy reads right with no shop name.
"""

from __future__ import annotations

import pytest

from tools import registry
from tools.core.context import ToolContext
from tools.core.models import Draft
from tools.core.settings import Settings
from tools.drafting.cart_link import cart_link
from tools.drafting.placeholders import sample_values
from tools.drafting.render import render_email, template

REQUEST = "our black friday sale, 25% off everything, make it urgent"


@pytest.fixture
def ctx(db, settings):
    return ToolContext(db=db, settings=settings, actor="cli")


def _rendered(db, draft_id: int, field: str) -> str:
    return template(getattr(db.get(Draft, draft_id), field) or "", False).render(sample_values())


@pytest.mark.parametrize("purpose", ["announcement", "custom"])
def test_an_email_brief_becomes_a_subject_about_its_topic_and_offer(ctx, db, purpose):
    result = registry.call(ctx, "draft_email", {"purpose": purpose, "brief": REQUEST})

    subject, body = _rendered(db, result.draft_id, "subject"), _rendered(db, result.draft_id, "text")
    assert "Black Friday sale" in subject and "25% off everything" in subject
    assert REQUEST not in subject and "make it urgent" not in body.lower()
    assert "a quick one" in body and "will not last long" in body  # the urgent tone


def test_ad_copy_names_the_brief_and_the_offer(ctx):
    bags = registry.call(ctx, "draft_ad_copy", {"platform": "google_rsa", "purpose": "announcement",
                                                "brief": "our leather bags"})
    tote = registry.call(ctx, "draft_ad_copy", {"platform": "meta", "purpose": "announcement",
                                                "brief": "the canvas tote", "discount_percent": 15})

    assert any("Leather bags" in line for line in bags.fields["headlines"])
    assert any("Leather bags" in line for line in bags.fields["descriptions"])
    assert any("15% Off Canvas tote" == line for line in tote.fields["headlines"])


def test_no_shop_name_reads_as_our_shop_not_a_name(db, settings):
    unnamed = ToolContext(db, settings.model_copy(update={"shop_name": ""}), actor="cli")
    draft = db.get(Draft, registry.call(unnamed, "draft_email", {"purpose": "cart_reminder"}).draft_id)

    email = render_email(draft, None, extra={}, links={"unsubscribe_url": "https://n.example/u/x"},
                         settings=unnamed.settings)

    assert "The team at our shop" in email.text and "Our shop" not in email.text
    assert Settings.model_fields["shop_name"].default == ""


@pytest.mark.parametrize("props, expected", [
    ({"checkout_url": "https://s.example/co/1?key=k", "cart_url": "https://s.example/c"}, "https://s.example/co/1?key=k&discount=C1"),
    ({"cart_url": "https://s.example/c"}, "https://s.example/c"),
    ({"items": [{"variant_id": "11", "quantity": 2}, {"variant_id": "12"}]}, "https://shop.example/cart/11:2,12:1?discount=C1"),
    ({"items": [{"variant_id": "11"}, {"url": "https://shop.example/p/x"}]}, "https://shop.example/discount/C1?redirect=/cart"),
    ({"items": [{"url": "https://shop.example/p/x"}], "shop_url": ""}, "https://shop.example/p/x"),
    ({"shop_url": ""}, ""),
])
def test_the_cart_link_rule_in_order(props, expected):
    arguments = {"checkout_url": "", "cart_url": "", "items": [], "shop_url": "https://shop.example",
                 "discount_code": "C1", **props}
    assert cart_link(**arguments) == expected


@pytest.mark.parametrize("shop_url", ["", "https://shop.example"])
def test_with_nothing_to_link_to_the_button_is_left_out_and_the_copy_says_so(db, settings, shop_url):
    shop = ToolContext(db, settings.model_copy(update={"shop_url": shop_url}), actor="cli")
    draft = db.get(Draft, registry.call(shop, "draft_email", {"purpose": "cart_reminder"}).draft_id)

    email = render_email(draft, None, extra={}, links={"unsubscribe_url": "https://n.example/u/x"},
                         settings=shop.settings)

    assert 'href=""' not in email.html
    assert ("Return to my cart: https://shop.example/cart" in email.text) == bool(shop_url)
    assert ("one click away" in email.text) == bool(shop_url)


@pytest.mark.parametrize("brief, subject, never", [
    ("Show some reviews from other customers.", "What our customers are saying", "Show some reviews"),
    ("10% off a cross-sell.", "Picked for you", "cross-sell"),
    ("recommend similar products they might like", "Picked for you", "recommend"),
    ("Thank them for their order and say what happens next.", "Thank you for your order", "Thank them"),
])
def test_a_brief_that_asks_for_a_kind_of_email_gets_ready_copy_not_its_own_words(ctx, db, brief, subject, never):
    # Mutation tried: without `briefs.READY_FOR` the cross-sell step's subject was "News, 10% off a
    # cross-sell" and the reviews step's "Show some reviews from other customers".
    result = registry.call(ctx, "draft_email", {"purpose": "custom", "brief": brief, "discount_percent": 10})
    text = _rendered(db, result.draft_id, "subject") + "\n" + _rendered(db, result.draft_id, "text")
    assert text.startswith(subject) and never not in text, text


def test_a_long_offer_is_shortened_in_the_preheader_never_its_placeholder(ctx, db):
    # "free shipping on orders over $75 this week" once cut the preheader inside "{{ shop_name }}",
    # and every rewrite of the email failed with "template error" (Mutation tried: the old
    # _shorten of words and placeholder together fails this).
    brief = "free shipping on orders over $75 this week"
    result = registry.call(ctx, "draft_email", {"purpose": "announcement", "brief": brief})
    preheader = _rendered(db, result.draft_id, "preheader")
    assert preheader.endswith(f"at {sample_values()['shop_name']}") and len(preheader) < 90, preheader

"""Email drafts: every purpose renders for contacts with missing or hostile data, safely."""

from datetime import datetime, timedelta, timezone

import pytest

from tools import registry
from tools.core.clock import ManualClock
from tools.core.context import ToolContext, ToolError
from tools.core.models import Contact, Draft, Event, Product
from tools.drafting.personalisation import personalisation
from tools.drafting.render import draft_urls, render_email

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
PURPOSES = {
    "cart_reminder": {},
    "social_proof": {},
    "cart_discount": {"discount_percent": 15, "discount_code": "SAVE15"},
    "browse_abandonment": {},
    "winback": {},
    "welcome": {},
    "announcement": {"product": "lamp"},
    "custom": {"brief": "Our winter sale starts Friday.\n\nEverything in the lighting range is 20% off."},
}
HOSTILE = ["{{7*7}}", "<script>alert(1)</script>", "{{ ''.__class__ }}"]
LINKS = {"unsubscribe_url": "https://nudge.shop.example/u/token-1"}


@pytest.fixture
def ctx(db, settings):
    return ToolContext(db=db, settings=settings, actor="cli", clock=ManualClock(NOW))


def _store(db):
    db.add_all([
        Product(id="lamp", name="Brass lamp", price=80, url="https://shop.example/p/lamp", image_url="https://shop.example/i/lamp.jpg"),
        Product(id="evil", name="{{ ''.__class__ }}<script>alert(1)</script>{{7*7}}", price=5,
                url="javascript:alert(1)", image_url="javascript:alert(2)"),
    ])
    hostile = Contact(user_id="u-hostile", email="h@x.example", first_name=HOSTILE[0] + HOSTILE[1],
                      last_name=HOSTILE[2], email_consent="opt_in")
    empty = Contact(user_id="u-empty", email="e@x.example", email_consent="opt_in")
    db.add_all([hostile, empty])
    db.flush()
    for product in ("evil", "lamp"):
        db.add(Event(contact_id=hostile.id, name="Product Added", occurred_at=NOW - timedelta(hours=3),
                     properties={"product_id": product, "cart_id": "c1", "quantity": 2}))
    db.add(Event(contact_id=hostile.id, name="Order Completed", occurred_at=NOW - timedelta(days=2),
                 properties={"product_id": "evil", "quantity": 1}))
    db.flush()
    return hostile, empty


@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_every_purpose_renders_for_missing_and_hostile_data(ctx, db, purpose):
    hostile, empty = _store(db)
    result = registry.call(ctx, "draft_email", {"purpose": purpose, **PURPOSES[purpose]})
    draft = db.get(Draft, result.draft_id)
    assert not [f for f in result.findings if f.severity == "block"], result.summary

    sparse = render_email(draft, empty, extra=personalisation(db, empty, NOW), links=LINKS, settings=ctx.settings)
    assert "Hi there," in sparse.text
    assert sparse.subject and "{{" not in sparse.subject and "{%" not in sparse.subject
    assert LINKS["unsubscribe_url"] in sparse.html and LINKS["unsubscribe_url"] in sparse.text
    assert ctx.settings.postal_address in sparse.html and ctx.settings.postal_address in sparse.text

    email = render_email(draft, hostile, extra=personalisation(db, hostile, NOW), links=LINKS, settings=ctx.settings)
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert "49" not in email.html.replace("#f4f4f5", "")
    assert "{{7*7}}" in email.text
    assert "javascript:" not in email.html and "javascript:" not in email.text
    assert "<class" not in email.html and "<class" not in email.text


def test_cart_items_come_from_the_latest_cart_and_catalogue(ctx, db):
    hostile, _ = _store(db)
    values = personalisation(db, hostile, NOW)
    assert [item["name"] for item in values["cart_items"]][1] == "Brass lamp"
    assert values["cart_items"][1]["quantity"] == 2
    assert values["cart_total"] == "$170.00"
    assert values["product_name"].startswith("{{ ''.__class__ }}")
    assert values["top_products"] == [], "the only best seller is in the cart: nothing else to recommend"
    _, empty = hostile, _
    assert personalisation(db, empty, NOW)["top_products"][0]["name"].startswith("{{")


def test_reviews_day_recommends_rated_products_from_outside_the_cart(ctx, db):
    hostile, _ = _store(db)
    db.add(Product(id="tray", name="Oak tray", price=30, url="https://shop.example/p/tray"))
    for hours, product, rating, body in [(30, "tray", 5, "Beautiful grain."), (20, "tray", 4, ""),
                                         (10, "lamp", 2, "Too dim.")]:
        db.add(Event(contact_id=hostile.id, name="Product Reviewed", occurred_at=NOW - timedelta(hours=hours),
                     properties={"product_id": product, "rating": rating, "review_body": body}))
    db.add(Event(contact_id=hostile.id, name="Order Completed", occurred_at=NOW - timedelta(days=3),
                 properties={"products": [{"product_id": "tray", "quantity": 3}, {"product_id": "lamp"}]}))
    db.flush()
    draft = db.get(Draft, registry.call(ctx, "draft_email", {"purpose": "social_proof"}).draft_id)

    email = render_email(draft, hostile, extra=personalisation(db, hostile, NOW), links=LINKS, settings=ctx.settings)

    recommended = email.text.split("Popular right now:")[1]
    assert "Oak tray, $30.00, rated 4.5 of 5 (2 reviews)" in recommended and '"Beautiful grain."' in recommended
    assert "Brass lamp" not in recommended, "a product already in the cart is not recommended"
    assert "★ 4.5" in email.html and "how they rate it" in email.text


def test_a_completed_order_or_removal_empties_the_cart(db, settings):
    contact = Contact(user_id="u1", email="a@x.example")
    db.add_all([contact, Product(id="a", name="A", price=1), Product(id="b", name="B", price=2)])
    db.flush()
    for hours, name, product in [(9, "Product Added", "a"), (8, "Order Completed", "a"),
                                 (3, "Product Added", "a"), (2, "Product Added", "b"), (1, "Product Removed", "a")]:
        db.add(Event(contact_id=contact.id, name=name, occurred_at=NOW - timedelta(hours=hours),
                     properties={"product_id": product}))
    db.flush()
    assert [item["name"] for item in personalisation(db, contact, NOW)["cart_items"]] == ["B"]


def test_unknown_placeholder_is_rejected_with_the_known_list(ctx, db):
    draft_id = registry.call(ctx, "draft_email", {"purpose": "cart_reminder"}).draft_id
    with pytest.raises(ToolError) as error:
        registry.call(ctx, "revise_draft", {"draft_id": draft_id, "subject": "Hi {{ favourite_colour }}"})
    assert "favourite_colour" in str(error.value) and "first_name" in str(error.value) and "cart_items" in str(error.value)


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}", "{{ cart_items.__class__ }}", "{% for x in %}", "{{ 'x' * 100000000 }}",
    "{{ 9 ** 99999999 }}", "{% for i in range(10) %}{% endfor %}", "{{ cart_items.append(1) }}",
])
def test_sandbox_escapes_and_syntax_errors_are_rejected(ctx, source):
    draft_id = registry.call(ctx, "draft_email", {"purpose": "welcome"}).draft_id
    with pytest.raises(ToolError):
        registry.call(ctx, "revise_draft", {"draft_id": draft_id, "body": source})


def test_revise_makes_a_new_version_and_supersedes_the_old(ctx, db):
    first = registry.call(ctx, "draft_email", {"purpose": "winback"})
    second = registry.call(ctx, "revise_draft", {"draft_id": first.draft_id, "subject": "New things at {{ shop_name }}"})
    assert second.version == 2 and second.draft_id != first.draft_id
    assert db.get(Draft, first.draft_id).status == "superseded"
    assert db.get(Draft, second.draft_id).previous_id == first.draft_id
    with pytest.raises(ToolError, match="replaced by draft"):
        registry.call(ctx, "revise_draft", {"draft_id": first.draft_id, "subject": "Again"})


def test_subject_cannot_carry_header_breaks_from_data(ctx, db, settings):
    contact = Contact(user_id="u1", email="a@x.example", first_name="Ann\r\nBcc: victim@x.example")
    db.add(contact)
    draft_id = registry.call(ctx, "draft_email", {"purpose": "welcome"}).draft_id
    registry.call(ctx, "revise_draft", {"draft_id": draft_id, "subject": "Hello {{ first_name }}"})
    draft = db.get(Draft, draft_id + 1)
    email = render_email(draft, contact, extra={}, links=LINKS, settings=settings)
    assert "\n" not in email.subject and "\r" not in email.subject


def test_preview_renders_for_real_contacts(ctx, db):
    hostile, empty = _store(db)
    draft_id = registry.call(ctx, "draft_email", {"purpose": "cart_reminder"}).draft_id
    result = registry.call(ctx, "preview_draft", {"draft_id": draft_id, "contact_ids": [empty.id, hostile.id]})
    assert [p.contact_id for p in result.previews] == [empty.id, hostile.id]
    assert "Hi there," in result.previews[0].text and "Brass lamp" in result.previews[1].html
    with pytest.raises(ToolError, match="no contact"):
        registry.call(ctx, "preview_draft", {"draft_id": draft_id, "contact_ids": [9999]})


def test_preview_takes_the_first_members_of_a_segment(ctx, db):
    _store(db)
    draft_id = registry.call(ctx, "draft_email", {"purpose": "welcome"}).draft_id
    registry.call(ctx, "create_segment", {"name": "everyone", "spec": {"attribute": "email", "op": "exists"}})
    result = registry.call(ctx, "preview_draft", {"draft_id": draft_id, "segment": "everyone", "contacts": 1})
    assert len(result.previews) == 1


def test_a_brief_with_an_unknown_placeholder_is_refused(ctx):
    with pytest.raises(ToolError, match="nickname"):
        registry.call(ctx, "draft_email", {"purpose": "custom", "brief": "Hi {{ nickname }}, big news."})


def test_bad_requests_name_what_is_missing(ctx):
    with pytest.raises(ToolError, match="brief"):
        registry.call(ctx, "draft_email", {"purpose": "custom"})
    with pytest.raises(ToolError, match="discount"):
        registry.call(ctx, "draft_email", {"purpose": "cart_discount"})
    with pytest.raises(ToolError, match="purpose"):
        registry.call(ctx, "draft_email", {"purpose": "spam_blast"})
    with pytest.raises(ToolError, match="no product"):
        registry.call(ctx, "draft_email", {"purpose": "announcement", "product": "unicorn"})


def test_draft_urls_lists_literal_links_only(ctx, db):
    draft_id = registry.call(ctx, "draft_email", {"purpose": "welcome"}).draft_id
    revised = registry.call(ctx, "revise_draft", {"draft_id": draft_id, "cta_url": "https://shop.example/new?a=1&b=2"})
    assert draft_urls(db.get(Draft, revised.draft_id)) == {"https://shop.example/new?a=1&b=2"}

"""Compliance: each rule has a draft or campaign that passes it and one that fails it."""

from datetime import datetime, timezone

import pytest

from tools import registry
from tools.core.clock import ManualClock
from tools.core.context import ToolContext, ToolError
from tools.core.models import Campaign, CampaignStep, Draft, Segment
from tools.core.settings import load_settings
from tools.drafting.compliance import block_findings

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def ctx(db, settings):
    return ToolContext(db=db, settings=settings, actor="cli", clock=ManualClock(NOW))


def _rules(ctx, **target) -> set[str]:
    return {f.rule for f in registry.call(ctx, "check_compliance", target).findings}


def _email(ctx, **changes) -> int:
    draft_id = registry.call(ctx, "draft_email", {"purpose": "cart_reminder"}).draft_id
    if changes:
        draft_id = registry.call(ctx, "revise_draft", {"draft_id": draft_id, **changes}).draft_id
    return draft_id


def _raw_draft(db, **columns) -> int:
    """A stored draft written outside the tools (an import, an older version, a direct edit)."""
    base = dict(channel="email", purpose="custom", subject="Hello", preheader="", text="Hi {{ first_name }}",
                html="<p>Hi {{ first_name }}</p>")
    draft = Draft(**{**base, **columns})
    db.add(draft)
    db.flush()
    return draft.id


def test_a_good_draft_passes_every_rule(ctx, db):
    shop = ToolContext(db, load_settings(shop_url="https://shop.example"), clock=ctx.clock)
    result = registry.call(shop, "check_compliance", {"draft_id": _email(shop)})
    assert result.findings == [] and not result.blocked and "passes every compliance check" in result.summary


def test_unsubscribe_link_hidden_by_the_body_blocks(ctx, db):
    assert "unsubscribe_link" not in _rules(ctx, draft_id=_raw_draft(db))
    hidden = _raw_draft(db, html="<p>Hi</p><!-- the footer is swallowed")
    findings = registry.call(ctx, "check_compliance", {"draft_id": hidden}).findings
    blocking = {f.rule: f for f in findings if f.severity == "block"}
    assert {"unsubscribe_link", "postal_address"} <= set(blocking)
    assert "CAN-SPAM" in blocking["unsubscribe_link"].citation and "RFC 8058" in blocking["unsubscribe_link"].citation
    assert blocking["unsubscribe_link"].fix


def test_unreachable_public_url_warns(ctx, db):
    draft_id = _email(ctx)
    assert "unsubscribe_reachable" not in _rules(ctx, draft_id=draft_id)
    local = ToolContext(db, load_settings(public_url="http://localhost:8080"), clock=ctx.clock)
    assert "unsubscribe_reachable" in _rules(local, draft_id=draft_id)


def test_missing_postal_address_blocks(ctx, db):
    draft_id = _email(ctx)
    assert "postal_address" not in _rules(ctx, draft_id=draft_id)
    bare = ToolContext(db, load_settings(postal_address=""), clock=ctx.clock)
    finding = [f for f in registry.call(bare, "check_compliance", {"draft_id": draft_id}).findings if f.rule == "postal_address"]
    assert finding and finding[0].severity == "block" and "NUDGE_POSTAL_ADDRESS" in finding[0].fix


def test_missing_sender_blocks(ctx, db):
    draft_id = _email(ctx)
    assert "sender" not in _rules(ctx, draft_id=draft_id)
    for sender in ("", "Shop without address"):
        bare = ToolContext(db, load_settings(sender=sender), clock=ctx.clock)
        assert "sender" in _rules(bare, draft_id=draft_id)


@pytest.mark.parametrize("subject", ["RE: your cart", "Fwd: quick question", "Your order #1234 has shipped",
                                     "Your account has been suspended", "Payment failed for your order"])
def test_deceptive_subjects_block(ctx, subject):
    assert "deceptive_subject" in _rules(ctx, draft_id=_email(ctx, subject=subject))


def test_honest_subject_about_an_order_passes(ctx):
    assert "deceptive_subject" not in _rules(ctx, draft_id=_email(ctx, subject="Complete your order with 10% off"))


def test_unknown_placeholder_in_a_stored_draft_blocks(ctx, db):
    assert "unknown_placeholder" not in _rules(ctx, draft_id=_raw_draft(db))
    bad = _raw_draft(db, subject="Hi {{ nickname }}")
    finding = [f for f in registry.call(ctx, "check_compliance", {"draft_id": bad}).findings if f.rule == "unknown_placeholder"]
    assert finding[0].severity == "block" and "nickname" in finding[0].message and "first_name" in finding[0].message
    assert block_findings(db, db.get(Draft, bad), ctx.settings)


def test_spam_phrases_warn(ctx):
    assert "spam_phrases" not in _rules(ctx, draft_id=_email(ctx))
    spammy = _email(ctx, body="Act now! This is 100% free and guaranteed.")
    assert "spam_phrases" in _rules(ctx, draft_id=spammy)


@pytest.mark.parametrize("subject", ["LAST CHANCE FOR YOUR CART", "Your cart is waiting!!!"])
def test_shouting_subjects_warn(ctx, subject):
    assert "subject_shouting" in _rules(ctx, draft_id=_email(ctx, subject=subject))
    assert "subject_shouting" not in _rules(ctx, draft_id=_email(ctx, subject="Your cart is waiting!"))


def test_long_subject_warns(ctx):
    assert "subject_length" in _rules(ctx, draft_id=_email(ctx, subject="A" + " very" * 14 + " long subject line"))
    assert "subject_length" not in _rules(ctx, draft_id=_email(ctx, subject="Short and sweet"))


def test_missing_text_part_warns(ctx, db):
    assert "no_text_part" not in _rules(ctx, draft_id=_raw_draft(db))
    assert "no_text_part" in _rules(ctx, draft_id=_raw_draft(db, text=""))


def test_image_heavy_html_warns(ctx, db):
    images = "".join(f'<img src="https://shop.example/{n}.jpg">' for n in range(6))
    assert "image_heavy" in _rules(ctx, draft_id=_raw_draft(db, html=f"<p>Look</p>{images}"))
    assert "image_heavy" not in _rules(ctx, draft_id=_raw_draft(db, html="<p>" + "word " * 200 + f"</p>{images[:40]}"))


def test_ad_hard_limit_blocks_and_recommendation_warns(ctx, db):
    ok = Draft(channel="ads", platform="linkedin", purpose="custom", content={"fields": {"intro": ["Hello"], "headline": ["Hi"]}})
    long = Draft(channel="ads", platform="linkedin", purpose="custom",
                 content={"fields": {"intro": ["x" * 601], "headline": ["y" * 80]}})
    db.add_all([ok, long])
    db.flush()
    assert _rules(ctx, draft_id=ok.id) == set()
    findings = {f.rule: f for f in registry.call(ctx, "check_compliance", {"draft_id": long.id}).findings}
    assert findings["ad_limit"].severity == "block" and findings["ad_recommended"].severity == "warn"
    assert "LinkedIn" in findings["ad_limit"].citation


@pytest.mark.parametrize("line", ["Are you in debt?", "Meet other singles near you", "You're pregnant? Shop now"])
def test_personal_attribute_ads_warn(ctx, db, line):
    fields = {"primary_texts": [line], "headlines": ["Shop now"], "descriptions": []}
    flagged = registry.call(ctx, "draft_ad_copy", {"platform": "meta", "fields": fields})
    assert "personal_attributes" in {f.rule for f in flagged.findings}
    clean = registry.call(ctx, "draft_ad_copy", {"platform": "meta", "fields": {**fields, "primary_texts": ["Your cart is saved"]}})
    assert "personal_attributes" not in {f.rule for f in clean.findings}


def _campaign(db, ctx, exit_event="Order Completed", delays=(0, 48 * 60)) -> Campaign:
    segment = Segment(name=f"all-{delays}-{exit_event}", spec={"attribute": "email", "op": "exists"})
    db.add(segment)
    db.flush()
    campaign = Campaign(name=f"seq-{len(delays)}-{exit_event}", segment_id=segment.id, exit_event=exit_event)
    db.add(campaign)
    db.flush()
    campaign.exit_event = exit_event  # an explicit None must survive the column default
    for position, delay in enumerate(delays, start=1):
        db.add(CampaignStep(campaign_id=campaign.id, position=position, delay_minutes=delay, draft_id=_email(ctx)))
    db.flush()
    return campaign


def test_sequence_without_exit_warns(ctx, db):
    assert "no_exit" not in _rules(ctx, campaign=str(_campaign(db, ctx).id))
    assert "no_exit" in _rules(ctx, campaign=str(_campaign(db, ctx, exit_event=None).id))


def test_cadence_the_rules_will_defer_warns(ctx, db):
    assert "cadence" not in _rules(ctx, campaign=_campaign(db, ctx).name)
    tight = _campaign(db, ctx, delays=(0, 4 * 60))
    cadence = [f for f in registry.call(ctx, "check_compliance", {"campaign": tight.name}).findings if f.rule == "cadence"]
    assert cadence and "16-hour" in cadence[0].message
    weekly = _campaign(db, ctx, delays=(0, 24 * 60, 48 * 60, 72 * 60))
    assert "cadence" in _rules(ctx, campaign=weekly.name)


def test_campaign_step_findings_name_the_step(ctx, db):
    campaign = _campaign(db, ctx, delays=(0,))
    step = db.query(CampaignStep).filter_by(campaign_id=campaign.id).one()
    step.draft_id = _raw_draft(db, subject="RE: hello")
    messages = [f.message for f in registry.call(ctx, "check_compliance", {"campaign": campaign.name}).findings]
    assert any(m.startswith("Step 1:") for m in messages)


def test_bad_targets_are_refused(ctx):
    with pytest.raises(ToolError, match="exactly one"):
        registry.call(ctx, "check_compliance", {})
    with pytest.raises(ToolError, match="no draft 999"):
        registry.call(ctx, "check_compliance", {"draft_id": 999})
    with pytest.raises(ToolError, match="no campaign"):
        registry.call(ctx, "check_compliance", {"campaign": "nope"})


def test_step_without_a_draft_blocks(ctx, db):
    campaign = _campaign(db, ctx, delays=(0,))
    assert "missing_draft" not in _rules(ctx, campaign=campaign.name)
    db.query(CampaignStep).filter_by(campaign_id=campaign.id).one().draft_id = None
    assert "missing_draft" in _rules(ctx, campaign=campaign.name)


def test_a_link_that_goes_nowhere_for_sparse_contacts_warns(ctx, db):
    draft_id = _email(ctx)
    assert "broken_link" in _rules(ctx, draft_id=draft_id)
    with_shop = ToolContext(db, load_settings(shop_url="https://shop.example"), clock=ctx.clock)
    assert "broken_link" not in _rules(with_shop, draft_id=draft_id)
    literal = _email(ctx, cta_url="https://shop.example/cart")
    assert "broken_link" not in _rules(ctx, draft_id=literal)


def test_a_discount_without_a_code_blocks_as_a_deceptive_claim(ctx, db):
    no_code = ToolContext(db, ctx.settings.model_copy(update={"discount_code": ""}), clock=ctx.clock)
    bare = registry.call(no_code, "draft_email", {"purpose": "cart_discount", "discount_percent": 10})
    promise = registry.call(no_code, "revise_draft", {
        "draft_id": registry.call(no_code, "draft_email", {"purpose": "cart_reminder"}).draft_id,
        "body": "Hi,\n\nYour 15% discount is applied at checkout."})
    sale = registry.call(no_code, "draft_email", {"purpose": "announcement", "brief": "our winter sale, 25% off everything"})
    coded = registry.call(ctx, "draft_email", {"purpose": "cart_discount", "discount_percent": 10})
    named = registry.call(no_code, "draft_email", {"purpose": "cart_discount", "discount_percent": 10,
                                                   "discount_code": "XMAS-7"})

    [finding] = [f for f in bare.findings if f.rule == "discount_without_code"]
    assert finding.severity == "block" and "FTC Act Sec. 5" in finding.citation and "16 CFR" in finding.citation
    assert "discount_without_code" in _rules(no_code, draft_id=promise.draft_id)
    assert "discount_without_code" not in {f.rule for f in sale.findings}, "a storewide sale needs no code"
    # a subject of the marketer's own promising a personal offer, on a step with no discount
    personal = registry.call(no_code, "revise_draft", {
        "draft_id": registry.call(no_code, "draft_email", {"purpose": "winback"}).draft_id, "subject": "Still 15% off, just for you"})
    assert "discount_without_code" in {f.rule for f in personal.findings}
    last_call = registry.call(no_code, "revise_draft", {
        "draft_id": registry.call(no_code, "draft_email", {"purpose": "winback"}).draft_id, "subject": "Last call - your 20% ends Sunday"})
    assert "discount_without_code" in {f.rule for f in last_call.findings}, "'your 20%' is an offer of theirs"
    newsletter = registry.call(no_code, "revise_draft", {
        "draft_id": sale.draft_id, "body": "Hi,\n\nEnjoy 10% off your next order this week."})
    assert "discount_without_code" in {f.rule for f in newsletter.findings}
    assert "discount_without_code" not in {f.rule for f in coded.findings + named.findings}
    assert db.get(Draft, coded.draft_id).params["discount_code"] == "SAVE10"  # NUDGE_DISCOUNT_CODE
    assert db.get(Draft, named.draft_id).params["discount_code"] == "XMAS-7"

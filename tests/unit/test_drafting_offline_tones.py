"""The offline writer (no model configured) says the tone asked for, and ad copy says its offer.

A tone is the marketer's words ("friendly", "warmer, more human", "softer, less pushy", "more
urgent", "short"): each voice gives the copy its own subject and/or opening and closing lines,
over the ready copy's own voice when none is asked, and the unsubscribe link, postal address,
placeholders and discount code stay. A tone the offline writer cannot say is named in the
result, and a rewrite that reads as the draft already does stores no new version. Ad copy with
a discount says it in every field, with the code where the field has room. Through
`registry.call`, on SQLite and PostgreSQL.

Mutations tried: run against the tree before this fix, 28 of these 31 fail (the update_sequence
rewrite with "byte-identical" copy; only cart_discount's meta, RSA and display ads said the offer).
Giving the friendly row of `prompts/email/tones.txt` the plain row's parts fails the two tone
tests that compare copy and `test_a_tone_rewrite_through_update_sequence_changes_the_copy`;
skipping the offer lines in `template_ad` (`if terms:` never true) fails the ad tests for every
purpose but cart_discount's meta, RSA and display ads; dropping the unchanged check in
`drafts._write_email` fails `test_the_same_tone_twice_stores_nothing_and_says_so`; dropping
`tones.note` from `write_email` fails `test_a_tone_the_offline_writer_does_not_know_is_said`.
"""

from __future__ import annotations

import pytest

from tools import registry
from tools.core.context import ToolContext
from tools.core.models import Draft
from tools.drafting.ad_copy import SPECS, check, count
from tools.drafting.render import render_email

EVERYONE = {"attribute": "email", "op": "exists"}
OFFER = {"discount_percent": 15, "discount_code": "SHOES15"}
TONES = ["friendly", "warmer, more human", "professional", "playful", "urgent", "short"]


@pytest.fixture
def ctx(db, settings):
    return ToolContext(db=db, settings=settings, actor="cli")


def _email(ctx, db, **arguments) -> tuple[Draft, str]:
    """The stored draft and its text as a contact gets it (footer and all)."""
    result = registry.call(ctx, "draft_email", arguments)
    assert not [f for f in result.findings if f.severity == "block"], result.summary
    draft = db.get(Draft, result.draft_id)
    shown = render_email(draft, None, extra={}, links={"unsubscribe_url": "https://n.example/u/x"}, settings=ctx.settings)
    return draft, shown.text


def _copy(draft: Draft) -> tuple[str, str | None, str]:
    return draft.subject, draft.preheader, draft.text


@pytest.mark.parametrize("purpose, extra", [("cart_reminder", {}), ("cart_discount", OFFER), ("winback", OFFER),
                                            ("welcome", {}), ("announcement", {"brief": "our linen throws"})])
def test_every_tone_writes_its_own_copy_and_keeps_what_compliance_needs(ctx, db, purpose, extra):
    plain, _ = _email(ctx, db, purpose=purpose, **extra)
    written = {}
    for tone in TONES:
        draft, text = _email(ctx, db, purpose=purpose, tone=tone, **extra)
        written[tone] = _copy(draft)
        assert "https://n.example/u/x" in text and ctx.settings.postal_address in text, (tone, text)
        if extra.get("discount_code"):
            assert "{{ discount_code }}" in draft.text and "SHOES15" in text, (tone, text)
            assert "15%" in text, (tone, text)
    assert all(copy != _copy(plain) for copy in written.values()), "a tone asked for must change the copy"
    assert written["friendly"] == written["warmer, more human"]  # the same voice, said two ways
    voices = [written[tone] for tone in ("friendly", "professional", "playful", "urgent", "short")]
    assert len(set(voices)) == len(voices), "each voice reads differently"


def test_what_each_voice_says(ctx, db):
    friendly, friendly_text = _email(ctx, db, purpose="cart_reminder", tone="friendly")
    urgent, urgent_text = _email(ctx, db, purpose="cart_reminder", tone="more urgent")
    playful, _ = _email(ctx, db, purpose="cart_reminder", tone="playful")
    formal, formal_text = _email(ctx, db, purpose="cart_reminder", tone="formal")
    short, short_text = _email(ctx, db, purpose="cart_reminder", tone="concise")
    plain, plain_text = _email(ctx, db, purpose="cart_reminder")

    assert friendly.subject.startswith("Hi {{ first_name }}, you left") and "We hope you are having a lovely week." in friendly_text
    assert "Warm wishes" in friendly_text
    assert urgent.subject.startswith("Last chance:") and "will not last long" in urgent_text and "No rush" not in urgent_text
    assert playful.subject.startswith("Psst...")
    assert "Hello Ada," in formal_text or "Hello there," in formal_text
    assert "Kind regards" in formal_text and "Thank you for choosing" in formal_text
    assert len(short_text) < len(plain_text) and len(short.subject) < len(plain.subject)


def test_soft_and_less_pushy_words_are_the_friendly_voice(ctx, db):
    friendly, _ = _email(ctx, db, purpose="winback", tone="friendly", **OFFER)
    for words in ("softer, less pushy", "warm", "more human", "less formal"):
        draft, _ = _email(ctx, db, purpose="winback", tone=words, **OFFER)
        assert _copy(draft) == _copy(friendly), words


def test_a_tone_rewrite_through_update_sequence_changes_the_copy(ctx, db):
    created = registry.call(ctx, "create_sequence", {"name": "Cart", "segment": EVERYONE, "steps": [
        {"delay_days": 1, "purpose": "cart_reminder"}, {"delay_days": 3, "purpose": "cart_discount", **OFFER}]})
    before = db.get(Draft, created.draft_ids[1])
    old = _copy(before)

    changed = registry.call(ctx, "update_sequence", {"campaign": str(created.campaign_id), "steps": [{"step": 2, "tone": "friendly"}]})

    after = db.get(Draft, changed.draft_ids[0])
    assert after.id != before.id and after.previous_id == before.id
    assert after.subject != old[0] and after.text != old[2], "the friendly rewrite came out byte-identical"
    assert after.params["discount_code"] == "SHOES15" and "{{ discount_code }}" in after.text
    urgent = registry.call(ctx, "update_sequence", {"campaign": str(created.campaign_id), "steps": [{"step": 2, "tone": "more urgent"}]})
    assert "rewritten in a more urgent tone" in urgent.summary
    assert db.get(Draft, urgent.draft_ids[0]).subject.startswith("Last chance:")


def test_the_same_tone_twice_stores_nothing_and_says_so(ctx, db):
    created = registry.call(ctx, "create_sequence", {"name": "Cart", "segment": EVERYONE,
                                                     "steps": [{"delay_days": 1, "purpose": "cart_reminder"}]})
    campaign = str(created.campaign_id)
    first = registry.call(ctx, "update_sequence", {"campaign": campaign, "steps": [{"step": 1, "tone": "friendly"}]})
    again = registry.call(ctx, "update_sequence", {"campaign": campaign, "steps": [{"step": 1, "tone": "warmer"}]})

    assert first.draft_ids and not again.draft_ids
    assert f"Draft {first.draft_ids[0]} already reads this way" in again.summary, again.summary
    assert db.get(Draft, first.draft_ids[0]).status == "pending"  # not superseded by a copy of itself


def test_a_tone_the_offline_writer_does_not_know_is_said(ctx, db):
    result = registry.call(ctx, "draft_email", {"purpose": "cart_reminder", "tone": "grumpy"})
    assert "no 'grumpy' tone" in result.summary and "friendly" in result.note, result.summary

    created = registry.call(ctx, "create_sequence", {"name": "Cart", "segment": EVERYONE,
                                                     "steps": [{"delay_days": 1, "purpose": "cart_reminder"}]})
    edited = registry.call(ctx, "update_sequence", {"campaign": str(created.campaign_id),
                                                    "steps": [{"step": 1, "tone": "friendly but sarcastic"}]})
    assert "no 'sarcastic' tone" in edited.summary and edited.draft_ids, edited.summary
    ad = registry.call(ctx, "draft_ad_copy", {"platform": "meta", "purpose": "cart_reminder", "tone": "playful"})
    assert "Tone 'playful'" in ad.summary and "one voice" in ad.summary


def _says_offer(line: str) -> bool:
    return "15%" in line or "SHOES15" in line.upper()


@pytest.mark.parametrize("platform", ["meta", "google_rsa", "linkedin", "google_display"])
@pytest.mark.parametrize("purpose", ["cart_reminder", "cart_discount", "winback", "welcome", "browse_abandonment"])
def test_ad_copy_says_the_offer_and_its_code_within_the_limits(ctx, platform, purpose):
    result = registry.call(ctx, "draft_ad_copy", {"platform": platform, "purpose": purpose, **OFFER})

    fields = result.fields
    assert not [p for p in check(platform, fields) if p.severity == "block"], result.summary
    for spec in SPECS[platform]:
        lines = fields.get(spec.name, [])
        assert all(count(line, platform) <= (spec.recommended or spec.hard or 10**6) for line in lines), (spec.name, lines)
        if spec.name not in ("paths", "business_name"):
            assert lines and _says_offer(lines[0]), (spec.name, lines)
    assert any("SHOES15" in line for lines in fields.values() for line in lines), fields


def test_an_ad_offer_says_only_what_it_has(ctx):
    coded = registry.call(ctx, "draft_ad_copy", {"platform": "meta", "purpose": "winback", "discount_code": "SHOES15"})
    percent = registry.call(ctx, "draft_ad_copy", {"platform": "linkedin", "purpose": "welcome", "discount_percent": 20})
    plain = registry.call(ctx, "draft_ad_copy", {"platform": "meta", "purpose": "winback"})

    assert "SHOES15" in coded.fields["primary_texts"][0] and not any("%" in line for lines in coded.fields.values() for line in lines)
    assert all("20%" in lines[0] for lines in percent.fields.values()), percent.fields
    assert not any("%" in line or "code" in line.lower() for lines in plain.fields.values() for line in lines)

"""Block Kit builders: pure data in, Slack payloads out, within Slack's limits."""

from __future__ import annotations

import json

from bot.display import blocks as kit
from bot.display import ids
from tools.core import blockkit


def card(**changes) -> kit.DraftCard:
    values = dict(draft_id=7, version=2, purpose="cart_discount", step_label="Step 3 · day 5",
                  subject="10% off your cart", preheader="Applied at checkout", first_lines="Hi Ana,\nYour cart waits.",
                  sample="personalised for Ana (u1)")
    return kit.DraftCard(**{**values, **changes})


def actions(blocks, action_id=None):
    found = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return [e for e in found if action_id is None or e["action_id"] == action_id]


def test_pending_card_shows_preview_verdict_and_three_buttons():
    blocks = kit.draft_card(card(warnings=["Subject over 60 characters (Gmail)"]))
    text = json.dumps(blocks)
    for expected in ("10% off your cart", "Applied at checkout", "> Hi Ana", "personalised for Ana", "with warnings",
                     "Subject over 60", "Awaiting approval"):
        assert expected in text
    assert [(e["action_id"], e["value"]) for e in actions(blocks)] == [
        (ids.APPROVE, "7"), (ids.EDIT, "7"), (ids.REJECT, "7")]


def test_blocking_findings_and_decisions():
    assert "Blocked until fixed" in json.dumps(kit.draft_card(card(blocking=["No postal address"])))
    approved = kit.draft_card(card(status="approved", decided_by="UAPPROVER"))
    assert actions(approved) == [] and "Approved by <@UAPPROVER>" in json.dumps(approved)
    rejected = kit.draft_card(card(status="rejected", decided_by="U1", reason="too pushy"))
    assert "Rejected by <@U1>: too pushy" in json.dumps(rejected)
    assert [e["action_id"] for e in actions(kit.draft_card(card(channel="ads")))] == [ids.APPROVE, ids.REJECT]


def test_schedule_button_only_when_every_step_is_approved():
    pending = kit.CampaignView(3, "Cart", "awaiting_approval", [card(), card(draft_id=8, status="approved")])
    assert actions(kit.campaign_message(pending), ids.SCHEDULE) == []
    ready = kit.CampaignView(3, "Cart", "awaiting_approval", [card(status="approved"), card(draft_id=8, status="approved")])
    assert [e["value"] for e in actions(kit.campaign_message(ready), ids.SCHEDULE)] == ["3"]
    active = kit.CampaignView(3, "Cart", "active", ready.cards)
    assert actions(kit.campaign_message(active), ids.SCHEDULE) == []
    assert actions(kit.campaign_message(kit.CampaignView(3, "Cart", "awaiting_approval", [])), ids.SCHEDULE) == []


def test_limits_are_respected():
    many = kit.CampaignView(1, "Big", "awaiting_approval", [card(draft_id=n) for n in range(20)])
    blocks = kit.campaign_message(many, "intro " * 2000)
    assert len(blocks) <= kit.MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    long_text = kit.text_blocks("\n\n".join(["para " * 200] * 10))
    assert len(long_text) > 1 and all(len(b["text"]["text"]) <= 3000 for b in long_text)
    assert blockkit.section("")["text"]["text"] == " "


def test_modals_carry_ids_and_metadata():
    modal = kit.edit_modal(card(), "Body {{ first_name }}", {"draft_id": 7, "channel": "C1", "ts": "1.2"})
    assert modal["callback_id"] == ids.EDIT_VIEW
    assert json.loads(modal["private_metadata"])["draft_id"] == 7
    assert [b["block_id"] for b in modal["blocks"]] == [ids.SUBJECT_BLOCK, ids.PREHEADER_BLOCK, ids.BODY_BLOCK]
    assert len(modal["title"]["text"]) <= 24
    reject = kit.reject_modal(7, {"draft_id": 7})
    assert reject["callback_id"] == ids.REJECT_VIEW and reject["blocks"][0]["block_id"] == ids.REASON_BLOCK


def test_terminal_rendering_numbers_the_buttons():
    text, choices = kit.as_text(kit.draft_card(card()))
    assert "[1] Approve (7)" in text and "[3] Reject (7)" in text
    assert choices[1] == ("Edit", ids.EDIT, "7")


def test_the_console_shows_slack_mentions_as_plain_names():
    from bot.display.blocks import as_text

    text, _ = as_text([{"type": "context", "elements": [{"type": "mrkdwn", "text": "Approved by <@console>"}]}])
    assert text == "Approved by @console"


def test_the_terminal_shows_symbols_bold_and_links_not_slack_markup():
    from bot.display.blocks import terminal

    marked = ":white_check_mark: *Compliant*: see <https://shop.example/c|the cart> :hourglass: 2*3*4"
    assert terminal(marked) == "✓ Compliant: see the cart (https://shop.example/c) ⏳ 2*3*4"
    assert terminal("*Subject:* Hi", ansi=True) == "\033[1mSubject:\033[0m Hi"

"""Gathering what a draft card shows: the newest version of each step's draft, rendered for one
real contact of the audience, its compliance verdict and its approval.

The Block Kit builders in `bot/display/blocks.py` are pure; this module is the one place that reads the
database (through the drafting, compliance and rendering interfaces) to fill them, for Slack
messages, button clicks and the console alike.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.display import blocks as kit
from bot.display.blocks import CampaignView, DraftCard
from tools.campaigns.timing import TIMING_NOTE, delay_words
from tools.core.blockkit import context
from tools.core.context import ToolContext
from tools.core.lookup import steps_of
from tools.core.models import Campaign, CampaignStep, Contact, Draft, Segment
from tools.drafting.approvals import approval_of, newest_version
from tools.drafting.drafts import preview_email

log = logging.getLogger(__name__)
FIRST_LINES = 3


def campaign_view(ctx: ToolContext, campaign_id: int, note: str | None = None) -> CampaignView | None:
    campaign = ctx.db.get(Campaign, campaign_id)
    if campaign is None:
        return None
    sample = sample_contact(ctx, campaign)
    steps = steps_of(ctx.db, campaign)
    cards = [step_card(ctx, step, sample) for step in steps if step.draft_id is not None]
    timing = TIMING_NOTE if campaign.kind == "sequence" else None
    return CampaignView(campaign.id, campaign.name, campaign.status, cards,
                        note="\n".join(filter(None, [note, timing])) or None)


def step_card(ctx: ToolContext, step: CampaignStep, sample: Contact | None) -> DraftCard:
    draft = ctx.db.get(Draft, newest_version(ctx.db, step.draft_id))
    card = draft_card(ctx, draft, sample)
    card.step_label = f"Step {step.position} · {delay_words(step.delay_minutes)}"
    return card


def draft_card(ctx: ToolContext, draft: Draft, sample: Contact | None) -> DraftCard:
    card = DraftCard(draft_id=draft.id, version=draft.version, purpose=draft.purpose,
                     channel=draft.channel, platform=draft.platform, status="pending")
    fill_preview(ctx, card, draft, sample)
    fill_findings(ctx, card, draft)
    approval = approval_of(ctx.db, draft.id)
    if approval is not None:
        card.status, card.decided_by, card.reason = approval.decision, approval.decided_by, approval.reason
    return card


def fill_preview(ctx: ToolContext, card: DraftCard, draft: Draft, sample: Contact | None) -> None:
    """Subject, preheader and first lines rendered for `sample`, or the raw copy without one."""
    card.subject, card.preheader = draft.subject, draft.preheader
    text = draft.text or ""
    if sample is not None and draft.channel == "email":
        try:
            rendered = preview_email(ctx, draft, sample)
        except Exception:  # a preview must never break the card; the verdict still shows
            log.exception("preview of draft %s failed", draft.id)
        else:
            card.subject, card.preheader, text = rendered.subject, rendered.preheader, rendered.text
            card.sample = f"personalised for {sample.first_name or 'a contact'} ({sample.user_id})"
    if sample is None:
        card.sample = "no contact in the audience right now; showing the template"
    card.first_lines = first_lines(text)


def fill_findings(ctx: ToolContext, card: DraftCard, draft: Draft) -> None:
    from tools.drafting.compliance import check_draft

    for finding in check_draft(ctx.db, draft, ctx.settings):
        line = f"{finding.message} ({finding.citation})" if finding.citation else finding.message
        (card.blocking if finding.severity == "block" else card.warnings).append(line)


def sample_contact(ctx: ToolContext, campaign: Campaign) -> Contact | None:
    """The first member of the campaign's audience, for a realistic preview."""
    segment = ctx.db.get(Segment, campaign.segment_id) if campaign.segment_id else None
    if segment is None:
        return None
    from tools.audience.segments import member_ids

    first = next(member_ids(ctx.db, segment.spec, ctx.now(), batch_size=1), None)
    return ctx.db.get(Contact, first) if first is not None else None


def editable_copy(draft: Draft) -> dict[str, str]:
    """The fields the Edit modal shows: the copy as written, placeholders and all."""
    copy = (draft.content or {}).get("copy") or {}
    return {"subject": copy.get("subject") or draft.subject or "",
            "preheader": copy.get("preheader") or draft.preheader or "",
            "body": copy.get("body") or draft.text or ""}


def first_lines(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join(lines[:FIRST_LINES])[:600]


def campaign_of_draft(db, draft_id: int) -> int | None:
    """The campaign whose step uses any version of this draft (edits may move the step on)."""
    chain = []
    current = db.get(Draft, newest_version(db, draft_id))
    while current is not None and len(chain) < 100:
        chain.append(current.id)
        current = db.get(Draft, current.previous_id) if current.previous_id else None
    return db.scalar(select(CampaignStep.campaign_id).where(CampaignStep.draft_id.in_(chain)).limit(1)) if chain else None


def message_blocks(ctx: ToolContext, draft_id: int, intro: str | None, note: str | None = None) -> list[dict]:
    """The whole message a draft lives in: its campaign's cards, or the lone draft's card."""
    campaign_id = campaign_of_draft(ctx.db, draft_id)
    if campaign_id is not None:
        return campaign_blocks(ctx, campaign_id, intro, note)
    draft = ctx.db.get(Draft, newest_version(ctx.db, draft_id))
    if draft is None:
        return kit.text_blocks(intro or "")
    blocks = (kit.text_blocks(intro) if intro else []) + kit.draft_card(draft_card(ctx, draft, None))
    return blocks + ([context(note)] if note else [])


def campaign_blocks(ctx: ToolContext, campaign_id: int, intro: str | None, note: str | None = None) -> list[dict]:
    view = campaign_view(ctx, campaign_id, note=note)
    if view is None:
        return kit.text_blocks(intro or "")
    return kit.campaign_message(view, intro)

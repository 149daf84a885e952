"""Whether a campaign's copy may change now: one rule for every tool that edits a campaign or a
draft one of its steps sends (update_sequence, revise_draft).

- a campaign that never went live (draft, awaiting_approval): anyone, as drafting sends nothing;
- a paused campaign: approvers only, since it has sent before; the edit puts it back to
  awaiting_approval, so it cannot resume with unapproved copy;
- an active campaign: refused, pause it first; finished or cancelled ones: refused.

Before this lived in one place only, a split test asked for on a live campaign's draft went
through: the step pointed at an unapproved version while the campaign kept sending.
"""

from __future__ import annotations

from sqlalchemy import select

from tools.core.context import ToolContext, ToolError
from tools.core.models import Campaign, CampaignStep
from tools.core.vocabulary import UNSENT_CAMPAIGN


def check_editable(ctx: ToolContext, campaign: Campaign) -> None:
    if campaign.status in UNSENT_CAMPAIGN:
        return
    if campaign.status == "paused":
        if not ctx.is_approver:
            raise ToolError(f"campaign {campaign.id} is paused after going live; only approvers "
                            "(NUDGE_APPROVERS) may edit it, and it then needs approving again")
        return
    if campaign.status == "active":
        raise ToolError(f"campaign {campaign.id} is active; pause it first (pause_campaign {campaign.id}), "
                        "then edit it and schedule it again")
    raise ToolError(f"campaign {campaign.id} is {campaign.status}; it can no longer be edited")


def campaigns_sending(ctx: ToolContext, draft_id: int) -> list[Campaign]:
    """The campaigns with a step that sends this draft."""
    return list(ctx.db.scalars(select(Campaign).join(CampaignStep, CampaignStep.campaign_id == Campaign.id)
                               .where(CampaignStep.draft_id == draft_id).distinct()))

"""Finding what a person names: a campaign by id or name, a contact by id, user id or email, and
a campaign's steps. One copy of each rule, used by every tool, the risks and the reports.

A campaign name matches case-insensitively ("abandoned cart" finds "Abandoned cart"). Names are
not unique (a follow-up may build a second "Abandoned cart"), so among campaigns of one name the
live one (active or paused) wins over a draft duplicate, then the newest: "pause the abandoned
cart" must reach the campaign that is sending.
"""

from __future__ import annotations

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from tools.core.context import ToolError
from tools.core.models import Campaign, CampaignStep, Contact
from tools.core.vocabulary import LIVE_CAMPAIGN


def find_campaign(db: Session, ref: str | int) -> Campaign:
    """The campaign `ref` names (an id or a name), or a ToolError listing the known ones."""
    text = str(ref).strip()
    if text.isdigit():
        campaign = db.get(Campaign, int(text))
    else:
        live_first = case((Campaign.status.in_([str(s) for s in LIVE_CAMPAIGN]), 0), else_=1)
        campaign = db.scalars(select(Campaign).where(func.lower(Campaign.name) == text.lower())
                              .order_by(live_first, Campaign.id.desc()).limit(1)).first()
    if campaign is None:
        raise ToolError(f"no campaign '{text}'; known campaigns: {known_campaigns(db)}")
    return campaign


def known_campaigns(db: Session, limit: int = 10) -> str:
    """The newest campaigns as "3 'Cart', 2 'Welcome'", for an error that says what exists."""
    rows = db.execute(select(Campaign.id, Campaign.name).order_by(Campaign.id.desc()).limit(limit)).all()
    return ", ".join(f"{cid} '{name}'" for cid, name in rows) or "none yet"


def find_contact(db: Session, ref: str) -> Contact:
    """The contact `ref` names: a user id, an email address or a contact id."""
    ref = str(ref).strip()
    contact = db.scalar(select(Contact).where(or_(Contact.user_id == ref, Contact.email == ref.lower())))
    if contact is None and ref.isdigit():
        contact = db.get(Contact, int(ref))
    if contact is None:
        raise ToolError(f"no contact '{ref}'; give a user_id, an email address or a contact id")
    return contact


def steps_of(db: Session, campaign: Campaign) -> list[CampaignStep]:
    """A campaign's steps in order."""
    return list(db.scalars(select(CampaignStep).where(CampaignStep.campaign_id == campaign.id)
                           .order_by(CampaignStep.position)))

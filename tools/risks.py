"""What an irreversible call would do, in plain words, before anyone confirms it.

Erasing a person, scheduling or resuming a campaign, cancelling a live one, exporting personal
data and tightening a rule while campaigns are live are proposed first, on every surface. The
registry entry of each such tool names its describer here; `tools.registry.call` asks it, and a
describer that returns None means this particular call needs no confirmation (cancelling a
campaign that never went live, a rule change while nothing is live). Describers only read: who
is affected, how many, and what cannot be undone.
"""

from __future__ import annotations

from sqlalchemy import func, select

from tools.audience.exports import check_target
from tools.audience.segments import count_members, load_spec
from tools.audience.spec import SegmentSpec
from tools.campaigns.lifecycle import schedulable
from tools.core.context import ToolContext
from tools.core.lookup import find_campaign, steps_of
from tools.core.models import Campaign, Event, Message, Segment
from tools.core.vocabulary import CLAIMABLE, LIVE_CAMPAIGN
from tools.privacy.rights import attributed_orders, erasable_events, find_person


def _unsent(ctx: ToolContext, campaign: Campaign) -> int:
    return ctx.db.scalar(select(func.count()).select_from(Message).where(
        Message.campaign_id == campaign.id, Message.status.in_(CLAIMABLE))) or 0


def _label(campaign: Campaign) -> str:
    return f"campaign {campaign.id} '{campaign.name}'"


def schedule(ctx: ToolContext, args) -> str:
    campaign = schedulable(ctx, args.campaign)  # a campaign that cannot go live says why first
    steps = len(steps_of(ctx.db, campaign))
    spec = SegmentSpec.model_validate(ctx.db.get(Segment, campaign.segment_id).spec)
    members = count_members(ctx.db, spec, ctx.now())
    return (f"Schedule {_label(campaign)} ({steps} step(s)): {members:,} contact(s) in its segment "
            "now enter within a minute, and new ones as they qualify. Sent emails cannot be "
            "recalled; pausing stops further sends.")


def resume(ctx: ToolContext, args) -> str | None:
    campaign = find_campaign(ctx.db, args.campaign)
    if campaign.status != "paused":
        return None  # nothing to resume: the tool says so
    return (f"Resume {_label(campaign)}: {_unsent(ctx, campaign):,} message(s) waiting are checked "
            "again and sent as they come due. Sent emails cannot be recalled.")


def cancel(ctx: ToolContext, args) -> str | None:
    campaign = find_campaign(ctx.db, args.campaign)
    if campaign.status not in LIVE_CAMPAIGN:
        return None  # a campaign that never went live has nothing to lose
    return (f"Cancel {_label(campaign)}, which is {campaign.status}: {_unsent(ctx, campaign):,} "
            "unsent message(s) are dropped and nobody new enters. A cancelled campaign cannot be "
            "resumed.")


def forget(ctx: ToolContext, args) -> str:
    contacts, _address = find_person(ctx.db, args.contact)
    ids = [contact.id for contact in contacts]
    # Counted by the rule the erasure deletes by, so the sentence and the result agree.
    events = ctx.db.scalar(select(func.count()).select_from(Event).where(erasable_events(ctx.db, ids))) if ids else 0
    kept = attributed_orders(ctx.db, ids) if ids else 0
    orders = (f" ({kept:,} attributed order(s) stay, stripped to their time, for the reports)"
              if kept else "")
    return (f"Erase {args.contact} ({len(contacts)} contact record(s), {events or 0:,} event(s)): "
            f"their profile and events are deleted{orders}, pending messages cancelled, and the "
            "address is kept only as a hash so it is never emailed again. This cannot be undone.")


def export_person(ctx: ToolContext, args) -> str:
    contacts, _address = find_person(ctx.db, args.contact)
    return (f"Export everything held about {args.contact} ({len(contacts)} contact record(s)) "
            "to a JSON file: personal data, to hand only to that person.")


def export_segment(ctx: ToolContext, args) -> str:
    check_target(ctx, args.out)
    members = count_members(ctx.db, load_spec(ctx.db, args.segment), ctx.now())
    return (f"Export segment '{args.segment}' ({members:,} member(s) before exclusions) for "
            f"{args.platform} as hashed emails: personal data, out of Nudge's control once uploaded.")


def export_buyers(ctx: ToolContext, args) -> str:
    check_target(ctx, args.out)
    return (f"Export the buyers of the last {args.within} for {args.platform} as hashed emails: "
            "personal data, out of Nudge's control once uploaded.")


def export_lookalike(ctx: ToolContext, args) -> str:
    check_target(ctx, args.out)
    return (f"Export the top {args.top:,} customers by {args.metric} for {args.platform} as "
            "hashed emails: personal data, out of Nudge's control once uploaded.")


def rule_change(ctx: ToolContext, args) -> str | None:
    live = list(ctx.db.scalars(select(Campaign).where(Campaign.status == "active").limit(6)))
    if not live:
        return None
    names = ", ".join(_label(campaign) for campaign in live[:5])
    return (f"Set {args.key} to {args.value} while {len(live)} campaign(s) are live ({names}): "
            "messages they would send may be held back or deferred at once.")


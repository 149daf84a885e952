"""The scheduler's jobs: enrol new segment members into sequences, and dispatch due steps.

Each job is a short loop over batches that is safe to run twice at once (unique keys and
insert-or-ignore make a duplicate run a no-op), so a takeover mid-run or an overlapping worker
cannot enrol anyone twice or create a second message for the same step.
- `enrol`: for every active campaign, contacts now in its segment who are not in it yet (or
  whose last pass ended more than the cooldown ago) enter, with a deterministic holdout.
- `attribute`: every order not yet attributed gets its conversion row (`tools.reporting.attribution`,
  the one writer of conversions; the report and the digest only read them).
- `dispatch`: every step now due (its delay after the member's triggering event, the entry
  being the floor: `tools.campaigns.timing.step_due`) for an active enrolment becomes one outbox message (unique on
  campaign, step, contact and round), then the outbox worker decides and delivers what is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from scheduler.outbox import OutboxWorker, Stats
from tools.audience.segments import member_batches
from tools.audience.spec import SegmentSpec, event_names
from tools.campaigns.holdout import in_holdout
from tools.campaigns.preflight import recently_converted
from tools.campaigns.timing import first_delay, step_anchor
from tools.core import audit
from tools.core.bulk import insert_ignoring_duplicates, lock_for_writing
from tools.core.clock import Clock
from tools.core.db import session_scope
from tools.core.lookup import steps_of
from tools.core.models import (
    Campaign,
    CampaignStep,
    Contact,
    Enrolment,
    Event,
    Message,
    Segment,
)
from tools.core.settings import Settings
from tools.core.vocabulary import OPEN
from tools.reporting.attribution import AttributionSummary, record_new_conversions

CHUNK = 2000


def attribute(engine: Engine, settings: Settings, clock: Clock) -> AttributionSummary:
    """Write the conversion of every order placed since the catch-up window began and not yet seen.

    Here rather than at ingest: every writer of events (HTTP, imports, the seed) is covered, and
    ingest stays one bulk insert; opens and clicks precede the orders they earn, so a minute's
    delay changes no answer.
    """
    with session_scope(engine) as db:
        lock_for_writing(db)
        return record_new_conversions(db, settings, clock.now())


def enrol(engine: Engine, settings: Settings, clock: Clock) -> int:
    """Enter new members of every active campaign's segment; returns how many entered."""
    now = clock.now()
    with session_scope(engine) as db:
        campaigns = list(db.scalars(select(Campaign).where(Campaign.status == "active")))
    return sum(enrol_campaign(engine, campaign.id, now) for campaign in campaigns)


def enrol_campaign(engine: Engine, campaign_id: int, now: datetime) -> int:
    with session_scope(engine) as db:
        campaign = db.get(Campaign, campaign_id)
        if not _enrolment_open(campaign, now):
            return 0
        spec = db.get(Segment, campaign.segment_id).spec
        entered = sum(_enrol_chunk(engine, campaign_id, page, now)
                      for page in member_batches(db, spec, now, CHUNK))
    with session_scope(engine) as db:
        campaign = db.get(Campaign, campaign_id)
        if campaign.kind == "one_off":
            campaign.settings = {**(campaign.settings or {}), "enrolled_at": now.isoformat()}
        if entered:
            audit.record(db, "scheduler", "campaign.enrolled", f"campaign:{campaign_id}",
                         {"entered": entered}, at=now)
    return entered


def _enrolment_open(campaign: Campaign | None, now: datetime) -> bool:
    if campaign is None or campaign.status != "active" or campaign.segment_id is None:
        return False
    if campaign.kind != "one_off":
        return True
    starts = campaign.send_at or campaign.activated_at or now
    return starts <= now and not (campaign.settings or {}).get("enrolled_at")


def _enrol_chunk(engine: Engine, campaign_id: int, contact_ids: list[int], now: datetime) -> int:
    with session_scope(engine) as db:
        lock_for_writing(db)
        campaign = db.get(Campaign, campaign_id)
        latest = _latest_enrolments(db, campaign_id, contact_ids)
        converted = set(db.scalars(select(Contact.id).where(
            Contact.id.in_(contact_ids), recently_converted(campaign, now))))
        triggers = _trigger_times(db, campaign, contact_ids, now)
        rows = [row for contact_id in contact_ids
                if (row := _entry(campaign, contact_id, latest.get(contact_id), now, contact_id in converted))]
        for row in rows:
            row["triggered_at"] = triggers.get(row["contact_id"])
        if rows:
            statement = insert_ignoring_duplicates(db, Enrolment.__table__, ("campaign_id", "contact_id", "round"))
            return len(db.execute(statement.returning(Enrolment.id), rows).all())
    return 0


def _trigger_times(db: Session, campaign: Campaign, contact_ids: list[int], now: datetime) -> dict[int, datetime]:
    """Each member's latest event of the kinds their segment names (the checkout, the view, the
    last order): what made them eligible, and what "day 1" counts from."""
    names = event_names(SegmentSpec.model_validate(db.get(Segment, campaign.segment_id).spec))
    if not names:
        return {}
    return dict(db.execute(
        select(Event.contact_id, func.max(Event.occurred_at))
        .where(Event.contact_id.in_(contact_ids), Event.name.in_(sorted(names)), Event.occurred_at <= now)
        .group_by(Event.contact_id)).all())


def _latest_enrolments(db: Session, campaign_id: int, contact_ids: list[int]) -> dict[int, Enrolment]:
    rows = db.scalars(select(Enrolment).where(
        Enrolment.campaign_id == campaign_id, Enrolment.contact_id.in_(contact_ids)))
    latest: dict[int, Enrolment] = {}
    for row in rows:
        if row.contact_id not in latest or row.round > latest[row.contact_id].round:
            latest[row.contact_id] = row
    return latest


def _entry(campaign: Campaign, contact_id: int, last: Enrolment | None, now: datetime,
           converted: bool = False) -> dict | None:
    """The enrolment row to insert for this member, or None when they may not (re-)enter now.

    A member who converted in the last day enters already exited, so the reason is on file.
    """
    if last is not None:
        cooldown = timedelta(days=campaign.reentry_cooldown_days)
        if campaign.kind == "one_off" or last.status == "active" or last.entered_at + cooldown > now:
            return None
    held_out = in_holdout(campaign.id, contact_id, float(campaign.holdout_percent or 0))
    row = {"campaign_id": campaign.id, "contact_id": contact_id,
           "round": (last.round + 1) if last else 1, "entered_at": now,
           "status": "held_out" if held_out else "active", "holdout": held_out,
           "exited_at": None, "exit_reason": None}
    if converted and not held_out:
        row.update(status="exited", exited_at=now,
                   exit_reason=f"already converted: {campaign.exit_event} in the 24 hours before entry")
    return row


def materialise(engine: Engine, clock: Clock) -> int:
    """Create the outbox message for every step now due for an active enrolment."""
    now = clock.now()
    with session_scope(engine) as db:
        steps = list(db.scalars(
            select(CampaignStep).join(Campaign, Campaign.id == CampaignStep.campaign_id)
            .where(Campaign.status == "active").order_by(CampaignStep.campaign_id, CampaignStep.position)))
    return sum(_materialise_step(engine, step, now) for step in steps)


def _materialise_step(engine: Engine, step: CampaignStep, now: datetime) -> int:
    cutoff = now - timedelta(minutes=step.delay_minutes)
    created, after = 0, 0
    with session_scope(engine) as db:
        first = first_delay(steps_of(db, db.get(Campaign, step.campaign_id)))
    while True:
        with session_scope(engine) as db:
            lock_for_writing(db)
            due = list(db.execute(_due_enrolments(step, cutoff, first, after)))
            if not due:
                return created
            rows = [_message_row(step, enrolment, first, now) for enrolment in due]
            statement = insert_ignoring_duplicates(
                db, Message.__table__, ("campaign_id", "step_id", "contact_id", "round"))
            created += len(db.execute(statement.returning(Message.id), rows).all())
            after = due[-1].id


def _due_enrolments(step: CampaignStep, cutoff: datetime, first: int, after: int):
    """Active enrolments whose step anchor (tools.campaigns.timing.step_anchor) is at or before `cutoff`."""
    has_message = select(Message.id).where(Message.enrolment_id == Enrolment.id,
                                           Message.step_id == step.id).exists()
    return (select(Enrolment.id, Enrolment.contact_id, Enrolment.round, Enrolment.entered_at,
                   Enrolment.triggered_at)
            .where(Enrolment.campaign_id == step.campaign_id, Enrolment.status == "active",
                   or_(and_(Enrolment.triggered_at.is_(None), Enrolment.entered_at <= cutoff),
                       and_(Enrolment.triggered_at <= cutoff,
                            Enrolment.entered_at <= cutoff + timedelta(minutes=first))),
                   Enrolment.id > after, ~has_message)
            .order_by(Enrolment.id).limit(CHUNK))


def _message_row(step: CampaignStep, enrolment, first: int, now: datetime) -> dict:
    due = step_anchor(enrolment.entered_at, enrolment.triggered_at, first) + timedelta(minutes=step.delay_minutes)
    deadline = due + timedelta(minutes=step.deadline_minutes) if step.deadline_minutes else None
    return {"campaign_id": step.campaign_id, "step_id": step.id, "contact_id": enrolment.contact_id,
            "enrolment_id": enrolment.id, "round": enrolment.round, "draft_id": step.draft_id,
            "channel": step.channel, "status": "pending", "due_at": due, "deadline_at": deadline,
            "attempts": 0, "created_at": now, "updated_at": now}


def finish_one_offs(engine: Engine, clock: Clock) -> int:
    """A one-off campaign whose audience has entered and whose messages are all final finishes."""
    now = clock.now()
    with session_scope(engine) as db:
        done = 0
        for campaign in db.scalars(select(Campaign).where(Campaign.status == "active",
                                                          Campaign.kind == "one_off")):
            if (campaign.settings or {}).get("enrolled_at") and not _open_messages(db, campaign.id):
                campaign.status = "finished"
                audit.record(db, "scheduler", "campaign.finished", f"campaign:{campaign.id}", {}, at=now)
                done += 1
        return done


def _open_messages(db: Session, campaign_id: int) -> int:
    active = select(func.count()).select_from(Enrolment).where(
        Enrolment.campaign_id == campaign_id, Enrolment.status == "active")
    open_messages = select(func.count()).select_from(Message).where(
        Message.campaign_id == campaign_id, Message.status.in_(OPEN))
    return (db.scalar(open_messages) or 0) + (db.scalar(active) or 0)


def dispatch(engine: Engine, settings: Settings, clock: Clock, sender, notify=None) -> Stats:
    """Turn due steps into outbox messages, then decide and deliver everything due; `notify`
    posts to Slack when a refused message pauses a campaign."""
    created = materialise(engine, clock)
    stats = OutboxWorker(engine, settings, clock, sender, notify=notify).run_once()
    if created:
        stats.add("queued", created)
    finish_one_offs(engine, clock)
    return stats

"""The shared database's tables, as SQLAlchemy 2 declarative models.

This is the one description of Nudge's data (DESIGN.md, "The data"); Alembic revisions in
`migrations/` create and change the real schema, and a test checks the two agree. Times are
stored as naive UTC and always come back as aware UTC (`UTCDateTime`, with the other column
types in `tools.core.columns`), so SQLite and PostgreSQL behave the same. Status and reason columns are short strings so a marketer asking "why" gets a
readable answer straight from the row.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tools.core.columns import Base, BigId, Json, UTCDateTime, utcnow


class Contact(Base):
    """A person the shop knows, keyed by the shop's own `user_id`, with their consent record."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(100))
    email_consent: Mapped[str] = mapped_column(String(16), default="none")
    consent_source: Mapped[str | None] = mapped_column(String(200))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ad_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_sell: Mapped[bool] = mapped_column(Boolean, default=False)
    traits: Mapped[dict] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The order rollup: database triggers recount these from "Order Completed" events on every
    # write (migration 0007), so Python never sets them and they never drift from the events.
    order_count: Mapped[int] = mapped_column(Integer, server_default="0")
    lifetime_spend: Mapped[float] = mapped_column(Float, server_default="0")
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Event(Base):
    """One Segment-spec `track` call: what a contact (or an anonymous visitor) did and when."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    contact_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contacts.id", ondelete="CASCADE")
    )
    anonymous_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    properties: Mapped[dict] = mapped_column(Json, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_events_name_occurred_contact", "name", "occurred_at", "contact_id"),
        Index("ix_events_contact_name_occurred", "contact_id", "name", "occurred_at"),
    )


class Product(Base):
    """An item from the shop's catalogue, used to personalise drafts."""

    __tablename__ = "products"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    category: Mapped[str | None] = mapped_column(String(100))
    image_url: Mapped[str | None] = mapped_column(String(1000))
    url: Mapped[str | None] = mapped_column(String(1000))


class Segment(Base):
    """A saved audience spec; re-saving under the same name adds a version, old ones are kept."""

    __tablename__ = "segments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    spec: Mapped[dict] = mapped_column(Json)
    description: Mapped[str | None] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("name", "version"),)


class Campaign(Base):
    """A one-off send or a sequence of steps, from draft through approval to finished."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="sequence")
    status: Mapped[str] = mapped_column(String(24), default="draft")
    segment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("segments.id"))
    # no ORM default: SQLAlchemy would put it in place of an explicit None (a one-off, a post-purchase flow)
    exit_event: Mapped[str | None] = mapped_column(String(200))
    reentry_cooldown_days: Mapped[int] = mapped_column(Integer, default=30)
    holdout_percent: Mapped[float] = mapped_column(Numeric(5, 2), default=0)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settings: Mapped[dict] = mapped_column(Json, default=dict)
    thread: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CampaignStep(Base):
    """One message of a campaign: when (delay after entry), on which channel, with which draft."""

    __tablename__ = "campaign_steps"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaigns.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(16), default="email")
    purpose: Mapped[str | None] = mapped_column(String(40))
    draft_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("drafts.id"))
    deadline_minutes: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("campaign_id", "position"),)


class Draft(Base):
    """One version of a message's copy; editing makes a new row pointing at its predecessor."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    previous_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("drafts.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[str] = mapped_column(String(16), default="email")
    purpose: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(500))
    subject_b: Mapped[str | None] = mapped_column(String(500))
    preheader: Mapped[str | None] = mapped_column(String(500))
    html: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    content: Mapped[dict] = mapped_column(Json, default=dict)
    params: Mapped[dict] = mapped_column(Json, default=dict)
    writer: Mapped[str] = mapped_column(String(16), default="template")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Approval(Base):
    """A decision on a draft version by a person; one per draft, so a double click counts once."""

    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(BigId, ForeignKey("drafts.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("draft_id"),)


class Enrolment(Base):
    """A contact's pass through a sequence; `round` counts re-entries after the cooldown."""

    __tablename__ = "enrolments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaigns.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(BigId, ForeignKey("contacts.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the behaviour that made them eligible happened (their latest event of the segment's
    # kinds); steps count from it (tools.campaigns.timing.step_due). NULL: counted from entry.
    triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="active")
    holdout: Mapped[bool] = mapped_column(Boolean, default=False)
    exit_reason: Mapped[str | None] = mapped_column(Text)
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id", "round"),
        Index("ix_enrolments_status_campaign", "status", "campaign_id"),
    )


class Message(Base):
    """The outbox: one row per contact, step and round, with its outcome and the reason for it."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaigns.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaign_steps.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(BigId, ForeignKey("contacts.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("enrolments.id", ondelete="CASCADE")
    )
    round: Mapped[int] = mapped_column(Integer, default=1)
    draft_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("drafts.id"))
    channel: Mapped[str] = mapped_column(String(16), default="email")
    variant: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)  # a vocabulary code or a rule's words
    deferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was last put off; 0012
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_message_id: Mapped[str | None] = mapped_column(String(300))
    # Every URL the sent email carried (its click redirects may lead only there); 0008.
    links: Mapped[list | None] = mapped_column(Json)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("campaign_id", "step_id", "contact_id", "round"),
        Index("ix_messages_status_due", "status", "due_at"),
        Index("ix_messages_contact_sent", "contact_id", "sent_at"),
        Index("ix_messages_enrolment_step", "enrolment_id", "step_id"),
        Index("ix_messages_sent_campaign", "sent_at", "campaign_id"),
    )


class DiscountCode(Base):
    """One single-use code the shop created, in a campaign step's pool; handed to one message.

    `claimed_at` marks a code as given away for good: it stays set even when the message row
    is later deleted (an erasure), so a code that reached someone is never handed out again.
    """

    __tablename__ = "discount_codes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    step_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaign_steps.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str | None] = mapped_column(String(200))
    imported_by: Mapped[str | None] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL"), unique=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_discount_codes_step_claimed", "step_id", "claimed_at"),)


class MessageEvent(Base):
    """What happened to a sent message: open, click, unsubscribe, bounce, complaint."""

    __tablename__ = "message_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(2000))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_message_events_message_kind", "message_id", "kind"),
        Index("ix_message_events_occurred_kind", "occurred_at", "kind", "message_id"),
    )


class Conversion(Base):
    """An order attributed (or not) to a message, written once per order event."""

    __tablename__ = "conversions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(BigId, ForeignKey("contacts.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("campaigns.id"))
    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id"))
    revenue: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("event_id"),
        Index("ix_conversions_occurred_campaign", "occurred_at", "campaign_id"),
    )


class Suppression(Base):
    """An address that must never be emailed, kept only as a keyed hash so erasure is possible."""

    __tablename__ = "suppressions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    email_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("email_hash", "reason"),)


class Rule(Base):
    """A team rule (frequency cap, quiet hours, sender identity), changed with `set_rule`."""

    __tablename__ = "rules"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(Json)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """Append-only: who asked for, approved, changed, sent or erased what, and from where."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(Json, default=dict)
    thread: Mapped[str | None] = mapped_column(String(200))


class Proposal(Base):
    """An irreversible action proposed to a person and waiting for their Confirm or Cancel.

    `calls` are the registry calls to run on confirmation, in order; only `actor` may decide,
    before `expires_at`, and `decided_at` is set once (a double click confirms once).
    """

    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(100))
    surface: Mapped[str] = mapped_column(String(40))
    thread: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    calls: Mapped[list] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(20))


class ConversationTurn(Base):
    """One turn of a Slack thread or console conversation, so a restart loses nothing."""

    __tablename__ = "conversation_turns"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    thread: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExportRecord(Base):
    """A file Nudge wrote for an ad platform, so an erasure can say what to withdraw."""

    __tablename__ = "exports"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str | None] = mapped_column(String(32))
    segment_name: Mapped[str | None] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(1000))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(Base):
    """A key already handled (an ingest messageId, a Slack event_id, a button click)."""

    __tablename__ = "idempotency_keys"
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Lease(Base):
    """A named lease (the scheduler's leadership, a job's daily run) held until it expires."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KeyValue(Base):
    """Small pieces of state Nudge keeps for itself (the generated secret, last digest date)."""

    __tablename__ = "app_state"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

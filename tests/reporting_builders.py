"""Rows for reporting tests, written straight to the database (no scheduler involved).

Reporting reads the outbox, tracking events, enrolments and orders; these helpers make exactly
the rows a test describes, so each expected number can be worked out by hand.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from tools.core.models import (
    Campaign,
    CampaignStep,
    Contact,
    Draft,
    Enrolment,
    Event,
    Message,
    MessageEvent,
)

UTC = timezone.utc


def at(day: int, hour: int = 12, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


class World:
    """A tiny shop: contacts, campaigns with steps, messages, tracking events and orders."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self._numbers = itertools.count(1)

    def contact(self) -> Contact:
        n = next(self._numbers)
        contact = Contact(user_id=f"u{n}", email=f"c{n}@shop.example", email_consent="opted_in")
        self.db.add(contact)
        self.db.flush()
        return contact

    def contacts(self, count: int) -> list[Contact]:
        people = [Contact(user_id=f"u{next(self._numbers)}") for _ in range(count)]
        self.db.add_all(people)
        self.db.flush()
        return people

    def campaign(self, name: str, steps: int = 1, *, holdout: float = 0, status: str = "active",
                 activated_at: datetime | None = None, kind: str = "sequence", subject_b: str | None = None,
                 delay_days: int = 1, send_at: datetime | None = None) -> tuple[Campaign, list[CampaignStep]]:
        campaign = Campaign(name=name, status=status, holdout_percent=holdout, kind=kind,
                            activated_at=activated_at or at(1), send_at=send_at)
        self.db.add(campaign)
        self.db.flush()
        made = []
        for position in range(1, steps + 1):
            draft = Draft(purpose="reminder", subject=f"{name} step {position}", subject_b=subject_b)
            self.db.add(draft)
            self.db.flush()
            step = CampaignStep(campaign_id=campaign.id, position=position, draft_id=draft.id,
                                delay_minutes=position * delay_days * 1440)
            self.db.add(step)
            made.append(step)
        self.db.flush()
        return campaign, made

    def message(self, step: CampaignStep, contact: Contact, sent_at: datetime | None = None, *,
                status: str = "sent", reason: str | None = None, variant: str | None = None,
                due_at: datetime | None = None, round: int = 1) -> Message:
        message = Message(campaign_id=step.campaign_id, step_id=step.id, contact_id=contact.id,
                          status=status, reason=reason, variant=variant, round=round,
                          due_at=due_at or sent_at, sent_at=sent_at if status == "sent" else None)
        self.db.add(message)
        self.db.flush()
        return message

    def messages(self, step: CampaignStep, people: list[Contact], sent_at: datetime,
                 round: int = 1, variant: str | None = None) -> list[Message]:
        made = [Message(campaign_id=step.campaign_id, step_id=step.id, contact_id=person.id, round=round,
                        variant=variant, status="sent", due_at=sent_at, sent_at=sent_at) for person in people]
        self.db.add_all(made)
        self.db.flush()
        return made

    def track(self, message: Message, kind: str, when: datetime) -> MessageEvent:
        event = MessageEvent(message_id=message.id, kind=kind, occurred_at=when)
        self.db.add(event)
        self.db.flush()
        return event

    def track_all(self, messages: list[Message], kind: str, when: datetime) -> None:
        self.db.add_all(MessageEvent(message_id=m.id, kind=kind, occurred_at=when) for m in messages)
        self.db.flush()

    def order(self, contact: Contact | None, when: datetime, total: float | str | None = 50,
              **properties) -> Event:
        if total is not None:
            properties["total"] = total
        event = Event(contact_id=contact.id if contact else None, name="Order Completed",
                      properties=properties, occurred_at=when, anonymous_id=None if contact else "anon")
        self.db.add(event)
        self.db.flush()
        return event

    def enrol(self, campaign: Campaign, contact: Contact, entered_at: datetime, holdout: bool) -> Enrolment:
        enrolment = Enrolment(campaign_id=campaign.id, contact_id=contact.id, entered_at=entered_at,
                              holdout=holdout)
        self.db.add(enrolment)
        return enrolment


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def days(n: float) -> timedelta:
    return timedelta(days=n)

"""Builders for the privacy tests: a person with the whole trail Nudge can hold about them.

One call stores a contact, their browsing (signed-in and anonymous), a cart sequence they were
enrolled in with a sent message (opened), a pending one and an attributed order, so erasure,
access and retention tests can check every table the person touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from tools.core.identity import email_hash, email_salt
from tools.core.models import (
    Campaign,
    CampaignStep,
    Contact,
    Conversion,
    Draft,
    Enrolment,
    Event,
    Message,
    MessageEvent,
)


@dataclass
class Person:
    contact_id: int
    campaign_id: int
    sent_id: int
    pending_id: int
    order_event_id: int
    email: str
    user_id: str


def campaign_with_draft(
    db: Session, name: str, now: datetime
) -> tuple[Campaign, list[CampaignStep]]:
    campaign = Campaign(name=name, status="active", created_at=now, updated_at=now)
    db.add(campaign)
    db.flush()
    steps = []
    for position in (1, 2):
        draft = Draft(purpose="reminder", subject=f"Step {position}", created_at=now)
        db.add(draft)
        db.flush()
        step = CampaignStep(campaign_id=campaign.id, position=position, draft_id=draft.id,
                            delay_minutes=position * 1440)
        db.add(step)
        steps.append(step)
    db.flush()
    return campaign, steps


def add_person(
    db: Session, now: datetime, email: str = "alice@example.com", user_id: str = "u1",
    first_name: str = "Alice", campaign_name: str = "Abandoned cart",
) -> Person:
    created = now - timedelta(days=30)
    contact = Contact(
        user_id=user_id, email=email, email_hash=email_hash(email_salt(db), email),
        first_name=first_name, last_name="Liddell", timezone="Europe/London", country="GB",
        region="London", email_consent="opt_in", consent_source="checkout", consent_at=created,
        ad_consent=True, traits={"plan": "gold", "phone": "+44 20 7946 0000"},
        created_at=created, updated_at=created,
    )
    db.add(contact)
    db.flush()
    anonymous = f"anon-{user_id}"
    for days, name in ((20, "Product Viewed"), (10, "Product Added")):
        db.add(Event(contact_id=contact.id, anonymous_id=anonymous, name=name,
                     properties={"product_id": "p1", "name": "Teapot"},
                     occurred_at=now - timedelta(days=days), received_at=now))
    db.add(Event(contact_id=None, anonymous_id=anonymous, name="Product Viewed",
                 properties={"product_id": "p2"}, occurred_at=now - timedelta(days=25),
                 received_at=now))
    campaign, steps = campaign_with_draft(db, campaign_name, now)
    enrolment = Enrolment(campaign_id=campaign.id, contact_id=contact.id,
                          entered_at=now - timedelta(days=3))
    db.add(enrolment)
    db.flush()
    sent = Message(campaign_id=campaign.id, step_id=steps[0].id, contact_id=contact.id,
                   enrolment_id=enrolment.id, status="sent", due_at=now - timedelta(days=2),
                   sent_at=now - timedelta(days=2), email_message_id=f"<m1.{user_id}@shop.example>",
                   error=f"451 temporary failure for {email}", created_at=now - timedelta(days=2))
    pending = Message(campaign_id=campaign.id, step_id=steps[1].id, contact_id=contact.id,
                      enrolment_id=enrolment.id, status="pending", due_at=now + timedelta(days=1),
                      created_at=now)
    db.add_all([sent, pending])
    db.flush()
    db.add(MessageEvent(message_id=sent.id, kind="open", occurred_at=now - timedelta(days=1)))
    order = Event(contact_id=contact.id, anonymous_id=anonymous, message_id=f"order-{user_id}",
                  name="Order Completed", properties={"total": 42.5, "address": "1 Rabbit Hole"},
                  occurred_at=now - timedelta(hours=5), received_at=now)
    db.add(order)
    db.flush()
    db.add(Conversion(event_id=order.id, contact_id=contact.id, campaign_id=campaign.id,
                      message_id=sent.id, revenue=Decimal("42.50"), occurred_at=order.occurred_at))
    db.commit()
    return Person(contact.id, campaign.id, sent.id, pending.id, order.id, email, user_id)

"""Access requests (`export_contact`): everything held about a person, as JSON."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.privacy_data import add_person
from tools import registry
from tools.core.clock import ManualClock
from tools.core.context import ToolContext, ToolError
from tools.core.identity import email_hash, email_salt
from tools.core.models import AuditEntry, Suppression

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def ctx(db, settings) -> ToolContext:
    return ToolContext(db=db, settings=settings, actor="UAPPROVER", clock=ManualClock(NOW), confirmed=True)


def test_export_holds_profile_events_messages_orders_and_suppressions(ctx, db):
    alice = add_person(db, NOW)
    add_person(db, NOW, email="bob@example.com", user_id="u2", first_name="Bob")
    db.add(Suppression(email_hash=email_hash(email_salt(db), "alice@example.com"),
                       reason="unsubscribed", source="one-click", created_at=NOW))
    db.commit()

    result = registry.call(ctx, "export_contact", {"contact": "alice@example.com"})

    data = json.loads(json.dumps(result.data))
    [record] = data["contacts"]
    assert record["profile"]["email"] == "alice@example.com"
    assert record["profile"]["consent_source"] == "checkout"
    assert record["profile"]["traits"]["phone"] == "+44 20 7946 0000"
    assert [event["name"] for event in record["events"]] == [
        "Product Viewed", "Product Added", "Order Completed"]
    assert [m["status"] for m in record["messages"]] == ["sent", "pending"]
    assert record["messages"][0]["campaign"] == "Abandoned cart"
    assert [e["kind"] for e in record["messages"][0]["events"]] == ["open"]
    assert record["enrolments"][0]["campaign"] == "Abandoned cart"
    assert record["conversions"][0]["revenue"] == "42.50"
    assert [s["reason"] for s in data["suppressions"]] == ["unsubscribed"]
    assert "bob" not in json.dumps(data).lower(), "nobody else's data is in the export"
    assert record["profile"]["id"] == alice.contact_id


def test_export_by_user_id_is_audited_without_personal_data(ctx, db):
    add_person(db, NOW)

    result = registry.call(ctx, "export_contact", {"contact": "u1"})
    db.commit()

    assert result.data["contacts"][0]["profile"]["user_id"] == "u1"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "export_contact"))
    assert entry.actor == "UAPPROVER" and "alice" not in json.dumps(entry.details)


def test_export_of_an_unknown_address_says_nothing_is_held(ctx, db):
    result = registry.call(ctx, "export_contact", {"contact": "nobody@example.com"})

    assert result.data["contacts"] == [] and "0 contact record" in result.summary


@pytest.mark.parametrize("arguments, complaint", [
    ({"contact": "ghost"}, "no contact with user id 'ghost'"),
    ({"contact": "a@"}, "not a valid email address"),
    ({"email": "alice@example.com"}, "contact: Field required"),
    ({"contact": "x" * 400}, "at most 320 characters"),
])
def test_bad_export_requests_name_the_problem(ctx, arguments, complaint):
    with pytest.raises(ToolError, match=complaint):
        registry.call(ctx, "export_contact", arguments)

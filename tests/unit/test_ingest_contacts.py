"""Upserting contacts: identify semantics, consent time, and erased addresses staying unsubscribed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tools.core.identity import email_hash, email_salt
from tools.core.models import Contact, Suppression
from tools.ingest.contacts import contact_fields, upsert_contacts

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def upsert(db, *rows, at=NOW):
    summary = upsert_contacts(db, [contact_fields(user_id, traits) for user_id, traits in rows], email_salt(db), at)
    db.commit()
    return summary


def person(db, user_id: str) -> Contact:
    db.expire_all()
    return db.scalar(select(Contact).where(Contact.user_id == user_id))


def test_traits_present_overwrite_and_traits_absent_are_kept(db):
    upsert(db, ("u1", {"email": "A@Example.com", "first_name": "Ann", "plan": "gold"}))
    summary = upsert(db, ("u1", {"last_name": "Lee", "tier": 2}), ("u2", {"email": "b@example.com"}))

    ann = person(db, "u1")
    assert (ann.email, ann.first_name, ann.last_name) == ("a@example.com", "Ann", "Lee")
    assert ann.traits == {"plan": "gold", "tier": 2}
    assert ann.email_hash == email_hash(email_salt(db), "a@example.com")
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 0)
    assert set(summary.ids) == {"u1", "u2"}


def test_the_same_row_again_changes_nothing(db):
    upsert(db, ("u1", {"email": "a@example.com", "email_consent": "opt_in", "consent_source": "form"}))
    before = person(db, "u1").updated_at

    summary = upsert(db, ("u1", {"email": "a@example.com", "email_consent": "opt_in", "consent_source": "form"}),
                     at=NOW + timedelta(days=1))

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert person(db, "u1").updated_at == before


def test_consent_time_moves_only_when_consent_changes(db):
    upsert(db, ("u1", {"email_consent": "opt_in", "consent_source": "form"}))
    upsert(db, ("u1", {"first_name": "Ann", "email_consent": "opt_in"}), at=NOW + timedelta(days=1))
    assert person(db, "u1").consent_at == NOW

    upsert(db, ("u1", {"email_consent": "none"}), at=NOW + timedelta(days=2))
    assert person(db, "u1").consent_at == NOW + timedelta(days=2)


@pytest.mark.parametrize(
    "traits, consent",
    [
        ({"email_consent": "opt_in"}, "none"),
        ({"email_consent": "soft_opt_in", "consent_source": ""}, "none"),
        ({"email_consent": "opt_in", "consent_source": "double_opt_in_form"}, "opt_in"),
    ],
)
def test_an_erased_address_needs_fresh_consent_with_a_source(db, traits, consent):
    db.add(Suppression(email_hash=email_hash(email_salt(db), "gone@example.com"), reason="erased"))
    db.commit()

    upsert(db, ("u7", {"email": "Gone@Example.com", **traits}))

    assert person(db, "u7").email_consent == consent


@pytest.mark.parametrize(
    "traits, words",
    [
        ({"email": "nobody"}, "traits.email: 'nobody' is not an email address"),
        ({"email_consent": "yes"}, "not one of opt_in, soft_opt_in, none"),
        ({"timezone": "Mars/Olympus"}, "not an IANA time zone"),
        ({"country": "Germany"}, "not a two-letter country code"),
        ({"ad_consent": "perhaps"}, "traits.ad_consent"),
        ({"first_name": "x" * 201}, "traits.first_name"),
    ],
)
def test_bad_traits_are_refused_naming_the_trait(traits, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(".", r"\.")):
        contact_fields("u1", traits)

"""Who may be reached: the rules by example, and Python and SQL agreeing on the same contacts."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.unit.segments_support import NOW, add_contact, add_event, suppress
from tools.audience.policy import (
    check_contact,
    may_contact,
    reachable_clause,
    reason_expression,
)
from tools.core.models import Contact

COUNTRIES = ["DE", "GB", "CA", "US", "BR", "de", None]
CONSENTS = ["none", "opt_in", "soft_opt_in", "opt_out"]
SUPPRESSIONS = [None, "unsubscribed", "bounced", "complained", "erased", "spam_trap"]
PURCHASES = [None, 300, 1000]  # days ago


def verdict(contact, channel, settings, suppressed=(), purchased=False):
    return may_contact(contact, channel, suppressed=set(suppressed), settings=settings, now=NOW,
                       purchased_within_2y=purchased)


@pytest.mark.parametrize(
    "fields, suppressed, purchased, email_reason, ads_reason",
    [
        ({"country": "DE"}, (), False, "no_consent", "no_ad_consent"),
        ({"country": "DE", "email_consent": "soft_opt_in", "ad_consent": True}, (), False, None, None),
        ({"country": "GB", "email_consent": "opt_in"}, (), False, None, "no_ad_consent"),
        ({"country": "US"}, (), False, None, None),
        ({"country": "US", "email_consent": "opt_out"}, (), False, "unsubscribed", None),
        ({"country": "US", "do_not_sell": True}, (), False, None, "do_not_sell"),
        ({"country": "CA"}, (), True, None, None),
        ({"country": "CA"}, (), False, "no_consent", None),
        ({"country": None}, (), False, "no_consent", "no_ad_consent"),
        ({"country": "US", "email": None}, (), False, "no_email", "no_email"),
        ({"country": "US", "email_consent": "opt_in"}, ("bounced",), False, "bounced", "bounced"),
        ({"country": "US"}, ("unsubscribed", "complained"), False, "complained", "complained"),
        ({"country": "US"}, ("erased", "bounced"), False, "erased", "erased"),
        ({"country": "US"}, ("manual",), False, "unsubscribed", "unsubscribed"),
    ],
)
def test_rules_by_example(settings, fields, suppressed, purchased, email_reason, ads_reason):
    values = dict(email="a@example.com", email_consent="none", ad_consent=False, do_not_sell=False)
    contact = Contact(id=1, user_id="u1", **(values | fields))
    assert verdict(contact, "email", settings, suppressed, purchased).reason == email_reason
    assert verdict(contact, "email", settings, suppressed, purchased).allowed == (email_reason is None)
    assert verdict(contact, "ads", settings, suppressed, purchased).reason == ads_reason


def test_opt_in_everywhere_setting_requires_consent_in_the_us(settings):
    strict = settings.model_copy(update={"optin_everywhere": True})
    us = Contact(id=1, user_id="u1", email="a@example.com", country="US", email_consent="none",
                 ad_consent=False, do_not_sell=False)
    assert verdict(us, "email", settings).allowed
    assert verdict(us, "email", strict).reason == "no_consent"
    assert verdict(us, "ads", strict).allowed


def test_unknown_channel_is_refused(settings):
    contact = Contact(id=1, user_id="u1", email="a@example.com", country="US", email_consent="none")
    with pytest.raises(ValueError, match="unknown channel 'sms'; known channels: email, ads"):
        verdict(contact, "sms", settings)


def _population(db):
    """One contact per combination of country, consent, suppression and purchase age."""
    cases = []
    combos = itertools.product(COUNTRIES, CONSENTS, SUPPRESSIONS, PURCHASES)
    for number, (country, consent, suppression, bought) in enumerate(combos, start=1):
        contact = add_contact(
            db, number, country=country, email_consent=consent, ad_consent=number % 3 == 0,
            do_not_sell=number % 7 == 0, email=None if number % 11 == 0 else f"p{number}@example.com",
        )
        if suppression and contact.email:
            suppress(db, contact, suppression)
        if bought:
            add_event(db, contact, "Order Completed", 24 * bought, total=10)
        cases.append((contact, {suppression} - {None} if contact.email else set(), bought == 300))
    tombstone = add_contact(db, 9999, email=None, country=None)
    tombstone.user_id = f"erased-{tombstone.id}"
    db.flush()
    return cases + [(tombstone, set(), False)]


@pytest.mark.parametrize("optin_everywhere", [False, True])
def test_python_and_sql_agree_on_every_contact(db, settings, optin_everywhere):
    settings = settings.model_copy(update={"optin_everywhere": optin_everywhere})
    cases = _population(db)
    for channel in ("email", "ads"):
        query = select(Contact.id, reason_expression(channel, settings, NOW))
        in_sql = dict(db.execute(query).all())
        reachable = set(db.scalars(select(Contact.id).where(reachable_clause(channel, settings, NOW))))
        for contact, suppressed, purchased in cases:
            expected = verdict(contact, channel, settings, suppressed, purchased)
            assert in_sql[contact.id] == expected.reason, (channel, contact.country, contact.email_consent, suppressed)
            assert (contact.id in reachable) == expected.allowed
        for contact, _, _ in cases[::9]:
            assert check_contact(db, contact, channel, settings, NOW).reason == in_sql[contact.id]
    reasons = set(dict(db.execute(select(Contact.id, reason_expression("email", settings, NOW))).all()).values())
    assert {"erased", "complained", "bounced", "unsubscribed", "no_email", "no_consent", None} <= reasons


def test_implied_consent_lapses_after_two_years(db, settings):
    canadian = add_contact(db, 1, country="CA")
    add_event(db, canadian, "Order Completed", 24 * 700, total=20)
    assert check_contact(db, canadian, "email", settings, NOW).allowed
    later = NOW + timedelta(days=40)
    assert check_contact(db, canadian, "email", settings, later).reason == "no_consent"

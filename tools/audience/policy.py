"""Who Nudge may reach, per contact and channel, and why not: one rule set, in Python and in SQL.

Email: a suppressed address (erased, complained, bounced, unsubscribed) or an opted-out contact
is never emailed. The EU/EEA, the UK and Canada need consent: `opt_in` or `soft_opt_in` (the
ePrivacy/PECR soft opt-in, recorded as such), and in Canada a purchase in the last two years is
CASL implied consent. Elsewhere the CAN-SPAM opt-out model applies: allowed unless opted out.
`NUDGE_OPTIN_EVERYWHERE` requires consent everywhere. A contact with no country is treated as
needing consent, because guessing the lenient rule would be the unsafe mistake.

Ads (customer-list uploads): never a suppressed or `do_not_sell` contact (CCPA/CPRA "sharing"
for cross-context behavioural advertising); the EU/EEA and UK (or unknown country) need
`ad_consent`. The opt-in-everywhere setting is about email and does not change ads.

`may_contact` decides in Python at send time; `reason_expression` states the same rules as one
SQL CASE over contacts for counts and exports. A test checks both agree on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, and_, case, cast, exists, literal, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from tools.audience.rollup import ordered_since
from tools.core.models import Contact, Suppression
from tools.core.settings import Settings

EU_EEA = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)
UK = frozenset({"GB", "UK"})
EMAIL_CONSENT_COUNTRIES = EU_EEA | UK | {"CA"}
AD_CONSENT_COUNTRIES = EU_EEA | UK
CONSENTED = ("opt_in", "soft_opt_in")
CHANNELS = ("email", "ads")
IMPLIED_CONSENT_PERIOD = timedelta(days=730)
# A suppression with any other reason still suppresses; it is reported as "unsubscribed".
SEVERE_SUPPRESSIONS = ("erased", "complained", "bounced")
REASONS = ("erased", "complained", "bounced", "unsubscribed", "no_email", "no_consent",
           "do_not_sell", "no_ad_consent")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str | None = None


ALLOWED = Verdict(True)


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel '{channel}'; known channels: {', '.join(CHANNELS)}")


def _either_case(codes: frozenset[str]) -> frozenset[str]:
    # Codes are stored upper-case (the contacts module normalises them); accepting lower case
    # too keeps a stray "de" strict without an upper() call on every row of a million.
    return codes | {code.lower() for code in codes}


def _in(contact: Contact, codes: frozenset[str]) -> bool:
    return (contact.country or "") in _either_case(codes)


CANADA = frozenset({"CA"})


def _suppression_reason(contact: Contact, suppressed: set[str], email_opt_out: bool) -> str | None:
    if "erased" in suppressed or is_tombstone(contact):
        return "erased"
    for reason in SEVERE_SUPPRESSIONS[1:]:
        if reason in suppressed:
            return reason
    if suppressed or email_opt_out:
        return "unsubscribed"
    return None


def is_tombstone(contact: Contact) -> bool:
    """An erased person's placeholder row (see tools.privacy.rights): no address, user id 'erased-<id>'."""
    return not contact.email and contact.user_id == f"erased-{contact.id}"


def may_contact(
    contact: Contact,
    channel: str,
    *,
    suppressed: set[str],
    settings: Settings,
    now: datetime,
    purchased_within_2y: bool,
) -> Verdict:
    """May Nudge reach `contact` on `channel`? `suppressed` holds the suppression reasons on
    file for the contact's address (empty when none); `now` is the moment of the decision."""
    _check_channel(channel)
    opted_out = channel == "email" and contact.email_consent == "opt_out"
    reason = _suppression_reason(contact, suppressed, opted_out)
    if reason is None and not contact.email:
        reason = "no_email"
    if reason is None:
        reason = (_email_consent_reason if channel == "email" else _ad_reason)(
            contact, settings, purchased_within_2y
        )
    return ALLOWED if reason is None else Verdict(False, reason)


def _email_consent_reason(contact: Contact, settings: Settings, purchased: bool) -> str | None:
    if contact.email_consent in CONSENTED or (_in(contact, CANADA) and purchased):
        return None
    if settings.optin_everywhere or not contact.country or _in(contact, EMAIL_CONSENT_COUNTRIES):
        return "no_consent"
    return None


def _ad_reason(contact: Contact, settings: Settings, purchased: bool) -> str | None:
    if contact.do_not_sell:
        return "do_not_sell"
    if not contact.ad_consent and (not contact.country or _in(contact, AD_CONSENT_COUNTRIES)):
        return "no_ad_consent"
    return None


def suppression_reasons(db: Session, contact: Contact) -> set[str]:
    """The suppression reasons on file for the contact's address."""
    if not contact.email_hash:
        return set()
    query = select(Suppression.reason).where(Suppression.email_hash == contact.email_hash)
    return set(db.scalars(query))


def purchased_since(db: Session, contact_id: int, since: datetime) -> bool:
    """Did the contact order at `since` or later? Read from the row, not the session's copy of
    it: the order rollup (migration 0007) changes when events are written, behind the ORM."""
    last_order = db.scalar(select(Contact.last_order_at).where(Contact.id == contact_id))
    return last_order is not None and last_order >= since


def check_contact(db: Session, contact: Contact, channel: str, settings: Settings, now: datetime) -> Verdict:
    """`may_contact`, loading the contact's suppressions and recent purchases itself."""
    purchased = _in(contact, CANADA) and purchased_since(
        db, contact.id, now - IMPLIED_CONSENT_PERIOD
    )
    return may_contact(
        contact, channel, suppressed=suppression_reasons(db, contact), settings=settings,
        now=now, purchased_within_2y=purchased,
    )


def _suppressed(reason: str | None = None) -> ColumnElement[bool]:
    query = exists().where(Suppression.email_hash == Contact.email_hash)
    return query.where(Suppression.reason == reason) if reason else query


def _no_country() -> ColumnElement[bool]:
    return or_(Contact.country.is_(None), Contact.country == "")


def _in_countries(countries: frozenset[str]) -> ColumnElement[bool]:
    return and_(Contact.country.is_not(None), Contact.country.in_(sorted(_either_case(countries))))


def _purchased_sql(now: datetime) -> ColumnElement[bool]:
    # A column of the row, not a probe of events: under the OR of the consent rules a subquery
    # kept PostgreSQL from scanning contacts in parallel.
    return ordered_since(now - IMPLIED_CONSENT_PERIOD)


def _tombstone_sql() -> ColumnElement[bool]:
    return and_(_no_email(), Contact.user_id == literal("erased-", String) + cast(Contact.id, String))


def reason_expression(channel: str, settings: Settings, now: datetime) -> ColumnElement[str | None]:
    """The same decision as `may_contact`, as SQL over Contact: the reason, or NULL if allowed."""
    _check_channel(channel)
    # Most addresses are not suppressed: one probe settles that, the inner CASE names the reason.
    which = case(
        (_suppressed("erased"), "erased"),
        (_suppressed("complained"), "complained"),
        (_suppressed("bounced"), "bounced"),
        else_="unsubscribed",
    )
    whens = [(_tombstone_sql(), "erased"), (_suppressed(), which)]
    if channel == "email":
        whens.append((Contact.email_consent == "opt_out", "unsubscribed"))
    whens.append((_no_email(), "no_email"))
    whens += _email_whens(settings, now) if channel == "email" else _ad_whens()
    return case(*whens, else_=None)


def _no_email() -> ColumnElement[bool]:
    return or_(Contact.email.is_(None), Contact.email == "")


def _needs_email_consent(settings: Settings) -> ColumnElement[bool]:
    if settings.optin_everywhere:
        return true()
    return or_(_no_country(), _in_countries(EMAIL_CONSENT_COUNTRIES))


def _email_whens(settings: Settings, now: datetime) -> list[tuple]:
    needs_consent = _needs_email_consent(settings)
    return [
        (Contact.email_consent.in_(CONSENTED), None),
        (and_(_in_countries(CANADA), _purchased_sql(now)), None),
        (needs_consent, "no_consent"),
    ]


def _ad_whens() -> list[tuple]:
    needs_consent = or_(_no_country(), _in_countries(AD_CONSENT_COUNTRIES))
    return [
        (Contact.do_not_sell, "do_not_sell"),
        (and_(~Contact.ad_consent, needs_consent), "no_ad_consent"),
    ]


def reachable_clause(channel: str, settings: Settings, now: datetime) -> ColumnElement[bool]:
    """True for contacts Nudge may reach on `channel` now (SQL over Contact).

    Equal to `reason_expression(...) IS NULL`, written as a conjunction with the cheap column
    tests first and the suppression probe last, so the database skips most probes. (A
    tombstone has no address, so "has an address" already leaves it out.)"""
    _check_channel(channel)
    if channel == "email":
        needs_consent = _needs_email_consent(settings)
        permission = and_(
            Contact.email_consent != "opt_out",
            or_(Contact.email_consent.in_(CONSENTED), ~needs_consent,
                and_(_in_countries(CANADA), _purchased_sql(now))),
        )
    else:
        needs_consent = or_(_no_country(), _in_countries(AD_CONSENT_COUNTRIES))
        permission = and_(~Contact.do_not_sell, or_(Contact.ad_consent, ~needs_consent))
    return and_(~_no_email(), permission, ~_suppressed())

"""Data-subject rights: erasing a person (GDPR Art. 17) and exporting all held on them (Art. 15).

`forget_contact` removes a person's personal data and events, cancels their pending messages and
keeps only a keyed hash of the address in the suppression list (reason "erased"), so a later
import or `identify` of the same address is not re-subscribed without fresh consent. Rows that
aggregate reports count (messages, their opens and clicks, attributed orders) stay behind on an
anonymous tombstone contact, stripped of anything that identifies the person. Ad-platform files
written since the person became a contact are listed, because Nudge cannot withdraw an upload it
did not make. `export_contact` gathers every row about a person into one JSON document.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import Field
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from tools.audience.suppressions import suppress, suppressions_of
from tools.core import audit
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.identity import email_hash, email_salt, normalise_email
from tools.core.models import (
    Base,
    Campaign,
    Contact,
    ConversationTurn,
    Conversion,
    Enrolment,
    Event,
    ExportRecord,
    Message,
    MessageEvent,
)
from tools.core.vocabulary import SuppressionReason

ERASED = SuppressionReason.ERASED.value
# A message in one of these states has had its outcome or is past the outbox's commit point
# ("sending"); anything else could still go out and is cancelled.
OUT_OF_REACH = ("sent", "sending", "skipped", "failed", "bounced", "cancelled")
CONTACT_HELP = "an email address (alice@example.com) or the shop's user id (u123)"


class ContactInput(ToolInput):
    contact: str = Field(min_length=1, max_length=320, description=f"Who: {CONTACT_HELP}.")


class ExportNotice(ToolResult):
    """An ad-platform file written while the person was a contact, to withdraw by hand."""

    path: str
    platform: str | None
    segment_name: str | None
    created_at: datetime
    contains_person: bool | None = Field(
        description="True/False when the file is on disk and was checked; None when it is gone."
    )


class ForgetContactResult(ToolResult):
    contacts_erased: int
    events_deleted: int
    messages_cancelled: int
    suppressed: bool
    exports: list[ExportNotice]


class ExportContactResult(ToolResult):
    data: dict[str, Any]


def forget_contact(ctx: ToolContext, args: ContactInput) -> ForgetContactResult:
    """Erase a person (GDPR right to erasure): give their email address or user id.

    Deletes their profile and events, cancels messages not yet sent, and adds the address to the
    suppression list as a keyed hash so a later import or identify does not re-subscribe it
    without fresh consent. Aggregate report figures are kept without personal data. The answer
    lists ad-platform export files written since they became a contact, to withdraw by hand.
    Only approvers may use it; it cannot be undone.
    """
    contacts, address = find_person(ctx.db, args.contact)
    hashed = email_hash(email_salt(ctx.db), address) if address else None
    exports = _exports_holding(ctx.db, contacts, address)
    subject = _subject(contacts, hashed)
    counts = _erase(ctx.db, contacts, address)
    if hashed:
        suppress(ctx.db, hashed, SuppressionReason.ERASED, f"forget_contact by {ctx.actor}", ctx.now())
    audit.record(
        ctx.db, ctx.actor, "forget_contact", subject,
        {**counts, "suppressed": bool(hashed), "exports_to_withdraw": len(exports)},
        ctx.thread, ctx.now(),
    )
    return ForgetContactResult(
        summary=_forget_summary(counts, bool(hashed), exports),
        contacts_erased=counts["contacts"],
        events_deleted=counts["events"],
        messages_cancelled=counts["messages_cancelled"],
        suppressed=bool(hashed),
        exports=exports,
    )


def export_contact(ctx: ToolContext, args: ContactInput) -> ExportContactResult:
    """Everything Nudge holds about a person, as JSON (GDPR right of access): email or user id.

    Covers profile and consent, events, sequence enrolments, messages with their opens and
    clicks, attributed orders, suppressions of their address and ad exports that may hold them.
    Only approvers may use it, since the answer is the person's whole record.
    """
    contacts, address = find_person(ctx.db, args.contact)
    data = {
        "generated_at": _plain(ctx.now()),
        "request": "GDPR Art. 15 access",
        "contacts": [_person_record(ctx.db, contact) for contact in contacts],
        "suppressions": _suppressions_of(ctx.db, address),
        "ad_exports": [
            notice.model_dump(mode="json", exclude={"summary"})
            for notice in _exports_holding(ctx.db, contacts, address)
        ],
    }
    audit.record(
        ctx.db, ctx.actor, "export_contact", _subject(contacts, None),
        {"contacts": len(contacts)}, ctx.thread, ctx.now(),
    )
    events = sum(len(record["events"]) for record in data["contacts"])
    return ExportContactResult(
        summary=f"Exported {len(contacts)} contact record(s) with {events} event(s) as JSON.",
        data=data,
    )


def find_person(db: Session, who: str) -> tuple[list[Contact], str | None]:
    """Every contact row of the person a request names, and their address when known, or a
    ToolError when the request names nobody (an unknown user id, a malformed address).

    A person is their address: asked by user id, the other rows holding the same address are
    theirs too. An unknown address is still a person to suppress, so it is not an error.
    """
    contacts, address = _find_person(db, who)
    if not contacts and address is None:
        raise ToolError(f"no contact with user id '{who}'; give {CONTACT_HELP}")
    return contacts, address


def _find_person(db: Session, who: str) -> tuple[list[Contact], str | None]:
    who = who.strip()
    if "@" in who:
        address = normalise_email(who)
        if address is None:
            raise ToolError(f"'{who}' is not a valid email address; give {CONTACT_HELP}")
        return _holding(db, address), address
    named = list(db.scalars(select(Contact).where(Contact.user_id == who)))
    address = _first_email(named)
    if address is None:
        return named, None
    return sorted({*named, *_holding(db, address)}, key=lambda c: c.id), address


def _holding(db: Session, address: str) -> list[Contact]:
    hashed = email_hash(email_salt(db), address)
    query = select(Contact).where(or_(Contact.email == address, Contact.email_hash == hashed))
    return list(db.scalars(query.order_by(Contact.id)))


def _first_email(contacts: list[Contact]) -> str | None:
    return next((normalise_email(c.email) for c in contacts if normalise_email(c.email)), None)


def _erase(db: Session, contacts: list[Contact], address: str | None) -> dict[str, int]:
    ids = [contact.id for contact in contacts]
    counts = {"contacts": len(ids), "events": 0, "messages_cancelled": 0, "conversation_turns": 0}
    if ids:
        counts["messages_cancelled"] = _cancel_pending(db, ids)
        counts["events"] = _delete_events(db, ids)
        _scrub_messages(db, ids)
        for contact in contacts:
            _tombstone(contact)
    if address:
        counts["conversation_turns"] = _scrub_conversations(db, address)
    db.flush()
    return counts


def _cancel_pending(db: Session, ids: list[int]) -> int:
    db.execute(
        update(Enrolment)
        .where(Enrolment.contact_id.in_(ids), Enrolment.status == "active")
        .values(status="exited", exit_reason=ERASED)
        .execution_options(synchronize_session=False)
    )
    result = db.execute(
        update(Message)
        .where(Message.contact_id.in_(ids), Message.status.not_in(OUT_OF_REACH))
        .values(status="skipped", reason=ERASED, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def erasable_events(db: Session, ids: list[int]) -> ColumnElement[bool]:
    """The one rule for which events an erasure deletes, so the proposal counts what goes: the
    person's own events and their anonymous browsing (events under an anonymous id they used),
    but not an order attributed to a campaign, which stays bare because the conversion that
    reports count points at it. The anonymous ids are read now, before anything is changed."""
    anonymous = set(db.scalars(select(Event.anonymous_id).where(
        Event.contact_id.in_(ids), Event.anonymous_id.is_not(None)
    )))
    converted = select(Conversion.event_id).where(Conversion.contact_id.in_(ids))
    return and_(or_(Event.contact_id.in_(ids), Event.anonymous_id.in_(anonymous)), Event.id.not_in(converted))


def attributed_orders(db: Session, ids: list[int]) -> int:
    """How many of the person's orders stay behind, stripped, for the reports."""
    return db.scalar(select(func.count(func.distinct(Conversion.event_id))).where(Conversion.contact_id.in_(ids))) or 0


def _delete_events(db: Session, ids: list[int]) -> int:
    """Delete the person's events (erasable_events), keeping attributed orders bare: only their
    name and time are left."""
    theirs = erasable_events(db, ids)
    converted = select(Conversion.event_id).where(Conversion.contact_id.in_(ids))
    db.execute(
        update(Event)
        .where(Event.id.in_(converted))
        .values(properties={}, anonymous_id=None, message_id=None)
        .execution_options(synchronize_session=False)
    )
    result = db.execute(delete(Event).where(theirs).execution_options(synchronize_session=False))
    return result.rowcount or 0


def _scrub_messages(db: Session, ids: list[int]) -> None:
    # SMTP errors quote the address; a Message-ID can be matched to a mailbox; the stored links
    # hold the person's checkout URL. Counts need none of them.
    db.execute(
        update(Message)
        .where(Message.contact_id.in_(ids))
        .values(error=None, email_message_id=None, links=None)
        .execution_options(synchronize_session=False)
    )


def _tombstone(contact: Contact) -> None:
    """Strip a contact row to an anonymous placeholder that reporting rows can still point at."""
    contact.user_id = f"{ERASED}-{contact.id}"
    contact.email = contact.email_hash = None
    contact.first_name = contact.last_name = None
    contact.timezone = contact.country = contact.region = None
    contact.email_consent, contact.consent_source, contact.consent_at = "none", None, None
    contact.ad_consent, contact.do_not_sell = False, True
    contact.traits = {}


def _scrub_conversations(db: Session, address: str) -> int:
    """Replace the address in stored chat turns ("forget alice@x.com" is itself personal data)."""
    pattern = "%" + address.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = select(ConversationTurn).where(ConversationTurn.content.ilike(pattern, escape="\\"))
    turns = list(db.scalars(query))
    for turn in turns:
        turn.content = _redact(turn.content, address)
        turn.data = _redact(turn.data, address)
    return len(turns)


def _redact(value: Any, address: str) -> Any:
    if isinstance(value, str):
        return re.sub(re.escape(address), "[erased]", value, flags=re.IGNORECASE)
    if isinstance(value, dict):
        return {key: _redact(item, address) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, address) for item in value]
    return value


def _subject(contacts: list[Contact], hashed: str | None) -> str:
    # Never the address itself: the audit log outlives the erasure.
    if contacts:
        return "contact " + ", ".join(str(contact.id) for contact in contacts)
    return f"address hash {hashed[:12]}" if hashed else "nobody"


def _exports_holding(
    db: Session, contacts: list[Contact], address: str | None
) -> list[ExportNotice]:
    """Export files that hold, or may hold, the person: found in the file, or the file is gone.

    Only files written since the person's earliest contact row can hold them; with no contact
    row left, only a file that visibly contains the address counts.
    """
    since = min((c.created_at for c in contacts), default=None)
    query = select(ExportRecord).order_by(ExportRecord.created_at, ExportRecord.id)
    if since is not None:
        query = query.where(ExportRecord.created_at >= since)
    notices = [_notice(record, address) for record in db.scalars(query)]
    wanted = (True,) if since is None else (True, None)
    return [notice for notice in notices if notice.contains_person in wanted]


def _notice(record: ExportRecord, address: str | None) -> ExportNotice:
    return ExportNotice(
        summary=f"{record.platform or record.kind} export {record.path}",
        path=record.path, platform=record.platform, segment_name=record.segment_name,
        created_at=record.created_at, contains_person=_file_mentions(Path(record.path), address),
    )


def _file_mentions(path: Path, address: str | None) -> bool | None:
    """Whether an export holds the address, plain or SHA-256 hashed as ad platforms take it."""
    if address is None or not path.is_file():
        return None
    needles = {variant for form in _address_forms(address) for variant in (form, _sha256(form))}
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            return any(needle in line.lower() for line in lines for needle in needles)
    except OSError:
        return None


def _address_forms(address: str) -> set[str]:
    # Google's Customer Match normalisation drops the dots of a Gmail local part.
    local, _, domain = address.partition("@")
    forms = {address}
    if domain in {"gmail.com", "googlemail.com"}:
        forms.add(local.replace(".", "") + "@" + domain)
    return forms


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _forget_summary(counts: dict[str, int], suppressed: bool, exports: list[ExportNotice]) -> str:
    parts = [
        f"Erased {counts['contacts']} contact record(s): deleted {counts['events']} event(s), "
        f"cancelled {counts['messages_cancelled']} pending message(s)."
    ]
    if suppressed:
        parts.append("The address is kept only as a keyed hash on the suppression list, so a "
                     "later import will not re-subscribe it without fresh consent.")
    if exports:
        files = "; ".join(
            f"{e.path} ({e.platform or 'export'}, {e.created_at:%Y-%m-%d})" for e in exports
        )
        parts.append(f"Withdraw them by hand from the ad platforms these files went to: {files}.")
    else:
        parts.append("No ad-platform export written since then holds them.")
    return " ".join(parts)


def _person_record(db: Session, contact: Contact) -> dict[str, Any]:
    def of_contact(model):
        return select(model).where(model.contact_id == contact.id).order_by(model.id)

    return {
        "profile": _row(contact),
        "events": _rows(db, of_contact(Event)),
        "enrolments": [
            {**_row(enrolment), "campaign": _campaign_name(db, enrolment.campaign_id)}
            for enrolment in db.scalars(of_contact(Enrolment))
        ],
        "messages": [_message_record(db, message) for message in db.scalars(of_contact(Message))],
        "conversions": _rows(db, of_contact(Conversion)),
    }


def _message_record(db: Session, message: Message) -> dict[str, Any]:
    opens_and_clicks = (
        select(MessageEvent).where(MessageEvent.message_id == message.id).order_by(MessageEvent.id)
    )
    return {
        **_row(message, exclude={"claimed_by", "claimed_until"}),
        "campaign": _campaign_name(db, message.campaign_id),
        "events": _rows(db, opens_and_clicks, exclude={"message_id"}),
    }


def _campaign_name(db: Session, campaign_id: int) -> str | None:
    return db.scalar(select(Campaign.name).where(Campaign.id == campaign_id))


def _suppressions_of(db: Session, address: str | None) -> list[dict[str, Any]]:
    if address is None:
        return []
    entries = suppressions_of(db, email_hash(email_salt(db), address))
    return [_row(entry, exclude={"id", "email_hash"}) for entry in entries]


def _rows(db: Session, query, exclude: set[str] = frozenset()) -> list[dict[str, Any]]:
    return [_row(item, exclude) for item in db.scalars(query)]


def _row(item: Base, exclude: set[str] = frozenset()) -> dict[str, Any]:
    columns = item.__table__.columns
    return {c.key: _plain(getattr(item, c.key)) for c in columns if c.key not in exclude}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value

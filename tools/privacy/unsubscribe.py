"""Unsubscribing a person from marketing email at their request ("unsubscribe jo@example.com").

The person is found as erasure and access requests find them (`rights.find_person`: an address
or a user id, and every contact row holding that address), and each row goes through
`tools.audience.suppressions.unsubscribe_contact`, the one unsubscribe writer the unsubscribe
link and the shops use too: the address is suppressed, consent becomes opt_out, waiting messages
are skipped. An address Nudge does not hold yet is suppressed as well, so a later import cannot
mail it. It only ever stops email, so anyone on the team may do it; it is audited, and a fresh
opt-in in the shop lifts it.
"""

from __future__ import annotations

from tools.audience import suppressions
from tools.core import audit
from tools.core.context import ToolContext, ToolResult
from tools.core.identity import email_hash, email_salt
from tools.core.vocabulary import SuppressionReason
from tools.privacy.rights import ContactInput, find_person


class UnsubscribeContactResult(ToolResult):
    contacts_unsubscribed: int
    already_unsubscribed: bool


def unsubscribe_contact(ctx: ToolContext, args: ContactInput) -> UnsubscribeContactResult:
    """Unsubscribe a person from marketing email at their request: give their email address or
    user id. Their address goes on the suppression list (reason "unsubscribed"), their email
    consent becomes opt_out and their waiting messages are skipped, as the unsubscribe link does.
    An address not yet held is suppressed too. Anyone may do it: it only stops email. Use
    forget_contact to erase a person instead."""
    contacts, address = find_person(ctx.db, args.contact)
    source = f"unsubscribe_contact by {ctx.actor}"
    now = ctx.now()
    changed = sum(suppressions.unsubscribe_contact(ctx.db, contact, source, now, ctx.actor) for contact in contacts)
    if not contacts and address:
        hashed = email_hash(email_salt(ctx.db), address)
        changed += suppressions.suppress(ctx.db, hashed, SuppressionReason.UNSUBSCRIBED, source, now)
    who = address or args.contact
    audit.record(ctx.db, ctx.actor, "unsubscribe_contact", f"contact:{contacts[0].id}" if contacts else "address",
                 {"contacts": len(contacts), "changed": changed}, ctx.thread, now)
    if not changed:
        summary = f"{who} was already unsubscribed; nothing changed."
    elif contacts:
        summary = (f"Unsubscribed {who}: no more marketing email; {len(contacts)} contact record(s) set to opt-out "
                   "and their waiting messages skipped.")
    else:
        summary = f"{who} is not a contact yet; the address is suppressed, so it will not be emailed if imported."
    return UnsubscribeContactResult(summary=summary, contacts_unsubscribed=len(contacts) if changed else 0,
                                    already_unsubscribed=not changed)

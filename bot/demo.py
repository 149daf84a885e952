"""`nudge demo`: the headline story, scripted, on a fresh demo store, in simulated time.

A marketer asks for the abandoned-cart sequence; Nudge shows the segment, the drafts and the
preflight; the local approver approves every draft and schedules it; simulated time runs five
days through the real scheduler jobs (enrol, dispatch) so the emails land in `./outbox`; one
contact buys and leaves the sequence; and the next morning's digest is printed. It uses a new
SQLite database in a temporary directory, so it never touches the configured one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.display.blocks import as_text
from bot.display.cards import campaign_of_draft
from bot.engine.conversation import Conversation
from tools import proposals
from tools.core.clock import ManualClock
from tools.core.db import engine_for, session_scope, upgrade
from tools.core.models import Enrolment, Message
from tools.core.settings import Settings, get_settings, load_settings, redact_url

REQUEST = ("build an abandoned-cart sequence: reminder on day 1, reviews on day 3, "
           "10% off on day 5, stop when they buy")
USER = "console"
TICK = timedelta(hours=2)
DAYS = 6


def demo_settings(directory: Path) -> Settings:
    """The configured settings on a fresh database, with a sender and address if none is set."""
    base = get_settings()
    return load_settings(
        database_url=f"sqlite:///{directory / 'demo.db'}",
        sender=base.sender or "Demo Shop <hello@shop.example>",
        postal_address=base.postal_address or "1 Market St, Springfield, OR 97477, USA",
        secret=base.secret or "demo-secret-not-for-production",
        # The seeded catalogue's shop, and a code standing in for one created in it (day 5).
        shop_name=base.shop_name or "Demo Shop",
        shop_url=base.shop_url or "https://shop.example",
        discount_code=base.discount_code or "DEMO10",
        outbox_dir=base.outbox_dir,
        slack_bot_token="", openai_api_key="", openai_base_url="",
    )


def run_demo(contacts: int, say: Callable[[str], None]) -> None:
    # The demo store lives in a temporary folder that is removed when the demo ends.
    with tempfile.TemporaryDirectory(prefix="nudge-demo-") as folder:
        _run_demo(Path(folder), contacts, say)


def _run_demo(directory: Path, contacts: int, say: Callable[[str], None]) -> None:
    from tools.ingest.seed import seed_store

    settings = demo_settings(directory)
    upgrade(settings.database_url)
    engine = engine_for(settings.database_url)
    clock = ManualClock(_start_of_hour())
    step(say, 1, f"A fresh demo store of {contacts} contacts ({redact_url(settings.database_url)})")
    seed_store(engine, contacts=contacts, now=clock.now())

    conversation = Conversation(engine, settings, clock, use_agent=False)
    step(say, 2, f"The marketer asks: \"{REQUEST}\"")
    reply = conversation.handle(REQUEST, USER, "demo")
    say(as_text(reply.blocks)[0])
    campaign_id = campaign_of(engine, reply)

    step(say, 3, "The approver approves every draft, then schedules the campaign")
    for _label, action_id, value in as_text(reply.blocks)[1]:
        if action_id == "nudge_approve":
            say(call(engine, settings, clock, "approve_draft", {"draft_id": int(value)}).summary)
    proposal = call(engine, settings, clock, "schedule_campaign", {"campaign": str(campaign_id)})
    say(f"Nudge asks first: {proposal.summary}\nThe approver presses Confirm.")
    say(conversation.decide(proposal.id, USER, "demo", True, "demo").text)

    step(say, 4, f"Simulated time runs {DAYS} days through the scheduler (enrol, dispatch)")
    buyer = fast_forward(engine, settings, clock, campaign_id, say)

    step(say, 5, f"{buyer} bought on day 2, so the sequence stopped for them")
    say(call(engine, settings, clock, "explain_contact", {"contact": buyer, "campaign": str(campaign_id)}).summary)

    step(say, 6, "The next morning's digest")
    from tools.reporting.digest import build_digest

    with session_scope(engine) as session:
        say(build_digest(session, settings, clock.now().astimezone(settings.zone).date()).text)
    engine.dispose()
    say(f"\nDone. {_where_mail_went(settings)}; the demo database was temporary and is removed.")


def _where_mail_went(settings: Settings) -> str:
    if settings.smtp_url:
        return f"The emails went to the SMTP server at {redact_url(settings.smtp_url)}"
    return f"The emails are in {Path(settings.outbox_dir).resolve()} (a Maildir)"


def step(say: Callable[[str], None], number: int, title: str) -> None:
    say(f"\n=== {number}. {title}")


def _start_of_hour():
    from tools.core.clock import SYSTEM_CLOCK

    return SYSTEM_CLOCK.now().replace(minute=0, second=0, microsecond=0)


def campaign_of(engine, reply) -> int:
    drafts = [int(value) for _label, action_id, value in as_text(reply.blocks)[1] if action_id == "nudge_approve"]
    if not drafts:
        raise RuntimeError(f"the demo request did not build a campaign: {reply.text}")
    with session_scope(engine) as session:
        return campaign_of_draft(session, drafts[0])


def call(engine, settings: Settings, clock: ManualClock, name: str, arguments: dict):
    """Run a tool as the demo's approver, as a button would: irreversible ones are proposed."""
    from tools.core.context import ToolContext

    with session_scope(engine) as session:
        ctx = ToolContext(db=session, settings=settings, actor=USER, thread="demo", clock=clock, surface="demo")
        return proposals.call_or_propose(ctx, name, arguments)


def fast_forward(engine, settings: Settings, clock: ManualClock, campaign_id: int,
                 say: Callable[[str], None]) -> str:
    """Run the jobs every simulated two hours; on day 2 one enrolled contact buys."""
    from scheduler.jobs import attribute, dispatch, enrol
    from scheduler.senders import sender_for

    sender = sender_for(settings)
    start, buyer = clock.now(), None
    while clock.now() < start + timedelta(days=DAYS):
        enrol(engine, settings, clock)
        dispatch(engine, settings, clock, sender)
        attribute(engine, settings, clock)
        if buyer is None and clock.now() >= start + timedelta(days=2):
            buyer = purchase(engine, clock, campaign_id)
        clock.advance(TICK)
        if (clock.now() - start) % timedelta(days=1) == timedelta(0):
            say(f"day {(clock.now() - start).days}: {sent_count(engine, campaign_id)} emails sent so far")
    return buyer or "nobody"


def purchase(engine, clock: ManualClock, campaign_id: int) -> str | None:
    """One enrolled contact completes an order, through the same ingest path as the API."""
    from tools.core.models import Contact
    from tools.ingest.calls import ingest_calls

    with session_scope(engine) as session:
        user_id = session.scalar(
            select(Contact.user_id).join(Enrolment, Enrolment.contact_id == Contact.id)
            .where(Enrolment.campaign_id == campaign_id, Enrolment.status == "active", ~Enrolment.holdout)
            .order_by(Enrolment.id).limit(1)
        )
        if user_id is None:
            return None
        order = {"type": "track", "userId": user_id, "event": "Order Completed",
                 "timestamp": clock.now().isoformat(),
                 "properties": {"order_id": f"demo-{user_id}", "total": 59.0, "revenue": 59.0}}
        ingest_calls(session, [order], clock.now())
    return user_id


def sent_count(engine, campaign_id: int) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(Message).where(
            Message.campaign_id == campaign_id, Message.status == "sent")) or 0

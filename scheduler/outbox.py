"""The outbox worker: claims due messages, decides each at send time, and delivers it once.

Named queries, each with its side effect:
- `claim`: marks up to N due messages (pending or deferred, campaign active, unclaimed or with
  an expired claim) as claimed by this worker until `now + lease`. PostgreSQL uses
  `SELECT ... FOR UPDATE SKIP LOCKED`, so many workers take disjoint batches; SQLite runs the
  same UPDATE atomically under its single writer lock.
- `mark_sending`: the commit point. Sets status "sending" only if the claim is still ours and
  the address is not suppressed; called by the sender after the body is transmitted and before
  the final "." (see scheduler/senders.py).
- `mark_outcome`: sent / retry later (deferred with backoff) / bounced (failed + suppression) /
  failed, for a message still ours ("sent" rides along with the next commit, see `Marks`).
- `recover_in_doubt`: a message left in "sending" by a dead worker is marked failed, not resent.

Exactly once, as far as SMTP allows: a crash before the commit point leaves the message claimed
and unsent (the SMTP server discards a DATA without its final "."), and it is re-claimed when the
claim expires. A crash after the commit point, before "sent" is stored (with the next commit),
cannot be resolved from our side: the server may or may not have accepted the message. That
window is a few milliseconds for at most one message per worker, and SMTP offers no way to ask.
Nudge then prefers never to send twice: the message is marked failed with "outcome unknown" and
its Message-ID (so it can be traced in the mail server's log), and is never resent.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Interval,
    bindparam,
    exists,
    func,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from scheduler import delivery
from scheduler.senders import Envelope, Kind, Outcome
from tools.audience import frequency
from tools.audience.policy import IMPLIED_CONSENT_PERIOD, may_contact, purchased_since
from tools.audience.suppressions import suppress
from tools.core import audit
from tools.core.bulk import lock_for_writing
from tools.core.clock import Clock
from tools.core.db import session_scope
from tools.core.identity import email_hash, email_salt, token_secret
from tools.core.models import (
    Campaign,
    CampaignStep,
    Contact,
    Draft,
    Enrolment,
    Event,
    Message,
    MessageEvent,
    Suppression,
)
from tools.core.settings import Settings
from tools.core.vocabulary import (
    ADDRESS_REASONS,
    CLAIMABLE,
    FINAL,
    PAUSING_REASONS,
    Reason,
    Status,
    SuppressionReason,
)
from tools.drafting import discount_codes
from tools.drafting.approvals import approved_by_approver
from tools.drafting.personalisation import personalisations
from tools.drafting.render import render_email

log = logging.getLogger("nudge.outbox")

RETRY_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
                 timedelta(hours=1), timedelta(hours=4))
MAX_ATTEMPTS = len(RETRY_BACKOFF) + 1


# Built once: this runs for every message, between the body and the final "." of its DATA.
MARK_SENDING = (
    update(Message)
    .where(Message.id == bindparam("message"), Message.claimed_by == bindparam("worker"))
    .where(Message.status.in_(CLAIMABLE),
           ~exists().where(Suppression.email_hash == bindparam("hash")),
           # Pause stops a send in progress: the campaign must still be active (primary key).
           exists().where(Campaign.id == Message.campaign_id, Campaign.status == "active"))
    .values(status=Status.SENDING, email_message_id=bindparam("mime_id"),
            updated_at=bindparam("now"))
)


def db_now(engine: Engine, plus: timedelta = timedelta(0)):
    """The database's clock (naive UTC, as timestamps are stored), `plus` a lease: claims are
    compared with one clock for every worker, so a worker whose own clock runs fast cannot take
    over live claims. Due times stay on the worker's Clock (tests drive them with ManualClock)."""
    if engine.dialect.name == "postgresql":
        return type_coerce(func.timezone("UTC", func.now()) + bindparam(None, plus, Interval), DateTime)
    # SQLite: the same text format SQLAlchemy stores (six fractional digits), so they compare.
    return func.strftime("%Y-%m-%d %H:%M:%f000", "now", f"+{plus.total_seconds():.3f} seconds")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Stats:
    counts: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)  # "prepare" (decide, render), "deliver"

    def add(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] += n

    def __getitem__(self, outcome: str) -> int:
        return self.counts[outcome]

    def text(self) -> str:
        return ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items())) or "nothing due"


@dataclass
class Prepared:
    """A message decided "send", rendered and ready to hand to the sender."""

    message_id: int
    email_hash: str
    envelope: Envelope
    mime_id: str
    attempts: int
    campaign_id: int = 0


class OutboxWorker:
    """Delivers due outbox messages in batches; safe to run in many processes at once."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock, sender, *,
                 name: str | None = None, batch_size: int = 200,
                 lease: timedelta = timedelta(minutes=5), notify=None) -> None:
        self.engine, self.settings, self.clock, self.sender = engine, settings, clock, sender
        self.unflushed: list[dict] = []  # "sent" marks a lost database connection left unstored
        self.notify = notify  # called with a line for Slack when a campaign is paused
        # Built once per worker: this runs for every message (see MARK_SENDING).
        self.mark_sending_statement = MARK_SENDING.values(claimed_until=db_now(engine, lease))
        self.name = name or worker_name()
        self.batch_size, self.lease = batch_size, lease
        self.postgres = engine.dialect.name == "postgresql"

    def run_once(self) -> Stats:
        """Deliver everything due now, batch after batch; returns what happened."""
        stats = Stats()
        recovered = self.recover_in_doubt()
        if recovered:
            stats.add("in_doubt", recovered)
        while ids := self.claim():
            self.process(ids, stats)
        return stats

    # --- named queries -----------------------------------------------------------------------

    def claim(self) -> list[int]:
        """Claim up to batch_size due messages for this worker (see module docstring)."""
        now = self.clock.now()
        due = (
            select(Message.id)
            .join(Campaign, Campaign.id == Message.campaign_id)
            .where(Message.status.in_(CLAIMABLE), Message.due_at <= now, Campaign.status == "active")
            .where(or_(Message.claimed_until.is_(None), Message.claimed_until < db_now(self.engine)))
            .order_by(Message.due_at, Message.id)
            .limit(self.batch_size)
        )
        if self.postgres:
            due = due.with_for_update(of=Message, skip_locked=True)
        claim = (
            update(Message)
            .where(Message.id.in_(due.scalar_subquery()))
            .values(claimed_by=self.name, claimed_until=db_now(self.engine, self.lease), updated_at=now)
            .returning(Message.id)
        )
        with self.engine.begin() as connection:
            return sorted(connection.execute(claim).scalars())

    def recover_in_doubt(self) -> int:
        """Mark messages a dead worker left in "sending" as failed: never resent (no duplicates)."""
        now = self.clock.now()
        statement = (
            update(Message)
            .where(Message.status == Status.SENDING, Message.claimed_until < db_now(self.engine))
            .values(status=Status.FAILED, reason=Reason.OUTCOME_UNKNOWN, claimed_until=None, updated_at=now,
                    error="outcome unknown: the worker stopped after handing this message to the "
                    "mail server (Message-ID " + func.coalesce(Message.email_message_id, "?")
                    + "); not resent to avoid a duplicate")
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount

    def mark_sending(self, marks: "Marks", prepared: Prepared) -> bool:
        """The commit point: still ours, still claimable, address not suppressed -> "sending"."""
        now = self.clock.now()
        with marks.transaction() as connection:
            return connection.execute(self.mark_sending_statement, {
                "message": prepared.message_id, "worker": self.name, "hash": prepared.email_hash,
                "mime_id": prepared.mime_id, "now": now,
            }).rowcount == 1

    def mark_outcome(self, marks: "Marks", prepared: Prepared, outcome: Outcome, stats: Stats) -> None:
        """Store what the sender reported; "sent" is stored with the next commit (see Marks)."""
        now = self.clock.now()
        values, kind = self._outcome_values(prepared, outcome, now)
        stats.add(kind)
        if kind == Kind.SENT:
            marks.sent.append({"message": prepared.message_id, "at": now})
            return
        statement = (
            update(Message)
            .where(Message.id == prepared.message_id, Message.claimed_by == self.name)
            .where(Message.status.in_((*CLAIMABLE, Status.SENDING)))
            .values({"claimed_until": None, "updated_at": now, "attempts": Message.attempts + 1, **values})
        )
        if kind not in (Kind.BOUNCE, Kind.REJECTED):
            with marks.transaction() as connection:
                connection.execute(statement)
            return
        with session_scope(self.engine) as db:
            if not db.execute(statement).rowcount:
                return
            if outcome.reason in ADDRESS_REASONS:
                self._suppress_bounce(db, prepared, outcome, now)
            paused = outcome.reason in PAUSING_REASONS and self._pause(db, prepared, outcome, now)
        if paused:
            self._announce_pause(prepared, outcome)

    def _outcome_values(self, prepared: Prepared, outcome: Outcome, now: datetime) -> tuple[dict, str]:
        if outcome.kind == Kind.SENT:
            return {"status": Status.SENT, "sent_at": now, "error": None}, "sent"
        if outcome.kind == Kind.RETRY and prepared.attempts + 1 < MAX_ATTEMPTS:
            wait = RETRY_BACKOFF[min(prepared.attempts, len(RETRY_BACKOFF) - 1)]
            return {"status": Status.DEFERRED, "due_at": now + wait, "error": outcome.detail,
                    "claimed_by": None,
                    "reason": Reason.MAIL_SERVER_RETRY, "deferred_at": now}, "retried"
        if outcome.kind == Kind.RETRY:
            return {"status": Status.FAILED, "reason": Reason.RETRIES_EXHAUSTED,
                    "error": f"gave up after {MAX_ATTEMPTS} attempts: {outcome.detail}"}, "failed"
        if outcome.kind == Kind.BOUNCE:
            return {"status": Status.FAILED, "reason": outcome.reason, "error": outcome.detail}, Kind.BOUNCE
        if outcome.kind == Kind.REJECTED:
            return {"status": Status.FAILED, "reason": outcome.reason, "error": outcome.detail}, Kind.REJECTED
        if outcome.kind == Kind.ABORTED:
            # Lost the claim, the address was suppressed or the campaign paused meanwhile:
            # decide again next pass.
            return {"claimed_by": None, "attempts": Message.attempts}, "released"
        if outcome.kind == Kind.UNKNOWN:
            return {"status": Status.FAILED, "reason": Reason.OUTCOME_UNKNOWN,
                    "error": f"outcome unknown, not resent: {outcome.detail}"}, "in_doubt"
        return {"status": Status.FAILED, "error": outcome.detail}, "failed"

    def _suppress_bounce(self, db: Session, prepared: Prepared, outcome: Outcome, now: datetime) -> None:
        db.add(MessageEvent(message_id=prepared.message_id, kind="bounce", occurred_at=now))
        suppress(db, prepared.email_hash, SuppressionReason.BOUNCED, f"smtp: {outcome.detail}", now)
        audit.record(db, "scheduler", "contact.suppressed", f"message:{prepared.message_id}",
                     {"reason": Reason.BOUNCED, "detail": outcome.detail[:300]}, at=now)

    def _pause(self, db: Session, prepared: Prepared, outcome: Outcome, now: datetime) -> bool:
        """A message-level refusal would repeat for every recipient: pause the whole campaign
        (steps have no status of their own), once, with an audit entry saying why."""
        paused = db.execute(update(Campaign)
                            .where(Campaign.id == prepared.campaign_id, Campaign.status == "active")
                            .values(status="paused", updated_at=now)).rowcount == 1
        if paused:
            audit.record(db, "scheduler", "campaign.paused", f"campaign:{prepared.campaign_id}",
                         {"from": "active", "to": "paused", "reason": outcome.reason,
                          "message": prepared.message_id, "detail": outcome.detail[:300]}, at=now)
        return paused

    def _announce_pause(self, prepared: Prepared, outcome: Outcome) -> None:
        text = (f"Campaign {prepared.campaign_id} is paused: the mail server refused message "
                f"{prepared.message_id} ({outcome.reason.replace('_', ' ')}: {outcome.detail[:200]}). "
                f"Fix the cause, then resume it with `nudge campaign resume {prepared.campaign_id}`.")
        log.warning("%s", text)
        if self.notify is not None:
            try:
                self.notify(text)
            except Exception as error:  # noqa: BLE001 - Slack being down must not stop delivery
                log.warning("could not post the pause to Slack: %s", error)

    # --- one batch ---------------------------------------------------------------------------

    def process(self, ids: list[int], stats: Stats) -> None:
        started = time.perf_counter()
        with session_scope(self.engine) as db:
            lock_for_writing(db)
            prepared = Batch(self, db, ids, stats).decide_and_render()
        stats.seconds["prepare"] += time.perf_counter() - started
        if prepared:
            started = time.perf_counter()
            self.deliver(prepared, stats)
            stats.seconds["deliver"] += time.perf_counter() - started
        self.finish_enrolments(ids)

    def deliver(self, prepared: list[Prepared], stats: Stats) -> None:
        # One database connection and one mail connection for the whole batch.
        with self.engine.connect() as connection:
            marks = Marks(connection, self.name)
            mail = self.sender.connect()
            try:
                for item in prepared:
                    outcome = mail.send(item.envelope, lambda item=item: self.mark_sending(marks, item))
                    self.mark_outcome(marks, item, outcome, stats)
            finally:
                mail.close()  # aborts, never QUITs, inside an unfinished DATA
                try:
                    marks.flush()
                except Exception:
                    # The database went away: keep the delivered marks for release_claims().
                    self.unflushed.extend(marks.sent)
                    raise

    def release_claims(self) -> int:
        """After losing the database mid-batch: store the "sent" marks that could not be stored,
        and give back this worker's unsent claims at once instead of after the lease."""
        with self.engine.connect() as connection:
            marks = Marks(connection, self.name)
            marks.sent, self.unflushed = self.unflushed, []
            with marks.transaction():
                return connection.execute(
                    update(Message).where(Message.claimed_by == self.name, Message.status.in_(CLAIMABLE))
                    .values(claimed_by=None, claimed_until=None)).rowcount

    def finish_enrolments(self, ids: list[int]) -> None:
        """Enrolments whose every step has a final message are completed."""
        with session_scope(self.engine) as db:
            touched = select(Message.enrolment_id).where(Message.id.in_(ids)).scalar_subquery()
            steps = (select(func.count()).select_from(CampaignStep)
                     .where(CampaignStep.campaign_id == Enrolment.campaign_id).scalar_subquery())
            final = (select(func.count()).select_from(Message)
                     .where(Message.enrolment_id == Enrolment.id,
                            Message.status.in_(FINAL)).scalar_subquery())
            db.execute(update(Enrolment)
                       .where(Enrolment.id.in_(touched), Enrolment.status == "active", final >= steps)
                       .values(status="completed", exited_at=self.clock.now())
                       .execution_options(synchronize_session=False))


class Marks:
    """The batch's database connection. A "sent" mark is stored in the same transaction as the
    next message's commit point (or at the end of the batch): one commit per message instead of
    two. The price is only in labelling: a worker that dies right after the server's 250 leaves
    that message "sending", recovered as "outcome unknown" although delivered; never resent.
    """

    def __init__(self, connection: Connection, worker_name: str) -> None:
        self.connection, self.worker_name = connection, worker_name
        self.sent: list[dict] = []

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.connection.begin():
            if self.sent:
                self.connection.execute(
                    update(Message)
                    .where(Message.id == bindparam("message"), Message.status == Status.SENDING,
                           Message.claimed_by == self.worker_name)
                    .values(status=Status.SENT, sent_at=bindparam("at"), updated_at=bindparam("at"),
                            error=None, claimed_until=None, attempts=Message.attempts + 1),
                    self.sent)
                self.sent = []
            yield self.connection

    def flush(self) -> None:
        with self.transaction():
            pass


class Batch:
    """One claimed batch in one session: load everything once, decide each, render the sends."""

    def __init__(self, worker: OutboxWorker, db: Session, ids: list[int], stats: Stats) -> None:
        self.worker, self.db, self.stats = worker, db, stats
        self.settings, self.now = worker.settings, worker.clock.now()
        self.messages = list(db.scalars(select(Message).where(
            Message.id.in_(ids), Message.claimed_by == worker.name).order_by(Message.id)))
        self._load_related()
        self.salt = email_salt(db)
        self.secret = token_secret(db, self.settings.secret)

    def _load_related(self) -> None:
        def by_id(model, ids):
            ids = set(ids) - {None}
            return {row.id: row for row in self.db.scalars(select(model).where(model.id.in_(ids)))} if ids else {}

        self.contacts = by_id(Contact, (m.contact_id for m in self.messages))
        self.suppressions = self._suppressions()
        self.approvals: dict[int | None, bool] = {}
        self.extras: dict[int, dict] | None = None  # personalisation, loaded at the first render
        self.enrolments = by_id(Enrolment, (m.enrolment_id for m in self.messages))
        self.campaigns = by_id(Campaign, (m.campaign_id for m in self.messages))
        self.drafts = by_id(Draft, (m.draft_id for m in self.messages))
        self.exits = self._exit_events()

    def _suppressions(self) -> dict[str, set[str]]:
        """The suppression reasons per address hash for this batch's contacts (one query)."""
        hashes = {c.email_hash for c in self.contacts.values() if c.email_hash}
        found: dict[str, set[str]] = {}
        if hashes:
            rows = self.db.execute(select(Suppression.email_hash, Suppression.reason)
                                   .where(Suppression.email_hash.in_(hashes)))
            for hashed, reason in rows:
                found.setdefault(hashed, set()).add(reason)
        return found

    def _exit_events(self) -> dict[tuple[int, str], list[Event]]:
        names = {c.exit_event for c in self.campaigns.values() if c.exit_event}
        if not names or not self.enrolments:
            return {}
        since = min(e.entered_at for e in self.enrolments.values())
        rows = self.db.scalars(select(Event).where(
            Event.contact_id.in_(list(self.contacts)), Event.name.in_(names),
            Event.occurred_at >= since, Event.occurred_at <= self.now).order_by(Event.occurred_at))
        found: dict[tuple[int, str], list[Event]] = {}
        for event in rows:
            found.setdefault((event.contact_id, event.name), []).append(event)
        return found

    def decide_and_render(self) -> list[Prepared]:
        ready, busy = [], set()
        for message in self.messages:
            if message.contact_id in busy:
                # A second step for the same contact waits a pass, so frequency rules see the first.
                message.claimed_by, message.claimed_until = None, None
                self.stats.add("released")
                continue
            if self.decide(message):
                item = self.render(message)
                if item:
                    ready.append(item)
                    busy.add(message.contact_id)
        return ready

    def decide(self, message: Message) -> bool:
        """Apply every send-time rule; True to send, else the row now says why not."""
        enrolment = self.enrolments.get(message.enrolment_id)
        campaign = self.campaigns[message.campaign_id]
        contact = self.contacts[message.contact_id]
        if enrolment is not None and enrolment.status != "active":
            return self.skip(message, enrolment.exit_reason or f"enrolment {enrolment.status}")
        exit_event = self.exit_event(campaign, enrolment)
        if exit_event is not None:
            return self.exit(message, campaign, enrolment, exit_event)
        if message.deadline_at and self.now > message.deadline_at:
            return self.skip(message, "deadline_passed")
        if not self.approved(message.draft_id):
            return self.skip(message, "draft_not_approved")
        return self.policy_allows(message, contact)

    def approved(self, draft_id: int | None) -> bool:
        """Belt and braces: the message's draft version itself carries an approver's approval."""
        if draft_id not in self.approvals:
            self.approvals[draft_id] = draft_id is not None and bool(
                approved_by_approver(self.db, draft_id, self.settings))
        return self.approvals[draft_id]

    def policy_allows(self, message: Message, contact: Contact) -> bool:
        purchased = (contact.country or "").upper() == "CA" and purchased_since(
            self.db, contact.id, self.now - IMPLIED_CONSENT_PERIOD)
        verdict = may_contact(contact, message.channel, settings=self.settings, now=self.now,
                              suppressed=self.suppressions.get(contact.email_hash, set()),
                              purchased_within_2y=purchased)
        if not verdict.allowed:
            return self.skip(message, verdict.reason)
        decision = frequency.decide(self.db, contact, message.channel, self.now, self.settings,
                          deadline=message.deadline_at)
        if decision.action == "defer":
            return self.defer(message, decision.until, decision.cause or decision.reason)
        if decision.action == "skip":
            return self.skip(message, decision.reason)
        return True

    def exit_event(self, campaign: Campaign, enrolment: Enrolment | None) -> Event | None:
        if not campaign.exit_event or enrolment is None:
            return None
        events = self.exits.get((enrolment.contact_id, campaign.exit_event), [])
        return next((e for e in events if e.occurred_at >= enrolment.entered_at), None)

    def exit(self, message: Message, campaign: Campaign, enrolment: Enrolment, event: Event) -> bool:
        # No conversion is written here: tools.reporting.attribution is their one writer, by the one rule.
        reason = f"exited: {event.name} on {event.occurred_at:%Y-%m-%d %H:%M} UTC"
        enrolment.status, enrolment.exit_reason, enrolment.exited_at = "exited", reason, self.now
        return self.skip(message, reason)

    def skip(self, message: Message, reason: str | None) -> bool:
        message.status, message.reason = Status.SKIPPED, reason or "not allowed"
        message.claimed_until, message.updated_at = None, self.now
        self.stats.add("skipped")
        return False

    def defer(self, message: Message, until: datetime | None, reason: str | None) -> bool:
        message.status, message.due_at = Status.DEFERRED, until or self.now + timedelta(minutes=15)
        message.reason, message.deferred_at = reason or "rules", self.now
        message.claimed_by, message.claimed_until, message.updated_at = None, None, self.now
        self.stats.add("deferred")
        return False

    def personalisation(self, contact: Contact) -> dict:
        """The contact's values; the first call loads them for the whole batch at once."""
        if self.extras is None:
            self.extras = personalisations(self.db, self.contacts.values(), self.now)
        return self.extras[contact.id]

    def wait_for_codes(self, message: Message) -> None:
        """The step's discount code pool is empty: wait for an import, then give up (never sent without)."""
        if not discount_codes.give_up_waiting(message, self.now):
            self.defer(message, self.now + discount_codes.RETRY_EVERY, Reason.DISCOUNT_CODES_EXHAUSTED)
            return
        message.status, message.reason, message.claimed_until = Status.FAILED, Reason.DISCOUNT_CODES_EXHAUSTED, None
        message.error = "no code was left in the step's discount code pool"
        self.stats.add("failed")

    def render(self, message: Message) -> Prepared | None:
        contact, draft = self.contacts[message.contact_id], self.drafts[message.draft_id]
        tracking = delivery.Tracking(self.settings, self.secret, message.id)
        mime_id = message.email_message_id or delivery.new_message_id(self.settings, message.id)
        links = {"unsubscribe_url": tracking.unsubscribe_url}
        try:
            # Claimed in this batch's transaction, which also stores the rendered message.
            code = discount_codes.code_for(self.db, message.id, message.step_id, self.now)
        except discount_codes.PoolExhausted:
            return self.wait_for_codes(message)
        if code:
            links["discount_code"] = code  # per-message values override the draft's own code
        try:
            recipient = delivery.recipient_address(contact.email or "")
            rendered = render_email(draft, contact, extra=self.personalisation(contact), links=links,
                                    settings=self.settings, variant=message.variant or "a")
            email = delivery.build_email(
                rendered=rendered, to_email=recipient, to_name=contact.first_name,
                message_id=mime_id, settings=self.settings, tracking=tracking, now=self.now)
            message.links = sorted(tracking.issued)  # the click redirect leads only to these
        except Exception as error:  # noqa: BLE001 - one bad row must not stop the batch
            log.warning("message %s could not be built: %s", message.id, type(error).__name__)
            message.status, message.error = Status.FAILED, f"could not build the email: {error}"[:500]
            message.reason = Reason.UNBUILDABLE
            message.claimed_until = None
            self.stats.add("failed")
            return None
        envelope = Envelope(delivery.sender_address(self.settings), recipient, email.as_bytes())
        return Prepared(message.id, email_hash(self.salt, recipient), envelope, mime_id, message.attempts,
                        message.campaign_id)


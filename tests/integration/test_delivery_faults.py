"""Faults a real relay produces, through the real aiosmtpd server and the real outbox: which
refusals suppress an address (only address-level ones), which pause the campaign, a pause that
stops a send in progress, scheduling raced from three connections, and a worker whose clock runs
fast (leases are compared on the database's clock)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from scheduler import jobs
from scheduler.outbox import OutboxWorker
from scheduler.senders import SmtpSender
from tests.delivery_support import add_contacts, approved_sequence, call, daytime_zone
from tests.fakes.smtp_server import FakeSMTP
from tools.campaigns import lifecycle as sequences
from tools.core.clock import SYSTEM_CLOCK, ManualClock
from tools.core.context import ToolError
from tools.core.db import session_scope
from tools.core.models import AuditEntry, Campaign, Message, Suppression
from tools.core.vocabulary import Reason, Status

WELCOME = [{"delay_hours": 0, "purpose": "welcome"}]


def queued(engine, settings, count: int, **campaign) -> tuple[list[str], int]:
    now = SYSTEM_CLOCK.now()
    recipients = add_contacts(engine, count, now=now - timedelta(hours=1), zone=daytime_zone(now))
    campaign_id = approved_sequence(engine, settings, WELCOME, **campaign)
    jobs.enrol(engine, settings, SYSTEM_CLOCK)
    assert jobs.materialise(engine, SYSTEM_CLOCK) == count
    return recipients, campaign_id


def outcomes(engine) -> list[tuple[str, str | None, int]]:
    """(status, reason, id) of every message, in the order they were queued."""
    with session_scope(engine) as db:
        return db.execute(select(Message.status, Message.reason, Message.id).order_by(Message.id)).all()


def campaign_status(engine, campaign_id: int) -> str:
    with session_scope(engine) as db:
        return db.get(Campaign, campaign_id).status


def count(engine, model, *where) -> int:
    with session_scope(engine) as db:
        return db.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("stage, reply, status, reason, suppressed, paused", [
    ("RCPT", "550 5.1.1 no such user", Status.FAILED, Reason.BOUNCED, True, False),
    ("RCPT", "550 no such user here", Status.FAILED, Reason.BOUNCED, True, False),
    ("RCPT", "552 5.2.2 mailbox full", Status.DEFERRED, None, False, False),
    ("DATA", "552 5.3.4 Message size exceeds fixed limit", Status.FAILED, Reason.MESSAGE_TOO_BIG, False, True),
    ("DATA", "554 5.7.1 content rejected", Status.FAILED, Reason.REFUSED_BY_POLICY, False, True),
    ("DATA", "554 transaction failed", Status.FAILED, Reason.REFUSED_MESSAGE, False, True),
    ("MAIL", "553 5.7.1 sender not allowed", Status.FAILED, Reason.SENDER_REFUSED, False, True),
])
def test_only_an_address_level_refusal_suppresses_and_a_message_level_one_pauses(
        engine, settings, stage, reply, status, reason, suppressed, paused):
    recipients, campaign_id = queued(engine, settings, 3)
    posted: list[str] = []
    with FakeSMTP() as smtp:
        smtp.script("*" if stage == "MAIL" else recipients[0], stage, reply)
        jobs.dispatch(engine, settings, SYSTEM_CLOCK, SmtpSender(smtp.url), notify=posted.append)
        delivered = smtp.recipients()
    rows = outcomes(engine)
    first_status, first_reason, _ = rows[0]
    assert first_status == status
    assert (first_reason if status == Status.FAILED else None) == reason
    assert count(engine, Suppression) == (1 if suppressed else 0)
    pauses = count(engine, AuditEntry, AuditEntry.action == "campaign.paused")
    if paused:
        assert campaign_status(engine, campaign_id) == "paused" and pauses == 1
        assert delivered == [], "after the pause nothing more leaves"
        assert [status for status, _, _ in rows[1:]] == [Status.PENDING, Status.PENDING]
        assert len(posted) == 1 and f"Campaign {campaign_id} is paused" in posted[0]
        assert reply.split()[0] in posted[0]
    else:
        assert campaign_status(engine, campaign_id) == "active" and pauses == 0 and posted == []
        assert delivered == recipients[1:]


def test_pause_stops_a_send_in_progress(engine, settings):
    recipients, campaign_id = queued(engine, settings, 6)
    with FakeSMTP() as smtp:
        def pause_at_the_second(received):
            if len(smtp.messages) == 2:
                call(engine, settings, "pause_campaign", {"campaign": str(campaign_id)})

        smtp.on_data = pause_at_the_second
        OutboxWorker(engine, settings, SYSTEM_CLOCK, SmtpSender(smtp.url)).run_once()
        assert len(smtp.messages) == 2, "nothing leaves after pause returns"
    statuses = [status for status, _, _ in outcomes(engine)]
    assert statuses == [Status.SENT] * 2 + [Status.PENDING] * 4


def test_three_schedulers_at_once_one_wins_and_one_audit_row(engine, settings, monkeypatch):
    created = call(engine, settings, "create_sequence",
                   {"name": "Race", "segment": {"attribute": "email", "op": "exists"}, "steps": WELCOME})
    for draft_id in created.draft_ids:
        call(engine, settings, "approve_draft", {"draft_id": draft_id})
    # Every caller has read "awaiting approval" before any of them writes: the worst interleaving.
    together = threading.Barrier(3, timeout=20)
    real_steps_of = sequences.steps_of

    def steps_of(db, campaign):
        steps = real_steps_of(db, campaign)
        together.wait()
        return steps

    monkeypatch.setattr(sequences, "steps_of", steps_of)
    results: list[str] = []

    def schedule() -> None:
        try:
            call(engine, settings, "schedule_campaign", {"campaign": str(created.campaign_id)})
            results.append("ok")
        except ToolError as error:
            results.append(str(error))

    threads = [threading.Thread(target=schedule) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results)[-1] == "ok" and results.count("ok") == 1, results
    assert all("changed meanwhile" in result for result in results if result != "ok")
    assert count(engine, AuditEntry, AuditEntry.action == "campaign.scheduled") == 1


def test_a_worker_whose_clock_runs_fast_does_not_take_live_claims(engine, settings):
    queued(engine, settings, 3)
    honest = OutboxWorker(engine, settings, SYSTEM_CLOCK, None, name="honest")
    fast = OutboxWorker(engine, settings, ManualClock(SYSTEM_CLOCK.now() + timedelta(minutes=10)), None,
                        name="fast")
    assert len(honest.claim()) == 3
    assert fast.claim() == [], "the claims are live on the database's clock"
    assert fast.recover_in_doubt() == 0


def test_a_worker_outlives_its_database_session_being_terminated(engine, settings, database_url):
    if engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's (a failover's) way to drop a session")
    from sqlalchemy import create_engine, text

    from bot.cli.campaigns import _deliver_surviving_the_database

    recipients, _ = queued(engine, settings, 6)
    worker_engine = create_engine(database_url, pool_pre_ping=True,
                                  connect_args={"application_name": "nudge-doomed-worker"})
    terminated = []
    with FakeSMTP() as smtp:
        def terminate_at_the_second(received):
            if len(smtp.messages) == 2 and not terminated:
                with engine.begin() as admin:
                    terminated.extend(admin.execute(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = 'nudge-doomed-worker'")).scalars())

        smtp.on_data = terminate_at_the_second
        worker = OutboxWorker(worker_engine, settings, SYSTEM_CLOCK, SmtpSender(smtp.url, timeout=5))
        started = SYSTEM_CLOCK.now()
        stats = _deliver_surviving_the_database(worker, threading.Event())
        # The retried pass delivered the rest at once: nothing waited for the 5-minute lease.
        delivered = smtp.recipients()
    worker_engine.dispose()
    assert terminated and any(terminated)
    assert sorted(delivered) == sorted(recipients), "each delivered exactly once"
    assert [status for status, _, _ in outcomes(engine)] == [Status.SENT] * 6
    assert (SYSTEM_CLOCK.now() - started).total_seconds() < 15 and stats is not None

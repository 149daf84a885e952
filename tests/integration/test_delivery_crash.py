"""A worker killed in the middle of a batch, then restarted, delivers every message exactly once.

The worker runs as a real `nudge worker --once` process against a real SMTP server. The server
stalls on the 10th message *after* receiving it (the worst moment: the message is with the
server, the worker has not yet stored "sent"); the test kills the worker there with SIGKILL.
A fresh worker, once the dead worker's claims have expired, must deliver the rest, and must
not resend the one in doubt. What counts is what the SMTP server received.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from scheduler import jobs
from scheduler.outbox import OutboxWorker
from scheduler.senders import SmtpSender
from tests.delivery_support import (
    add_contacts,
    approved_sequence,
    daytime_zone,
    statuses,
)
from tests.fakes.smtp_server import FakeSMTP
from tools.core.clock import SYSTEM_CLOCK, ManualClock
from tools.core.db import session_scope
from tools.core.models import Message

CONTACTS = 40
STALL_AT = 10


def test_kill_mid_batch_and_restart_delivers_each_message_exactly_once(engine, settings, monkeypatch):
    now = SYSTEM_CLOCK.now()
    recipients = add_contacts(engine, CONTACTS, now=now - timedelta(hours=1), zone=daytime_zone(now))
    approved_sequence(engine, settings, [{"delay_hours": 0, "purpose": "welcome"}])
    jobs.enrol(engine, settings, SYSTEM_CLOCK)
    assert jobs.materialise(engine, SYSTEM_CLOCK) == CONTACTS
    stalled, release = threading.Event(), threading.Event()
    with FakeSMTP() as smtp:
        def stall(received):
            if len(smtp.messages) == STALL_AT:
                stalled.set()
                release.wait(30)

        smtp.on_data = stall
        monkeypatch.setenv("SMTP_URL", smtp.url)
        worker = subprocess.Popen([sys.executable, "-c", "from bot.cli.main import main; main()", "worker",
                                   "--once", "--batch-size", "25"], env=dict(os.environ),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            assert stalled.wait(60), worker.stderr.read().decode() if worker.poll() is not None else "no stall"
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        finally:
            release.set()
        assert len(smtp.messages) == STALL_AT
        # Leases run on the database's clock: let six minutes pass there for the dead worker's claims.
        with session_scope(engine) as db:
            for message in db.scalars(select(Message).where(Message.claimed_until.is_not(None))):
                message.claimed_until -= timedelta(minutes=6)
        after_lease = ManualClock(SYSTEM_CLOCK.now() + timedelta(minutes=6))
        OutboxWorker(engine, settings, after_lease, SmtpSender(smtp.url)).run_once()
        received = Counter(smtp.recipients())
    assert received == {address: 1 for address in recipients}
    outcomes = Counter(status for _, status, _ in statuses(engine))
    assert outcomes == {"sent": CONTACTS - 1, "failed": 1}
    with session_scope(engine) as db:
        in_doubt = db.scalar(select(Message).where(Message.status == "failed"))
        assert "outcome unknown" in in_doubt.error and in_doubt.email_message_id in in_doubt.error

"""Two schedulers against one database: one leads and runs each job, the other waits and takes
over when the leader dies. Both legs: PostgreSQL advisory lock and SQLite lease row."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import inspect

from scheduler import jobs, setup
from scheduler.senders import SmtpSender
from scheduler.setup import Timings, start_scheduler
from tests.delivery_support import START, add_contacts, approved_sequence
from tests.fakes.smtp_server import FakeSMTP
from tools.core.clock import ManualClock

FAST = Timings(enrol_seconds=0.2, dispatch_seconds=0.2, heartbeat_seconds=0.1, lease_seconds=1)


def wait_for(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def die(runner) -> None:
    """What a crash looks like from outside: no more heartbeats, the lock's session gone."""
    runner._stop.set()
    runner._thread.join(5)
    runner._step_down()
    connection = getattr(runner.leadership, "connection", None)
    if connection is not None:
        connection.invalidate()


@pytest.fixture
def runs(monkeypatch):
    """Which scheduler (by its clock) ran the enrol job, in order."""
    seen: list[int] = []
    real = jobs.enrol

    def counting(engine, settings, clock):
        seen.append(id(clock))
        return real(engine, settings, clock)

    monkeypatch.setattr(jobs, "enrol", counting)
    return seen


def test_one_leader_runs_each_job_and_the_standby_takes_over(engine, settings, runs):
    recipients = add_contacts(engine, 5)
    approved_sequence(engine, settings, [{"delay_hours": 0, "purpose": "welcome"}])
    first_clock, second_clock = ManualClock(START), ManualClock(START)
    with FakeSMTP() as smtp:
        sender = SmtpSender(smtp.url)
        first = start_scheduler(engine, settings, first_clock, sender=sender, timings=FAST)
        second = start_scheduler(engine, settings, second_clock, sender=sender, timings=FAST)
        try:
            assert wait_for(lambda: len(smtp.messages) == 5 and len(runs) >= 5)
            time.sleep(0.5)
            assert [first.is_leader, second.is_leader].count(True) == 1
            leader, standby = (first, second) if first.is_leader else (second, first)
            assert set(runs) == {id(leader.runtime.clock)}
            assert inspect(engine).has_table("apscheduler_jobs")
            die(leader)
            before = len(runs)
            assert wait_for(lambda: standby.is_leader and len(runs) > before + 3)
            assert set(runs[before:]) == {id(standby.runtime.clock)}
            add_contacts(engine, 2, prefix="late")
            assert wait_for(lambda: len(smtp.messages) == 7)
            time.sleep(0.5)
        finally:
            first.stop()
            second.stop()
        received = Counter(smtp.recipients())
    assert received == {address: 1 for address in recipients + ["late0@example.com", "late1@example.com"]}


def test_jobs_are_declared_with_stable_ids_and_their_triggers():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tools.core.settings import load_settings

    assert [spec.id for spec in setup.JOBS] == ["enrol", "dispatch", "attribute", "daily_digest", "purge_expired"]
    settings = load_settings(digest_time="07:30", timezone="Europe/Paris")
    triggers = {spec.id: spec.trigger(settings, Timings()) for spec in setup.JOBS}
    assert triggers["enrol"].interval.total_seconds() == 30 == triggers["dispatch"].interval.total_seconds()
    evening = datetime(2026, 12, 1, 20, 0, tzinfo=ZoneInfo("Europe/Paris"))
    digest = triggers["daily_digest"].get_next_fire_time(None, evening)
    assert (digest.day, digest.hour, digest.minute, str(digest.tzinfo)) == (2, 7, 30, "Europe/Paris")

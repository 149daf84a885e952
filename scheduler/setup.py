"""Starting Nudge's scheduler: its jobs (each declared beside its trigger) and its leadership.

`start_scheduler(engine, settings, clock)` returns a `SchedulerRunner` that waits on standby
until it is the database's one leader (scheduler/leadership.py), then runs an APScheduler 3
`BackgroundScheduler` whose job store is the shared database. If it loses leadership (its
lease could not be renewed, its lock session died) it stops the scheduler and waits again.

Jobs are stored in the database, so what is stored must pickle: each job is a module-level
function taking only the key of the live `Runtime` (engine, settings, clock, sender, Slack
client) it should use; the leader re-adds every job with `replace_existing=True` on start.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from scheduler import jobs
from scheduler.digest import catch_up_digest, digest_trigger, slack_notifier
from scheduler.leadership import leadership_for
from scheduler.senders import sender_for
from tools.core.clock import Clock
from tools.core.db import session_scope
from tools.core.settings import Settings

log = logging.getLogger("nudge.scheduler")


@dataclass(frozen=True)
class Timings:
    """How often things happen; tests shrink these, production keeps the defaults."""

    enrol_seconds: float = 30
    dispatch_seconds: float = 30
    attribute_seconds: float = 60
    heartbeat_seconds: float = 5
    lease_seconds: float = 20
    purge_hour: int = 3


@dataclass
class Runtime:
    engine: Engine
    settings: Settings
    clock: Clock
    sender: object
    slack_client: object | None = None


@dataclass(frozen=True)
class JobSpec:
    id: str
    function: Callable[[str], None]
    trigger: Callable[[Settings, Timings], BaseTrigger]


JOBS: list[JobSpec] = []
_RUNTIMES: dict[str, Runtime] = {}


def job(job_id: str, trigger: Callable[[Settings, Timings], BaseTrigger]):
    """Declare a scheduled job with its stable id and its trigger, right where it is defined."""

    def register(function: Callable[[str], None]) -> Callable[[str], None]:
        JOBS.append(JobSpec(job_id, function, trigger))
        return function

    return register


@job("enrol", lambda settings, t: IntervalTrigger(seconds=t.enrol_seconds))
def enrol_job(runtime_key: str) -> None:
    """Enter new members of active campaigns' segments (new abandoners within a minute)."""
    runtime = _RUNTIMES.get(runtime_key)
    if runtime:
        jobs.enrol(runtime.engine, runtime.settings, runtime.clock)


@job("dispatch", lambda settings, t: IntervalTrigger(seconds=t.dispatch_seconds))
def dispatch_job(runtime_key: str) -> None:
    """Create due steps' outbox messages, then decide and deliver them."""
    runtime = _RUNTIMES.get(runtime_key)
    if runtime:
        stats = jobs.dispatch(runtime.engine, runtime.settings, runtime.clock, runtime.sender,
                              notify=slack_notifier(runtime.settings, runtime.slack_client))
        if stats.counts:
            log.info("dispatch: %s", stats.text())


@job("attribute", lambda settings, t: IntervalTrigger(seconds=t.attribute_seconds))
def attribute_job(runtime_key: str) -> None:
    """Attribute new orders to the message that earned them (the one writer of conversions)."""
    runtime = _RUNTIMES.get(runtime_key)
    if runtime:
        jobs.attribute(runtime.engine, runtime.settings, runtime.clock)


@job("daily_digest", lambda settings, t: digest_trigger(settings))
def daily_digest_job(runtime_key: str) -> None:
    """Post yesterday's performance digest to the digest channel."""
    runtime = _RUNTIMES.get(runtime_key)
    if runtime:
        from scheduler.digest import run_daily_digest

        run_daily_digest(runtime.engine, runtime.settings, runtime.clock, runtime.slack_client)


@job("purge_expired", lambda settings, t: CronTrigger(hour=t.purge_hour, minute=17, timezone=settings.zone))
def purge_expired_job(runtime_key: str) -> None:
    """Delete personal data older than the retention period (NUDGE_RETENTION_MONTHS)."""
    runtime = _RUNTIMES.get(runtime_key)
    if runtime:
        from tools.privacy.retention import purge_expired

        with session_scope(runtime.engine) as db:
            purge_expired(db, runtime.settings, runtime.clock.now())


def catch_up_on_digest(runtime: Runtime) -> None:
    """Post today's digest if its time has passed and nobody posted it (errors are logged)."""
    if not runtime.settings.digest_channel:
        return  # no digest is wanted; the 09:00 job says so once a day, not at every start
    catch_up_digest(runtime.engine, runtime.settings, runtime.clock, runtime.slack_client)


@dataclass
class SchedulerRunner:
    """Leadership loop plus, while leader, the APScheduler instance running the jobs."""

    runtime: Runtime
    timings: Timings = field(default_factory=Timings)
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        self.leadership = leadership_for(self.runtime.engine, f"scheduler:{self.key}",
                                         timedelta(seconds=self.timings.lease_seconds))
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nudge-leadership", daemon=True)

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None

    def start(self) -> "SchedulerRunner":
        _RUNTIMES[self.key] = self.runtime
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._step_down()
        self.leadership.release()
        _RUNTIMES.pop(self.key, None)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._beat()
            except Exception:  # noqa: BLE001 - the heartbeat must survive a database hiccup
                log.exception("scheduler heartbeat failed")
                self._step_down()
            self._stop.wait(self.timings.heartbeat_seconds)

    def _beat(self) -> None:
        if self.is_leader:
            if not self.leadership.renew():
                log.warning("lost scheduler leadership; stopping jobs and waiting on standby")
                self._step_down()
        elif self.leadership.try_acquire() and not self._stop.is_set():
            self._take_over()

    def _take_over(self) -> None:
        settings = self.runtime.settings
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.runtime.engine)},
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
            timezone=settings.zone,
        )
        for spec in JOBS:
            scheduler.add_job(spec.function, spec.trigger(settings, self.timings), args=[self.key],
                              id=spec.id, name=spec.id, replace_existing=True)
        scheduler.start()
        self.scheduler = scheduler
        # Not a scheduled job: a one-off run at takeover, so a digest missed while no scheduler
        # led (the machine was off at its time) is posted the same day.
        threading.Thread(target=catch_up_on_digest, args=[self.runtime], name="nudge-digest-catch-up",
                         daemon=True).start()
        log.info("this process is the scheduler leader (jobs: %s)", ", ".join(s.id for s in JOBS))

    def _step_down(self) -> None:
        if self.scheduler is not None:
            scheduler, self.scheduler = self.scheduler, None
            scheduler.shutdown(wait=False)


def start_scheduler(engine: Engine, settings: Settings, clock: Clock, slack_client=None, *,
                    sender=None, timings: Timings | None = None) -> SchedulerRunner:
    """Start the scheduler on standby; it runs the jobs as soon as it is the database's leader."""
    runtime = Runtime(engine, settings, clock, sender or sender_for(settings), slack_client)
    return SchedulerRunner(runtime, timings or Timings()).start()

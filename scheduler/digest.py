"""The `daily_digest` job: build the morning digest and post it to Slack exactly once a day.

The cron trigger (NUDGE_DIGEST_TIME in NUDGE_TIMEZONE) is declared here beside the job. Two
schedulers, a restart or a catch-up run may all try the same day, so a run first takes a
short lease named after the day (one holder at a time; a crashed holder's lease expires), and
once the message is in Slack the day is recorded as an idempotency key (scope "digest", key
the local date): later runs that day see it and stop. `catch_up_digest` is called when the
scheduler starts: if today's digest time has passed without a digest (Nudge was off at 09:00),
it is posted then. The chart is uploaded after the message; a failed upload is logged and does
not make the text go out twice.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import date, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError

from scheduler.jobs import attribute
from tools.core.clock import Clock
from tools.core.db import session_scope
from tools.core.models import IdempotencyKey, Lease
from tools.core.settings import Settings
from tools.reporting.charts import default_title
from tools.reporting.digest import Digest, build_digest

JOB_ID = "daily_digest"
SCOPE = "digest"
LEASE_LENGTH = timedelta(minutes=15)
log = logging.getLogger("nudge.digest")


def digest_trigger(settings: Settings) -> CronTrigger:
    """Every day at NUDGE_DIGEST_TIME in NUDGE_TIMEZONE."""
    clock_time = settings.digest_clock
    return CronTrigger(hour=clock_time.hour, minute=clock_time.minute, timezone=settings.zone)


def slack_client_for(settings: Settings) -> WebClient | None:
    """A Web API client from SLACK_BOT_TOKEN (and SLACK_API_URL), or None when not configured."""
    if not settings.slack_bot_token:
        return None
    if settings.slack_api_url:
        return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    return WebClient(token=settings.slack_bot_token)


def slack_notifier(settings: Settings, slack_client: WebClient | None = None):
    """A function posting one line to NUDGE_DIGEST_CHANNEL, or None when Slack is not set up
    (the caller then only logs and audits)."""
    client = slack_client or slack_client_for(settings)
    if client is None or not settings.digest_channel:
        return None
    return lambda text: client.chat_postMessage(channel=settings.digest_channel, text=text)


def run_daily_digest(engine: Engine, settings: Settings, clock: Clock, slack_client: WebClient | None) -> str:
    """Post today's digest unless it was already posted; returns what happened, in words."""
    client = slack_client or slack_client_for(settings)
    if client is None or not settings.digest_channel:
        log.warning("daily digest not posted: set SLACK_BOT_TOKEN and NUDGE_DIGEST_CHANNEL")
        return "not configured"
    now = clock.now()
    day = now.astimezone(settings.zone).date()
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if not _take_lease(engine, day, holder, now):
        return "being posted by another scheduler"
    try:
        # Checked while holding the lease: a holder marks the day before letting go of it.
        if already_posted(engine, day):
            return "already posted"
        # Yesterday's last orders are attributed first (the writer), then the digest only reads.
        attribute(engine, settings, clock)
        with session_scope(engine) as db:
            digest = build_digest(db, settings, day)
        with_chart = post_digest(client, settings.digest_channel, digest,
                                 on_posted=lambda: _mark_posted(engine, day, now))
    finally:
        _release_lease(engine, day, holder)
    return "posted" if with_chart else "posted without chart"


def catch_up_digest(engine: Engine, settings: Settings, clock: Clock, slack_client: WebClient | None) -> str | None:
    """At scheduler start: post today's digest if its time has passed and nobody posted it."""
    local_now = clock.now().astimezone(settings.zone)
    if local_now.time() < settings.digest_clock or already_posted(engine, local_now.date()):
        return None
    try:
        return run_daily_digest(engine, settings, clock, slack_client)
    except Exception:  # starting the scheduler must not fail because Slack or the digest did
        log.exception("catching up on today's digest failed; `nudge digest` can post it by hand")
        return "failed"


def post_digest(client: WebClient, channel: str, digest: Digest, on_posted=None) -> bool:
    """Post the text and blocks, then upload the chart to the same channel.

    Returns whether the chart went up too. `on_posted` runs as soon as the message is in
    Slack, before the upload, so a failed upload can never cause the text to be posted twice.
    """
    response = client.chat_postMessage(channel=channel, text=digest.text, blocks=digest.blocks,
                                       unfurl_links=False)
    if on_posted:
        on_posted()
    try:
        client.files_upload_v2(
            channel=response.get("channel") or channel,
            file=digest.chart_png,
            filename=f"nudge-digest-{digest.day.isoformat()}.png",
            title=default_title(digest.chart_series),
        )
    except Exception as error:  # the text is posted; a chart failure must not undo that
        log.warning("digest chart upload failed: %s", type(error).__name__)
        return False
    return True


def already_posted(engine: Engine, day: date) -> bool:
    with session_scope(engine) as db:
        return db.get(IdempotencyKey, (SCOPE, day.isoformat())) is not None


def _mark_posted(engine: Engine, day: date, now: datetime) -> None:
    try:
        with session_scope(engine) as db:
            db.add(IdempotencyKey(scope=SCOPE, key=day.isoformat(), created_at=now))
    except IntegrityError:
        log.info("digest for %s was already marked as posted", day)


def _lease_name(day: date) -> str:
    return f"{JOB_ID}:{day.isoformat()}"


def _take_lease(engine: Engine, day: date, holder: str, now: datetime) -> bool:
    """Hold the day's lease: insert it, or take it over only once its holder let it expire."""
    try:
        with session_scope(engine) as db:
            db.add(Lease(name=_lease_name(day), holder=holder, expires_at=now + LEASE_LENGTH))
        return True
    except IntegrityError:
        pass
    with session_scope(engine) as db:
        taken = db.execute(
            update(Lease)
            .where(Lease.name == _lease_name(day), Lease.expires_at < now)
            .values(holder=holder, expires_at=now + LEASE_LENGTH)
        )
        return taken.rowcount == 1


def _release_lease(engine: Engine, day: date, holder: str) -> None:
    with session_scope(engine) as db:
        db.execute(delete(Lease).where(Lease.name == _lease_name(day), Lease.holder == holder))

"""The daily_digest job against the fake Slack: posted with its chart, once a day, caught up."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from scheduler.digest import catch_up_digest, digest_trigger, run_daily_digest
from tests.fakes.slack_api import FakeSlack
from tests.reporting_builders import World, at
from tools.core.clock import ManualClock
from tools.core.db import session_scope
from tools.core.models import IdempotencyKey, Lease

MORNING = at(20, 9, 0)


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def digest_settings(settings):
    return settings.model_copy(update={"digest_channel": "#marketing", "slack_bot_token": "xoxb-test"})


def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.base_url)


def seed(engine):
    with session_scope(engine) as db:
        world = World(db)
        _, (step,) = world.campaign("Cart")
        buyer, *others = world.contacts(4)
        sends = world.messages(step, [buyer, *others], at(19, 9))
        world.track(sends[0], "click", at(19, 10))
        world.order(buyer, at(19, 11))


def test_digest_posts_text_blocks_and_chart_to_the_channel(engine, digest_settings, slack):
    seed(engine)
    outcome = run_daily_digest(engine, digest_settings, ManualClock(MORNING), client(slack))
    assert outcome == "posted"
    (post,) = slack.calls("chat.postMessage")
    assert post["channel"] == "#marketing"
    assert post["text"].startswith("Nudge daily digest for Thursday 19 November 2026")
    assert post["blocks"][0]["type"] == "header"
    (upload,) = slack.calls("upload")
    assert upload["data"][:8] == b"\x89PNG\r\n\x1a\n" and upload["size"] > 10_000
    (complete,) = slack.calls("files.completeUploadExternal")
    assert complete["channel_id"] == "#marketing"
    assert complete["files"][0]["title"].startswith("Nudge email performance, ")


def test_one_digest_per_day_across_runs_restarts_and_two_schedulers(engine, digest_settings, slack):
    clock = ManualClock(MORNING)
    outcomes = []
    threads = [threading.Thread(target=lambda: outcomes.append(
        run_daily_digest(engine, digest_settings, clock, client(slack)))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and outcomes.count("posted") == 1
    assert run_daily_digest(engine, digest_settings, clock, client(slack)) == "already posted"
    clock.advance(timedelta(hours=3))  # a restart later the same day
    assert catch_up_digest(engine, digest_settings, clock, client(slack)) is None
    assert len(slack.calls("chat.postMessage")) == 1
    clock.advance(timedelta(days=1))
    assert run_daily_digest(engine, digest_settings, clock, client(slack)) == "posted"
    assert len(slack.calls("chat.postMessage")) == 2
    with session_scope(engine) as db:
        keys = db.scalars(select(IdempotencyKey.key).where(IdempotencyKey.scope == "digest")).all()
        assert sorted(keys) == ["2026-11-20", "2026-11-21"]
        assert db.scalars(select(Lease)).all() == []


def test_a_missed_digest_is_posted_when_nudge_comes_back_the_same_day(engine, digest_settings, slack):
    early = ManualClock(at(20, 8, 30))
    assert catch_up_digest(engine, digest_settings, early, client(slack)) is None  # cron will do it
    late = ManualClock(at(20, 15, 0))
    assert catch_up_digest(engine, digest_settings, late, client(slack)) == "posted"
    assert len(slack.calls("chat.postMessage")) == 1


def test_a_crashed_holder_blocks_only_until_its_lease_expires(engine, digest_settings, slack):
    with session_scope(engine) as db:
        db.add(Lease(name="daily_digest:2026-11-20", holder="crashed", expires_at=at(20, 9, 10)))
    clock = ManualClock(MORNING)
    assert run_daily_digest(engine, digest_settings, clock, client(slack)) == "being posted by another scheduler"
    clock.advance(timedelta(minutes=11))
    assert run_daily_digest(engine, digest_settings, clock, client(slack)) == "posted"


def test_a_failed_chart_upload_does_not_repost_the_text(engine, digest_settings, slack):
    slack.fail("files.getUploadURLExternal")
    clock = ManualClock(MORNING)
    assert run_daily_digest(engine, digest_settings, clock, client(slack)) == "posted without chart"
    assert run_daily_digest(engine, digest_settings, clock, client(slack)) == "already posted"
    assert len(slack.calls("chat.postMessage")) == 1


def test_a_refused_post_leaves_the_day_open_for_a_retry(engine, digest_settings, slack):
    slack.fail("chat.postMessage", "channel_not_found")
    clock = ManualClock(MORNING)
    with pytest.raises(Exception, match="channel_not_found"):
        run_daily_digest(engine, digest_settings, clock, client(slack))
    slack.reset()
    assert run_daily_digest(engine, digest_settings, clock, client(slack)) == "posted"


def test_without_slack_settings_nothing_is_claimed(engine, settings, slack):
    clock = ManualClock(MORNING)
    assert run_daily_digest(engine, settings, clock, None) == "not configured"
    with session_scope(engine) as db:
        assert db.scalars(select(IdempotencyKey)).all() == []


def test_the_trigger_fires_at_the_digest_time_in_the_team_zone(settings):
    local = settings.model_copy(update={"digest_time": "07:30", "timezone": "Europe/Paris"})
    trigger = digest_trigger(local)
    start = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
    fire = trigger.get_next_fire_time(None, start)
    assert fire.astimezone(timezone.utc) == datetime(2026, 11, 20, 6, 30, tzinfo=timezone.utc)


def test_a_scheduler_taking_the_lead_after_the_digest_time_posts_the_missed_digest(engine, digest_settings, slack):
    import time

    from scheduler.setup import Timings, start_scheduler

    seed(engine)
    quick = Timings(enrol_seconds=3600, dispatch_seconds=3600, heartbeat_seconds=0.1, lease_seconds=1)
    runner = start_scheduler(engine, digest_settings, ManualClock(at(20, 15, 0)), client(slack),
                             sender=object(), timings=quick)
    try:
        deadline = time.monotonic() + 20
        while not slack.calls("chat.postMessage") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        runner.stop()
    assert len(slack.calls("chat.postMessage")) == 1

"""`nudge report` and `nudge digest` from the command line."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from bot.cli.main import app, register_commands
from tests.fakes.slack_api import FakeSlack
from tests.reporting_builders import World
from tools.core.settings import get_settings

register_commands()
NOW = datetime.now(timezone.utc)


def nudge(*arguments: str):
    return CliRunner().invoke(app, list(arguments))


def recent_campaign(db):
    world = World(db)
    _, (step,) = world.campaign("Abandoned cart")
    sends = world.messages(step, world.contacts(3), NOW - timedelta(days=1))
    world.track(sends[0], "click", NOW - timedelta(hours=20))
    db.commit()


def test_report_prints_the_plain_words_summary(db, settings):
    recent_campaign(db)
    result = nudge("report", "Abandoned cart", "--since", "7d")
    assert result.exit_code == 0, result.output
    assert "Abandoned cart: 3 sent, 0 opened (0.0%), 1 clicked (33.3%)" in result.stdout


def test_report_as_json_has_steps_and_days(db, settings):
    recent_campaign(db)
    result = nudge("report", "--since", "2d", "--json")
    assert result.exit_code == 0, result.output
    (campaign,) = json.loads(result.stdout)["campaigns"]
    assert campaign["totals"]["sent"] == 3 and campaign["steps"][0]["step"] == 1
    assert sum(day["sent"] for day in campaign["days"]) == 3


@pytest.mark.parametrize("arguments, words", [
    (["report", "Nope"], "nudge: no campaign 'Nope'"),
    (["report", "--since", "forever"], "nudge: period 'forever' is not understood"),
    (["digest", "--date", "yesterday", "--print"], "nudge: --date 'yesterday' is not a date; use YYYY-MM-DD"),
])
def test_bad_input_is_one_line_and_exit_code_2(db, settings, arguments, words):
    result = nudge(*arguments)
    assert result.exit_code == 2
    assert result.stderr.strip() == result.stderr.strip().splitlines()[0]
    assert result.stderr.startswith(words)


def test_digest_prints_and_writes_the_chart(db, settings, tmp_path):
    World(db).campaign("Cart")
    db.commit()
    chart = tmp_path / "digest.png"
    result = nudge("digest", "--date", "2026-11-20", "--print", "--png", str(chart))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Nudge daily digest for Thursday 19 November 2026")
    assert "- Cart: 0 sent" in result.stdout
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_digest_posts_to_slack_when_configured(db, settings, monkeypatch):
    World(db).campaign("Cart")
    db.commit()
    with FakeSlack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", slack.base_url)
        monkeypatch.setenv("NUDGE_DIGEST_CHANNEL", "#marketing")
        get_settings.cache_clear()
        result = nudge("digest", "--date", "2026-11-20")
        assert result.exit_code == 0, result.output
        assert "digest for 2026-11-20 posted to #marketing" in result.stdout
        assert slack.calls("chat.postMessage")[0]["channel"] == "#marketing"
        assert len(slack.calls("upload")) == 1
        slack.fail("chat.postMessage", "not_in_channel")
        refused = nudge("digest", "--date", "2026-11-20")
    assert refused.exit_code == 2 and "Slack refused the digest: not_in_channel" in refused.stderr


def test_digest_without_slack_prints_and_says_how_to_post(db, settings):
    result = nudge("digest", "--date", "2026-11-20")
    assert result.exit_code == 0
    assert "Nudge daily digest" in result.stdout
    assert "set SLACK_BOT_TOKEN and NUDGE_DIGEST_CHANNEL" in result.stderr


def test_digest_refuses_a_chart_path_outside_the_working_directory(db, settings, tmp_path):
    result = nudge("digest", "--print", "--png", "../escaped.png")
    assert result.exit_code == 2 and "outside the working directory" in result.stderr
    assert "e.g. exports/digest.png" in result.stderr and "out.json" not in result.stderr
    assert not (tmp_path.parent / "escaped.png").exists()

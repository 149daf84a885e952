"""`nudge draft`, `nudge check`, `nudge preflight` and `nudge rules` through the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.cli.main import app, register_commands
from tools.core import db as nudge_db
from tools.core.models import Campaign, CampaignStep, Contact, Draft, Segment

register_commands()
runner = CliRunner()


def test_draft_email_prints_the_draft_and_its_verdict(settings):
    result = runner.invoke(app, ["draft", "email", "--purpose", "cart_discount", "--discount-percent", "10"])
    assert result.exit_code == 0, result.stderr
    assert 'Draft 1 (v1, cart_discount, template writer): subject "10% off your cart, just for you"' in result.stdout
    as_json = runner.invoke(app, ["draft", "email", "--purpose", "welcome", "--json"])
    assert json.loads(as_json.stdout)["draft_id"] == 2


def test_bad_purpose_is_one_line_and_exit_2(settings):
    result = runner.invoke(app, ["draft", "email", "--purpose", "blast"])
    assert result.exit_code == 2
    assert result.stderr.startswith("nudge: draft_email: purpose:") and "cart_reminder" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_draft_ad_revise_and_preview(settings, engine):
    ad = runner.invoke(app, ["draft", "ad", "--platform", "meta"])
    assert ad.exit_code == 0 and "primary_texts:" in ad.stdout
    runner.invoke(app, ["draft", "email", "--purpose", "welcome"])
    revised = runner.invoke(app, ["draft", "revise", "2", "--subject", "Welcome, {{ first_name }}!"])
    assert revised.exit_code == 0 and "v2" in revised.stdout
    with nudge_db.session_scope(engine) as session:
        session.add(Contact(user_id="u1", email="ann@x.example", first_name="Ann"))
    preview = runner.invoke(app, ["draft", "preview", "3", "--contact", "1"])
    assert preview.exit_code == 0 and "Subject: Welcome, Ann!" in preview.stdout
    stale = runner.invoke(app, ["draft", "revise", "2", "--subject", "Again"])
    assert stale.exit_code == 2 and "replaced by draft 3" in stale.stderr


def test_check_exits_1_when_blocked(settings, engine):
    runner.invoke(app, ["draft", "email", "--purpose", "welcome"])
    ok = runner.invoke(app, ["check", "1"])
    assert ok.exit_code == 0 and "0 blocking" in ok.stdout
    runner.invoke(app, ["draft", "revise", "1", "--subject", "RE: your account"])
    blocked = runner.invoke(app, ["check", "2"])
    assert blocked.exit_code == 1 and "[block]" in blocked.stdout and "CAN-SPAM" in blocked.stdout
    missing = runner.invoke(app, ["check", "99"])
    assert missing.exit_code == 2 and "no draft 99" in missing.stderr


def test_preflight_and_campaign_check(settings, engine):
    with nudge_db.session_scope(engine) as session:
        session.add(Contact(user_id="u1", email="ann@x.example", country="US"))
        segment = Segment(name="all", spec={"attribute": "email", "op": "exists"})
        session.add(segment)
        session.flush()
        draft = Draft(channel="email", purpose="custom", subject="Hi", text="Hi", html="<p>Hi</p>")
        campaign = Campaign(name="hello", segment_id=segment.id)
        session.add_all([draft, campaign])
        session.flush()
        session.add(CampaignStep(campaign_id=campaign.id, position=1, draft_id=draft.id))
    result = runner.invoke(app, ["preflight", "hello"])
    assert result.exit_code == 0, result.stderr
    assert "Preflight for 'hello' (campaign 1, draft; 1 in the audience now)" in result.stdout
    assert runner.invoke(app, ["check", "--campaign", "hello"]).exit_code == 0
    unknown = runner.invoke(app, ["preflight", "nope"])
    assert unknown.exit_code == 2 and "known campaigns: 1 'hello'" in unknown.stderr


def test_rules_show_and_set(settings):
    shown = runner.invoke(app, ["rules"])
    assert shown.exit_code == 0 and "quiet_hours = 21:00-08:00" in shown.stdout
    changed = runner.invoke(app, ["rules", "set", "quiet_hours", "22:00-07:00"])
    assert changed.exit_code == 0 and "now 22:00-07:00" in changed.stdout
    assert "quiet_hours = 22:00-07:00" in runner.invoke(app, ["rules"]).stdout
    bad = runner.invoke(app, ["rules", "set", "quiet_hours", "late"])
    assert bad.exit_code == 2 and "HH:MM-HH:MM" in bad.stderr

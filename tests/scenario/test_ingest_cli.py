"""`nudge import contacts|events` and `nudge seed` through the command line."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

import orjson
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.main import app, register_commands
from tools.core import db as nudge_db
from tools.core.models import Contact, Event, Product, Suppression
from tools.ingest.seed import seed_store

register_commands()
runner = CliRunner()

CONTACTS_CSV = """user_id,email,first_name,Email_Consent,consent_source,ad_consent,country,timezone,favourite
u1,ann@example.com,Ann,opt_in,signup_form,yes,uk,Europe/London,"=HYPERLINK(""http://evil.example"")"
u2,not-an-email,Bob,,,,,,
,c@example.com,Cy,,,,,,
u4,d@example.com,Dee,maybe,,,,,
u5,e@example.com,"Eve
Marie",none,,no,US,America/Chicago,
u6,f@example.com
u7,g@example.com,Gil,soft_opt_in,purchase,,DE,Mars/Base,
"""


def count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def test_import_contacts_keeps_good_rows_and_reports_bad_ones_by_line(settings, engine, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS_CSV)

    result = runner.invoke(app, ["import", "contacts", str(path)])

    assert result.exit_code == 1
    assert "8 rows" not in result.stdout and "7 rows read, 2 imported, 5 rejected" in result.stdout
    assert "line 3: email: 'not-an-email' is not an email address" in result.stderr
    assert "line 4: user_id is empty" in result.stderr
    assert "line 5: email_consent: 'maybe'" in result.stderr
    assert "line 8: has 2 cells but the header has 9 columns" in result.stderr
    assert "line 9: timezone: 'Mars/Base'" in result.stderr
    with engine.connect() as connection:
        ann = connection.execute(select(Contact).where(Contact.user_id == "u1")).one()
        eve = connection.execute(select(Contact).where(Contact.user_id == "u5")).one()
    assert (ann.email_consent, ann.consent_source, ann.ad_consent, ann.country) == ("opt_in", "signup_form", True, "GB")
    assert ann.traits == {"favourite": '=HYPERLINK("http://evil.example")'}
    assert eve.first_name == "Eve\nMarie"


def test_reimporting_the_same_contacts_changes_nothing(settings, engine, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("user_id,email,email_consent,consent_source\n"
                    + "".join(f"u{n},p{n}@example.com,opt_in,form\n" for n in range(1, 2501)))
    assert runner.invoke(app, ["import", "contacts", str(path)]).exit_code == 0
    with engine.connect() as connection:
        before = sorted(connection.execute(select(Contact.user_id, Contact.updated_at, Contact.consent_at)))

    again = runner.invoke(app, ["import", "contacts", str(path)])

    assert again.exit_code == 0
    assert "2,500 imported, 0 rejected (0 new, 0 updated, 2,500 unchanged)" in again.stdout
    with engine.connect() as connection:
        assert sorted(connection.execute(select(Contact.user_id, Contact.updated_at, Contact.consent_at))) == before


def test_import_refuses_a_file_it_cannot_use(settings, tmp_path):
    missing = runner.invoke(app, ["import", "contacts", str(tmp_path / "nope.csv")])
    (tmp_path / "no_id.csv").write_text("email,first_name\na@example.com,Ann\n")
    no_id = runner.invoke(app, ["import", "contacts", str(tmp_path / "no_id.csv")])

    assert "no such file" in str(missing.exception)
    assert "no user_id column (columns found: email, first_name)" in str(no_id.exception)


def test_import_events_from_json_lines_dedupes_and_reports_bad_lines(settings, engine, tmp_path):
    stamp = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    lines = [
        orjson.dumps({"type": "identify", "userId": "u1", "traits": {"email": "a@example.com"}}),
        orjson.dumps({"type": "track", "userId": "u1", "event": "Product Viewed", "messageId": "m1"}),
        b"{not json",
        orjson.dumps({"type": "track", "userId": "u1"}),
        b"",
        orjson.dumps({"type": "track", "anonymousId": "a1", "event": "Product Added", "timestamp": stamp}),
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    first = runner.invoke(app, ["import", "events", str(path)])
    second = runner.invoke(app, ["import", "events", str(path)])

    assert first.exit_code == 1
    assert "line 3: not valid UTF-8 JSON" in first.stderr
    assert "line 4: a track call needs an 'event' name" in first.stderr
    assert "5 rows read, 3 imported, 2 rejected (2 new events" in first.stdout
    assert "(0 new events; duplicates skipped)" in second.stdout
    assert count(engine, Event) == 2, "re-importing (even without messageId, given a timestamp) adds nothing"


def test_seed_is_deterministic_and_refuses_a_filled_store(settings, engine, tmp_path, sqlite_template):
    result = runner.invoke(app, ["seed", "--contacts", "300", "--days", "10", "--seed", "3"])
    refused = runner.invoke(app, ["seed", "--contacts", "10"])

    assert result.exit_code == 0, result.output
    assert "300 contacts" in result.stdout and "carts abandoned in the last 24 hours" in result.stdout
    assert refused.exit_code == 2 and "only fills an empty database" in refused.stderr
    other_path = tmp_path / "other.db"
    shutil.copy(sqlite_template, other_path)
    other = nudge_db.engine_for(f"sqlite:///{other_path}")
    summary = seed_store(other, 300, days=10, seed=3)
    for model in (Contact, Event, Product, Suppression):
        assert count(engine, model) == count(other, model) > 0
    columns = (Contact.user_id, Contact.email, Contact.country, Contact.timezone, Contact.email_consent)
    with engine.connect() as one, other.connect() as two:
        assert list(one.execute(select(*columns).order_by(Contact.id))) == list(two.execute(select(*columns).order_by(Contact.id)))
        names = select(Event.name, func.count()).group_by(Event.name).order_by(Event.name)
        assert list(one.execute(names)) == list(two.execute(names))
    assert summary.contacts == 300 and summary.abandoned_carts_24h > 0
    nudge_db.engine_for(f"sqlite:///{other_path}").dispose()

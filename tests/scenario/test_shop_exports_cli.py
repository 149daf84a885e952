"""`nudge import shopify-customers|shopify-orders FILE.csv` with Shopify's own export columns:
line-numbered errors, consent, orders spread over line-item rows, skipped unpaid orders, and
re-imports (and orders already received by webhook) that add nothing.

Mutations tried: keying an exported order by its Name instead of its Id (the webhook-then-CSV
test fails: the order counts twice), letting the export's consent override a suppression (the
suppressed-address test fails), reading only the first row's line item (the products test fails).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.cli.main import app, register_commands
from bot.web.app import build_app
from tests.scenario import test_shopify_webhooks as hooks
from tools.core.models import Contact, Event, Suppression

register_commands()
runner = CliRunner()
FIXTURES = Path(__file__).parents[1] / "fixtures" / "shopify"


def rows(engine, model):
    with engine.connect() as connection:
        return list(connection.execute(select(model).order_by(model.id)))


def run(kind: str, path: Path):
    return runner.invoke(app, ["import", kind, str(path)])


def test_customers_export_becomes_contacts_with_consent_and_bad_rows_by_line(settings, engine):
    result = run("shopify-customers", FIXTURES / "customers_export.csv")

    assert result.exit_code == 1, result.output
    assert "5 rows read, 3 imported, 2 rejected (3 new, 0 updated, 0 unchanged)" in result.stdout
    assert "line 4: Email: 'not-an-email' is not an email address" in result.stderr
    assert "line 5: Accepts Email Marketing: 'maybe' is not yes or no" in result.stderr
    contacts = {c.user_id: c for c in rows(engine, Contact)}
    assert sorted(contacts) == ["eve@ek.example", "shopify:706405506930370084", "shopify:706405506930370085"]
    bob, ann = contacts["shopify:706405506930370084"], contacts["shopify:706405506930370085"]
    assert (bob.email, bob.first_name, bob.country, bob.region, bob.traits["tags"]) == (
        "bob@biller.example", "Bob", "CA", "ON", "VIP, newsletter")
    assert (bob.email_consent, bob.consent_source) == ("opt_in", "shopify-export:accepts_email_marketing")
    assert (ann.email_consent, ann.country) == ("none", "GB")


def test_reimporting_the_customers_export_changes_nothing(settings, engine):
    run("shopify-customers", FIXTURES / "customers_export.csv")
    before = sorted((c.user_id, c.updated_at, c.consent_at) for c in rows(engine, Contact))

    again = run("shopify-customers", FIXTURES / "customers_export.csv")

    assert "3 imported, 2 rejected (0 new, 0 updated, 3 unchanged)" in again.stdout
    assert sorted((c.user_id, c.updated_at, c.consent_at) for c in rows(engine, Contact)) == before


def test_the_export_never_resubscribes_a_suppressed_address(settings, engine, monkeypatch):
    monkeypatch.setattr(settings, "shopify_webhook_secret", hooks.SECRET)
    web = build_app(settings, migrate=False)
    web.state.clock = hooks.Clock()
    gone = {"state": "unsubscribed", "opt_in_level": "single_opt_in", "consent_updated_at": "2026-12-01T09:00:00-05:00"}
    with TestClient(web) as http:
        answer = hooks.post(http, "customers/update", hooks.body_of("customers_create.json", email_marketing_consent=gone))
    assert answer.status_code == 200, answer.text

    run("shopify-customers", FIXTURES / "customers_export.csv")

    bob = next(c for c in rows(engine, Contact) if c.user_id == "shopify:706405506930370084")
    assert bob.email_consent == "opt_out"
    assert [s.reason for s in rows(engine, Suppression)] == ["unsubscribed"]


def test_orders_export_one_event_per_paid_order_with_all_its_lines(settings, engine):
    run("shopify-customers", FIXTURES / "customers_export.csv")

    result = run("shopify-orders", FIXTURES / "orders_export.csv")

    assert result.exit_code == 1, result.output
    assert ("9 rows read (6 orders), 2 orders imported, 2 rejected, 2 skipped as unpaid or cancelled "
            "(2 new events; duplicates skipped)") in result.stdout
    assert "line 6: Subtotal: 'thirty' is not an amount" in result.stderr
    assert "line 8: Lineitem quantity: 'one' is not a whole number" in result.stderr
    events = {e.properties["name"]: e for e in rows(engine, Event)}
    assert sorted(events) == ["#1002", "#998"]
    bob_order = events["#1002"]
    assert [(p["sku"], p["quantity"], p["price"]) for p in bob_order.properties["products"]] == [
        ("LIN-M", 2, 39.0), ("TOTE-1", 1, 29.0), ("CAP-1", 1, 20.0)]
    assert (bob_order.properties["total"], bob_order.properties["discount"]) == (117.0, 10.0)
    assert bob_order.occurred_at.isoformat() == "2026-11-28T15:15:42+00:00"
    contacts = {c.id: c for c in rows(engine, Contact)}
    assert contacts[bob_order.contact_id].user_id == "shopify:706405506930370084"
    assert (contacts[bob_order.contact_id].order_count, float(contacts[bob_order.contact_id].lifetime_spend)) == (1, 117.0)
    assert contacts[events["#998"].contact_id].user_id == "new@buyer.example"


def test_reimporting_orders_or_an_order_already_received_by_webhook_adds_nothing(settings, engine, monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "shopify_webhook_secret", hooks.SECRET)
    web = build_app(settings, migrate=False)
    web.state.clock = hooks.Clock()
    with TestClient(web) as http:
        assert hooks.post(http, "orders/create", hooks.body_of("orders_create.json")).status_code == 200
    path = tmp_path / "orders_export.csv"
    shutil.copy(FIXTURES / "orders_export.csv", path)

    first = run("shopify-orders", path)
    again = run("shopify-orders", path)

    assert "2 orders imported" in first.stdout and "(1 new events; duplicates skipped)" in first.stdout
    assert "(0 new events; duplicates skipped)" in again.stdout
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Event)) == 2


def test_a_file_that_is_not_the_export_is_refused(settings, tmp_path):
    (tmp_path / "x.csv").write_text("user_id,email\nu1,a@example.com\n")
    wrong = runner.invoke(app, ["import", "shopify-orders", str(tmp_path / "x.csv")])
    (tmp_path / "empty.csv").write_text("")
    empty = runner.invoke(app, ["import", "shopify-customers", str(tmp_path / "empty.csv")])

    assert "not Shopify's orders export: no 'Name' column (columns found: user_id, email)" in str(wrong.exception)
    assert "the file is empty" in str(empty.exception)

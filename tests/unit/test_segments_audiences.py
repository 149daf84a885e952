"""Ad-audience exports: hashed emails in each platform's format, exclusions counted, files recorded."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.unit.segments_support import add_contact, add_event, context, suppress
from tools import registry
from tools.core.context import ToolError
from tools.core.models import AuditEntry, ExportRecord

VISITORS = {"event": "Product Viewed", "within_last": "30d"}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def read(path: str) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def visitors(db, settings):
    """Visitors of the last 30 days, one per exclusion rule, plus two who may be shared."""
    people = {
        "us": add_contact(db, 1, email="  us@example.com", country="US"),
        "de_consent": add_contact(db, 2, email="de@example.com", country="DE", ad_consent=True),
        "de": add_contact(db, 3, country="DE"),
        "dns": add_contact(db, 4, country="US", do_not_sell=True),
        "bounced": add_contact(db, 5, country="US"),
        "buyer": add_contact(db, 6, country="US"),
        "old_buyer": add_contact(db, 7, email="old@example.com", country="US"),
        "no_email": add_contact(db, 8, email=None),
    }
    people["us"].email = "US@Example.com "
    suppress(db, people["bounced"], "bounced")
    for person in people.values():
        add_event(db, person, "Product Viewed", 48, product_id="p1")
    add_event(db, people["buyer"], "Order Completed", 24, total=80)
    add_event(db, people["old_buyer"], "Order Completed", 24 * 45, total=900)
    add_event(db, people["de_consent"], "Order Completed", 24 * 90, total=300)
    registry.call(context(db, settings), "create_segment", {"name": "visitors-30d", "spec": VISITORS})
    return people


def test_meta_export_hashes_normalised_emails_and_counts_exclusions(db, settings, visitors):
    result = registry.call(context(db, settings), "export_audience", {"segment": "visitors-30d", "platform": "meta"})
    rows = read(result.path)
    assert rows[0] == ["email"]
    assert sorted(r[0] for r in rows[1:]) == sorted([sha("us@example.com"), sha("de@example.com"), sha("old@example.com")])
    assert result.rows == 3
    assert result.excluded == {"no_ad_consent": 1, "do_not_sell": 1, "bounced": 1, "converted": 1, "no_email": 1}
    assert result.frequency_cap == 3 and "3 impressions per person per day" in result.summary
    text = Path(result.path).read_text()
    assert "@" not in text
    assert Path(result.path).parent == Path(settings.export_dir).resolve()
    record = db.scalars(select(ExportRecord)).one()
    assert (record.kind, record.platform, record.segment_name, record.row_count) == ("audience", "meta", "visitors-30d", 3)
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "export.audience")).one()
    assert audit.details["rows"] == 3 and audit.details["excluded"]["converted"] == 1


def test_google_export_uses_its_column_and_can_keep_buyers(db, settings, visitors):
    arguments = {"segment": "visitors-30d", "platform": "google", "exclude_converted_within": None,
                 "out": "google.csv"}
    result = registry.call(context(db, settings), "export_audience", arguments)
    rows = read(result.path)
    assert rows[0] == ["Email"] and len(rows) == 5
    assert "converted" not in result.excluded
    assert result.path == str(Path(settings.export_dir).resolve() / "google.csv")


def test_frequency_cap_follows_the_setting(db, settings, visitors):
    settings = settings.model_copy(update={"ad_frequency_cap": 5})
    result = registry.call(context(db, settings), "export_audience", {"segment": "visitors-30d"})
    assert result.frequency_cap == 5


def test_buyer_suppression_lists_recent_buyers(db, settings, visitors):
    result = registry.call(context(db, settings), "export_buyer_suppression", {"within": "60d"})
    assert [r[0] for r in read(result.path)[1:]] == [sha("person6@example.com"), sha("old@example.com")]
    assert result.excluded == {}
    assert db.scalars(select(ExportRecord.kind)).one() == "buyer_suppression"


def test_lookalike_seed_ranks_by_spend_with_values(db, settings, visitors):
    result = registry.call(context(db, settings), "export_lookalike_seed", {"top": 2})
    rows = read(result.path)
    assert rows == [["email", "value"], [sha("old@example.com"), "900.00"], [sha("de@example.com"), "300.00"]]
    google = registry.call(context(db, settings), "export_lookalike_seed",
                           {"platform": "google", "metric": "orders", "top": 5})
    assert read(google.path)[0] == ["Email"] and len(read(google.path)) == 4
    assert google.excluded == {}


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"segment": "visitors-30d", "out": "../../escape.csv"}, "outside the export folder"),
        ({"segment": "visitors-30d", "out": "/etc/nudge.csv"}, "outside the export folder"),
        ({"segment": "visitors-30d", "platform": "tiktok"}, "platform: Input should be 'meta' or 'google'"),
        ({"segment": "visitors-30d", "exclude_converted_within": "a month"}, "not a window"),
        ({"segment": "nobody"}, "no segment named 'nobody'; saved segments: visitors-30d"),
    ],
)
def test_bad_export_requests_are_refused(db, settings, visitors, arguments, message):
    with pytest.raises(ToolError, match=message):
        registry.call(context(db, settings), "export_audience", arguments)
    assert db.scalars(select(ExportRecord)).all() == []


def test_existing_files_are_never_overwritten(db, settings, visitors):
    arguments = {"segment": "visitors-30d", "out": "same.csv"}
    first = registry.call(context(db, settings), "export_audience", arguments)
    before = Path(first.path).read_bytes()
    with pytest.raises(ToolError, match="already exists"):
        registry.call(context(db, settings), "export_audience", arguments)
    assert Path(first.path).read_bytes() == before


def test_exports_are_for_approvers_only(db, settings, visitors):
    with pytest.raises(ToolError, match="only approvers"):
        registry.call(context(db, settings, actor="UMARKETER"), "export_audience", {"segment": "visitors-30d"})
    assert registry.call(context(db, settings, actor="UAPPROVER"), "export_audience", {"segment": "visitors-30d"}).rows == 3

"""The numbers add up: the report and the digest agree to the cent with a count by hand, and
neither writes anything (conversions have one writer, tools.reporting.attribution)."""

from datetime import date

from sqlalchemy import select, text

from tests.reporting_builders import World, at
from tools import registry
from tools.core.clock import ManualClock
from tools.core.columns import Base
from tools.core.context import ToolContext
from tools.reporting.attribution import record_new_conversions
from tools.reporting.digest import build_digest


def _snapshot(db) -> dict[str, list]:
    return {table.name: sorted(map(tuple, db.execute(select(table)).all()), key=repr)
            for table in Base.metadata.sorted_tables}


def _shop(db):
    """Four buyers of one cart campaign on 19 November, each order worth a different shape."""
    world = World(db)
    _, (step,) = world.campaign("Cart")
    clicker, opener, stale, totaller = (world.contact() for _ in range(4))
    sent = {person.id: world.message(step, person, at(18, 9)) for person in (clicker, opener, stale, totaller)}
    world.track(sent[clicker.id], "click", at(19, 8))
    world.order(clicker, at(19, 10), total=None, currency="EUR",
                products=[{"price": 20, "quantity": 2}])  # 40.00: products' price x quantity
    world.track(sent[opener.id], "open", at(19, 9))
    world.order(opener, at(19, 20), total=None, revenue=19.99, currency="EUR")  # open within a day
    world.track(sent[stale.id], "open", at(18, 10))
    world.order(stale, at(19, 13), total=500, currency="EUR")  # open 27 h before: not credited
    world.track(sent[totaller.id], "click", at(18, 10))
    world.order(totaller, at(19, 14), total=12.34, currency="EUR")  # click 28 h before: credited
    return world, totaller


def test_report_and_digest_agree_with_a_hand_count_and_change_nothing(db, settings):
    world, totaller = _shop(db)
    record_new_conversions(db, settings, at(20, 8))  # the scheduler's attribute job
    world.order(totaller, at(19, 15), total=99, currency="EUR")  # imported late, after the job ran
    hand_count = 40.00 + 19.99 + 12.34
    before = _snapshot(db)

    ctx = ToolContext(db=db, settings=settings, actor="UMARKETER", clock=ManualClock(at(20, 9)))
    report = registry.call(ctx, "campaign_report", {"campaign": "Cart", "period": "2026-11-19"})
    digest = build_digest(db, settings, date(2026, 11, 20))
    db.flush()

    (cart,) = report.campaigns
    assert (cart.totals.conversions, round(cart.totals.revenue, 2)) == (3, round(hand_count, 2))
    assert "3 orders worth €72.33" in cart.words
    assert "revenue €72.33" in digest.text.splitlines()[1], digest.text
    assert digest.chart_series.revenue_by_campaign == {"Cart": 72.33}
    assert digest.chart_series.currency == "EUR"
    assert _snapshot(db) == before, "a report or a digest wrote something"
    assert db.execute(text("SELECT count(*) FROM conversions")).scalar() == 4, "the late order waits for the job"

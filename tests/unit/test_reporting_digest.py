"""The morning digest: yesterday against the week, the top performer, and anomalies in words."""

from datetime import date

from tests.reporting_builders import World, at
from tools.reporting.attribution import record_new_conversions
from tools.reporting.digest import build_digest

DAY = date(2026, 11, 20)  # posted on the 20th, about the 19th


def _shop(db, settings):
    world = World(db)
    people = world.contacts(60)
    cart, (cart_step,) = world.campaign("Cart")
    healthy, (healthy_step,) = world.campaign("Healthy")
    _, (silent_step,) = world.campaign("Silent")
    world.campaign("Fresh", activated_at=at(19, 8))  # started yesterday: not expected to send yet
    world.campaign("Paused", status="paused")
    for day in range(12, 19):  # the baseline week: 20 a day, nobody unsubscribes
        world.messages(cart_step, people[:20], at(day, 9), round=day)
    cart_sends = world.messages(cart_step, people[:50], at(19, 9))
    for index, message in enumerate(cart_sends[:3]):
        world.track(message, "unsubscribe", at(19, 10))
    for message in cart_sends[3:5]:
        world.track(message, "bounce", at(19, 9, 5))
    world.track(cart_sends[5], "complaint", at(19, 11))
    healthy_sends = world.messages(healthy_step, people[:50], at(19, 9))
    world.track(healthy_sends[0], "unsubscribe", at(19, 10))  # one is never an anomaly
    world.track(healthy_sends[1], "bounce", at(19, 9))  # 2% is the limit, not over it
    for message, person in zip(healthy_sends[2:4], people[2:4]):
        world.track(message, "click", at(19, 10))
        world.order(person, at(19, 12), total=50)
    world.message(silent_step, people[0], status="skipped", reason="frequency_cap", due_at=at(19, 9))
    world.message(silent_step, people[1], status="skipped", reason="frequency_cap", due_at=at(19, 9))
    record_new_conversions(db, settings, at(20, 8))  # the digest job attributes first
    return world


def test_anomalies_each_come_with_a_suggested_action(db, settings):
    _shop(db, settings)
    digest = build_digest(db, settings, DAY)
    found = {(a.campaign, a.kind) for a in digest.anomalies}
    assert found == {("Cart", "unsubscribes"), ("Cart", "bounces"), ("Cart", "complaints"), ("Silent", "silent")}
    assert all(a.action for a in digest.anomalies)
    assert "Cart: 3 unsubscribed yesterday (6.0% of sends), over twice its usual 0.0%." in digest.text
    assert "Cart: 4.0% of yesterday's emails bounced (2 of 50)" in digest.text
    assert "Cart: 1 person marked it as spam yesterday." in digest.text
    assert "Silent is active but sent nothing yesterday. 2 messages were held back: frequency_cap (2)." in digest.text
    assert digest.text.count("Suggested:") == 4


def test_yesterday_against_the_week_and_the_top_performer(db, settings):
    _shop(db, settings)
    digest = build_digest(db, settings, DAY)
    assert digest.text.startswith("Nudge daily digest for Thursday 19 November 2026")
    assert "All campaigns: 100 sent (avg 20), 0 opened (0.0%), 2 clicked (avg 0.0), 2 orders (avg 0.0), " \
           "revenue 100.00 (avg 0.00)" in digest.text
    assert "- Cart: 50 sent (avg 20)" in digest.text
    assert "- Fresh: 0 sent" in digest.text and "Paused" not in digest.text
    assert digest.top_performer == "Healthy"
    assert "Top performer: Healthy, 2 orders worth 100.00 from 2 clicks." in digest.text
    assert digest.blocks[0]["type"] == "header"
    assert any("Needs attention" in block.get("text", {}).get("text", "") for block in digest.blocks)


def test_chart_series_cover_fourteen_days(db, settings):
    _shop(db, settings)
    series = build_digest(db, settings, DAY).chart_series
    assert series.days[0] == date(2026, 11, 6) and series.days[-1] == date(2026, 11, 19)
    assert series.sends == [0] * 6 + [20] * 7 + [100]
    assert series.conversions == [0] * 13 + [2]
    assert series.revenue_by_campaign == {"Cart": 0.0, "Healthy": 100.0}


def test_a_quiet_day_has_nothing_unusual(db, settings):
    world = World(db)
    _, (step,) = world.campaign("Cart")
    world.messages(step, world.contacts(3), at(19, 9))
    digest = build_digest(db, settings, DAY)
    assert digest.anomalies == [] and digest.top_performer is None
    assert "Nothing unusual" in digest.text and "Top performer: none yesterday" in digest.text


def test_days_follow_the_configured_time_zone(db, settings):
    world = World(db)
    _, (step,) = world.campaign("Cart")
    # 19 Nov 06:00 UTC is still the 18th in Los Angeles (UTC-8).
    world.messages(step, world.contacts(2), at(19, 6))
    pacific = settings.model_copy(update={"timezone": "America/Los_Angeles"})
    series = build_digest(db, pacific, DAY).chart_series
    assert series.sends[-2:] == [2, 0]


def test_an_active_campaign_with_nothing_due_is_not_called_silent(db, settings):
    """Active for weeks but nobody reached a step yesterday: nothing to send is not a failure;
    a message still waiting from before yesterday is."""
    world = World(db)
    _, (idle_step,) = world.campaign("Idle")
    _, (stuck_step,) = world.campaign("Stuck")
    world.message(stuck_step, world.contact(), status="pending", due_at=at(17, 9))
    digest = build_digest(db, settings, DAY)
    assert [(a.campaign, a.kind) for a in digest.anomalies] == [("Stuck", "silent")]
    assert "Idle is active" not in digest.text


def test_revenue_is_shown_in_the_orders_currency(db, settings):
    world = World(db)
    people = world.contacts(2)
    _, (step,) = world.campaign("Cart")
    for message, person in zip(world.messages(step, people, at(19, 9)), people):
        world.track(message, "click", at(19, 10))
        world.order(person, at(19, 12), total=60, currency="eur")
    record_new_conversions(db, settings, at(20, 8))
    digest = build_digest(db, settings, DAY)
    assert "revenue €120.00 (avg €0.00)" in digest.text
    assert "Top performer: Cart, 2 orders worth €120.00 from 2 clicks." in digest.text
    assert any("€120.00" in block.get("text", {}).get("text", "") for block in digest.blocks)

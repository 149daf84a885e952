"""The campaign_report tool: metrics by campaign, step, variant and day; lift; subject tests."""

import pytest

from tests.reporting_builders import World, at, days, hours
from tools import registry
from tools.core.clock import ManualClock
from tools.core.context import ToolContext, ToolError
from tools.reporting.attribution import record_new_conversions


def run(db, settings, now=at(20), **args):
    record_new_conversions(db, settings, now)  # what the scheduler's attribute job does
    ctx = ToolContext(db=db, settings=settings, actor="UMARKETER", clock=ManualClock(now))
    return registry.call(ctx, "campaign_report", args)


def test_metrics_per_campaign_step_variant_and_day(db, settings):
    world = World(db)
    cart, (first, second) = world.campaign("Abandoned cart", steps=2)
    other, (lone,) = world.campaign("Winter sale")
    ann, bob, cy, dee = (world.contact() for _ in range(4))
    m1 = world.message(first, ann, at(15, 9), variant="a")
    m2 = world.message(first, bob, at(15, 9), variant="b")
    m3 = world.message(second, ann, at(17, 9))
    world.message(first, cy, status="skipped", reason="no_consent", due_at=at(15, 9))
    world.message(second, bob, status="skipped", reason="frequency_cap", due_at=at(17, 9))
    world.message(first, dee, status="deferred", reason="quiet_hours", due_at=at(16, 9))
    world.message(lone, dee, at(16, 10))
    world.message(first, dee, at(2, 9), round=2)  # before the period: not counted
    for kind, message, when in [("open", m1, at(15, 10)), ("open", m1, at(15, 11)), ("click", m1, at(15, 11)),
                                ("open", m2, at(16, 8)), ("unsubscribe", m2, at(16, 9)),
                                ("open", m3, at(17, 10)), ("click", m3, at(17, 10)), ("bounce", m3, at(17, 9))]:
        world.track(message, kind, when)
    world.order(ann, at(17, 12), total=120)  # last click: m3 (step 2)
    world.order(ann, at(15, 12), total=30)  # last click: m1 (step 1, variant a)

    result = run(db, settings, campaign="abandoned CART", period="7d")

    (report,) = result.campaigns
    totals = report.totals
    assert (totals.sent, totals.recipients, totals.opens, totals.clicks) == (3, 2, 3, 2)
    assert (totals.unsubscribes, totals.bounces, totals.conversions, totals.revenue) == (1, 1, 2, 150.0)
    assert totals.skipped == {"no_consent": 1, "frequency_cap": 1}
    assert totals.deferred == {"quiet_hours": 1}
    assert totals.conversion_rate == pytest.approx(2 / 3)
    assert totals.revenue_per_recipient == pytest.approx(75.0)
    steps = {(row.step, row.variant): row for row in report.steps}
    assert (steps[(1, "a")].sent, steps[(1, "a")].conversions, steps[(1, "a")].revenue) == (1, 1, 30.0)
    assert (steps[(1, "b")].sent, steps[(1, "b")].unsubscribes) == (1, 1)
    assert (steps[(2, None)].sent, steps[(2, None)].revenue, steps[(2, None)].bounces) == (1, 120.0, 1)
    assert steps[(2, None)].skipped == {"frequency_cap": 1}
    by_day = {row.day: row for row in report.days}
    assert (by_day["2026-11-15"].sent, by_day["2026-11-15"].opens, by_day["2026-11-15"].revenue) == (2, 1, 30.0)
    assert (by_day["2026-11-16"].opens, by_day["2026-11-16"].deferred) == (1, {"quiet_hours": 1})
    assert (by_day["2026-11-17"].sent, by_day["2026-11-17"].conversions) == (1, 1)
    assert "Abandoned cart: 3 sent" in result.summary and "150.00" in result.summary
    assert "2 skipped (frequency_cap 1, no_consent 1)" in result.summary


def test_every_campaign_when_none_is_named(db, settings):
    world = World(db)
    _, (step,) = world.campaign("Cart")
    world.campaign("Idle draft", status="draft")
    world.message(step, world.contact(), at(19, 9))
    result = run(db, settings)
    assert [report.name for report in result.campaigns] == ["Cart"]
    assert "Cart: 1 sent" in result.summary


def _holdout_world(world, sent, held, entered=at(10)):
    campaign, _ = world.campaign("Cart with holdout", steps=3, holdout=10)
    for group, (converted, total), holdout in (("sent", sent, False), ("held", held, True)):
        for index, person in enumerate(world.contacts(total)):
            world.enrol(campaign, person, entered, holdout)
            if index < converted:
                world.order(person, entered + days(2))
    return campaign


def test_holdout_lift_with_a_95_percent_interval(db, settings):
    world = World(db)
    _holdout_world(world, sent=(56, 70), held=(48, 80))
    buyer_before = world.contacts(1)[0]
    world.order(buyer_before, at(9))  # before entering: not a conversion of the sequence
    result = run(db, settings, campaign="Cart with holdout", period="2026-11-01..2026-11-19")
    lift = result.campaigns[0].lift
    assert (lift.sent_conversions, lift.sent_contacts, lift.holdout_conversions, lift.holdout_contacts) == (56, 70, 48, 80)
    assert lift.lift == pytest.approx(0.2)
    assert (round(lift.ci_low, 4), round(lift.ci_high, 4)) == (0.0524, 0.3339)
    assert lift.significant and "not significant" not in result.summary


def test_holdout_orders_after_the_window_do_not_count_and_small_lift_is_not_significant(db, settings):
    world = World(db)
    campaign = _holdout_world(world, sent=(3, 30), held=(2, 30))
    late = world.contacts(1)[0]
    world.enrol(campaign, late, at(10), True)
    world.order(late, at(10) + days(3 + 5) + hours(1))  # 3 step-days + 5 click-days, then later
    lift = run(db, settings, campaign=str(campaign.id), period="2026-11-01..2026-11-28",
               now=at(28)).campaigns[0].lift
    assert (lift.holdout_conversions, lift.holdout_contacts) == (2, 31)
    assert not lift.significant and lift.words.endswith("not significant yet")


def _split_world(world, clicks_a, clicks_b, orders_b=0):
    _, (step,) = world.campaign("Subject test", subject_b="Still thinking it over?")
    people = world.contacts(1000)
    sent_a = world.messages(step, people[:500], at(15, 9), variant="a")
    sent_b = world.messages(step, people[500:], at(15, 9), variant="b")
    world.track_all(sent_a[:clicks_a] + sent_b[:clicks_b], "click", at(15, 10))
    for person in people[500:500 + orders_b]:
        world.order(person, at(15, 11))


def test_subject_test_names_the_significant_winner(db, settings):
    world = World(db)
    _split_world(world, clicks_a=50, clicks_b=80, orders_b=3)
    report = run(db, settings, campaign="Subject test").campaigns[0]
    (test,) = report.split_tests
    assert (test.sent_a, test.count_a, test.sent_b, test.count_b) == (500, 50, 500, 80)
    assert test.winner == "b" and test.subject_b == "Still thinking it over?"
    assert round(test.z, 3) == 2.821
    by_orders = run(db, settings, campaign="Subject test", ab_metric="conversions").campaigns[0].split_tests[0]
    assert (by_orders.count_a, by_orders.count_b, by_orders.winner) == (0, 3, None)


def test_subject_test_without_significance_has_no_winner(db, settings):
    _split_world(World(db), clicks_a=50, clicks_b=60)
    (test,) = run(db, settings, campaign="Subject test").campaigns[0].split_tests
    assert test.winner is None and "no winner on clicks yet" in test.words


@pytest.mark.parametrize("args, words", [
    ({"campaign": "Nope"}, "no campaign 'Nope'; known campaigns: 1 'Cart'"),
    ({"period": "last fortnight"}, "period 'last fortnight' is not understood; give a duration (30m"),
    ({"period": "0d"}, "is empty"),
    ({"period": "2026-11-09..2026-11-01"}, "ends before it starts"),
    ({"ab_metric": "opens"}, "ab_metric"),
    ({"campain": "Cart"}, "campain"),
])
def test_bad_input_says_what_to_fix(db, settings, args, words):
    World(db).campaign("Cart")
    with pytest.raises(ToolError) as error:
        run(db, settings, **args)
    assert words in str(error.value)


@pytest.mark.parametrize("words, start", [("30m", at(20, 11, 30)), ("90m", at(20, 10, 30)),
                                           ("2026-11-19T09:00", at(19, 9))])
def test_the_report_reads_every_period_the_audit_log_reads(db, settings, words, start):
    # One grammar (tools/core/windows.py): `nudge audit --since 30m` worked where
    # `nudge report --since 30m` did not.
    assert run(db, settings, period=words).since == start
    ctx = ToolContext(db=db, settings=settings, actor="UMARKETER", clock=ManualClock(at(20)))
    audit = registry.call(ctx, "audit_log", {"since": words})
    assert f"{start:%Y-%m-%d %H:%M}" in audit.summary

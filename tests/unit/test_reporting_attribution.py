"""Order attribution (last click within the click window, else last open within the open window)
and the one order-value rule, on this database."""

from decimal import Decimal

from sqlalchemy import func, literal, select

from tests.reporting_builders import World, at
from tools.audience.order_value import order_value
from tools.audience.spec import SegmentSpec
from tools.audience.sql import compile_spec
from tools.core.models import Contact, Conversion, Event
from tools.reporting.attribution import attribute_orders


def conversions(db):
    return {row.event_id: row for row in db.scalars(select(Conversion))}


def test_the_last_click_wins_when_two_messages_could_claim_an_order(db, settings):
    world = World(db)
    campaign, (first, second) = world.campaign("Cart", steps=2)
    buyer = world.contact()
    early = world.message(first, buyer, at(10, 9))
    late = world.message(second, buyer, at(12, 9))
    world.track(early, "click", at(10, 10))
    world.track(late, "click", at(12, 10))
    world.track(early, "open", at(13, 11))  # an open never beats a click in its window
    order = world.order(buyer, at(13, 12), total=80.0)

    summary = attribute_orders(db, settings, at(1), at(20))

    row = conversions(db)[order.id]
    assert (row.message_id, row.campaign_id, row.revenue) == (late.id, campaign.id, Decimal("80.00"))
    assert (summary.orders, summary.attributed, summary.revenue) == (1, 1, Decimal("80.00"))


def test_an_open_counts_only_when_no_click_is_in_the_window(db, settings):
    world = World(db)
    _, (step, other) = world.campaign("Cart", steps=2)
    buyer = world.contact()
    clicked_long_ago = world.message(step, buyer, at(1, 9))
    world.track(clicked_long_ago, "click", at(1, 10))  # 11 days before: outside 5 days
    opened = world.message(other, buyer, at(12, 9))
    world.track(opened, "open", at(12, 20))
    order = world.order(buyer, at(13, 8))

    attribute_orders(db, settings, at(1), at(20))

    assert conversions(db)[order.id].message_id == opened.id


def test_an_order_outside_every_window_is_recorded_unattributed(db, settings):
    world = World(db)
    _, (step,) = world.campaign("Cart")
    buyer = world.contact()
    message = world.message(step, buyer, at(5, 9))
    world.track(message, "click", at(5, 10))  # order is 5 days and 1 hour later
    world.track(message, "open", at(8, 10))  # 2 days before the order: outside 1 day
    after = world.order(buyer, at(10, 11), total=30)
    world.track(message, "click", at(10, 12))  # a click after the order cannot have caused it

    summary = attribute_orders(db, settings, at(1), at(20))

    row = conversions(db)[after.id]
    assert (row.message_id, row.campaign_id, row.revenue) == (None, None, Decimal("30.00"))
    assert (summary.orders, summary.attributed) == (1, 0)


def test_windows_come_from_the_settings(db, settings):
    world = World(db)
    _, (step,) = world.campaign("Cart")
    buyer = world.contact()
    message = world.message(step, buyer, at(5, 9))
    world.track(message, "click", at(7, 10))
    order = world.order(buyer, at(10, 11))
    narrow = settings.model_copy(update={"attribution_click_days": 2, "attribution_open_days": 0})

    attribute_orders(db, narrow, at(1), at(20))

    assert conversions(db)[order.id].message_id is None


def test_attribution_is_idempotent_and_only_counts_known_contacts_in_range(db, settings):
    world = World(db)
    _, (step,) = world.campaign("Cart")
    buyer = world.contact()
    message = world.message(step, buyer, at(10, 9))
    world.track(message, "click", at(10, 10))
    world.order(buyer, at(10, 12), total=None, products=[{"price": 19.99, "quantity": 2}])
    world.order(None, at(10, 13))  # anonymous: nobody to credit
    world.order(buyer, at(25, 13))  # outside [since, until)

    first = attribute_orders(db, settings, at(1), at(20))
    second = attribute_orders(db, settings, at(1), at(20))

    assert (first.orders, first.attributed, first.revenue) == (1, 1, Decimal("39.98"))
    assert (second.orders, second.attributed) == (0, 0)
    assert db.scalar(select(func.count()).select_from(Conversion)) == 1


CASES = [
    ({"total": 99, "revenue": 12.5, "value": 7}, 99.0),  # total first
    ({"revenue": 12.5, "value": 7}, 12.5),  # then revenue
    ({"products": [{"price": 20, "quantity": 2}, {"price": 5}], "value": 7}, 45.0),  # then products
    ({"products": [{"price": "20", "quantity": 2}, 3, {"quantity": 4}], "value": 7}, 7.0),  # then value
    ({"total": "40", "products": "none"}, 0.0),  # strings are no number, as in every segment test
    ({"total": True, "revenue": None}, 0.0),
    ({"total": 0, "revenue": 30}, 0.0),  # a numeric total of 0 is the order's value
    ({}, 0.0),
]


def test_the_order_value_rule_on_this_database(db):
    """Segment's total, then revenue, then products' price x quantity, then value; else 0."""
    values = [db.scalar(select(order_value(literal(properties, Event.properties.type)))) for properties, _ in CASES]
    assert values == [expected for _, expected in CASES]


def test_an_order_of_two_at_20_is_worth_40_to_the_rollup_the_segments_and_attribution(db, settings):
    world = World(db)
    _, (step,) = world.campaign("Cart")
    buyer = world.contact()
    world.track(world.message(step, buyer, at(10, 9)), "click", at(10, 10))
    world.order(buyer, at(10, 12), total=None, products=[{"price": 20, "quantity": 2}])
    db.flush()

    attribute_orders(db, settings, at(1), at(20))

    assert [row.revenue for row in conversions(db).values()] == [Decimal("40.00")]
    assert db.scalar(select(Contact.lifetime_spend).where(Contact.id == buyer.id)) == 40.0
    spent = SegmentSpec.model_validate({"aggregate": "sum", "event": "Order Completed", "property": "total",
                                        "op": "eq", "value": 40, "within_last": "30d"})
    assert list(db.scalars(compile_spec(spent, at(20)))) == [buyer.id]

"""The order rollup (migration 0007): every way events change keeps each contact's columns equal
to a recount of their "Order Completed" events, on both databases.

The segment property test checks the segment answers built on these columns; this file checks
the columns themselves through every kind of write: ORM and Core inserts, the ingest path,
updates that move, rename, retime or strip an order (retention and erasure strip), deletes,
erasure through `forget_contact`, the migration's backfill of an existing store, and
(PostgreSQL) two writers adding orders at once.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, insert, select, text, update

from tests.privacy_data import add_person
from tests.unit.segments_support import NOW, add_contact, add_event, empty_store
from tools import registry
from tools.audience.rollup import PURCHASE_EVENT
from tools.audience.spec import SegmentSpec
from tools.audience.sql import compile_spec
from tools.core import db as nudge_db
from tools.core.clock import ManualClock
from tools.core.context import ToolContext
from tools.core.models import Contact, Event
from tools.ingest.calls import ingest_calls

NAMES = [PURCHASE_EVENT, "Product Viewed"]
TOTALS = st.sampled_from([10, 25.5, -3, 0, "12", None, True])
# Order shapes beyond a bare total: the rollup values each by the one rule (tools.audience.order_value).
ORDER_SHAPES = st.sampled_from([{"revenue": 7.5}, {"products": [{"price": 20, "quantity": 2}, {"price": 1.5}]},
                                {"products": [{"price": "9"}], "value": 3}, {"total": 4, "revenue": 99}])


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def expected_value(properties: dict) -> float:
    """The order-value rule written out independently of its SQL: total, revenue, products, value."""
    for key in ("total", "revenue"):
        if _number(properties.get(key)) is not None:
            return _number(properties[key])
    products = properties.get("products")
    if isinstance(products, list):
        lines = [_number(p.get("price")) * (1 if _number(p.get("quantity")) is None else _number(p["quantity"]))
                 for p in products if isinstance(p, dict) and _number(p.get("price")) is not None]
        if lines:
            return sum(lines)
    return _number(properties.get("value")) or 0.0


def rollup(db, contact_id: int) -> tuple[int, float, datetime | None]:
    row = db.execute(
        select(Contact.order_count, Contact.lifetime_spend, Contact.last_order_at).where(Contact.id == contact_id)
    ).one()
    return row.order_count, row.lifetime_spend, row.last_order_at


def recount(db, contact_id: int) -> tuple[int, float, datetime | None]:
    """What the columns must hold, computed in Python from the contact's events."""
    orders = db.scalars(select(Event).where(Event.contact_id == contact_id, Event.name == PURCHASE_EVENT)).all()
    spend = sum(expected_value(o.properties or {}) for o in orders)
    return len(orders), round(float(spend), 6), max((o.occurred_at for o in orders), default=None)


def test_orders_added_through_the_orm_and_ingest_are_counted(db):
    shopper = add_contact(db, 1, user_id="shopper")
    add_event(db, shopper, PURCHASE_EVENT, 48, total=120.5)
    add_event(db, shopper, PURCHASE_EVENT, 24, total="lots")
    add_event(db, shopper, "Product Viewed", 1, total=999)
    add_event(db, None, PURCHASE_EVENT, 2, total=50)
    result = ingest_calls(db, [{"type": "track", "userId": "shopper", "event": PURCHASE_EVENT,
                                "properties": {"total": 30}, "timestamp": (NOW - timedelta(hours=3)).isoformat()}], NOW)
    assert result.rejected == []
    assert rollup(db, shopper.id) == (3, 150.5, NOW - timedelta(hours=3))
    assert rollup(db, add_contact(db, 2).id) == (0, 0.0, None), "a contact with no orders"


def test_spend_is_the_sum_a_person_would_write_down_on_both_routes(db):
    """0.1 + 0.2 is 0.30000000000000004 in floats; a shop's 0.30 spend must still equal 0.3,
    from the rollup (lifetime) and from events (a window) alike."""
    shopper = add_contact(db, 1)
    for total in (0.1, 0.2):
        add_event(db, shopper, PURCHASE_EVENT, 24, total=total)
    assert rollup(db, shopper.id)[1] == 0.3
    for window in ({}, {"within_last": "30d"}):
        spec = SegmentSpec.model_validate({"aggregate": "sum", "event": PURCHASE_EVENT, "property": "total",
                                           "op": "eq", "value": 0.3, **window})
        assert list(db.scalars(compile_spec(spec, NOW))) == [shopper.id], window or "lifetime"


def test_changing_and_deleting_orders_recounts_both_sides(db):
    first, second = add_contact(db, 1), add_contact(db, 2)
    early = add_event(db, first, PURCHASE_EVENT, 72, total=100)
    late = add_event(db, first, PURCHASE_EVENT, 5, total=40)
    db.execute(update(Event).where(Event.id == late.id).values(contact_id=second.id))
    assert rollup(db, first.id) == (1, 100.0, NOW - timedelta(hours=72))
    assert rollup(db, second.id) == (1, 40.0, NOW - timedelta(hours=5))
    db.execute(update(Event).where(Event.id == early.id).values(properties={}))
    assert rollup(db, first.id) == (1, 0.0, NOW - timedelta(hours=72)), "a stripped order keeps its count"
    db.execute(update(Event).where(Event.id == late.id).values(name="Order Refunded"))
    assert rollup(db, second.id) == (0, 0.0, None)
    db.execute(delete(Event).where(Event.id == early.id))
    assert rollup(db, first.id) == (0, 0.0, None)


def test_erasing_a_buyer_keeps_only_the_bare_attributed_order(db, settings):
    person = add_person(db, NOW)
    add_event(db, db.get(Contact, person.contact_id), PURCHASE_EVENT, 2, total=60)
    assert rollup(db, person.contact_id)[:2] == (2, 102.5)
    ctx = ToolContext(db=db, settings=settings, actor="UAPPROVER", clock=ManualClock(NOW), confirmed=True)
    registry.call(ctx, "forget_contact", {"contact": person.email})
    order_time = db.get(Event, person.order_event_id).occurred_at
    assert rollup(db, person.contact_id) == (1, 0.0, order_time), "the report's order, stripped of its total"


OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.sampled_from([0, 1, 2, None]), st.sampled_from(NAMES), TOTALS | ORDER_SHAPES,
              st.integers(-24, 24 * 30)),
    st.tuples(st.just("total"), st.integers(0, 20), TOTALS | ORDER_SHAPES),
    st.tuples(st.just("move"), st.integers(0, 20), st.sampled_from([0, 1, 2, None])),
    st.tuples(st.just("rename"), st.integers(0, 20), st.sampled_from(NAMES)),
    st.tuples(st.just("retime"), st.integers(0, 20), st.integers(-24, 24 * 30)),
    st.tuples(st.just("delete"), st.integers(0, 20)),
), max_size=25)


@hypothesis_settings(max_examples=100, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_any_sequence_of_event_writes_leaves_the_rollup_equal_to_a_recount(db, operations):
    empty_store(db)
    people = [add_contact(db, number).id for number in range(3)]
    event_ids: list[int] = []
    for operation in operations:
        _apply(db, operation, people, event_ids)
    for contact_id in people:
        assert rollup(db, contact_id) == recount(db, contact_id)


def _apply(db, operation: tuple, people: list[int], event_ids: list[int]) -> None:
    kind, *args = operation
    if kind == "insert":
        owner, name, total, hours = args
        values = {"contact_id": None if owner is None else people[owner], "name": name,
                  "properties": total if isinstance(total, dict) else {} if total is None else {"total": total},
                  "occurred_at": NOW - timedelta(hours=hours), "received_at": NOW}
        event_ids.append(db.execute(insert(Event).values(values).returning(Event.id)).scalar_one())
        return
    if not event_ids:
        return
    target = Event.id == event_ids[args[0] % len(event_ids)]
    if kind == "delete":
        db.execute(delete(Event).where(target))
        event_ids.remove(event_ids[args[0] % len(event_ids)])
        return
    column = {"total": "properties", "move": "contact_id", "rename": "name", "retime": "occurred_at"}[kind]
    value = args[1]
    if kind == "total":
        value = value if isinstance(value, dict) else {} if value is None else {"total": value}
    elif kind == "move":
        value = None if value is None else people[value]
    elif kind == "retime":
        value = NOW - timedelta(hours=value)
    db.execute(update(Event).where(target).values({column: value}))


def test_downgrading_keeps_every_event_and_upgrading_fills_the_rollup(database_url):
    """0007 down and up again on a store with data: no event is lost on the way down (a copy of
    contacts would cascade to them), and orders written without the triggers are counted."""
    engine = nudge_db.engine_for(database_url)
    with nudge_db.session_scope(engine) as db:
        buyer = add_contact(db, 7, user_id="old-buyer")
        add_event(db, buyer, PURCHASE_EVENT, 72, total=80)
        add_event(db, add_contact(db, 8, user_id="browser"), "Product Viewed", 1, total=5)
        buyer_id, browser_id = buyer.id, db.scalar(select(Contact.id).where(Contact.user_id == "browser"))
    _downgrade(database_url, "0006_segment_statistics")
    stamp = datetime(2026, 11, 1, 9, 30)  # naive UTC, as the column stores it
    with engine.begin() as connection:
        assert connection.scalar(text("SELECT count(*) FROM events")) == 2
        connection.execute(text(
            "INSERT INTO events (contact_id, name, properties, occurred_at, received_at) "
            "VALUES (:id, 'Order Completed', '{\"total\": 19.5}', :at, :at)"), {"id": buyer_id, "at": stamp})
    nudge_db.upgrade(database_url)
    with nudge_db.session_scope(engine) as db:
        assert rollup(db, buyer_id) == (2, 99.5, NOW - timedelta(hours=72))
        assert rollup(db, browser_id) == (0, 0.0, None)


def test_upgrading_to_0010_values_existing_orders_by_the_one_rule(database_url):
    """Under 0007 an order of products alone added 0 to lifetime spend; 0010 recounts it as 40,
    and its triggers keep counting that way; downgrading restores 0007's total-only rule."""
    engine = nudge_db.engine_for(database_url)
    with nudge_db.session_scope(engine) as db:
        buyer_id = add_contact(db, 9, user_id="products-only").id
    _downgrade(database_url, "0007_order_rollup")
    products = {"products": [{"price": 20, "quantity": 2}]}
    with nudge_db.session_scope(engine) as db:
        add_event(db, db.get(Contact, buyer_id), PURCHASE_EVENT, 30, **products)
        assert rollup(db, buyer_id)[:2] == (1, 0.0), "0007 counts a numeric total only"
    nudge_db.upgrade(database_url)
    with nudge_db.session_scope(engine) as db:
        assert rollup(db, buyer_id)[:2] == (1, 40.0)
        add_event(db, db.get(Contact, buyer_id), PURCHASE_EVENT, 20, revenue=12.5)
        assert rollup(db, buyer_id)[:2] == (2, 52.5)


def _downgrade(url: str, revision: str) -> None:
    from alembic import command

    with nudge_db.engine_for(url).begin() as connection:
        config = nudge_db.alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@pytest.fixture
def two_writers(database_url):
    """(engine, contact id, open first connection, start_second): two PostgreSQL writers of one
    contact's events; `start_second(values)` inserts and commits an event on a thread and
    returns a threading.Event set once it has committed."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    engine = create_engine(database_url)
    with nudge_db.session_scope(engine) as db:
        contact_id = add_contact(db, 1).id
    first = engine.connect()
    first.begin()
    threads: list[threading.Thread] = []

    def start_second(values: dict) -> threading.Event:
        done = threading.Event()

        def write() -> None:
            with engine.begin() as connection:
                connection.execute(insert(Event).values(**values))
            done.set()

        threads.append(threading.Thread(target=write))
        threads[-1].start()
        return done

    yield engine, contact_id, first, start_second
    first.close()
    for thread in threads:
        thread.join(10)
    engine.dispose()


def _event(contact_id: int, name: str, total: float, at: datetime = NOW) -> dict:
    return {"contact_id": contact_id, "name": name, "properties": {"total": total},
            "occurred_at": at, "received_at": NOW}


@pytest.mark.postgres
def test_two_writers_adding_orders_at_once_are_both_counted(two_writers):
    """Each recount waits for the other writer's lock and then sees its committed order."""
    engine, contact_id, first, start_second = two_writers
    first.execute(insert(Event).values(**_event(contact_id, PURCHASE_EVENT, 10, NOW - timedelta(hours=2))))
    second_done = start_second(_event(contact_id, PURCHASE_EVENT, 5))
    assert not second_done.wait(0.5), "the second writer waits for the first one's contact lock"
    first.commit()
    assert second_done.wait(10)
    with nudge_db.session_scope(engine) as db:
        assert rollup(db, contact_id) == (2, 15.0, NOW)


@pytest.mark.postgres
def test_an_open_writer_of_other_events_neither_blocks_nor_deadlocks_an_order_writer(two_writers):
    """Every event insert holds a KEY SHARE lock on its contact (the foreign key) until commit;
    the recount must not wait for it, or two writers of one contact's events would deadlock."""
    engine, contact_id, first, start_second = two_writers
    first.execute(insert(Event).values(**_event(contact_id, "Product Viewed", 1)))
    second_done = start_second(_event(contact_id, PURCHASE_EVENT, 5))
    assert second_done.wait(10), "the order writer finished while the other writer stayed open"
    first.execute(insert(Event).values(**_event(contact_id, PURCHASE_EVENT, 7)))
    first.commit()
    with nudge_db.session_scope(engine) as db:
        assert rollup(db, contact_id) == (2, 12.0, NOW)

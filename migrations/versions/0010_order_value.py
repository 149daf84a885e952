"""The order rollup counts an order's value by the one rule, not only a numeric `total`.

0007's triggers summed `total` alone, so an order carrying `revenue`, or only products with
price and quantity (`{"products": [{"price": 20, "quantity": 2}]}`), added 0 to
`contacts.lifetime_spend` while attribution counted 40. This revision rebuilds the triggers (and
PostgreSQL's recount function) around `tools.audience.order_value.rule_sql`, the rule's one home, and
recounts every buyer so stored spends follow it (the backfill). Everything else about 0007
(statement-level triggers and row locks on PostgreSQL, row triggers on SQLite, rounding to a
millionth) is unchanged. A later change of the rule needs a revision like this one.

Revision ID: 0010_order_value
Revises: 0009_message_links
Create Date: 2026-12-01 22:00:00
"""

import importlib.util
from pathlib import Path

from alembic import op

from tools.audience.order_value import rule_sql

revision = "0010_order_value"
down_revision = "0009_message_links"
branch_labels = None
depends_on = None

ORDER = "'Order Completed'"


def _previous():
    """Revision 0007, whose trigger shapes this one keeps (and restores on downgrade)."""
    path = Path(__file__).with_name("0007_order_rollup.py")
    spec = importlib.util.spec_from_file_location("nudge_migration_0007", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sqlite_recount() -> str:
    return f"""
    (SELECT count(*), round(coalesce(sum({rule_sql('sqlite', 'e.properties')}), 0.0), 6),
            max(e.occurred_at)
     FROM events e WHERE e.contact_id = contacts.id AND e.name = {ORDER})"""


def _pg_recount() -> str:
    return f"""
CREATE OR REPLACE FUNCTION nudge_recount_orders_of(contact_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE contacts c
    SET order_count = recount.orders, lifetime_spend = recount.spend,
        last_order_at = recount.last_order
    FROM (
        SELECT ids.id, count(e.id) AS orders,
               CAST(round(CAST(coalesce(sum(CASE WHEN e.id IS NOT NULL
                   THEN {rule_sql('postgresql', 'e.properties')} END), 0.0)
                   AS NUMERIC), 6) AS DOUBLE PRECISION) AS spend,
               max(e.occurred_at) AS last_order
        FROM unnest(contact_ids) AS ids(id)
        LEFT JOIN events e ON e.contact_id = ids.id AND e.name = {ORDER}
        GROUP BY ids.id
    ) AS recount
    WHERE c.id = recount.id
$$"""


def _sqlite_triggers(recount: str, triggers: dict) -> None:
    for event, (timing, when, ids) in triggers.items():
        op.execute(f"DROP TRIGGER IF EXISTS events_recount_orders_{event}")
        op.execute(
            f"CREATE TRIGGER events_recount_orders_{event} {timing} FOR EACH ROW WHEN {when} BEGIN "
            f"UPDATE contacts SET (order_count, lifetime_spend, last_order_at) = {recount} "
            f"WHERE id IN ({ids}); END"
        )
    op.execute(
        "UPDATE contacts SET (order_count, lifetime_spend, last_order_at) = "
        f"{recount} WHERE id IN (SELECT contact_id FROM events WHERE name = {ORDER})"
    )


def _pg_recount_everyone() -> None:
    op.execute(
        "SELECT nudge_recount_orders_of(ARRAY("
        f"SELECT DISTINCT contact_id FROM events WHERE name = {ORDER} AND contact_id IS NOT NULL))"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_pg_recount())
        _pg_recount_everyone()
    else:
        _sqlite_triggers(_sqlite_recount(), _previous().SQLITE_TRIGGERS)


def downgrade() -> None:
    previous = _previous()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(previous.PG_RECOUNT.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
        _pg_recount_everyone()
    else:
        _sqlite_triggers(previous.SQLITE_RECOUNT, previous.SQLITE_TRIGGERS)

"""Order rollup: each contact's order count, lifetime spend and last order, kept by the database.

The questions marketers ask most ("spent over 500", "no order for 60 days", "did not buy this
week", CASL implied consent from a purchase in two years) read every "Order Completed" event
and, for spend, parse the `total` out of each one's JSON: 7 of the 8.7 s of "VIPs lapsed 60
days" on a million contacts went to parsing. Three columns on `contacts` hold the answer
instead, and triggers keep them equal to a recount for every writer (HTTP ingest, imports, the
seed's COPY, identity changes, erasure and retention), so no Python path can forget them.

The triggers recount the changed contacts from `events` rather than adding deltas, so the
columns equal what `tools.audience.sql` computes from events; both round spend to a millionth,
because adding floats in another order (PostgreSQL's plans vary it) can change the last bit.
On PostgreSQL the trigger runs once per statement and first locks the affected contact rows in
id order: a concurrent writer's orders are then committed and seen by the recount (it runs on
a fresh snapshot), and two recounts never wait on each other in opposite orders. The lock is
FOR NO KEY UPDATE, the one an UPDATE of these columns takes anyway: it does not wait for the
KEY SHARE locks that every event insert's foreign-key check holds on its contact, so two
writers adding events for one contact cannot deadlock. SQLite has one writer at a time, so a
row trigger is enough there.

Revision ID: 0007_order_rollup
Revises: 0006_segment_statistics
Create Date: 2026-11-29 01:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_order_rollup"
down_revision = "0006_segment_statistics"
branch_labels = None
depends_on = None

ORDER = "'Order Completed'"
# Spend is rounded to a millionth, as tools.audience.sql rounds sums of event properties: the
# order in which a database adds floats then never shows in the last bit.
SQLITE_RECOUNT = f"""
    (SELECT count(*),
            round(coalesce(sum(CASE WHEN json_type(e.properties, '$.total') IN ('integer', 'real')
                                    THEN json_extract(e.properties, '$.total') END), 0.0), 6),
            max(e.occurred_at)
     FROM events e WHERE e.contact_id = contacts.id AND e.name = {ORDER})"""
SQLITE_TRIGGERS = {
    "insert": ("AFTER INSERT ON events", f"NEW.name = {ORDER}", "NEW.contact_id"),
    "delete": ("AFTER DELETE ON events", f"OLD.name = {ORDER}", "OLD.contact_id"),
    "update": ("AFTER UPDATE OF contact_id, name, properties, occurred_at ON events",
               f"OLD.name = {ORDER} OR NEW.name = {ORDER}", "OLD.contact_id, NEW.contact_id"),
}
PG_RECOUNT = f"""
CREATE FUNCTION nudge_recount_orders_of(contact_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE contacts c
    SET order_count = recount.orders, lifetime_spend = recount.spend,
        last_order_at = recount.last_order
    FROM (
        SELECT ids.id, count(e.id) AS orders,
               CAST(round(CAST(coalesce(sum(
                   CASE WHEN jsonb_typeof(e.properties -> 'total') = 'number'
                        THEN CAST(e.properties ->> 'total' AS DOUBLE PRECISION) END), 0.0)
                   AS NUMERIC), 6) AS DOUBLE PRECISION) AS spend,
               max(e.occurred_at) AS last_order
        FROM unnest(contact_ids) AS ids(id)
        LEFT JOIN events e ON e.contact_id = ids.id AND e.name = {ORDER}
        GROUP BY ids.id
    ) AS recount
    WHERE c.id = recount.id
$$"""
PG_TRIGGER_FUNCTION = f"""
CREATE FUNCTION nudge_recount_orders() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_ids bigint[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        changed_ids := ARRAY(
            SELECT contact_id FROM changed_rows WHERE name = {ORDER} AND contact_id IS NOT NULL
            UNION
            SELECT contact_id FROM previous_rows WHERE name = {ORDER} AND contact_id IS NOT NULL);
    ELSE
        changed_ids := ARRAY(
            SELECT DISTINCT contact_id FROM changed_rows
            WHERE name = {ORDER} AND contact_id IS NOT NULL);
    END IF;
    IF cardinality(changed_ids) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM contacts WHERE id = ANY(changed_ids) ORDER BY id FOR NO KEY UPDATE;
    PERFORM nudge_recount_orders_of(changed_ids);
    RETURN NULL;
END $$"""
PG_TRIGGERS = {
    "insert": "AFTER INSERT ON events REFERENCING NEW TABLE AS changed_rows",
    "delete": "AFTER DELETE ON events REFERENCING OLD TABLE AS changed_rows",
    "update": "AFTER UPDATE ON events REFERENCING OLD TABLE AS previous_rows NEW TABLE AS changed_rows",
}


def upgrade() -> None:
    op.add_column("contacts", sa.Column("order_count", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("contacts", sa.Column("lifetime_spend", sa.Float(), nullable=False, server_default="0"))
    op.add_column("contacts", sa.Column("last_order_at", sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _upgrade_sqlite() -> None:
    for event, (timing, when, ids) in SQLITE_TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER events_recount_orders_{event} {timing} FOR EACH ROW WHEN {when} BEGIN "
            f"UPDATE contacts SET (order_count, lifetime_spend, last_order_at) = {SQLITE_RECOUNT} "
            f"WHERE id IN ({ids}); END"
        )
    op.execute(
        "UPDATE contacts SET (order_count, lifetime_spend, last_order_at) = "
        f"{SQLITE_RECOUNT} WHERE id IN (SELECT contact_id FROM events WHERE name = {ORDER})"
    )


def _upgrade_postgresql() -> None:
    op.execute(PG_RECOUNT)
    op.execute(PG_TRIGGER_FUNCTION)
    for event, timing in PG_TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER events_recount_orders_{event} {timing} "
            "FOR EACH STATEMENT EXECUTE FUNCTION nudge_recount_orders()"
        )
    op.execute(
        "SELECT nudge_recount_orders_of(ARRAY("
        f"SELECT DISTINCT contact_id FROM events WHERE name = {ORDER} AND contact_id IS NOT NULL))"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for event in SQLITE_TRIGGERS:  # the same three events on both databases
        op.execute(f"DROP TRIGGER IF EXISTS events_recount_orders_{event}" + (" ON events" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS nudge_recount_orders()")
        op.execute("DROP FUNCTION IF EXISTS nudge_recount_orders_of(bigint[])")
    # A plain DROP COLUMN (SQLite 3.35 and later), never a batch copy of contacts: dropping the
    # old table would cascade to every event through the foreign key.
    for column in ("last_order_at", "lifetime_spend", "order_count"):
        op.execute(f"ALTER TABLE contacts DROP COLUMN {column}")

"""What an order is worth: the one rule, as one SQL construct that every reader of order value uses.

An "Order Completed" event is worth Segment's `total`, else its `revenue`, else the sum of its
`products`' `price` x `quantity` (a product without a numeric quantity counts once), else its
`value`, else 0. Only JSON numbers count ("40" as a string, true, NaN are no value), as in every
other segment test of a property. `{"products": [{"price": 20, "quantity": 2}]}` is 40.

The rule runs in the database, so the order rollup's triggers (migrations 0007 and 0008,
`contacts.lifetime_spend`), segment sums ("spent over 500"), lookalike rankings and attribution
(`tools.reporting.attribution`, which writes `conversions.revenue`) read the same number from the same
SQL, whichever program wrote the event (HTTP ingest, imports, the seed's COPY, raw SQL).
COALESCE evaluates lazily on both databases, so an order with a `total` (the common case)
never pays for walking its products.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

ORDER_EVENT = "Order Completed"
# A segment sum of any of these on orders ("spent over 500" is a sum of `total`) means the order
# value: an order carrying only `revenue` or products is not worth 0 to one reader and more to another.
ORDER_VALUE_PROPERTIES = ("total", "revenue", "value")

SQLITE_RULE = """coalesce(
    CASE WHEN json_type({p}, '$.total') IN ('integer', 'real') THEN json_extract({p}, '$.total') END,
    CASE WHEN json_type({p}, '$.revenue') IN ('integer', 'real') THEN json_extract({p}, '$.revenue') END,
    CASE WHEN json_type({p}, '$.products') = 'array' THEN (
        SELECT sum(json_extract(item.value, '$.price') *
                   CASE WHEN json_type(item.value, '$.quantity') IN ('integer', 'real')
                        THEN json_extract(item.value, '$.quantity') ELSE 1 END)
        FROM json_each({p}, '$.products') AS item
        WHERE item.type = 'object' AND json_type(item.value, '$.price') IN ('integer', 'real')) END,
    CASE WHEN json_type({p}, '$.value') IN ('integer', 'real') THEN json_extract({p}, '$.value') END,
    0.0)"""

# CASE guards every cast: PostgreSQL may evaluate AND operands in any order, and a cast of a
# non-numeric string would abort the statement (and, in a trigger, the write).
PG_RULE = """coalesce(
    CASE WHEN jsonb_typeof({p} -> 'total') = 'number' THEN CAST({p} ->> 'total' AS DOUBLE PRECISION) END,
    CASE WHEN jsonb_typeof({p} -> 'revenue') = 'number' THEN CAST({p} ->> 'revenue' AS DOUBLE PRECISION) END,
    CASE WHEN jsonb_typeof({p} -> 'products') = 'array' THEN (
        SELECT sum(CASE WHEN jsonb_typeof(item -> 'price') = 'number'
                        THEN CAST(item ->> 'price' AS DOUBLE PRECISION) END *
                   CASE WHEN jsonb_typeof(item -> 'quantity') = 'number'
                        THEN CAST(item ->> 'quantity' AS DOUBLE PRECISION) ELSE 1 END)
        FROM jsonb_array_elements({p} -> 'products') AS items(item)) END,
    CASE WHEN jsonb_typeof({p} -> 'value') = 'number' THEN CAST({p} ->> 'value' AS DOUBLE PRECISION) END,
    0.0)"""


def rule_sql(dialect: str, properties: str) -> str:
    """The rule as SQL text over the `properties` column expression (for the triggers)."""
    return (PG_RULE if dialect == "postgresql" else SQLITE_RULE).format(p=properties)


class _OrderValue(FunctionElement):
    type = Float()
    inherit_cache = True


def order_value(properties: Any) -> ColumnElement[float]:
    """The value of the order whose properties are the JSON column `properties` (never NULL)."""
    return _OrderValue(properties)


@compiles(_OrderValue, "sqlite")
def _order_value_sqlite(element: _OrderValue, compiler: Any, **kw: Any) -> str:
    return f"({rule_sql('sqlite', compiler.process(list(element.clauses)[0], **kw))})"


@compiles(_OrderValue, "postgresql")
def _order_value_pg(element: _OrderValue, compiler: Any, **kw: Any) -> str:
    return f"({rule_sql('postgresql', compiler.process(list(element.clauses)[0], **kw))})"

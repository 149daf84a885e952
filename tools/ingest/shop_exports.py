"""Back-fill from Shopify's admin CSV exports: customers as contacts, orders as "Order Completed".

Streamed like the other imports (`tools.ingest.importer`: its reader, line numbers, batches of
`BATCH`, progress and audit), and idempotent the same way: contacts are upserted (an unchanged
one is not written) and every order is keyed by `shopify:order:<Id>` (the key the orders
webhook uses, so orders already received by webhook are not counted twice), or by its Name
when the export has no Id column. Header names are matched as Shopify prints them, in any case.

Customers (*Customers -> Export*): the contact is `shopify:<Customer ID>` (the id the customers
webhook uses; Shopify prefixes it with an apostrophe for spreadsheets), or the email when the
export has no Customer ID. Read: First Name, Last Name, Email, Default Address Country Code and
Province Code (or the older Country Code and Province Code), Tags (as `traits.tags`), and
Accepts Email Marketing (the older exports' Accepts Marketing): "yes" -> `opt_in`, "no" -> `none`, with source
`shopify-export:accepts_email_marketing`. An export carries no consent times, so it never
overrides a suppression: for an address suppressed for any reason (unsubscribed through
Nudge, bounced, complained, erased) the export's consent is ignored.

Orders (*Orders -> Export*): one row per line item, the order's own fields only on its first
row; rows of one order follow each other and share its Name. Read: Name, Id, Email, Financial
Status, Paid at, Created at, Cancelled at, Currency, Subtotal, Shipping, Taxes, Total, Discount
Amount, and per row Lineitem name, price, quantity and sku. An unpaid (pending, voided) or
cancelled order is skipped, as the orders webhook skips it. The buyer is the existing contact
with that email (a customer imported or received earlier), else the contact named by the email.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select

from tools.core.bulk import chunked, lock_for_writing, write_turn
from tools.core.clock import SYSTEM_CLOCK, Clock
from tools.core.context import ToolError
from tools.core.db import session_scope
from tools.core.identity import email_hash, email_salt, normalise_email
from tools.core.models import Contact, Suppression
from tools.ingest.calls import MAX_CALL_BYTES
from tools.ingest.contacts import contact_fields, upsert_contacts
from tools.ingest.importer import (
    BATCH,
    ByteCounter,
    ImportSummary,
    Problem,
    Progress,
    audit_import,
    flush_events,
    numbered_rows,
    open_import,
    store_rows,
)
from tools.ingest.shop_calls import money, present, quantity
from tools.ingest.shopify import is_purchase

CONSENT_SOURCE = "shopify-export:accepts_email_marketing"
CUSTOMER_COLUMNS = {
    "customer id": "id", "first name": "first_name", "last name": "last_name", "email": "email",
    "accepts email marketing": "accepts", "accepts marketing": "accepts",
    "default address country code": "country",
    "country code": "country", "default address province code": "region", "province code": "region",
    "tags": "tags",
}
ORDER_COLUMNS = {
    "name": "name", "id": "id", "email": "email", "financial status": "financial_status",
    "paid at": "paid_at", "created at": "created_at", "cancelled at": "cancelled_at",
    "currency": "currency", "subtotal": "subtotal", "shipping": "shipping", "taxes": "taxes",
    "total": "total", "discount amount": "discount", "lineitem name": "line_name",
    "lineitem price": "line_price", "lineitem quantity": "line_quantity", "lineitem sku": "line_sku",
}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z")


@dataclass
class ShopImportSummary(ImportSummary):
    """An import's summary; `skipped` counts orders left out on purpose (unpaid, cancelled)."""

    orders: int = 0
    skipped: int = 0

    def lines(self) -> list[str]:
        done = f"{self.path}: {self.rows:,} rows read, {self.imported:,} imported, {self.rejected:,} rejected"
        if self.kind == "shopify-customers":
            return [done + f" ({self.created:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged)"]
        return [f"{self.path}: {self.rows:,} rows read ({self.orders:,} orders), {self.imported:,} orders "
                f"imported, {self.rejected:,} rejected, {self.skipped:,} skipped as unpaid or cancelled "
                f"({self.new_events:,} new events; duplicates skipped)"]


def _reader(path, summary_kind: str, columns: dict[str, str], needed: tuple[str, ...], progress):
    """The file, its byte counter, its CSV reader and the header's positions by field name."""
    raw = open_import(path)
    counter = ByteCounter(raw, os.fstat(raw.fileno()).st_size, progress)
    reader = csv.reader(counter.lines())
    try:
        header = [cell.strip().lower() for cell in next(iter(reader))]
    except StopIteration:
        raw.close()
        raise ToolError(f"{path}: the file is empty; expected the header row of Shopify's "
                        f"{summary_kind} export") from None
    except csv.Error as error:
        raw.close()
        raise ToolError(f"{path}: line 1: unreadable header ({error})") from None
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in columns and columns[name] not in positions:
            positions[columns[name]] = index
    missing = [label for label, field in columns.items() if field in needed and field not in positions]
    if not any(field in positions for field in needed):
        raw.close()
        found = ", ".join(cell[:40] for cell in header[:8]) or "none"
        raise ToolError(f"{path}: this is not Shopify's {summary_kind} export: no "
                        f"{' or '.join(repr(m.title()) for m in missing)} column (columns found: {found})")
    return raw, counter, reader, header, positions


def _cells(header: list[str], cells: list[str], positions: dict[str, int]) -> dict[str, str]:
    if len(cells) != len(header):
        raise ValueError(f"has {len(cells)} cells but the header has {len(header)} columns")
    if sum(len(cell) for cell in cells) > MAX_CALL_BYTES:
        raise ValueError(f"row is larger than {MAX_CALL_BYTES // 1024} KB")
    if any("\x00" in cell for cell in cells):
        raise ValueError("contains a NUL character, which cannot be stored")
    return {field: cells[index].strip() for field, index in positions.items()}


def import_customers(engine: Engine, path: str | Path, clock: Clock = SYSTEM_CLOCK,
                     on_problem: Problem | None = None, progress: Progress | None = None) -> ShopImportSummary:
    """Upsert contacts from Shopify's customers export."""
    summary = ShopImportSummary("shopify-customers", str(path))
    raw, counter, reader, header, positions = _reader(path, "customers", CUSTOMER_COLUMNS, ("id", "email"),
                                                      progress)
    with raw:
        store_rows(engine, numbered_rows(reader, counter), lambda cells: customer_row(_cells(header, cells, positions)),
                   _flush_customers, summary, clock, on_problem)
    return summary


def customer_row(values: dict[str, str]) -> dict:
    """The contact row (as `contact_fields` makes it) for one customers-export row."""
    customer_id = values.get("id", "").lstrip("'").strip()
    if customer_id and not customer_id.isdigit():
        raise ValueError(f"Customer ID: {customer_id[:40]!r} is not a Shopify customer id (digits)")
    email = values.get("email", "")
    user_id = f"shopify:{customer_id}" if customer_id else normalise_email(email)
    if not user_id:
        raise ValueError("Email is empty (and there is no Customer ID)" if not email
                         else f"Email: {email[:80]!r} is not an email address")
    traits = present({"email": email, "first_name": values.get("first_name"),
                      "last_name": values.get("last_name"), "country": values.get("country"),
                      "region": values.get("region"), "tags": values.get("tags")})
    if customer_id:
        traits["shopify_customer_id"] = customer_id
    accepts = values.get("accepts", "").lower()
    if accepts in ("yes", "no"):
        traits.update(email_consent="opt_in" if accepts == "yes" else "none", consent_source=CONSENT_SOURCE)
    elif accepts:
        raise ValueError(f"Accepts Email Marketing: {accepts[:40]!r} is not yes or no")
    try:
        return contact_fields(user_id, traits, prefix="")
    except ValueError as error:
        raise ValueError(str(error).replace("email:", "Email:").replace("country:", "Country Code:")) from None


def _flush_customers(engine: Engine, pending: list[dict], now: datetime, summary: ShopImportSummary) -> None:
    if not pending:
        return
    with write_turn(engine), session_scope(engine) as db:
        lock_for_writing(db)
        salt = email_salt(db)
        suppressed = _suppressed(db, salt, [row["email"] for row in pending if row.get("email")])
        for row in pending:
            if row.get("email") and email_hash(salt, row["email"]) in suppressed:
                row.pop("email_consent", None)
                row.pop("consent_source", None)
        outcome = upsert_contacts(db, pending, salt, now)
    summary.imported += len(pending)
    summary.created += outcome.created
    summary.updated += outcome.updated
    summary.unchanged += outcome.unchanged
    pending.clear()


def _suppressed(db, salt: str, emails: list[str]) -> set[str]:
    hashes = sorted({email_hash(salt, email) for email in emails})
    found: set[str] = set()
    for chunk in chunked(hashes, 1000):
        found.update(db.scalars(select(Suppression.email_hash).where(Suppression.email_hash.in_(chunk))))
    return found


class RowProblem(ValueError):
    """A bad value in an order, with the line of the row it is on."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


@dataclass
class _Order:
    line: int
    head: dict[str, str]
    lines: list[tuple[int, dict[str, str]]]


def import_orders(engine: Engine, path: str | Path, clock: Clock = SYSTEM_CLOCK,
                  on_problem: Problem | None = None, progress: Progress | None = None) -> ShopImportSummary:
    """Store paid orders from Shopify's orders export as "Order Completed" events."""
    summary = ShopImportSummary("shopify-orders", str(path))
    raw, counter, reader, header, positions = _reader(path, "orders", ORDER_COLUMNS, ("name",), progress)
    with raw:
        calls: list[dict] = []
        numbers: list[int] = []
        for order in _orders(reader, counter, header, positions, summary, on_problem):
            summary.orders += 1
            try:
                call = order_call(order)
            except RowProblem as problem:
                summary.reject(problem.line, str(problem), on_problem)
                continue
            if call is None:
                summary.skipped += 1
                continue
            calls.append(call)
            numbers.append(order.line)
            if len(calls) >= BATCH:
                _flush_orders(engine, calls, numbers, clock.now(), summary, on_problem)
        _flush_orders(engine, calls, numbers, clock.now(), summary, on_problem)
    audit_import(engine, summary, clock.now())
    return summary


def _orders(reader, counter, header, positions, summary: ShopImportSummary, on_problem) -> Iterator[_Order]:
    """Orders, each with its first row's fields and every row's line item, in file order."""
    current: _Order | None = None
    for line, cells, problem in numbered_rows(reader, counter):
        summary.rows += 1
        try:
            if problem:
                raise ValueError(problem)
            values = _cells(header, cells, positions)
        except ValueError as error:
            summary.reject(line, str(error), on_problem)
            continue
        if not values.get("name"):
            summary.reject(line, "Name is empty (the order's name, e.g. #1001)", on_problem)
            continue
        if current is not None and values["name"] == current.head["name"]:
            current.lines.append((line, values))
            continue
        if current is not None:
            yield current
        current = _Order(line, values, [(line, values)])
    if current is not None:
        yield current


def order_call(order: _Order) -> dict | None:
    """The "Order Completed" call for one exported order, or None for an unpaid or cancelled one.

    A bad value raises RowProblem naming the row's line and the column."""
    head = order.head
    if not is_purchase(head.get("financial_status"), bool(head.get("cancelled_at"))):
        return None
    email = normalise_email(head.get("email"))
    if not email:
        raise RowProblem(order.line, "Email is empty or not an email address; the order cannot be tied "
                                     "to a customer")
    order_id = head.get("id", "").lstrip("'")
    products = []
    for line, values in order.lines:
        try:
            products.append(present({
                "product_id": values.get("line_sku") or values.get("line_name"),
                "sku": values.get("line_sku"), "name": values.get("line_name"),
                "price": money(values.get("line_price"), "Lineitem price"),
                "quantity": quantity(values.get("line_quantity"), "Lineitem quantity"),
            }))
        except ValueError as error:
            raise RowProblem(line, str(error)) from None
    try:
        properties = present({
            "order_id": order_id or head["name"], "name": head["name"],
            "total": money(head.get("total"), "Total"), "revenue": money(head.get("subtotal"), "Subtotal"),
            "tax": money(head.get("taxes"), "Taxes"), "shipping": money(head.get("shipping"), "Shipping"),
            "discount": money(head.get("discount"), "Discount Amount"), "currency": head.get("currency"),
            "source": "shopify-export",
        })
        at = _time(head.get("paid_at"), "Paid at") or _time(head.get("created_at"), "Created at")
    except ValueError as error:
        raise RowProblem(order.line, str(error)) from None
    properties["products"] = products
    key = f"shopify:order:{order_id}" if order_id.isdigit() else f"shopify:order-name:{head['name']}"
    return {"type": "track", "event": "Order Completed", "userId": email, "messageId": key,
            "timestamp": at, "properties": properties}


def _time(value: str | None, column: str) -> str | None:
    if not value:
        return None
    for layout in TIME_FORMATS:
        try:
            return datetime.strptime(value, layout).isoformat()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{column}: {value[:40]!r} is not a time like 2026-11-28 10:15:42 -0500") from None


def _flush_orders(engine, calls: list[dict], numbers: list[int], now, summary: ShopImportSummary,
                  on_problem) -> None:
    def attach_to_buyers(db, batch: list[dict]) -> None:
        buyers = _buyers(db, {call["userId"] for call in batch}, now)
        for call in batch:
            call["userId"] = buyers.get(call["userId"], call["userId"])

    flush_events(engine, calls, numbers, now, summary, on_problem, prepare=attach_to_buyers)


def _buyers(db, emails: set[str], now: datetime) -> dict[str, str]:
    """The existing contact's user_id for each email (a `shopify:` customer preferred); an
    email with no contact yet gets a contact keyed by the email, with the email set."""
    found: dict[str, str] = {}
    for chunk in chunked(sorted(emails), 1000):
        rows = db.execute(select(Contact.email, Contact.user_id).where(Contact.email.in_(chunk))
                          .order_by(Contact.id))
        for email, user_id in rows:
            preferred = user_id.startswith("shopify:") and not found.get(email, "").startswith("shopify:")
            if email not in found or preferred:
                found[email] = user_id
    new = sorted(emails - set(found))
    if new:
        upsert_contacts(db, [contact_fields(email, {"email": email}) for email in new], email_salt(db), now)
    return found

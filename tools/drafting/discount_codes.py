"""Pools of single-use discount codes: read from a shop's export, handed to one recipient each.

A campaign step may carry a pool of codes the shop created (Shopify: Discounts > a discount with
generated codes > Export, a CSV with a "Code" column; or any file of one code a line). At send
time `code_for` gives a message its code, the one it already holds when it is retried, else an
unclaimed one of its step's pool, claimed in the transaction that stores the rendered message:
- PostgreSQL: `UPDATE ... WHERE id = (SELECT id ... FOR UPDATE SKIP LOCKED LIMIT 1)`, so many
  workers take different codes without waiting for one another;
- SQLite: the same conditional UPDATE under the outbox batch's write lock (BEGIN IMMEDIATE).
`claimed_at IS NULL` in the UPDATE and the unique `message_id` keep a code from ever going to two
messages, and a message from ever holding two codes. A rolled-back batch (a crash before the
message was stored) gives its codes back with it. A claimed code stays claimed even when its
message is later deleted (an erasure): it may have reached someone.

An empty pool never means a discount email without its code: `PoolExhausted` makes the outbox
defer the message while codes may still be imported, then fail it (`Reason.DISCOUNT_CODES_EXHAUSTED`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from tools.core.bulk import insert_ignoring_duplicates
from tools.core.context import ToolError
from tools.core.models import CampaignStep, DiscountCode, Message
from tools.core.settings import DISCOUNT_CODE
from tools.core.vocabulary import Reason, Status

CODE_COLUMNS = ("code", "codes", "discount code", "discount_code", "coupon", "coupon code")
MAX_CODES = 100_000
# How long a message waits for codes to be imported before it fails: a discount that arrives
# days after the abandonment has lost its point, and the enrolment should be able to finish.
WAIT_FOR_CODES = timedelta(days=3)
RETRY_EVERY = timedelta(hours=1)
_CHUNK = 1000


class PoolExhausted(Exception):
    """The step has a pool and no code is left in it."""


@dataclass
class Parsed:
    """The codes a file holds (with their line numbers) and what was wrong with the other rows."""

    codes: list[tuple[int, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    repeated: int = 0


def parse_codes(text: str) -> Parsed:
    """The codes of a shop's CSV export (its "Code" column) or of a one-column list.

    Blank rows are skipped; a row without a valid code becomes `line N: reason`; a code repeated
    in the file (codes are compared ignoring case, as shops apply them) counts once.
    """
    parsed, seen = Parsed(), set()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    column: int | None = None
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if column is None:
                column = _code_column(cells)
                if column >= 0:
                    continue  # the header row
                column = 0
            _add(parsed, seen, reader.line_num, cells[column] if column < len(cells) else "")
            if len(parsed.codes) > MAX_CODES:
                raise ToolError(f"more than {MAX_CODES:,} codes in one file; split it and import the parts")
    except csv.Error as error:
        raise ToolError(f"line {reader.line_num}: the file is not readable CSV ({error})") from None
    return parsed


def _code_column(cells: list[str]) -> int:
    """The index of the header's code column, -1 for a one-column file without a header."""
    names = [cell.lower() for cell in cells]
    for index, name in enumerate(names):
        if name in CODE_COLUMNS:
            return index
    if len(cells) == 1:
        return -1
    raise ToolError(f"no Code column: the first row has {', '.join(cells[:8])}; give the CSV your shop "
                    "exports (Shopify: Discounts > the discount > Export codes) or a file of one code a line")


def _add(parsed: Parsed, seen: set[str], line: int, value: str) -> None:
    if not value:
        parsed.problems.append(f"line {line}: no code in the code column")
    elif not re.fullmatch(DISCOUNT_CODE, value):
        parsed.problems.append(f"line {line}: {value[:60]!r} is not a discount code "
                               "(2-40 letters, digits, - or _)")
    elif value.upper() in seen:
        parsed.repeated += 1
    else:
        seen.add(value.upper())
        parsed.codes.append((line, value))


@dataclass
class Stored:
    added: int
    already: int  # in a pool already (this one or another): ignored


def store_codes(db: Session, step: CampaignStep, codes: list[str], *, source: str, actor: str,
                now: datetime) -> Stored:
    """Add `codes` to `step`'s pool; a code already in any pool is left where it is."""
    added = 0
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start:start + _CHUNK]
        known = set(db.scalars(select(func.upper(DiscountCode.code))
                               .where(func.upper(DiscountCode.code).in_([c.upper() for c in chunk]))))
        rows = [{"step_id": step.id, "code": code, "source": source[:200], "imported_by": actor,
                 "imported_at": now} for code in chunk if code.upper() not in known]
        if rows:
            # Two imports of one file at once: the unique code makes the second a no-op.
            statement = insert_ignoring_duplicates(db, DiscountCode.__table__, ("code",))
            added += len(db.execute(statement.returning(DiscountCode.id), rows).all())
    return Stored(added, len(codes) - added)


def drop_pool(db: Session, step_id: int) -> int:
    """Delete a removed step's pool (update_sequence refuses to remove a step that has sent, so
    none of these codes was handed out); how many codes went."""
    return db.execute(delete(DiscountCode).where(DiscountCode.step_id == step_id)).rowcount or 0


@dataclass
class PoolCounts:
    total: int = 0
    claimed: int = 0
    sent: int = 0
    waiting: int = 0  # messages deferred because the pool was empty (they go once codes come)
    missed: int = 0   # messages failed after waiting WAIT_FOR_CODES for codes

    @property
    def left(self) -> int:
        return self.total - self.claimed


def pool_counts(db: Session, step_ids: list[int]) -> dict[int, PoolCounts]:
    """Per step id that has a pool: its codes, how many are claimed and sent, who waits for one."""
    if not step_ids:
        return {}
    found: dict[int, PoolCounts] = {}
    claimed = func.count(DiscountCode.claimed_at)
    sent = func.count(Message.sent_at)
    rows = db.execute(select(DiscountCode.step_id, func.count(), claimed, sent)
                      .outerjoin(Message, Message.id == DiscountCode.message_id)
                      .where(DiscountCode.step_id.in_(step_ids)).group_by(DiscountCode.step_id))
    for step_id, total, taken, delivered in rows:
        found[step_id] = PoolCounts(total, taken, delivered)
    held_back = db.execute(select(Message.step_id, Message.status, func.count())
                           .where(Message.step_id.in_(list(found)),
                                  Message.status.in_((Status.DEFERRED, Status.FAILED)),
                                  Message.reason == Reason.DISCOUNT_CODES_EXHAUSTED)
                           .group_by(Message.step_id, Message.status))
    for step_id, status, n in held_back:
        if status == Status.DEFERRED:
            found[step_id].waiting = n
        else:
            found[step_id].missed = n
    return found


def draft_has_pool(db: Session, draft_id: int | None) -> bool:
    """Whether a step using this draft hands out codes from a pool (so the code comes at send time)."""
    if draft_id is None:
        return False
    return db.scalar(select(DiscountCode.id).join(CampaignStep, CampaignStep.id == DiscountCode.step_id)
                     .where(CampaignStep.draft_id == draft_id).limit(1)) is not None


def code_for(db: Session, message_id: int, step_id: int, now: datetime) -> str | None:
    """The message's code from its step's pool (see the module notes); None when the step has no
    pool, `PoolExhausted` when it has one and every code is taken."""
    if not _has_pool(db, step_id):
        return None  # most steps: no query per message (the answer is kept per step and session)
    held = db.scalar(select(DiscountCode.code).where(DiscountCode.message_id == message_id))
    if held is not None:
        return held  # a retry, or a second pass after a deferral: the same code again
    free = (select(DiscountCode.id).where(DiscountCode.step_id == step_id, DiscountCode.claimed_at.is_(None))
            .order_by(DiscountCode.id).limit(1))
    if db.get_bind().dialect.name == "postgresql":
        free = free.with_for_update(skip_locked=True)
    claim = (update(DiscountCode)
             .where(DiscountCode.id == free.scalar_subquery(), DiscountCode.claimed_at.is_(None))
             .values(message_id=message_id, claimed_at=now)
             .returning(DiscountCode.code)
             .execution_options(synchronize_session=False))
    code = db.execute(claim).scalar()
    if code is None:
        raise PoolExhausted(step_id)
    return code


def _has_pool(db: Session, step_id: int) -> bool:
    # Asked for every message of a batch: once per step and session.
    known = db.info.setdefault("discount_pool_steps", {})
    if step_id not in known:
        known[step_id] = db.scalar(select(DiscountCode.id).where(DiscountCode.step_id == step_id).limit(1)) is not None
    return known[step_id]


def give_up_waiting(message: Message, now: datetime) -> bool:
    """Whether a message the empty pool holds back has waited long enough to fail instead."""
    return now - message.created_at >= WAIT_FOR_CODES

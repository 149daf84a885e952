"""Bulk writes that stay fast on both databases: insert-ignoring-duplicates and SQLite write locks.

Ingest, import and the demo seeder write thousands of rows at a time. They use Core `insert()`
with a list of parameter sets (one executemany, not the ORM row by row), and where a unique key
deduplicates (an event's messageId, a contact's user_id) the insert skips rows that already
exist: `ON CONFLICT DO NOTHING` on PostgreSQL, `INSERT OR IGNORE` semantics on SQLite.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import TypeVar

from sqlalchemy import Engine, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

T = TypeVar("T")
_TURNS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_TURNS_GUARD = threading.Lock()


def insert_ignoring_duplicates(db: Session, table: Table, unique: Sequence[str]) -> Insert:
    """An INSERT into `table` that skips rows clashing on the `unique` columns."""
    dialect = db.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(unique))


def lock_for_writing(db: Session) -> None:
    """On SQLite, take the write lock now (BEGIN IMMEDIATE) so read-then-write cannot deadlock.

    A SQLite transaction that reads first and writes later fails at once ("database is locked")
    when another connection wrote in between; taking the lock up front makes it wait its turn
    instead (busy timeout). PostgreSQL needs nothing: its row locks and ON CONFLICT cope.
    """
    if db.get_bind().dialect.name != "sqlite":
        return
    # The driver's own flag: the session may have begun (a PRAGMA ran) before pysqlite has.
    connection = db.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def write_turn(engine: Engine) -> Iterator[None]:
    """On SQLite, let this process's writer threads take turns on a lock around a transaction.

    A thread waiting on the lock wakes the moment the writer before it finishes; one waiting on
    SQLite's busy handler sleeps in growing steps (up to 100 ms) and loses throughput. Other
    processes still queue on the busy timeout. PostgreSQL writers need no turns.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    with _TURNS_GUARD:
        turn = _TURNS.setdefault(engine, threading.Lock())
    with turn:
        yield


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk

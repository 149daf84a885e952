"""Shared pieces of the hostile-input suites: the HTTP app on a test database, and snapshots.

A hostile request must get a clear refusal and leave what is stored exactly as it was, so each
suite takes a `snapshot()` of the tables a door can write before the attack and compares after.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from tools.core.models import (
    Approval,
    AuditEntry,
    Contact,
    Event,
    IdempotencyKey,
    Message,
    MessageEvent,
    Suppression,
)
from tools.core.settings import get_settings

WATCHED = (Contact, Event, Suppression, IdempotencyKey, Approval, Message, MessageEvent)
STATE = (Contact, Event, Suppression, Approval, Message, MessageEvent)


def snapshot(engine: Engine, models=WATCHED) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the watched tables, as sorted tuples (audit entries are left out)."""
    with engine.connect() as connection:
        return {
            model.__tablename__: sorted(
                (tuple(map(repr, row)) for row in connection.execute(select(model.__table__))),
            )
            for model in models
        }


def audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def basic(key: str, password: str = "") -> dict[str, str]:
    token = base64.b64encode(f"{key}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def http(settings) -> Iterator[TestClient]:
    """The whole Nudge HTTP app (every door) on the test database, as a test client."""
    from bot.web.app import build_app

    get_settings.cache_clear()
    with TestClient(build_app(get_settings()), base_url="http://127.0.0.1") as client:
        yield client

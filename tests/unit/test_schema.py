"""The migrations and the models describe the same schema, on every backend."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from tools.core import db as nudge_db
from tools.core.columns import Base


def test_migrations_match_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_is_idempotent(database_url):
    nudge_db.upgrade(database_url)
    assert nudge_db.current_revisions(database_url) != []


@pytest.mark.postgres
def test_postgres_samples_enough_events_to_estimate_contacts(engine):
    """Segment plans depend on PostgreSQL estimating how many contacts have events (0006)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("planner statistics targets are a PostgreSQL setting")
    with engine.connect() as connection:
        target = connection.scalar(text(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'events'::regclass AND attname = 'contact_id'"
        ))
    assert target == 1000

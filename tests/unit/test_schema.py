"""The migrations and the models describe the same schema, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tools import db as nudge_db
from tools.models import Base


def test_migrations_match_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_is_idempotent(database_url):
    nudge_db.upgrade(database_url)
    assert nudge_db.current_revisions(database_url) != []

"""Opening Nudge for a command: settings, the migrated database, and tool contexts on it.

Every CLI command, the HTTP server, the Slack app and the scheduler start here, so they all see
the same settings and the same database, and a bad setting stops them with one clear line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, exc

from tools.core import db as nudge_db
from tools.core.clock import SYSTEM_CLOCK, Clock
from tools.core.context import ToolContext
from tools.core.settings import Settings, get_settings


def database(settings: Settings | None = None, migrate: bool = True) -> Engine:
    """The engine for the configured database, migrated to the latest schema when asked.

    A database that cannot be used (missing, unreachable, locked) raises DatabaseUnavailable,
    whose message is the one line `nudge` prints before exiting 2.
    """
    settings = settings or get_settings()
    if migrate:
        try:
            nudge_db.upgrade(settings.database_url)
        except exc.SQLAlchemyError as error:
            if not nudge_db.is_unavailable(error):
                raise
            raise nudge_db.unavailable(error, settings.database_url) from None
    return nudge_db.engine_for(settings.database_url)


@contextmanager
def tool_context(
    actor: str = "cli",
    thread: str | None = None,
    settings: Settings | None = None,
    clock: Clock = SYSTEM_CLOCK,
    engine: Engine | None = None,
) -> Iterator[ToolContext]:
    """A ToolContext whose session commits when the block succeeds and rolls back otherwise."""
    settings = settings or get_settings()
    engine = engine or nudge_db.engine_for(settings.database_url)
    with nudge_db.session_scope(engine) as session:
        yield ToolContext(db=session, settings=settings, actor=actor, thread=thread, clock=clock)

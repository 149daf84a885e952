"""Alembic revisions, applied in order by `nudge db upgrade`."""

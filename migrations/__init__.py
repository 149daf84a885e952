"""Alembic environment and revisions: the only way Nudge's schema is created or changed."""

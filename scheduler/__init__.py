"""Nudge's clock: APScheduler jobs, the outbox worker and email delivery."""

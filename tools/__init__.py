"""Nudge's capabilities as plain functions over a database session.

Each module holds one capability (segments, drafting, compliance, frequency, sequences,
audiences, reporting, ingest); `tools.registry` is the single list of tools that the LLM agent,
the offline planner, the CLI and tests all call. Nothing here imports `bot` or `scheduler`.
"""

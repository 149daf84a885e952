"""tools.ingest.calls."""

"""tools.audience."""

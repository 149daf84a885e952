"""tools.core."""

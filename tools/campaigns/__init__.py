"""tools.campaigns."""
